"""Every config in configs/ parses, and its model/pipeline/evaluator build."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmpretrain.registry import HOOKS, METRICS, MODELS, TRANSFORMS

import fam_mm  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', '*.py')))


def _types(pipeline):
    return [t['type'] for t in pipeline]


def test_configs_exist():
    names = {osp.basename(c) for c in CONFIGS}
    assert {'fam_vgg16_cub.py', 'cam_vgg16_cub.py'} <= names


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmpretrain'
    assert 'fam_mm' in cfg.custom_imports['imports']
    model_cfg = cfg.model.copy()
    # Build without fetching ImageNet weights.
    model_cfg.backbone.pop('init_cfg', None)
    model = MODELS.build(model_cfg)
    assert type(model).__name__ == 'ImageClassifier'
    head = type(model.head).__name__
    if osp.basename(path).startswith('pretrain_'):
        # backbone pretraining (stand-in for ImageNet weights): a classifier
        assert head == 'LinearClsHead'
        assert cfg.test_evaluator['type'] == 'Accuracy'
        return
    assert head in ('FAMHead', 'CAMHead', 'ACoLHead', 'SPGHead')
    if head == 'FAMHead':
        assert type(model.neck).__name__ == 'FAMNeck'
        assert model.neck.in_channels == model.head.in_channels
    else:
        assert model.neck is None
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        assert loader is not None, f'{split}_dataloader missing'
        for t in _types(loader.dataset.pipeline):
            assert TRANSFORMS.get(t) is not None, f'unknown transform {t}'
    for key in ('val_evaluator', 'test_evaluator'):
        ev = cfg[key]
        ev = ev if isinstance(ev, dict) else ev[0]
        assert ev['type'] == 'WSOLMetric'
        assert METRICS.get(ev['type']) is not None
    assert 'base_batch_size' in cfg.auto_scale_lr
    hooks = cfg.get('custom_hooks', [])
    for h in hooks:
        assert HOOKS.get(h['type']) is not None


@pytest.mark.parametrize('name', [
    'fam_efficientnet-lite0_synthetic-finegrained.py',
    'cam_efficientnet-lite0_synthetic-finegrained.py'
])
def test_finegrained_pair_trains_one_iteration(name, tmp_path):
    """The fine-grained pair builds its data (the fine-grained variant),
    loads its ImageNet weights and takes one SGD step on a tiny benchmark;
    both share the backbone, data and schedule."""
    import torch
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import DATASETS

    cfg = Config.fromfile(osp.join(REPO, 'configs', name))
    assert cfg.model.backbone.strides == (1, 2, 2, 1, 1, 1, 1)
    for split in ('train', 'val', 'test'):
        dataset = cfg[f'{split}_dataloader'].dataset
        assert dataset.fine_grained is True
        assert dataset.data_root == 'data/synthetic_wsol_finegrained'
    assert cfg.train_cfg.max_epochs == 6
    assert cfg.param_scheduler[0].end == cfg.param_scheduler[0].T_max == 6
    dataset_cfg = cfg.train_dataloader.dataset.copy()
    dataset_cfg.update(
        data_root=str(tmp_path / 'data'), num_train=4, num_val=4,
        num_test=4, min_size=48, max_size=64)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            dataset = DATASETS.build(dataset_cfg)
            assert len(dataset.CLASSES) == cfg.model.head.num_classes == 8
            assert dataset.CLASSES[0] == \
                'blue_spotted_black-tail_dark-legs'
            # as mmengine's Runner does
            model_cfg = cfg.model.copy()
            model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
            model = MODELS.build(model_cfg)
            assert model.data_preprocessor.mean.flatten().tolist() == \
                [127.0] * 3
            model.init_weights()
            model.train()
            optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
            batch = pseudo_collate([dataset[i] for i in range(4)])
            before = model.head.fc.weight.detach().clone()
            log_vars = model.train_step(batch, optim_wrapper)
    finally:
        torch.set_num_threads(threads)
    assert torch.isfinite(log_vars['loss'])
    assert not torch.equal(model.head.fc.weight, before)
    if name.startswith('fam_'):
        assert {'loss_cls', 'loss_spa', 'loss_div'} <= set(log_vars)
