"""The total batch and lr of a run: the summary line and the warning."""
import copy
import glob
import importlib.util
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from fam_mm.utils.batch_recipe import (
    describe_batch_recipe,
    report_batch_recipe,
)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CUB = osp.join(REPO, 'configs', 'fam_vgg16_cub.py')


@pytest.fixture(scope='module')
def cub():
    return Config.fromfile(CUB)


def test_recipe_on_one_gpu(cub):
    summary, warning = describe_batch_recipe(cub, 1)
    assert warning is None
    assert summary.startswith('total batch 32 (1 process(es) x 32 images)')
    assert "recipe's 32" in summary
    assert 'lr 0.001 (x10 on neck, head, backbone.extra_convs)' in summary


def test_eight_gpus_without_scaling_warn(cub):
    summary, warning = describe_batch_recipe(cub, 8)
    assert 'total batch 256 (8 process(es) x 32 images)' in summary
    assert 'lr 0.001 ' in summary  # not scaled
    assert 'total batch of 32' in warning
    assert 'train_dataloader.batch_size=4' in warning
    assert 'to 0.008' in warning
    # 32 images over 3 processes: no per-GPU batch keeps the recipe
    _, warning = describe_batch_recipe(cub, 3)
    assert 'cannot be split over 3 processes' in warning


def test_eight_gpus_keeping_the_recipe_or_scaling(cub):
    cfg = copy.deepcopy(cub)
    cfg.train_dataloader.batch_size = 4
    assert describe_batch_recipe(cfg, 8)[1] is None
    cfg = copy.deepcopy(cub)
    cfg.auto_scale_lr.enable = True
    summary, warning = describe_batch_recipe(cfg, 8)
    assert warning is None
    assert 'lr 0.008 ' in summary and 'by 256/32' in summary


def test_bad_values(cub):
    with pytest.raises(ValueError, match='world_size'):
        describe_batch_recipe(cub, 0)
    cfg = copy.deepcopy(cub)
    cfg.train_dataloader.batch_size = 0
    with pytest.raises(ValueError, match='train_dataloader.batch_size'):
        describe_batch_recipe(cfg, 1)
    cfg = copy.deepcopy(cub)
    cfg.pop('auto_scale_lr')
    summary, warning = describe_batch_recipe(cfg, 8)
    assert warning is None and 'no recipe batch' in summary


class _Logger:

    def __init__(self):
        self.lines = []

    def info(self, msg):
        self.lines.append(('info', msg))

    def warning(self, msg):
        self.lines.append(('warning', msg))


def test_report_logs_and_skips_configs_without_training(cub):

    class _Runner:
        cfg = cub
        world_size = 8
        logger = _Logger()

    report_batch_recipe(_Runner)
    assert [level for level, _ in _Runner.logger.lines] == ['info', 'warning']

    class _TestOnly(_Runner):
        cfg = Config(dict(model=dict()))
        logger = _Logger()

    report_batch_recipe(_TestOnly)
    assert _TestOnly.logger.lines == []


def test_train_tool_prints_and_warns(tmp_path):
    """tools/train.py on the synthetic config (recipe: 32) with batch 4."""
    data = str(tmp_path / 'data')  # SyntheticWSOL writes it
    spec = importlib.util.spec_from_file_location(
        'fam_tools_train_batch', osp.join(REPO, 'tools', 'train.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    opts = [
        'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        f'train_dataloader.dataset.data_root={data}',
        'train_dataloader.dataset.num_classes=2',
        'train_dataloader.dataset.num_train=4',
        'train_dataloader.dataset.num_val=2',
        'train_dataloader.dataset.num_test=2',
        'train_dataloader.dataset.min_size=40',
        'train_dataloader.dataset.max_size=48',
        'model.head.num_classes=2', 'model.backbone.init_cfg=None',
        'train_cfg.max_epochs=1', 'custom_hooks=[]',
        # unique logger name (see test_foreground_collapse_hook.py)
        'experiment_name=batch_recipe_tool'
    ]
    threads, environ = torch.get_num_threads(), dict(os.environ)
    torch.set_num_threads(1)
    try:
        tool.main([
            osp.join(REPO, 'configs', 'fam_resnet18_synthetic.py'),
            '--work-dir', str(tmp_path / 'work'), '--no-validate',
            '--cfg-options', *opts
        ])
    finally:
        torch.set_num_threads(threads)
        os.environ.clear()
        os.environ.update(environ)
    logs = glob.glob(str(tmp_path / 'work' / '*' / '*.log'))
    assert len(logs) == 1
    with open(logs[0], encoding='utf-8') as f:
        log = f.read()
    assert 'Batch and lr: total batch 4 (1 process(es) x 4 images)' in log
    assert 'WARNING - Batch and lr: the total batch is 4' in log
    assert 'train_dataloader.batch_size=32' in log
