"""ForegroundCollapseHook: statistics, and a run made to collapse on purpose.

The collapsing run trains a tiny FAM with a huge sparsity weight and a high
lr (the map is pushed to 0 within a few iterations); the control run has no
sparsity loss and lr 0, so its map stays at its initial ~0.5.
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.runner import Runner

import fam_mm  # noqa: F401
from fam_mm.datasets import SyntheticWSOL
from fam_mm.engine.hooks import ForegroundCollapseHook
from fam_mm.engine.hooks.foreground_collapse_hook import (
    foreground_stats,
    part_map_diversity,
)
from fam_mm.evaluation import functional

SYN = dict(num_classes=2, num_train=8, num_val=2, num_test=2, min_size=32,
           max_size=40)
PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='WSOLResize', scale=(32, 32)),
    dict(type='PackWSOLInputs'),
]


def test_old_imports_still_work():
    """The statistics live in fam_mm.evaluation.functional (tested in
    tests/test_evaluation/test_part_maps.py); the old names still import
    from here."""
    assert foreground_stats is functional.foreground_stats
    from fam_mm.engine.hooks import part_map_diversity as from_package
    assert from_package is part_map_diversity


def test_part_map_diversity_is_one_minus_the_raw_cosine():
    same = torch.rand(2, 1, 4, 4).expand(2, 3, 4, 4)
    assert part_map_diversity(same) == pytest.approx(0.0, abs=1e-6)
    disjoint = torch.zeros(1, 2, 2, 2)
    disjoint[0, 0, 0] = 1
    disjoint[0, 1, 1] = 1
    assert part_map_diversity(disjoint) == pytest.approx(1.0)
    assert part_map_diversity(torch.rand(1, 1, 3, 3)) == 0.0
    with pytest.raises(ValueError, match='B, K, H, W'):
        part_map_diversity(torch.rand(3, 3))
    maps = torch.rand(3, 4, 5, 5)
    assert part_map_diversity(maps) == pytest.approx(
        1 - float(functional.part_map_cosine(maps, 'raw').mean()))


@pytest.mark.parametrize('kwargs', [
    dict(interval=0),
    dict(patience=0),
    dict(loc_threshold=1.5),
])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        ForegroundCollapseHook(**kwargs)


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('collapse') / 'synthetic')
    SyntheticWSOL(data_root=root, split='train', **SYN)
    return root


def _train(work_dir, data_root, head, lr, hook, max_epochs=4):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        runner = Runner(
            model=dict(
                type='ImageClassifier',
                data_preprocessor=dict(
                    type='ClsDataPreprocessor', num_classes=2),
                backbone=dict(
                    type='ResNet_CIFAR',
                    depth=18,
                    stem_channels=8,
                    base_channels=8,
                    num_stages=2,
                    strides=(1, 2),
                    dilations=(1, 1),
                    out_indices=(1, )),
                neck=dict(type='FAMNeck', in_channels=16),
                head=dict(type='FAMHead', num_classes=2, in_channels=16,
                          num_parts=3, **head)),
            work_dir=work_dir,
            # A unique name: two Runners created in the same second would
            # otherwise share mmengine's MMLogger instance (named by the
            # timestamp) and the second run would log into the first's file.
            experiment_name=osp.basename(work_dir),
            train_dataloader=dict(
                dataset=dict(type='SyntheticWSOL', data_root=data_root,
                             split='train', pipeline=PIPELINE, **SYN),
                sampler=dict(type='DefaultSampler', shuffle=True),
                batch_size=4, num_workers=0),
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=lr)),
            train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
            default_hooks=dict(logger=dict(type='LoggerHook', interval=1),
                               checkpoint=None),
            custom_hooks=[hook],
            randomness=dict(seed=0),
            default_scope='mmpretrain')
        runner.train()
    finally:
        torch.set_num_threads(threads)
    hooks = [h for h in runner.hooks if isinstance(h, ForegroundCollapseHook)]
    assert len(hooks) == 1
    log = glob.glob(osp.join(work_dir, '*', '*.log'))
    assert len(log) == 1
    with open(log[0], encoding='utf-8') as f:
        return runner, hooks[0], f.read()


def test_collapsed_run_warns_once(tmp_path, data_root):
    runner, hook, log = _train(
        str(tmp_path / 'collapse'), data_root,
        head=dict(loss_spa_weight=100.0), lr=1.0,
        hook=dict(type='ForegroundCollapseHook', interval=2, patience=1))
    assert hook.collapsed
    assert log.count('FOREGROUND MAP COLLAPSED') == 1
    assert "part_pooling='foreground'" in log  # the likely fixes
    # logged every 2 iterations (8 iterations): mean, share and diversity
    assert log.count('foreground map (last 2 iters)') == 4
    fg_mean = runner.message_hub.get_scalar('train/fg_mean').current()
    fg_ratio = runner.message_hub.get_scalar('train/fg_ratio').current()
    assert fg_mean < 0.01 and fg_ratio < 0.01
    # collapsed M: the part maps see X * 0, all the same constant map
    hub = runner.message_hub
    assert hub.get_scalar('train/part_diversity').current() == pytest.approx(
        0, abs=1e-6)
    assert hub.get_scalar('train/part_cosine_raw').current() == \
        pytest.approx(1, abs=1e-6)
    # centred, the (near-)constant maps count as identical: 1, not NaN
    assert hub.get_scalar('train/part_cosine_centred').current() == \
        pytest.approx(1, abs=1e-6)
    assert 'centred part-map cosine 1.0000' in log
    # the forward hooks are gone after training
    assert not runner.model.neck._forward_hooks


def test_one_epoch_run_warns_with_the_configs_hook(tmp_path, data_root):
    """The FAM configs' hook (every 50 iterations, patience 2) in a run of
    2 iterations: the end-of-training check on the last batch fires."""
    runner, hook, log = _train(
        str(tmp_path / 'short'), data_root,
        head=dict(loss_spa_weight=100.0), lr=1.0,
        hook=dict(type='ForegroundCollapseHook', interval=50, min_mean=0.01,
                  min_fg_ratio=0.01, patience=2),
        max_epochs=1)
    assert runner.iter == 2  # 8 images, batch 4: far below 50 * 2
    assert 'foreground map (last 50 iters)' not in log  # no regular check
    assert 'foreground map at the end of training (last batch)' in log
    assert hook.collapsed
    assert log.count('FOREGROUND MAP COLLAPSED at iteration 2') == 1
    assert 'on the last batch, at the end of training' in log


def test_short_healthy_run_does_not_warn(tmp_path, data_root):
    runner, hook, log = _train(
        str(tmp_path / 'short_healthy'), data_root,
        head=dict(loss_spa_weight=0.0), lr=0.0,
        hook=dict(type='ForegroundCollapseHook'), max_epochs=1)
    assert not hook.collapsed
    assert 'COLLAPSED' not in log
    assert 'foreground map at the end of training (last batch): mean(M) ' \
        '0.' in log


def test_healthy_run_does_not_warn(tmp_path, data_root):
    runner, hook, log = _train(
        str(tmp_path / 'healthy'), data_root,
        head=dict(loss_spa_weight=0.0, loc_threshold=0.4), lr=0.0,
        hook=dict(type='ForegroundCollapseHook', interval=2, patience=1))
    assert not hook.collapsed
    assert 'COLLAPSED' not in log
    # the box threshold is read from the head
    assert 'share of M > 0.4 ' in log
    # lr 0: M stays at its initial ~0.5 (sigmoid of a near-zero read-out)
    fg_mean = runner.message_hub.get_scalar('train/fg_mean').current()
    assert 0.4 < fg_mean < 0.6
    centred = runner.message_hub.get_scalar(
        'train/part_cosine_centred').current()
    raw = runner.message_hub.get_scalar('train/part_cosine_raw').current()
    assert -1 <= centred <= 1 and 0 <= raw <= 1
    assert runner.message_hub.get_scalar(
        'train/part_diversity').current() == pytest.approx(1 - raw)
    assert 'centred part-map cosine' in log


def test_refuses_a_cam_model(tmp_path, data_root):
    hook = ForegroundCollapseHook()

    class _Runner:
        model = torch.nn.Module()

    _Runner.model.head = torch.nn.Linear(2, 2)
    with pytest.raises(TypeError, match='CAM model has no foreground map'):
        hook.before_train(_Runner())
