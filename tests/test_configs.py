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
    assert head in ('FAMHead', 'CAMHead')
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
