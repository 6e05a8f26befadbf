"""Every entry point that loads weights stops on a bad checkpoint with one
line naming the file (and, for another model's weights, the first missing
key) and exit status 2; random weights only when asked; ``--data-root``
everywhere, an error when it does not exist.

Issue 20: a CAM checkpoint on a FAM config ran silently on random weights
(``image_demo.py`` printed a class, ``search_threshold.py`` a threshold).

The matrix runs each tool's ``main(argv)`` in process under
:func:`fam_mm.utils.run_tool` (what the tools' ``__main__`` does); one
subprocess per tool checks that its command line really goes through it.
"""
import importlib.util
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import time

import pytest
import torch

from fam_mm.utils import run_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load(rel_path: str, name: str):
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(REPO, rel_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tiny = _load('tests/test_apis/tiny_wsol.py', 'tiny_wsol_ckpt_errors')

# what the tiny config lacks for train.py (--resume) and search_threshold.py
EXTRA_CONFIG = """
val_dataloader = test_dataloader
val_evaluator = dict(type='WSOLMetric')
val_cfg = dict()
train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01))
"""


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp('ckpt_errors')
    data_root = root / 'data'
    folders = tiny.write_class_folders(str(data_root))
    out = dict(root=root, data_root=str(data_root),
               image=folders[tiny.CLASSES[0]][0])
    for head in ('FAM', 'CAM'):
        cfg = tiny.write_config(
            str(root / f'{head.lower()}.py'), head, data_root=str(data_root))
        with open(cfg, 'a') as f:
            f.write(EXTRA_CONFIG)
        out[f'{head}_cfg'] = cfg
        out[f'{head}_ckpt'] = tiny.write_checkpoint(
            str(root / f'{head.lower()}.pth'), head)
    # the bad checkpoints
    bad = root / 'bad'
    bad.mkdir()
    with open(out['FAM_ckpt'], 'rb') as f:
        data = f.read()
    (bad / 'truncated.pth').write_bytes(data[:len(data) // 2])
    (bad / 'random.pth').write_bytes(bytes(range(256)) * 64)
    (bad / 'text.pth').write_text('epoch 6, loss 0.1\n')
    torch.save([1, 2, 3], str(bad / 'list.pth'))
    (bad / 'a_directory.pth').mkdir()
    # the FAM model with 5 classes instead of 3
    state = torch.load(out['FAM_ckpt'], weights_only=True)['state_dict']
    resized = {
        k: (torch.zeros((5, ) + v.shape[1:]) if k.startswith('head.fc.')
            else v)
        for k, v in state.items()
    }
    torch.save(dict(state_dict=resized), str(bad / 'five_classes.pth'))
    out['bad'] = dict(
        wrong_model=out['CAM_ckpt'],
        other_classes=str(bad / 'five_classes.pth'),
        truncated=str(bad / 'truncated.pth'),
        random_bytes=str(bad / 'random.pth'),
        text_file=str(bad / 'text.pth'),
        pickled_list=str(bad / 'list.pth'),
        directory=str(bad / 'a_directory.pth'),
        missing=str(bad / 'missing.pth'))
    return out


#: what the one line says after ``checkpoint <path> `` for each bad input
MESSAGES = dict(
    wrong_model="does not fit {cfg}: missing key 'neck.encoder.0.conv.weight' "
    '(and 9 more)',
    other_classes="does not fit {cfg}: size mismatch 'head.fc.weight' (and 1 "
    'more) [5, 32] in the checkpoint, [3, 32] in the model; the checkpoint '
    'has 5 classes, the config 3: set --cfg-options model.head.num_classes=5',
    truncated='is not a readable PyTorch checkpoint (truncated or another '
    'kind of file: ',
    random_bytes='is not a readable PyTorch checkpoint (truncated or another '
    'kind of file: ',
    text_file='is not a readable PyTorch checkpoint (truncated or another '
    'kind of file: ',
    pickled_list='holds a list, not a state dict',
    directory='is a directory, not a checkpoint file',
    missing='not found')

TOOLS = {
    'tools/test.py':
    lambda f, ckpt, tmp: [f['FAM_cfg'], ckpt, '--work-dir', tmp],
    'tools/train.py':
    lambda f, ckpt, tmp: [f['FAM_cfg'], '--resume', ckpt, '--work-dir', tmp],
    'demo/image_demo.py':
    lambda f, ckpt, tmp:
    [f['image'], f['FAM_cfg'], '--checkpoint', ckpt, '--device', 'cpu'],
    'tools/visualization/vis_fam.py':
    lambda f, ckpt, tmp: [
        f['FAM_cfg'], ckpt, f['image'], '--out-dir', tmp, '--device', 'cpu'
    ],
    'tools/analysis_tools/search_threshold.py':
    lambda f, ckpt, tmp: [f['FAM_cfg'], ckpt, '--work-dir', tmp],
    'tools/export_pseudo_boxes.py':
    lambda f, ckpt, tmp: [
        f['FAM_cfg'], ckpt, '--out',
        osp.join(tmp, 'boxes.json'), '--split', 'test', '--work-dir', tmp
    ],
}


def _module(tool: str):
    return _load(tool, 'ckpt_errors_' + osp.basename(tool)[:-3])


def _run_in_process(tool, argv, capsys, monkeypatch):
    """``run_tool(main)`` as the tool's ``__main__``: (exit code, stderr
    lines)."""
    monkeypatch.delenv('LOCAL_RANK', raising=False)  # the tools set it
    main = _module(tool).main
    capsys.readouterr()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with pytest.raises(SystemExit) as e:
            run_tool(lambda: main(argv), tool)
    finally:
        torch.set_num_threads(threads)
    return e.value.code, capsys.readouterr().err.strip().splitlines()


@pytest.mark.parametrize('bad', list(MESSAGES))
@pytest.mark.parametrize('tool', list(TOOLS))
def test_bad_checkpoint_one_line(files, tmp_path, capsys, monkeypatch, tool,
                                 bad):
    ckpt = files['bad'][bad]
    argv = TOOLS[tool](files, ckpt, str(tmp_path / 'work'))
    code, lines = _run_in_process(tool, argv, capsys, monkeypatch)
    assert code == 2
    assert len(lines) == 1, lines
    expected = MESSAGES[bad].format(cfg=files['FAM_cfg'])
    assert lines[0].startswith(
        f'{tool}: error: checkpoint {ckpt} {expected}'), lines[0]


@pytest.mark.parametrize('tool', list(TOOLS))
def test_command_line_wrong_model(files, tmp_path, tool):
    """The real command line: one line on stderr, exit status 2."""
    argv = TOOLS[tool](files, files['CAM_ckpt'], str(tmp_path / 'work'))
    env = {k: v for k, v in os.environ.items() if k != 'LOCAL_RANK'}
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    env['OMP_NUM_THREADS'] = '1'
    proc = subprocess.run([sys.executable, osp.join(REPO, tool), *argv],
                          cwd=str(tmp_path),
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 2, proc.stderr[-3000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr[-3000:]
    assert lines[0].startswith(
        f'{tool}: error: checkpoint {files["CAM_ckpt"]} does not fit '
        f'{files["FAM_cfg"]}: missing key'), lines[0]


# ---------------------------------------------------------------------------
# random weights only when asked
# ---------------------------------------------------------------------------
def test_image_demo_random_weights_say_so(files, capsys):
    demo = _module('demo/image_demo.py')
    results = demo.main(
        [files['image'], files['FAM_cfg'], '--random-weights', '--device',
         'cpu'])
    captured = capsys.readouterr()
    assert results[0]['random_weights'] is True
    label = results[0]['pred_label']
    assert results[0]['pred_class'] == f'class_{label}'
    line, = [x for x in captured.out.splitlines() if 'score' in x]
    assert line.startswith(f'{files["image"]}: class class_{label} ')
    assert line.endswith(' (random weights)')
    warning, = captured.err.strip().splitlines()
    assert warning.startswith('demo/image_demo.py: warning: --random-weights')


def test_image_demo_both_or_neither(files, capsys):
    demo = _module('demo/image_demo.py')
    for extra in ([], ['--checkpoint', files['FAM_ckpt'],
                       '--random-weights']):
        with pytest.raises(SystemExit) as e:
            demo.parse_args([files['image'], files['FAM_cfg'], *extra])
        assert e.value.code == 2
    err = capsys.readouterr().err
    assert 'error: --checkpoint is required' in err
    assert 'error: give --checkpoint or --random-weights, not both' in err


def test_test_tool_random_weights(files, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    test_tool = _module('tools/test.py')
    with pytest.raises(SystemExit) as e:
        test_tool.parse_args([files['FAM_cfg']])
    assert e.value.code == 2
    assert 'the checkpoint is required (--random-weights' in \
        capsys.readouterr().err
    metrics = test_tool.main([
        files['FAM_cfg'], '--random-weights', '--work-dir',
        str(tmp_path / 'work')
    ])
    assert 'accuracy/top1' in metrics
    assert 'tools/test.py: warning: --random-weights' in \
        capsys.readouterr().err


# ---------------------------------------------------------------------------
# --data-root
# ---------------------------------------------------------------------------
DATA_TOOLS = {
    'tools/test.py':
    lambda f, tmp: [f['CAM_cfg'], f['CAM_ckpt'], '--work-dir', tmp],
    'tools/train.py':
    lambda f, tmp: [f['CAM_cfg'], '--work-dir', tmp],
    'tools/analysis_tools/search_threshold.py':
    lambda f, tmp: [f['CAM_cfg'], f['CAM_ckpt'], '--work-dir', tmp],
    'tools/export_pseudo_boxes.py':
    lambda f, tmp: [
        f['CAM_cfg'], f['CAM_ckpt'], '--out',
        osp.join(tmp, 'b.json'), '--work-dir', tmp
    ],
    'tools/analysis_tools/fam_dynamics.py':
    lambda f, tmp: [f['FAM_cfg'], '--work-dir', tmp],
    'tools/analysis_tools/fam_map_study.py':
    lambda f, tmp: [f['FAM_cfg'], '--name', 'x', '--work-dir', tmp],
    'tools/dataset_converters/wsol_to_coco.py':
    lambda f, tmp: [f['CAM_cfg'], '--out', osp.join(tmp, 'gt.json')],
}


@pytest.mark.parametrize('how', ['--data-root', 'data_root='])
@pytest.mark.parametrize('tool', list(DATA_TOOLS))
def test_missing_data_root_one_line(files, tmp_path, capsys, monkeypatch,
                                    tool, how):
    """A mistyped root is an error naming it; nothing is generated there."""
    typo = str(tmp_path / 'dta')
    argv = DATA_TOOLS[tool](files, str(tmp_path / 'work'))
    argv += ['--data-root', typo] if how == '--data-root' else \
        ['--cfg-options', f'data_root={typo}']
    code, lines = _run_in_process(tool, argv, capsys, monkeypatch)
    assert code == 1  # an InputError (2: a config key or a checkpoint)
    assert lines == [
        f'{tool}: error: --data-root {typo} does not exist (to write the '
        'synthetic benchmark there: python tools/dataset_converters/'
        f'generate_synthetic.py --out-dir {typo})'
    ]
    assert not osp.exists(typo)


@pytest.mark.parametrize('how', ['--data-root', 'data_root='])
def test_export_data_root_moves_the_split(files, tmp_path, how):
    """export_pseudo_boxes.py used to ignore ``data_root=``: the boxes are
    those of the images under the new root."""
    moved = tmp_path / 'moved'
    shutil.copytree(files['data_root'], moved)
    shutil.rmtree(moved / tiny.CLASSES[0])  # one class fewer there
    export = _module('tools/export_pseudo_boxes.py')
    out = tmp_path / 'boxes.json'
    option = ['--data-root', str(moved)] if how == '--data-root' else \
        ['--cfg-options', f'data_root={moved}']
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        export.main([
            files['CAM_cfg'], files['CAM_ckpt'], '--out',
            str(out), '--split', 'test', '--work-dir',
            str(tmp_path / 'work')
        ] + option)
    finally:
        torch.set_num_threads(threads)
    coco = json.loads(out.read_text())
    names = sorted(img['file_name'] for img in coco['images'])
    expected = sorted(
        osp.join(name, f) for name in tiny.CLASSES[1:]
        for f in os.listdir(moved / name))
    assert names == expected


def test_train_resume_from_a_fitting_checkpoint(files, tmp_path, monkeypatch):
    """The check lets an mmengine checkpoint of the same model through
    (message hub, optimizer state: loaded with weights_only=True) and the
    run resumes from it."""
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    train = _module('tools/train.py')
    work_dir = str(tmp_path / 'work')
    argv = [files['FAM_cfg'], '--work-dir', work_dir, '--no-validate']
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train.main(argv)
        ckpt = osp.join(work_dir, 'epoch_1.pth')
        # mmengine names its logger and visualizer <config>_<timestamp>
        # (seconds) and reuses them: the second run starts in a new second
        second = int(time.time())
        while int(time.time()) == second:
            time.sleep(0.05)
        runner = train.main(argv + [
            '--resume', ckpt, '--cfg-options', 'train_cfg.max_epochs=2'
        ])
    finally:
        torch.set_num_threads(threads)
    assert runner.epoch == 2
    assert osp.isfile(osp.join(work_dir, 'epoch_2.pth'))
