"""A run interrupted mid-epoch and resumed ends with the same weights as an
uninterrupted run with the same seed."""
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

import fam_mm  # noqa: F401
from fam_mm.datasets import SyntheticWSOL

SYN = dict(num_classes=2, num_train=12, num_val=2, num_test=2, min_size=40,
           max_size=48)
PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='WSOLResize', scale=(40, 40)),
    dict(type='WSOLRandomCrop', crop_size=32),  # random: numpy RNG
    dict(type='WSOLRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackWSOLInputs'),
]


class _Interrupt(Exception):
    pass


class _KillAt(Hook):
    """Stand-in for a pre-empted job: dies right after iteration ``at``
    (after its checkpoint was written)."""

    priority = 'LOWEST'

    def __init__(self, at):
        self.at = at

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.at:
            raise _Interrupt


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('resume') / 'synthetic')
    SyntheticWSOL(data_root=root, split='train', **SYN)
    return root


def _runner(work_dir, data_root, loop, resume_from=None, hooks=()):
    return Runner(
        model=dict(
            type='ImageClassifier',
            data_preprocessor=dict(type='ClsDataPreprocessor',
                                   num_classes=2),
            backbone=dict(type='ResNet', depth=18, base_channels=8,
                          strides=(1, 2, 2, 1)),
            neck=dict(type='FAMNeck', in_channels=64),
            head=dict(type='FAMHead', num_classes=2, in_channels=64)),
        work_dir=work_dir,
        train_dataloader=dict(
            dataset=dict(type='SyntheticWSOL', data_root=data_root,
                         split='train', pipeline=PIPELINE, **SYN),
            sampler=dict(type='DefaultSampler', shuffle=True),
            batch_size=4, num_workers=0,
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=0.05, momentum=0.9)),
        param_scheduler=dict(type='LinearLR', start_factor=0.5,
                             by_epoch=False, begin=0, end=6),
        train_cfg=dict(type=loop, max_epochs=3),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=1,
                            by_epoch=False),
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=list(hooks),
        randomness=dict(seed=0),
        load_from=resume_from,
        resume=resume_from is not None,
        default_scope='mmpretrain')


def _interrupted_then_resumed(tmp_path, data_root, loop):
    work_dir = str(tmp_path / loop)
    # 3 iterations an epoch: die after iteration 5, in the middle of epoch 2
    with pytest.raises(_Interrupt):
        _runner(work_dir, data_root, loop, hooks=[_KillAt(5)]).train()
    resumed = _runner(work_dir, data_root, loop,
                      resume_from=osp.join(work_dir, 'iter_5.pth'))
    resumed.train()
    return resumed


def test_mid_epoch_resume_matches_uninterrupted_run(tmp_path, data_root):
    straight = _runner(str(tmp_path / 'straight'), data_root,
                       'ResumableEpochBasedTrainLoop')
    straight.train()
    resumed = _interrupted_then_resumed(tmp_path, data_root,
                                        'ResumableEpochBasedTrainLoop')
    assert resumed.iter == straight.iter == 9
    assert resumed.epoch == straight.epoch == 3
    expected = straight.model.state_dict()
    for key, value in resumed.model.state_dict().items():
        torch.testing.assert_close(value, expected[key], rtol=1e-5,
                                   atol=1e-6, msg=key)


def test_plain_epoch_loop_retrains_the_interrupted_batches(tmp_path,
                                                           data_root):
    """Why the loop exists: mmengine's own loop restarts the epoch."""
    straight = _runner(str(tmp_path / 'straight'), data_root,
                       'EpochBasedTrainLoop')
    straight.train()
    resumed = _interrupted_then_resumed(tmp_path, data_root,
                                        'EpochBasedTrainLoop')
    assert resumed.iter == 11  # 2 batches of epoch 2 trained twice
    differs = any(
        not torch.allclose(value, straight.model.state_dict()[key])
        for key, value in resumed.model.state_dict().items()
        if value.is_floating_point())
    assert differs
