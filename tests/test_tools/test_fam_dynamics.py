"""tools/analysis_tools/fam_dynamics.py: per-iteration losses, foreground
map statistics and lr of the first iterations of a FAM config."""
import importlib.util
import json
import math
import os
import os.path as osp

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FAM = osp.join(REPO, 'configs',
               'fam_efficientnet-lite0_synthetic-finegrained.py')
CAM = osp.join(REPO, 'configs',
               'cam_efficientnet-lite0_synthetic-finegrained.py')
TINY = dict(num_train=16, num_val=8, num_test=8, min_size=48, max_size=64)


def _load():
    spec = importlib.util.spec_from_file_location(
        'fam_dynamics',
        osp.join(REPO, 'tools', 'analysis_tools', 'fam_dynamics.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _options(data_root):
    opts = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [
            f'{loader}.batch_size=4', f'{loader}.num_workers=0',
            f'{loader}.persistent_workers=False',
            f'{loader}.dataset.data_root={data_root}'
        ] + [f'{loader}.dataset.{k}={v}' for k, v in TINY.items()]
    return opts


def test_first_iterations_of_the_finegrained_fam_config(tmp_path):
    dynamics = _load()
    data_root = str(tmp_path / 'data')
    out = tmp_path / 'rows.json'
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        rows = dynamics.main([
            FAM, '--iters', '3', '--work-dir', str(tmp_path / 'work'),
            '--out', str(out), '--cfg-options', *_options(data_root)
        ])
    finally:
        torch.set_num_threads(threads)
    assert [row['iter'] for row in rows] == [1, 2, 3]
    for row in rows:
        assert {'loss_cls', 'fg_mean', 'fg_ratio', 'lr_max'} <= set(row)
        assert all(math.isfinite(v) for k, v in row.items() if k != 'iter')
        assert 0 <= row['fg_mean'] <= 1 and 0 <= row['fg_ratio'] <= 1
        assert row['loss_cls'] > 0 and row['lr_max'] > 0
    # the tiny fine-grained benchmark was generated where it was told
    with open(osp.join(data_root, 'meta.json')) as f:
        meta = json.load(f)
    assert meta['params']['fine_grained'] is True
    assert meta['params']['num_train'] == 16
    assert len(os.listdir(osp.join(data_root, 'images', 'train'))) == 16
    assert json.loads(out.read_text()) == rows


def test_cam_config_is_refused(tmp_path):
    dynamics = _load()
    with pytest.raises(SystemExit, match='not a FAM config'):
        dynamics.main([CAM, '--iters', '1', '--work-dir', str(tmp_path)])
