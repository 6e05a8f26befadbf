"""`make demo`'s driver end to end on a tiny synthetic benchmark."""
import importlib.util
import io
import json
import os
import os.path as osp
import platform
import re
import subprocess
import sys

import cv2
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# the resnet18 pair (with its pretraining stage) is the lighter one to run
BACKBONE = 'resnet18'
FIGURE_IMAGES = 3
TINY = [
    '--backbone', BACKBONE, '--pretrain-epochs', '1', '--epochs', '1',
    '--num-train', '32', '--num-val', '8', '--num-test', '8',
    '--batch-size', '8', '--cam-curve-interval', '0.01',
    '--vis-interval', '4', '--figure-images', str(FIGURE_IMAGES)
]  # the configs' data loader workers (2, persistent), as `make demo`


def _demo_module():
    spec = importlib.util.spec_from_file_location(
        'fam_demo', osp.join(REPO, 'tools', 'demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def two_runs(tmp_path_factory):
    """The tiny demo twice with the same seed (and data)."""
    root = tmp_path_factory.mktemp('demo')
    demo = _demo_module()
    runs = []
    for name in ('a', 'b'):
        screen = io.StringIO()
        results = demo.main(
            ['--work-dir', str(root / name), '--data-root',
             str(root / 'data')] + TINY, console=demo.Console(screen))
        runs.append(
            dict(results=results, screen=screen.getvalue(),
                 work_dir=root / name))
    return runs


def test_same_seed_same_table(two_runs):
    a, b = two_runs
    report_a = (a['work_dir'] / 'report.md').read_text()
    report_b = (b['work_dir'] / 'report.md').read_text()
    table_a = report_a[report_a.index('| metric'):report_a.index('## Test im')]
    table_b = report_b[report_b.index('| metric'):report_b.index('## Test im')]
    assert table_a == table_b
    json_a = json.loads((a['work_dir'] / 'results.json').read_text())
    json_b = json.loads((b['work_dir'] / 'results.json').read_text())
    assert json_a == json_b  # every metric and threshold, exactly


def test_results_and_report(two_runs):
    run = two_runs[0]
    results, work_dir = run['results'], run['work_dir']
    assert set(results) == {'fam', 'cam'}
    for method in ('fam', 'cam'):
        for key in ('top1_cls', 'gt_known_loc', 'top1_loc', 'maxboxaccv2',
                    'mean_iou'):
            assert 0.0 <= results[method][f'wsol/{key}'] <= 100.0
        assert results[method]['config'] == \
            f'configs/{method}_{BACKBONE}_synthetic.py'
    report = (work_dir / 'report.md').read_text()
    for name in ('Top-1 Cls', 'GT-known Loc', 'Top-1 Loc', 'MaxBoxAccV2',
                 'mean IoU'):
        assert f'| {name} |' in report
    # optional rows only for the keys the metric reports
    for key, name in (('pxap', 'PxAP'), ('empty_box_rate', 'empty boxes')):
        assert (f'| {name} |' in report) == \
            (f'wsol/{key}' in results['fam'])
    assert '| metric (%) | FAM | CAM |' in report
    assert '(absolute)' in report and '(minmax)' in report
    assert 'chosen on the val split' in report
    assert re.search(r'Run time (\d+s|\d+m\d\ds) ', report)
    assert '![FAM vs CAM on test images](figure_grid.png)' in report
    # the same numbers, machine-readable, with the val-chosen thresholds
    # (projects/fam_pseudo_det exports pseudo boxes with them)
    saved = json.loads((work_dir / 'results.json').read_text())
    for method in ('fam', 'cam'):
        assert saved[method]['loc_threshold'] == \
            results[method]['loc_threshold']
        assert saved[method]['wsol/gt_known_loc'] == pytest.approx(
            results[method]['wsol/gt_known_loc'])
    # the pretrained backbone (resnet18 only) was saved for both methods
    assert (work_dir / 'pretrain' / 'backbone_pretrain.pth').exists()
    # each run's config with its val-chosen threshold, next to its
    # checkpoint, and the printed commands that use them
    from mmengine.config import Config
    for method in ('fam', 'cam'):
        path = work_dir / method / 'config_val_threshold.py'
        cfg = Config.fromfile(str(path))
        assert cfg.model.head.loc_threshold == \
            results[method]['loc_threshold']
        assert cfg.test_dataloader.dataset.num_test == 8
        assert (work_dir / method / 'epoch_1.pth').exists()
        assert f'python tools/test.py {path} {work_dir / method}' \
            f'/epoch_1.pth' in run['screen']
        assert f'python demo/image_demo.py IMAGE {path} --checkpoint ' \
            f'{work_dir / method}/epoch_1.pth' in run['screen']
    # per-method pictures: 8 test images, every 4th one
    for method in ('fam', 'cam'):
        assert len(list((work_dir / 'vis' / method).glob('*.png'))) == 2
    hist = cv2.imread(str(work_dir / 'iou_histogram.png'))
    assert hist is not None and hist.shape[0] > 100


def test_figure_grid(two_runs):
    work_dir = two_runs[0]['work_dir']
    figure = cv2.imread(str(work_dir / 'figure_grid.png'))
    layout = json.loads((work_dir / 'figure_grid.json').read_text())
    # evenly spaced over the 8 test images, first and last included
    assert layout['indices'] == [0, 4, 7]
    panels = layout['panels']
    # per row: image with boxes, FAM map, CAM map, FAM's 5 part maps
    assert len(panels) == FIGURE_IMAGES * (3 + 5)
    row = [p for p in panels if p['row'] == 0]
    assert row[0]['title'].startswith('#0 test_00000, gt: ')
    assert row[1]['title'].startswith('FAM map, pred: ')
    assert row[2]['title'].startswith('CAM map, pred: ')
    assert [p['title'] for p in row[3:]] == [f'part {k}' for k in range(1, 6)]
    for p in panels:
        # the 96-160 px images are upsampled for display
        assert min(p['w'], p['h']) >= 192
        assert p['x'] + p['w'] <= figure.shape[1]
        assert p['y'] + p['h'] <= figure.shape[0]


def test_screen_shows_stages_not_logs(two_runs):
    run = two_runs[0]
    lines = run['screen'].splitlines()
    assert len(lines) < 40, run['screen']
    assert not any('mmengine' in line for line in lines)
    assert any(line.startswith('[data] synthetic benchmark') for line in lines)
    for tag in ('[pretrain]', '[FAM]', '[CAM]'):
        assert any(line.startswith(tag) for line in lines), tag
    # one progress line per epoch when the screen is not a terminal
    assert any(
        re.match(r'\[FAM\] epoch 1/1  iter 4/4  loss \d+\.\d+  eta \d+s',
                 line) for line in lines)
    assert any('box threshold' in line and 'chosen on val' in line
               for line in lines)
    assert '| metric (%) | FAM | CAM |' in run['screen']
    # the full logs went to files
    console_log = (run['work_dir'] / 'console.log').read_text()
    assert 'Epoch(train)' in console_log
    assert 'Config:' in console_log


@pytest.fixture(scope='module')
def two_stories(tmp_path_factory):
    """The tiny demo with a stress pair (the resnet18 configs on the
    crest-only data beside the headline's)."""
    root = tmp_path_factory.mktemp('demo_stories')
    demo = _demo_module()
    screen = io.StringIO()
    pair = [f'configs/{m}_{BACKBONE}_synthetic.py' for m in ('fam', 'cam')]
    argv = ['--work-dir', str(root / 'run'), '--data-root',
            str(root / 'data')] + TINY + ['--stress-configs'] + pair
    results = demo.main(argv, console=demo.Console(screen))
    return dict(results=results, screen=screen.getvalue(),
                work_dir=root / 'run', root=root)


def test_two_stories_one_table(two_stories):
    results, work_dir = two_stories['results'], two_stories['work_dir']
    assert list(results) == ['fam', 'cam', 'fam_crest', 'cam_crest']
    report = (work_dir / 'report.md').read_text()
    assert ('| metric (%) | FAM fine-grained | CAM fine-grained | '
            'FAM crest-only | CAM crest-only |') in report
    assert '**Why the two variants differ.**' in report
    gt_known = results['fam_crest']['wsol/gt_known_loc']
    assert f'FAM {gt_known:.2f} vs CAM' in report
    # the stress pair's data lies beside the headline's, not on top of it
    assert (two_stories['root'] / 'data' / 'meta.json').exists()
    assert (two_stories['root'] / 'data-crest' / 'meta.json').exists()
    # its runs have their own work dirs and pictures; the figure grid is
    # the headline's
    assert (work_dir / 'fam_crest').is_dir()
    assert (work_dir / 'vis' / 'cam_crest').is_dir()
    assert '## Test images (fine-grained variant)' in report
    lines = two_stories['screen'].splitlines()
    assert any(line.startswith('[crest-only] [FAM_CREST] fine-tuning')
               for line in lines)


def test_stories_of_the_default_backbone():
    demo = _demo_module()
    args = demo.parse_args([])
    assert demo.stories(args) == ['headline', 'stress']
    assert demo.method_config('fam', args).endswith(
        'fam_efficientnet-lite0_synthetic-finegrained.py')
    assert demo.method_config('cam', args, 'stress').endswith(
        'cam_efficientnet-lite0_synthetic.py')
    assert demo.stories(demo.parse_args(['--no-stress'])) == ['headline']
    # the resnet18 pair has no stress pair unless given
    assert demo.stories(demo.parse_args(['--backbone', 'resnet18'])) == \
        ['headline']
    args = demo.parse_args(['--data-root', 'd/x/'])
    assert demo.story_data_root(args, 'headline') == 'd/x/'
    assert demo.story_data_root(args, 'stress') == 'd/x-crest'


def test_progress_line_rewritten_on_a_terminal():
    demo = _demo_module()

    class Terminal(io.StringIO):

        def isatty(self):
            return True

    screen = Terminal()
    console = demo.Console(screen)
    console.progress('[FAM] epoch 1/2  iter 1/3')
    console.progress('[FAM] epoch 1/2  iter 2/3')
    console.line('[FAM] done')
    text = screen.getvalue()
    assert text.count('\r') == 2 and text.endswith('[FAM] done\n')
    assert text.count('\n') == 2  # the progress line is ended once


def test_format_duration():
    demo = _demo_module()
    assert demo.format_duration(45.2) == '45s'
    assert demo.format_duration(80) == '1m20s'
    assert demo.format_duration(3720) == '1h02m'


def test_figure_indices():
    demo = _demo_module()
    assert demo.figure_indices(400, 8) == [0, 57, 114, 171, 228, 285, 342,
                                           399]
    assert demo.figure_indices(2, 8) == [0, 1]
    assert demo.figure_indices(8, 0) == []


def test_missing_config_names_the_options(tmp_path):
    demo = _demo_module()
    args = demo.parse_args(
        ['--configs', 'no_such_fam.py', 'no_such_cam.py'])
    with pytest.raises(FileNotFoundError, match='--backbone'):
        demo.method_config('fam', args)


def test_kernels_pinned_before_torch_loads():
    """tools/demo.py run as `make demo` does: AVX2 kernels on any x86 CPU."""
    code = ('import runpy, sys; sys.argv = ["demo"]; '
            'g = runpy.run_path("tools/demo.py", run_name="not_main"); '
            'import torch; print(torch.backends.cpu.get_cpu_capability()); '
            'print(g["_arithmetic"]())')
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ('ATEN_CPU_CAPABILITY', 'ONEDNN_MAX_CPU_ISA', 'MKL_CBWR')
    }
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO, env=env,
                         capture_output=True, text=True, check=True).stdout
    capability, arithmetic = out.strip().splitlines()[-2:]
    if platform.machine().lower() in ('x86_64', 'amd64'):
        assert capability == 'AVX2'
    assert arithmetic.endswith(f'{capability} kernels')


def test_threshold_config_is_the_run_config_with_the_threshold(tmp_path):
    demo = _demo_module()
    config = osp.join(REPO, 'configs', 'fam_resnet18_synthetic.py')
    run_dir = tmp_path / 'work' / 'fam'
    run_dir.mkdir(parents=True)
    args = demo.parse_args(['--data-root', str(tmp_path / 'data'),
                            '--num-test', '8'])
    path = demo.write_threshold_config(
        str(run_dir / demo.THRESHOLD_CONFIG), config, 0.35, 'absolute',
        demo.dataset_overrides(args), ['val_dataloader', 'test_dataloader'])
    text = open(path).read()
    assert "_base_ = '../../../" in text  # relative: the folder can move
    from mmengine.config import Config
    cfg, base = Config.fromfile(path), Config.fromfile(config)
    assert cfg.model.head.loc_threshold == 0.35
    assert base.model.head.loc_threshold != 0.35
    assert cfg.test_dataloader.dataset.data_root == str(tmp_path / 'data')
    assert cfg.test_dataloader.dataset.num_test == 8
    assert cfg.val_dataloader.dataset.num_test == 8
    # everything else as in the run's config
    cfg.model.head.loc_threshold = base.model.head.loc_threshold
    assert cfg.model == base.model
    assert cfg.optim_wrapper == base.optim_wrapper

    # the follow-up commands name it with the last checkpoint
    assert demo.follow_up_commands(str(tmp_path / 'work'), ['fam']) == []
    ckpt = run_dir / 'epoch_3.pth'
    ckpt.write_bytes(b'weights')
    (run_dir / 'last_checkpoint').write_text(str(ckpt))
    assert demo.follow_up_commands(str(tmp_path / 'work'), ['fam', 'cam']) \
        == [f'python demo/image_demo.py IMAGE {path} --checkpoint {ckpt} '
            '--show-dir vis/', f'python tools/test.py {path} {ckpt}']
