"""End-to-end checks of the train / test tools and their launcher scripts.

Issue 3 "Done when": train -> resume -> test -> dist_test (2 processes)
works on ``configs/fam_resnet18_synthetic.py``.

* A module-scoped fixture writes a tiny synthetic benchmark (4 classes,
  24 / 8 / 9 images of 48-72 px) into a tmp dir, trains the synthetic FAM
  config for one epoch with ``tools/train.py``'s ``main(argv)`` and resumes
  it with ``--resume`` up to epoch 2.
* ``tools/test.py``'s ``main(argv)`` evaluates the epoch-2 checkpoint once
  with ``--out`` (pkl) and ``--show-dir``; the metrics, the per-image
  records, the PNGs and the json log it writes are checked, and an unknown
  evaluator argument must fail with an error naming it.
* ``tools/dist_test.sh ... 2`` (torchrun, 2 CPU processes on gloo) must give
  exactly (``==``) the single-process ``wsol/*`` metrics. The test split has
  9 images, so mmengine's ``DefaultSampler`` pads it to 10 and
  ``WSOLMetric``'s de-duplication of the padding is exercised.
* The slurm scripts run against a stub ``srun`` (see :func:`slurm_bin`) and
  the torchrun scripts against a stub ``PYTHON`` that records its argv; the
  four scripts must print their usage and exit 2 with too few arguments.

Every in-process run uses one torch thread: on this shared 2-core machine a
second OpenMP thread competing with other jobs makes training ~10x slower.
"""
import importlib.util
import json
import os
import os.path as osp
import pickle
import re
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import cv2
import pytest
import torch

from fam_mm.datasets.synthetic_wsol import generate_synthetic_wsol, read_meta
from fam_mm.utils import ConfigKeyError, InputError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_REL = 'configs/fam_resnet18_synthetic.py'
CONFIG = osp.join(REPO, CONFIG_REL)
TOOLS = osp.join(REPO, 'tools')

# 9 test images: not divisible by the 2 processes of the dist_test run
DATA = dict(
    num_classes=4,
    num_train=24,
    num_val=8,
    num_test=9,
    min_size=48,
    max_size=72)
# no top5_*: the tiny benchmark has 4 classes (WSOLMetric leaves them out);
# pxap: the synthetic test pipeline loads the exact object masks
METRIC_KEYS = {
    'top1_cls', 'top1_loc', 'gt_known_loc', 'mean_iou', 'maxboxacc_iou30',
    'maxboxacc_iou50', 'maxboxacc_iou70', 'maxboxaccv2', 'best_cam_threshold',
    'empty_box_rate', 'pxap'
}
# metrics that are (hits / number of images) in percent
COUNT_KEYS = {
    'top1_cls', 'top1_loc', 'gt_known_loc', 'maxboxacc_iou30',
    'maxboxacc_iou50', 'maxboxacc_iou70'
}
# variables of the launcher scripts (and of a surrounding job) that must not
# leak from the caller's environment into the subprocesses
LAUNCH_VARS = ('GPUS', 'GPUS_PER_NODE', 'CPUS_PER_TASK', 'SRUN_ARGS', 'NNODES',
               'NODE_RANK', 'MASTER_ADDR', 'MASTER_PORT', 'PORT', 'PYTHON',
               'RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE')
# generous: under heavy load (2 cores, other jobs) starting the two
# torchrun processes alone took ~4 min; a hang still ends
SUBPROCESS_TIMEOUT = 900


def _load_tool(rel_path: str, name: str):
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(REPO, rel_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


train_tool = _load_tool('tools/train.py', 'fam_tools_train')
test_tool = _load_tool('tools/test.py', 'fam_tools_test')


def data_options(data_root, batch_size: int = 4) -> list:
    """``--cfg-options`` pointing the three dataloaders at ``data_root``
    (None: leave their roots alone)."""
    opts = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [
            f'{loader}.batch_size={batch_size}', f'{loader}.num_workers=0',
            f'{loader}.persistent_workers=False'
        ]
        if data_root is not None:
            opts.append(f'{loader}.dataset.data_root={data_root}')
        opts += [f'{loader}.dataset.{k}={v}' for k, v in DATA.items()]
    return opts + [
        f'model.head.num_classes={DATA["num_classes"]}',
        'val_evaluator.cam_curve_interval=0.01',
        'test_evaluator.cam_curve_interval=0.01',
    ]


def train_options(data_root: str, max_epochs: int) -> list:
    return data_options(data_root) + [
        f'train_cfg.max_epochs={max_epochs}',
        'train_cfg.val_interval=1',
        # train from scratch: the demo's pretrained backbone is not needed
        'model.backbone.init_cfg=None',
    ]


_last_second = [0]


@contextmanager
def _tool_run():
    """Isolate one in-process ``main(argv)`` call.

    * one torch thread (see the module docstring);
    * ``os.environ`` restored (the tools set ``LOCAL_RANK``);
    * a new second for the run's timestamp: mmengine names its logger and
      visualizer instances ``<config>_<timestamp>`` and reuses an existing
      instance (with the previous run's log file) within the same second.
    """
    while int(time.time()) <= _last_second[0]:
        time.sleep(0.05)
    threads = torch.get_num_threads()
    environ = dict(os.environ)
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        os.environ.clear()
        os.environ.update(environ)
        _last_second[0] = int(time.time())


def _run_dirs(work_dir: str) -> list:
    """The ``<timestamp>`` folders of mmengine runs in ``work_dir``, oldest
    first."""
    return sorted(
        osp.join(work_dir, d) for d in os.listdir(work_dir)
        if re.fullmatch(r'\d{8}_\d{6}', d))


def _read(path: str) -> str:
    with open(path, encoding='utf-8') as f:
        return f.read()


def _wsol(metrics: dict) -> dict:
    return {k: v for k, v in metrics.items() if k.startswith('wsol/')}


def _test_json_metrics(work_dir: str) -> dict:
    """``wsol/*`` metrics of the only test run in ``work_dir``, read from
    the json log mmengine writes at ``<work_dir>/<ts>/<ts>.json``."""
    runs = _run_dirs(work_dir)
    assert len(runs) == 1, runs
    ts = osp.basename(runs[0])
    path = osp.join(runs[0], f'{ts}.json')
    assert osp.isfile(path), os.listdir(runs[0])
    return _wsol(json.loads(_read(path)))


def _clean_env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in LAUNCH_VARS and not k.startswith('SLURM_')
    }
    env['OMP_NUM_THREADS'] = '1'
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _bash(script: str,
          args,
          env: dict,
          cwd: str,
          timeout: int = 60,
          tools: str = TOOLS):
    return subprocess.run(
        ['bash', osp.join(tools, script), *map(str, args)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------
# train -> resume
# ---------------------------------------------------------------------------
@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """Train the synthetic FAM config 1 epoch, then resume it to epoch 2."""
    root = tmp_path_factory.mktemp('launchers')
    data_root = str(root / 'synthetic_wsol')
    meta = generate_synthetic_wsol(data_root, **DATA)
    work_dir = str(root / 'train')
    argv = [CONFIG, '--work-dir', work_dir, '--cfg-options']
    with _tool_run():
        first = train_tool.main(argv + train_options(data_root, 1))
    with _tool_run():
        resumed = train_tool.main(argv[:3] + ['--resume'] + argv[3:] +
                                  train_options(data_root, 2))
    return dict(
        root=root,
        data_root=data_root,
        meta=meta,
        work_dir=work_dir,
        first=first,
        resumed=resumed,
        ckpt=osp.join(work_dir, 'epoch_2.pth'))


def test_train_and_resume(trained):
    work_dir = trained['work_dir']
    assert trained['first'].epoch == 1
    assert trained['resumed'].epoch == 2
    assert trained['resumed'].iter == 2 * DATA['num_train'] // 4
    for epoch in (1, 2):
        assert osp.isfile(osp.join(work_dir, f'epoch_{epoch}.pth'))
    assert _read(osp.join(work_dir, 'last_checkpoint')).strip() == \
        trained['ckpt']
    ckpt = torch.load(trained['ckpt'], map_location='cpu', weights_only=False)
    assert ckpt['meta']['epoch'] == 2
    assert ckpt['meta']['iter'] == 2 * DATA['num_train'] // 4
    # the head was really built for the tiny benchmark's 4 classes
    assert ckpt['meta']['dataset_meta']['classes'] == tuple(
        trained['meta']['classes'])

    # two runs, each with its own log; the second resumed from epoch 1
    first_dir, second_dir = _run_dirs(work_dir)
    first_log = _read(osp.join(first_dir, osp.basename(first_dir) + '.log'))
    second_log = _read(osp.join(second_dir, osp.basename(second_dir) + '.log'))
    assert 'resumed epoch' not in first_log
    assert 'Epoch(train) [1]' in first_log
    assert 'Epoch(val) [1]' in first_log
    assert re.search(
        r'Auto resumed from the latest checkpoint \S*epoch_1\.pth',
        second_log), second_log[-3000:]
    assert 'resumed epoch: 1, iter: 6' in second_log
    assert 'Epoch(train) [2]' in second_log
    assert 'Epoch(train) [1]' not in second_log
    assert 'Epoch(val) [2]' in second_log

    # every loader used the pre-generated tmp benchmark as it was (a
    # parameter mismatch in one of them would have regenerated it)
    assert read_meta(trained['data_root'])['params'] == \
        trained['meta']['params']


# ---------------------------------------------------------------------------
# single-process test
# ---------------------------------------------------------------------------
@pytest.fixture(scope='module')
def tested(trained):
    """``tools/test.py`` on the epoch-2 checkpoint with ``--out`` (pkl) and
    ``--show-dir``."""
    root = trained['root']
    work_dir = str(root / 'test')
    out = str(root / 'res.pkl')
    show_dir = str(root / 'vis')
    with _tool_run():
        metrics = test_tool.main([
            CONFIG, trained['ckpt'], '--work-dir', work_dir, '--out', out,
            '--show-dir', show_dir, '--cfg-options',
            *data_options(trained['data_root'])
        ])
    return dict(metrics=metrics, work_dir=work_dir, out=out,
                show_dir=show_dir)


def test_test_metrics(tested):
    metrics = tested['metrics']
    assert set(metrics) == {f'wsol/{k}' for k in METRIC_KEYS}
    for key, value in metrics.items():
        assert isinstance(value, float), key
        assert 0 <= value <= 100, (key, value)
    # count metrics are hits / 9 images
    for key in COUNT_KEYS:
        hits = metrics[f'wsol/{key}'] * DATA['num_test'] / 100
        assert hits == pytest.approx(round(hits), abs=1e-9), (key, hits)
    # 4 classes: every label is in the top 5, so no top5_* keys
    assert 'wsol/top5_cls' not in metrics and 'wsol/top5_loc' not in metrics
    # a fraction, as the configs' thresholds (not percent)
    assert 0 <= metrics['wsol/best_cam_threshold'] < 1
    assert metrics['wsol/maxboxaccv2'] == pytest.approx(
        sum(metrics[f'wsol/maxboxacc_iou{t}'] for t in (30, 50, 70)) / 3)
    # the json log mmengine writes holds the same numbers
    assert _test_json_metrics(tested['work_dir']) == metrics


def test_test_out_records(tested, trained):
    with open(tested['out'], 'rb') as f:
        records = pickle.load(f)
    assert len(records) == DATA['num_test']
    assert [r['sample_idx'] for r in records] == list(range(DATA['num_test']))
    images = osp.join(trained['data_root'], 'images', 'test')
    for i, record in enumerate(records):
        assert record['img_path'] == osp.join(images, f'test_{i:05d}.jpg')
        assert 0 <= record['gt_label'] < DATA['num_classes']
        assert record['pred_label'] == record['pred_score']['labels'][0]
        assert len(record['pred_score']['labels']) == DATA['num_classes']
        assert len(record['pred_bbox']) == 4
        assert len(record['gt_bboxes']) >= 1
        assert 0 <= record['iou'] <= 1


def test_test_show_dir(tested, trained):
    # written where --show-dir said, not under work_dir/timestamp
    run_dir, = _run_dirs(tested['work_dir'])
    assert not osp.exists(osp.join(run_dir, 'vis'))
    vis_dir = tested['show_dir']
    names = sorted(os.listdir(vis_dir))
    assert names == [
        f'test_{i:06d}_test_{i:05d}.png' for i in range(DATA['num_test'])
    ]
    for i, name in enumerate(names):
        src = cv2.imread(
            osp.join(trained['data_root'], 'images', 'test',
                     f'test_{i:05d}.jpg'))
        drawn = cv2.imread(osp.join(vis_dir, name))
        assert drawn is not None, name
        assert drawn.ndim == 3 and drawn.shape[2] == 3
        # the image, plus panels and a legend / colour bar around it
        assert drawn.shape[0] >= src.shape[0]
        assert drawn.shape[1] >= src.shape[1]
        # a drawing, not the plain image
        assert drawn.shape != src.shape or (drawn != src).any()


@pytest.mark.parametrize('show_dir', ['vis', 'out/vis', '/abs/vis'])
def test_show_dir_is_relative_to_the_cwd(tmp_path, monkeypatch, show_dir):
    """``--show-dir`` goes to the visualization hook as an absolute path:
    a relative one is relative to the current directory, as for any
    command-line path (the hook alone would put it under
    work_dir/timestamp)."""
    from mmengine.config import Config
    monkeypatch.chdir(tmp_path)
    args = test_tool.parse_args([CONFIG, 'ckpt.pth', '--show-dir', show_dir])
    cfg = test_tool.merge_args(Config.fromfile(CONFIG), args)
    hook = cfg.default_hooks.visualization
    assert hook.type == 'WSOLVisualizationHook' and hook.enable
    assert hook.out_dir == osp.join(str(tmp_path), show_dir)
    assert osp.isabs(hook.out_dir)


def test_test_unknown_evaluator_argument(trained, tmp_path):
    # caught by check_config before the runner is built (was a TypeError)
    with _tool_run(), pytest.raises(
            ConfigKeyError,
            match="^test_evaluator: unknown key 'no_such_option'"):
        test_tool.main([
            CONFIG, trained['ckpt'], '--work-dir',
            str(tmp_path / 'work'), '--cfg-options',
            *data_options(trained['data_root']),
            'test_evaluator.no_such_option=1'
        ])


def test_test_data_root_moves_every_split(trained, tested, tmp_path):
    """``--data-root`` (and ``--cfg-options data_root=``, which mmengine
    alone would ignore: the dataset configs copied the variable when the
    file was parsed) moves the test split: same metrics as the run whose
    loaders were pointed at the data one by one."""
    for how in ('--data-root', 'data_root='):
        work_dir = str(tmp_path / how.strip('-='))
        options = data_options(None)
        if how == '--data-root':
            argv = ['--data-root', trained['data_root'], '--cfg-options']
        else:
            argv = ['--cfg-options', f'data_root={trained["data_root"]}']
        with _tool_run():
            metrics = test_tool.main(
                [CONFIG, trained['ckpt'], '--work-dir', work_dir] + argv +
                options)
        assert metrics == tested['metrics'], how


def test_test_data_root_conflict(trained, tmp_path):
    with _tool_run(), pytest.raises(InputError, match='disagree'):
        test_tool.main([
            CONFIG, trained['ckpt'], '--data-root', 'a', '--cfg-options',
            'data_root=b'
        ])


def test_test_num_classes_mismatch(trained, tmp_path):
    """A checkpoint of 4 classes tested with a 3-class config fails before
    testing, naming the fix (mmengine would log "size mismatch" and
    evaluate a random head)."""
    with _tool_run(), pytest.raises(
            InputError,
            match=r'head\.\S+ is \(4, .*\(3, .*model\.head\.num_classes=4'):
        test_tool.main([
            CONFIG, trained['ckpt'], '--work-dir',
            str(tmp_path / 'work'), '--cfg-options',
            *data_options(trained['data_root']), 'model.head.num_classes=3'
        ])


def test_train_unreachable_init_url(trained, tmp_path):
    """An ``init_cfg`` URL that cannot be downloaded (here: a closed local
    port, as offline) fails before the run starts, with one line naming the
    key, the URL and the offline way out; the CLI prints only that line."""
    url = f'http://127.0.0.1:{_free_port()}/fam_mm_test_r18.pth'
    options = train_options(trained['data_root'], 1)
    options.remove('model.backbone.init_cfg=None')
    options += [
        'model.backbone.init_cfg.type=Pretrained',
        f'model.backbone.init_cfg.checkpoint={url}'
    ]
    work_dir = str(tmp_path / 'work')
    with _tool_run(), pytest.raises(
            InputError,
            match=r'^model\.backbone\.init_cfg\.checkpoint: cannot '
            r'download http://127\.0\.0\.1:\d+/fam_mm_test_r18\.pth .*'
            r'Offline: put the file at \S+fam_mm_test_r18\.pth'):
        train_tool.main([CONFIG, '--work-dir', work_dir, '--cfg-options'] +
                        options)
    assert not osp.exists(work_dir)  # nothing was built

    proc = subprocess.run(
        [
            sys.executable,
            osp.join(TOOLS, 'train.py'), CONFIG, '--work-dir', work_dir,
            '--cfg-options', *options
        ],
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT)
    assert proc.returncode == 1, proc.stderr[-3000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr[-3000:]
    assert lines[0].startswith('tools/train.py: error: model.backbone.'
                               'init_cfg.checkpoint: cannot download'), lines


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_tool_help_is_quiet(tool):
    """``--help`` prints the usage and nothing on stderr (mmcv-lite's
    ``MultiScaleDeformableAttention`` warning is not shown)."""
    proc = subprocess.run(
        [sys.executable, osp.join(TOOLS, f'{tool}.py'), '--help'],
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('usage: ')
    assert proc.stderr == ''


def test_test_missing_checkpoint(tmp_path, monkeypatch):
    monkeypatch.delenv('LOCAL_RANK', raising=False)  # parse_args sets it
    with pytest.raises(FileNotFoundError, match='checkpoint'):
        test_tool.main([CONFIG, str(tmp_path / 'none.pth')])


# ---------------------------------------------------------------------------
# distributed test: 2 processes == 1 process
# ---------------------------------------------------------------------------
# FAM_DIST_REPEAT=10 runs the distributed test 10 times on one trained
# checkpoint (the stability check of issue 13: 10 runs in a row under load)
DIST_REPEAT = int(os.environ.get('FAM_DIST_REPEAT', '1'))


@pytest.mark.parametrize('repeat', range(DIST_REPEAT))
def test_dist_test_matches_single_process(trained, tested, tmp_path, repeat):
    work_dir = str(tmp_path / 'dist')
    out = str(tmp_path / 'dist_res.json')
    env = _clean_env(PYTHON=sys.executable, PORT=_free_port())
    # relative config: the script must cd to the repository itself
    proc = _bash(
        'dist_test.sh', [
            CONFIG_REL, trained['ckpt'], 2, '--work-dir', work_dir, '--out',
            out, '--cfg-options', *data_options(trained['data_root'])
        ],
        env=env,
        cwd=str(tmp_path),
        timeout=SUBPROCESS_TIMEOUT)
    assert proc.returncode == 0, proc.stdout[-6000:]

    run_dir, = _run_dirs(work_dir)
    log = _read(osp.join(run_dir, osp.basename(run_dir) + '.log'))
    assert 'Distributed launcher: pytorch' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size

    single = tested['metrics']
    dist = _test_json_metrics(work_dir)
    assert set(dist) == set(single)
    for key in single:
        assert dist[key] == single[key], (key, dist[key], single[key])
    # guard: the comparison says something only for non-trivial numbers
    # (one padded duplicate changes a count metric k/9 to k'/10)
    assert any(0 < single[f'wsol/{k}'] < 100 for k in COUNT_KEYS), single

    # the per-image records (json here, pkl there) agree as well
    with open(out, encoding='utf-8') as f:
        dist_records = json.load(f)
    with open(tested['out'], 'rb') as f:
        single_records = pickle.load(f)
    assert [r['sample_idx'] for r in dist_records] == \
        list(range(DATA['num_test']))
    assert len(dist_records) == len(single_records)
    for d, s in zip(dist_records, single_records):
        assert d['img_path'] == s['img_path']
        assert d['gt_label'] == s['gt_label']
        assert d['pred_label'] == s['pred_label']
        assert d['pred_score']['labels'] == s['pred_score']['labels']
        assert d['pred_score']['scores'] == pytest.approx(
            s['pred_score']['scores'], abs=1e-6)
        assert d['pred_bbox'] == pytest.approx(s['pred_bbox'], abs=1e-4)
        assert d['gt_bboxes'] == s['gt_bboxes']
        assert d['iou'] == pytest.approx(s['iou'], abs=1e-6)


# ---------------------------------------------------------------------------
# launcher scripts with stubs
# ---------------------------------------------------------------------------
PYTHON_STUB = '''#!{python}
"""Stub PYTHON: append argv, cwd, PYTHONPATH and SLURM_* names to
$STUB_RECORD (one json per line) and exit 0."""
import json, os, sys
with open(os.environ['STUB_RECORD'], 'a') as f:
    slurm = sorted(k for k in os.environ if k.startswith('SLURM_'))
    f.write(json.dumps(dict(
        tool='python',
        exe=os.path.abspath(sys.argv[0]),
        argv=sys.argv[1:],
        cwd=os.getcwd(),
        pythonpath=os.environ.get('PYTHONPATH', ''),
        slurm=slurm)) + '\\n')
'''

SRUN_STUB = '''#!{python}
"""Stub srun: parse the options strictly (an unknown or malformed one fails
with exit 2, as argparse does), append them and the raw argv to
$STUB_RECORD, then exec the command as one plain process: SLURM_* variables
removed and ``--launcher=slurm`` replaced by ``--launcher=none``."""
import argparse, json, os, sys
parser = argparse.ArgumentParser(prog='srun', allow_abbrev=False)
parser.add_argument('-p', '--partition', required=True)
parser.add_argument('--job-name', required=True)
parser.add_argument('--gres', required=True)
parser.add_argument('--ntasks', type=int, required=True)
parser.add_argument('--ntasks-per-node', type=int, required=True)
parser.add_argument('--cpus-per-task', type=int, required=True)
parser.add_argument('--kill-on-bad-exit', type=int, choices=(0, 1))
# what the tests pass in SRUN_ARGS
parser.add_argument('--quotatype')
parser.add_argument('--time')
parser.add_argument('command', nargs=argparse.REMAINDER)
args = vars(parser.parse_args())
command = args.pop('command')
if not command:
    parser.error('no command')
with open(os.environ['STUB_RECORD'], 'a') as f:
    f.write(json.dumps(dict(tool='srun', argv=sys.argv[1:], options=args,
                            command=command)) + '\\n')
env = {{k: v for k, v in os.environ.items() if not k.startswith('SLURM_')}}
command = ['--launcher=none' if a == '--launcher=slurm' else a
           for a in command]
os.execvpe(command[0], command, env)
'''


def _write_exe(path, text):
    path.write_text(text.format(python=sys.executable))
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def stubs(tmp_path):
    """A ``bin`` folder with ``srun`` and ``python`` stubs (first on PATH),
    the record file they append to, and a copy of the launcher scripts in a
    repository folder without ``.venv`` (``repo``, ``tools``): the real
    repository's ``.venv`` would take precedence over ``python`` on PATH."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    _write_exe(bin_dir / 'srun', SRUN_STUB)
    python = _write_exe(bin_dir / 'python', PYTHON_STUB)
    record = tmp_path / 'record.jsonl'
    repo = tmp_path / 'repo'
    (repo / 'tools').mkdir(parents=True)
    for name in os.listdir(TOOLS):
        if name.endswith('.sh'):
            shutil.copy(osp.join(TOOLS, name), repo / 'tools' / name)

    def env(**extra):
        out = _clean_env(STUB_RECORD=record, **extra)
        out['PATH'] = f'{bin_dir}{os.pathsep}{out["PATH"]}'
        return out

    def records():
        if not record.exists():
            return []
        return [json.loads(line) for line in record.read_text().splitlines()]

    return dict(
        bin=str(bin_dir),
        python=python,
        env=env,
        records=records,
        repo=str(repo),
        tools=str(repo / 'tools'))


def _venv_python(stubs) -> str:
    """A stub ``.venv/bin/python`` in the launchers' (copied) repository."""
    bin_dir = osp.join(stubs['repo'], '.venv', 'bin')
    os.makedirs(bin_dir)
    path = osp.join(bin_dir, 'python')
    with open(path, 'w') as f:
        f.write(PYTHON_STUB.format(python=sys.executable))
    os.chmod(path, 0o755)
    return path


@pytest.mark.parametrize('script,min_args', [('train', 2), ('test', 3)])
@pytest.mark.parametrize('custom', ['defaults', 'venv', 'env'])
def test_dist_scripts_torchrun_arguments(stubs, tmp_path, script, min_args,
                                         custom):
    """dist_*.sh pass NNODES, NODE_RANK, MASTER_ADDR, PORT and the GPU count
    to torchrun (``PYTHON -m torch.distributed.run``), run by ``$PYTHON``,
    else by the repository's ``.venv/bin/python``, else by ``python`` from
    PATH."""
    python = stubs['python']  # the stub on PATH
    if custom != 'defaults':
        venv_python = _venv_python(stubs)
        if custom == 'venv':  # PYTHON unset: .venv wins over PATH
            python = venv_python
    if custom == 'env':  # PYTHON wins over .venv
        env = stubs['env'](
            PYTHON=stubs['python'],
            NNODES=3,
            NODE_RANK=2,
            MASTER_ADDR='10.1.2.3',
            PORT=23456)
        expected = ['--nnodes=3', '--node_rank=2', '--master_addr=10.1.2.3']
        port = '--master_port=23456'
    else:
        env = stubs['env']()
        expected = ['--nnodes=1', '--node_rank=0', '--master_addr=127.0.0.1']
        port = '--master_port=29500'
    positional = ['my config.py', 'ckpt.pth'][:min_args - 1]
    extra = ['--work-dir', 'w d', '--cfg-options', 'a=1', 'b=[1,2]']
    proc = _bash(
        f'dist_{script}.sh', [*positional, 4, *extra],
        env=env,
        cwd=str(tmp_path),
        tools=stubs['tools'])
    assert proc.returncode == 0, proc.stdout
    rec, = stubs['records']()
    assert rec['tool'] == 'python'
    assert osp.samefile(rec['exe'], python), (rec['exe'], python)
    assert rec['argv'] == [
        '-m', 'torch.distributed.run', *expected, '--nproc_per_node=4', port,
        f'tools/{script}.py', *positional, '--launcher', 'pytorch', *extra
    ]
    assert osp.samefile(rec['cwd'], stubs['repo'])
    assert osp.samefile(rec['pythonpath'].split(os.pathsep)[0], stubs['repo'])


SLURM_POSITIONAL = {
    'train': ['my_partition', 'my job', 'my config.py', 'work dir'],
    'test': ['my_partition', 'my job', 'my config.py', 'ckpt.pth'],
}


@pytest.mark.parametrize('script', ['train', 'test'])
@pytest.mark.parametrize('custom', [False, True], ids=['defaults', 'env'])
def test_slurm_scripts_srun_arguments(stubs, tmp_path, script, custom):
    """slurm_*.sh build the srun options and the python command.

    Design: ``srun`` on PATH is a stub (:data:`SRUN_STUB`) that parses its
    options strictly, records them with the raw argv, unsets ``SLURM_*`` and
    execs the command with ``--launcher=slurm`` replaced by
    ``--launcher=none``; the command's python is a stub
    (:data:`PYTHON_STUB`) recording its argv, cwd and environment. The srun
    record therefore holds the exact command line the script built and the
    python record proves it was executed from the repository root with the
    repository on PYTHONPATH. :func:`test_slurm_test_real_run` runs the same
    chain with the real python.
    """
    positional = SLURM_POSITIONAL[script]
    extra = ['--cfg-options', 'a=1', 'b=[1,2]']
    if custom:
        env = stubs['env'](
            PYTHON=stubs['python'],
            GPUS=16,
            GPUS_PER_NODE=4,
            CPUS_PER_TASK=2,
            SRUN_ARGS='--quotatype=auto --time=10',
            SLURM_PROCID=5)  # must not reach the command
        gres, ntasks, per_node, cpus = 'gpu:4', 16, 4, 2
        srun_extra = ['--quotatype=auto', '--time=10']
        python = stubs['python']
    else:  # PYTHON unset: `python` from PATH, i.e. the stub
        env = stubs['env']()
        gres, ntasks, per_node, cpus = 'gpu:8', 8, 8, 5
        srun_extra = []
        python = 'python'
    proc = _bash(
        f'slurm_{script}.sh', [*positional, *extra],
        env=env,
        cwd=str(tmp_path),
        tools=stubs['tools'])
    assert proc.returncode == 0, proc.stdout
    srun, py = stubs['records']()
    assert srun['tool'] == 'srun' and py['tool'] == 'python'
    srun_options = [
        '-p', 'my_partition', '--job-name=my job', f'--gres={gres}',
        f'--ntasks={ntasks}', f'--ntasks-per-node={per_node}',
        f'--cpus-per-task={cpus}', '--kill-on-bad-exit=1', *srun_extra
    ]
    assert srun['argv'] == srun_options + srun['command']
    assert srun['options'] == dict(
        partition='my_partition',
        job_name='my job',
        gres=gres,
        ntasks=ntasks,
        ntasks_per_node=per_node,
        cpus_per_task=cpus,
        kill_on_bad_exit=1,
        quotatype='auto' if custom else None,
        time='10' if custom else None)
    if script == 'train':
        tool_args = [
            'tools/train.py', 'my config.py', '--work-dir=work dir',
            '--launcher=slurm'
        ]
    else:
        tool_args = [
            'tools/test.py', 'my config.py', 'ckpt.pth', '--launcher=slurm'
        ]
    assert srun['command'] == [python, '-u', *tool_args, *extra]
    tool_args[-1] = '--launcher=none'  # rewritten by the srun stub
    assert py['argv'] == ['-u', *tool_args, *extra]
    assert osp.samefile(py['cwd'], stubs['repo'])
    assert osp.samefile(py['pythonpath'].split(os.pathsep)[0], stubs['repo'])
    assert py['slurm'] == []


def test_slurm_test_real_run(stubs, trained, tested, tmp_path):
    """slurm_test.sh -> stub srun -> the real tools/test.py as one process:
    the command line the script builds runs and gives the metrics of the
    in-process run."""
    work_dir = str(tmp_path / 'slurm')
    env = stubs['env'](PYTHON=sys.executable, GPUS=1, GPUS_PER_NODE=1)
    proc = _bash(
        'slurm_test.sh', [
            'part', 'job', CONFIG_REL, trained['ckpt'], '--work-dir', work_dir,
            '--cfg-options', *data_options(trained['data_root'])
        ],
        env=env,
        cwd=str(tmp_path),
        timeout=SUBPROCESS_TIMEOUT)
    assert proc.returncode == 0, proc.stdout[-6000:]
    srun, = stubs['records']()
    assert srun['options']['ntasks'] == 1
    assert srun['command'][:3] == [sys.executable, '-u', 'tools/test.py']
    assert _test_json_metrics(work_dir) == tested['metrics']


@pytest.mark.parametrize('script,num_required', [('dist_train.sh', 2),
                                                 ('dist_test.sh', 3),
                                                 ('slurm_train.sh', 4),
                                                 ('slurm_test.sh', 4)])
def test_scripts_usage(stubs, tmp_path, script, num_required):
    env = stubs['env'](PYTHON=stubs['python'])
    for num in range(num_required):
        proc = subprocess.run(
            ['bash', osp.join(stubs['tools'], script), *['x'] * num],
            cwd=str(tmp_path),
            env=env,
            capture_output=True,
            text=True,
            timeout=60)
        assert proc.returncode == 2, (num, proc.stdout, proc.stderr)
        assert proc.stderr.startswith('usage: '), proc.stderr
        assert proc.stdout == ''
    assert stubs['records']() == []  # nothing was launched
