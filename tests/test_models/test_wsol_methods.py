"""HaS, CutMix and ADL as config changes of the CAM (and FAM) baseline: one
training step and one evaluation step on a tiny backbone, and the config
form that keeps the dataset's data preprocessor."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import fam_mm  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASE = osp.join(REPO, 'configs', '_base_', 'models')
SIZE, CLASSES, FEAT = 64, 3, 64

TINY_BACKBONE = dict(
    type='ResNet', depth=18, base_channels=8, strides=(1, 2, 2, 1),
    out_indices=(3, ))
# The three methods, each a change of the baseline's model config.
METHODS = {
    'cam': {},
    'has': dict(train_cfg=dict(augments=[
        dict(type='HideAndSeek', grid_size=4, hide_prob=0.5)])),
    'cutmix': dict(train_cfg=dict(augments=[dict(type='CutMix',
                                                 alpha=1.0)])),
    'adl': dict(backbone=dict(
        type='PluginBackbone', backbone=TINY_BACKBONE,
        plugins=[
            dict(type='ADL', after=p, drop_rate=0.75, gamma=0.9)
            for p in ('layer3.0', 'layer4.0', 'layer4.1')
        ])),
}


def _model(method, head='cam'):
    cfg = Config.fromfile(osp.join(BASE, f'{head}.py')).model.to_dict()
    cfg['backbone'] = copy.deepcopy(TINY_BACKBONE)
    cfg['head'].update(num_classes=CLASSES, in_channels=FEAT)
    if head == 'fam':
        cfg['neck'].update(in_channels=FEAT)
    cfg.update(copy.deepcopy(METHODS[method]))
    # the dataset's preprocessor, merged as mmengine's Runner does
    cfg.setdefault('data_preprocessor', dict(
        num_classes=CLASSES, mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375], to_rgb=True))
    return MODELS.build(cfg)


def _batch():
    gen = torch.Generator().manual_seed(0)
    inputs = [torch.randint(0, 256, (3, SIZE, SIZE), generator=gen,
                            dtype=torch.uint8) for _ in range(4)]
    meta = dict(img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE))
    samples = [DataSample(metainfo=meta).set_gt_label(i % CLASSES)
               for i in range(4)]
    return dict(inputs=inputs, data_samples=samples)


def _record_inputs(model):
    seen = []
    model.backbone.register_forward_pre_hook(
        lambda m, args: seen.append(args[0].detach().clone()))
    return seen


@pytest.mark.parametrize('head', ['cam', 'fam'])
@pytest.mark.parametrize('method', sorted(METHODS))
def test_one_train_step_and_one_eval_step(method, head):
    # CutMix draws from numpy, HaS and ADL from torch
    np.random.seed(0)
    torch.manual_seed(0)
    model = _model(method, head)
    model.init_weights()
    model.train()
    seen = _record_inputs(model)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    before = model.head.fc.weight.detach().clone()
    log_vars = model.train_step(_batch(), optim)
    assert all(torch.isfinite(v) for v in log_vars.values())
    assert log_vars['loss'] > 0
    assert not torch.equal(model.head.fc.weight, before)
    model.eval()
    preds = model.val_step(_batch())
    assert len(preds) == 4
    for pred in preds:
        assert pred.loc_map.shape == (SIZE, SIZE)
        assert torch.isfinite(pred.loc_map).all()
        assert pred.pred_bbox.shape == (4, )
    train_in, eval_in = seen
    hidden = (train_in == 0).all(1).float().mean().item()
    if method == 'has':
        # hides about half of the training pixels, none at evaluation
        assert 0.35 < hidden < 0.65
    else:
        assert hidden == 0
    assert (eval_in == 0).all(1).float().mean().item() == 0
    if method == 'cutmix':
        assert not torch.equal(train_in, eval_in)
    else:
        mask = (train_in != 0).all(1, keepdim=True)
        torch.testing.assert_close(train_in, eval_in * mask)
    if method == 'adl':
        assert len(model.backbone.plugins) == 3
        assert not model.backbone.plugins[0].training


def test_config_form_keeps_the_dataset_preprocessor(tmp_path):
    """`model.train_cfg.augments` (or a top-level `data_preprocessor` with
    `batch_augments`) keeps the dataset's normalisation; a
    `model.data_preprocessor` replaces it, since mmengine's Runner merges
    the top-level one with `setdefault`."""
    base = osp.join(REPO, 'configs',
                    'cam_efficientnet-lite0_synthetic-finegrained.py')
    has = "dict(type='HideAndSeek', grid_size=4, hide_prob=0.5)"
    forms = {
        'train_cfg': f'model = dict(train_cfg=dict(augments=[{has}]))',
        'top_level': 'data_preprocessor = dict(batch_augments=dict('
        f'augments=[{has}]))',
        'model_preprocessor': 'model = dict(data_preprocessor=dict('
        f'batch_augments=dict(augments=[{has}])))',
    }
    built = {}
    for name, text in forms.items():
        path = tmp_path / f'{name}.py'
        path.write_text(f'_base_ = [{base!r}]\n{text}\n')
        cfg = Config.fromfile(str(path))
        model_cfg = cfg.model.copy()
        model_cfg.backbone.pop('init_cfg', None)
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
        built[name] = MODELS.build(model_cfg).data_preprocessor
    for name in ('train_cfg', 'top_level'):
        pre = built[name]
        assert pre.mean.flatten().tolist() == [127.0] * 3
        assert pre.num_classes == 8 and pre.to_rgb
        aug = pre.batch_augments.augments
        assert [type(a).__name__ for a in aug] == ['HideAndSeek']
    assert not built['model_preprocessor']._enable_normalize


def test_adl_config_on_a_zoo_config(tmp_path):
    """docs/methods.md's ADL snippet on cam_resnet50_cub.py: the backbone
    keeps its class, ImageNet init_cfg and parameter names (the
    schedule's `backbone.layer4` lr multiplier still matches)."""
    base = osp.join(REPO, 'configs', 'cam_resnet50_cub.py')
    path = tmp_path / 'adl_resnet50_cub.py'
    path.write_text(
        f'_base_ = [{base!r}]\n'
        'model = dict(backbone=dict(\n'
        "    _delete_=True, type='PluginBackbone',\n"
        '    backbone={{_base_.backbone}},\n'
        "    plugins=[dict(type='ADL', after=p, drop_rate=0.75, gamma=0.9)\n"
        "             for p in ('layer3.0', 'layer4.0', 'layer4.2')]))\n")
    cfg = Config.fromfile(str(path))
    assert cfg.model.backbone.backbone.init_cfg.prefix == 'backbone'
    model = MODELS.build(cfg.model)
    assert type(model.backbone).__name__ == 'ResNet'
    assert len(model.backbone.plugins) == 3
    names = [n for n, _ in model.named_parameters()]
    assert 'backbone.layer4.0.conv1.weight' in names
    assert not any('plugins' in n for n in names)
    assert 'backbone.layer4' in cfg.optim_wrapper.paramwise_cfg.custom_keys
