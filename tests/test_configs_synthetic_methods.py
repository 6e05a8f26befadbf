"""The WSOL methods' configs of the synthetic leaderboard
(``configs/<method>_efficientnet-lite0_synthetic-finegrained.py``): each is
the fine-grained CAM recipe plus its method, loads the ImageNet weights,
takes one training step and one evaluation step on a tiny benchmark."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmpretrain.registry import DATASETS, METRICS, MODELS

import fam_mm  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CAM = 'cam_efficientnet-lite0_synthetic-finegrained.py'
#: what each config changes in the CAM recipe, and the head it tests with
METHODS = {
    'has': 'CAMHead',
    'cutmix': 'CAMHead',
    'adl': 'CAMHead',
    'acol': 'ACoLHead',
    'spg': 'SPGHead',
}


def _config(method):
    return Config.fromfile(osp.join(
        REPO, 'configs', f'{method}_{CAM.partition("_")[2]}'))


@pytest.mark.parametrize('method', sorted(METHODS))
def test_the_cam_recipe_plus_the_method(method):
    cfg, cam = _config(method), Config.fromfile(
        osp.join(REPO, 'configs', CAM))
    # the data, schedule and optimizer of the fine-grained pair
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader',
                'param_scheduler', 'train_cfg', 'data_preprocessor',
                'val_evaluator', 'randomness'):
        assert cfg[key] == cam[key], key
    optim_wrapper = cfg.optim_wrapper.to_dict()
    if method in ('acol', 'spg'):  # their one addition: the clipping that
        # keeps the recipe's 10x head lr from diverging (docs/methods.md)
        assert optim_wrapper.pop('clip_grad') == dict(max_norm=2.0)
    assert optim_wrapper == cam.optim_wrapper.to_dict()
    model, ref = cfg.model.to_dict(), cam.model.to_dict()
    if method in ('has', 'cutmix'):  # a batch augment, the same network
        augments = model.pop('train_cfg')
        assert augments['augments'][0]['type'] == {
            'has': 'HideAndSeek', 'cutmix': 'CutMix'}[method]
    elif method == 'adl':  # the same backbone, ADL layers hooked in
        backbone = model['backbone']
        assert backbone['type'] == 'PluginBackbone'
        assert backbone['backbone'] == ref['backbone']
        assert [p['after'] for p in backbone['plugins']] == [
            'stages.3.0', 'stages.4.0', 'stages.4.2']
        model['backbone'] = ref['backbone']
    else:  # another head (SPG: on three stages)
        assert model['head'].pop('type') == METHODS[method]
        ref['head'].pop('type')
        for key in ('num_classes', 'cam_target', 'loss'):
            assert model['head'][key] == ref['head'][key]
        model['head'], ref['head'] = {}, {}
        if method == 'spg':
            assert model['backbone'].pop('out_indices') == (2, 3, 4)
            ref['backbone'].pop('out_indices')
    assert model == ref


@pytest.mark.parametrize('method', sorted(METHODS))
def test_one_training_and_one_evaluation_step(method, tmp_path):
    cfg = _config(method)
    dataset_cfg = cfg.train_dataloader.dataset.copy()
    dataset_cfg.update(
        data_root=str(tmp_path / 'data'), num_train=4, num_val=4,
        num_test=4, min_size=48, max_size=64)
    val_cfg = cfg.val_dataloader.dataset.copy()
    val_cfg.update(data_root=dataset_cfg.data_root, num_train=4,
                   num_val=4, num_test=4, min_size=48, max_size=64)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    try:
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            dataset = DATASETS.build(dataset_cfg)
            val_set = DATASETS.build(val_cfg)
            # as mmengine's Runner does
            model_cfg = cfg.model.copy()
            model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
            model = MODELS.build(model_cfg)
            assert type(model.head).__name__ == METHODS[method]
            augments = model.data_preprocessor.batch_augments
            if method in ('has', 'cutmix'):  # what train_step runs
                assert type(augments.augments[0]).__name__ == {
                    'has': 'HideAndSeek', 'cutmix': 'CutMix'}[method]
            else:
                assert augments is None
            assert [type(p).__name__ for p in getattr(
                model.backbone, 'plugins', [])] == (
                    ['ADL'] * 3 if method == 'adl' else [])
            model.init_weights()  # the ImageNet weights (ADL: through hooks)
            model.train()
            optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
            batch = pseudo_collate([dataset[i] for i in range(4)])
            before = [p.detach().clone() for p in model.head.parameters()]
            log_vars = model.train_step(batch, optim_wrapper)
            model.eval()
            metric = METRICS.build(cfg.val_evaluator)
            metric.dataset_meta = val_set.metainfo
            with torch.no_grad():
                samples = model.val_step(
                    pseudo_collate([val_set[i] for i in range(4)]))
            metric.process(None, [s.to_dict() for s in samples])
            results = metric.compute_metrics(metric.results)
    finally:
        torch.set_num_threads(threads)
    assert torch.isfinite(log_vars['loss'])
    assert any(not torch.equal(p, b)
               for p, b in zip(model.head.parameters(), before))
    if method == 'acol':
        assert {'loss_cls', 'loss_cls_b'} <= set(log_vars)
    for sample in samples:
        assert sample.loc_map.shape == sample.img_shape
        assert 0 <= float(sample.loc_map.min()) <= \
            float(sample.loc_map.max()) <= 1
    assert 0 <= results['maxboxaccv2'] <= 100
