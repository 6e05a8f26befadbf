"""Resume under torch >= 2.6 (``weights_only=True``), fam_mm's allow-list."""
import os.path as osp

import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import Runner
from mmpretrain.structures import DataSample
from torch.utils.data import Dataset

import fam_mm  # noqa: F401  (registers the safe globals)
from fam_mm.utils.checkpoint_safety import _history_buffer_getattr


class _TinyDataset(Dataset):
    """8 random 32x32 images in 2 classes, as mmpretrain-packed samples."""

    def __len__(self):
        return 8

    def __getitem__(self, idx):
        g = torch.Generator().manual_seed(idx)
        img = torch.randint(0, 255, (3, 32, 32), generator=g,
                            dtype=torch.uint8)
        sample = DataSample(metainfo=dict(img_shape=(32, 32),
                                          ori_shape=(32, 32)))
        return dict(inputs=img, data_samples=sample.set_gt_label(idx % 2))


def _runner(work_dir, max_epochs, resume):
    model = dict(
        type='ImageClassifier',
        data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=2),
        backbone=dict(type='ResNet', depth=18, strides=(1, 2, 2, 1)),
        neck=dict(type='FAMNeck', in_channels=512),
        head=dict(type='FAMHead', num_classes=2, in_channels=512))
    return Runner(
        model=model,
        work_dir=work_dir,
        train_dataloader=dict(
            dataset=_TinyDataset(),
            sampler=dict(type='DefaultSampler', shuffle=True),
            batch_size=4,
            num_workers=0,
            collate_fn=dict(type='pseudo_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9)),
        param_scheduler=dict(
            type='StepLR', step_size=1, gamma=0.5, begin=0, end=2),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=1),
            logger=dict(type='LoggerHook', interval=1)),
        randomness=dict(seed=0),
        resume=resume,
        default_scope='mmpretrain')


def test_resume_trains_second_epoch(tmp_path):
    work_dir = str(tmp_path / 'resumed')
    _runner(work_dir, max_epochs=1, resume=False).train()
    ckpt = osp.join(work_dir, 'epoch_1.pth')
    assert osp.exists(ckpt)
    # The checkpoint holds HistoryBuffers and loads with weights_only=True.
    state = torch.load(ckpt, map_location='cpu', weights_only=True)
    scalars = state['message_hub']['log_scalars']
    assert isinstance(scalars['train/loss'], HistoryBuffer)

    runner = _runner(work_dir, max_epochs=2, resume=True)
    runner.train()
    assert runner.epoch == 2 and runner.iter == 4
    assert osp.exists(osp.join(work_dir, 'epoch_2.pth'))

    # Same end state as an uninterrupted 2-epoch run with the same seed:
    # scheduler, optimizer momentum and weights all came back.
    straight = _runner(str(tmp_path / 'straight'), max_epochs=2,
                       resume=False)
    straight.train()
    assert runner.optim_wrapper.get_lr() == straight.optim_wrapper.get_lr()
    assert [s.last_step for s in runner.param_schedulers] == \
        [s.last_step for s in straight.param_schedulers]
    resumed_sd = runner.model.state_dict()
    for key, value in straight.model.state_dict().items():
        torch.testing.assert_close(resumed_sd[key], value, rtol=1e-4,
                                   atol=1e-5, msg=key)


def test_restricted_getattr_refuses_other_attributes():
    assert _history_buffer_getattr(HistoryBuffer, 'mean') is \
        HistoryBuffer.mean
    with pytest.raises(RuntimeError, match='refuses'):
        _history_buffer_getattr(HistoryBuffer, '__init__')
    with pytest.raises(RuntimeError, match='refuses'):
        _history_buffer_getattr(torch, 'load')


def test_other_unsafe_globals_still_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'fn': osp.join}, path)
    with pytest.raises(Exception, match='(?i)weights_only|unsupported'):
        torch.load(path, weights_only=True)
