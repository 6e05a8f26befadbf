"""tools/analysis_tools/search_threshold.py: every shipped config can be
searched (no ``save_best`` crash), and a real run's frozen threshold is the
one the test tool's metrics and ``--out`` records then use."""
import glob
import importlib.util
import os
import os.path as osp
import pickle
import shlex

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS

import fam_mm  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', '*.py')))
SYN = dict(num_classes=2, num_train=2, num_val=6, num_test=4, min_size=40,
           max_size=56)


def _load(rel_path, name):
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(REPO, rel_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


search = _load('tools/analysis_tools/search_threshold.py', 'search_thr')


@pytest.mark.parametrize('path', [
    p for p in CONFIGS if not osp.basename(p).startswith('pretrain_')
], ids=osp.basename)
def test_every_shipped_config_can_be_searched(path, tmp_path):
    cfg = Config.fromfile(path)
    search.search_config(cfg, 'ckpt.pth', np.arange(0.1, 1, 0.1),
                         str(tmp_path))
    # Runner.val() before any training: a save_best checkpoint hook crashed
    assert cfg.default_hooks.checkpoint is None
    assert cfg.custom_hooks == []
    assert cfg.load_from == 'ckpt.pth' and not cfg.resume
    evaluators = cfg.val_evaluator if isinstance(cfg.val_evaluator,
                                                 list) else [cfg.val_evaluator]
    assert any(e.get('loc_threshold_search') for e in evaluators)


def test_freeze_command():
    cmd = search.freeze_command('configs/a b.py', 'w.pth', 0.35,
                                ['x=1', 'model.head.loc_threshold=0.5'])
    assert shlex.split(cmd) == [
        'python', 'tools/test.py', 'configs/a b.py', 'w.pth',
        '--cfg-options', 'x=1', 'model.head.loc_threshold=0.35'
    ]
    keys = search.evaluator_threshold_keys(
        [dict(type='WSOLMetric', loc_threshold=0.5),
         dict(type='DumpWSOLResults', out_file='a.pkl')])
    assert keys == ['test_evaluator.0.loc_threshold']
    assert search.evaluator_threshold_keys(dict(type='WSOLMetric')) == []
    cmd = search.freeze_command('c.py', 'w.pth', 0.35, evaluator_keys=keys)
    assert shlex.split(cmd)[-2:] == [
        'model.head.loc_threshold=0.35', 'test_evaluator.0.loc_threshold=0.35'
    ]


def _options(data_root):
    opts = []
    for loader in ('val_dataloader', 'test_dataloader'):
        opts += [
            f'{loader}.batch_size=3', f'{loader}.num_workers=0',
            f'{loader}.persistent_workers=False',
            f'{loader}.dataset.data_root={data_root}'
        ] + [f'{loader}.dataset.{k}={v}' for k, v in SYN.items()]
    return opts + [
        f'model.head.num_classes={SYN["num_classes"]}',
        'model.backbone.init_cfg=None',
        'val_evaluator.cam_curve_interval=0.05',
        'test_evaluator.cam_curve_interval=0.05',
    ]


def test_search_end_to_end_then_freeze(tmp_path, capsys):
    config = osp.join(REPO, 'configs', 'fam_resnet18_synthetic.py')
    cfg = Config.fromfile(config)
    cfg.model.head.num_classes = SYN['num_classes']
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    # a map with structure: the neck's memory values scaled up
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    opts = _options(str(tmp_path / 'data'))
    threads, environ = torch.get_num_threads(), dict(os.environ)
    torch.set_num_threads(1)
    try:
        best, acc = search.main([
            config, ckpt, '--candidates', '0.05', '1.0', '0.05',
            '--work-dir', str(tmp_path / 'search'), '--cfg-options', *opts
        ])
        printed = capsys.readouterr().out
        assert f'best loc_threshold: {best:.4f}' in printed
        command = printed.strip().splitlines()[-1].strip()
        words = shlex.split(command)
        assert words[:4] == ['python', 'tools/test.py', config, ckpt]
        # the head's threshold, and the evaluator's where the config sets
        # one (WSOLMetric refuses two different values)
        frozen = [f'model.head.loc_threshold={best:.4g}']
        if cfg.test_evaluator.get('loc_threshold') is not None:
            frozen.append(f'test_evaluator.loc_threshold={best:.4g}')
        assert words[-len(frozen):] == frozen
        assert words[5:-len(frozen)] == opts  # the search's own options
        # run the printed command (with --out): the records carry the
        # frozen threshold, and the metrics were computed with it
        test_tool = _load('tools/test.py', 'fam_tools_test_freeze')
        out = str(tmp_path / 'records.pkl')
        metrics = test_tool.main(words[2:] + [
            '--work-dir', str(tmp_path / 'test'), '--out', out
        ])
        # nothing exceeds 1.0: every box is empty and the tool says so
        capsys.readouterr()
        empty = test_tool.main([
            config, ckpt, '--work-dir', str(tmp_path / 'empty'),
            '--cfg-options', *opts, 'model.head.loc_threshold=1.0',
            'test_evaluator.loc_threshold=1.0'
        ])
        captured = capsys.readouterr()
    finally:
        torch.set_num_threads(threads)
        os.environ.clear()
        os.environ.update(environ)
    with open(out, 'rb') as f:
        records = pickle.load(f)
    assert len(records) == SYN['num_test']
    assert [r['loc_threshold'] for r in records] == pytest.approx(
        [float(f'{best:.4g}')] * len(records))
    assert 'wsol/empty_box_rate' in metrics
    assert empty['wsol/empty_box_rate'] == 100.0
    assert empty['wsol/gt_known_loc'] == 0.0
    assert '100.0% of the images have an EMPTY box' in \
        captured.out + captured.err
