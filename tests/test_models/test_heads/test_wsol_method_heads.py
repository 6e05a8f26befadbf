"""The WSOL method heads in an ImageClassifier: a few SGD steps on a trivial
problem, then predictions with CAMHead's fields that WSOLMetric consumes."""
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import fam_mm  # noqa: F401

SIZE = 64
# a slim ResNet18 (8-channel base), stride 16: 4 x 4 maps at 64 x 64;
# stage outputs have 8, 16, 32, 64 channels
BACKBONE = dict(
    type='ResNet',
    depth=18,
    base_channels=8,
    strides=(1, 2, 2, 1),
    out_indices=(3, ),
    style='pytorch')
HEADS = {
    'CAMHead': (dict(type='CAMHead', in_channels=64), (3, )),
    'ACoLHead': (dict(type='ACoLHead', in_channels=64, mid_channels=16),
                 (3, )),
    'SPGHead': (dict(type='SPGHead', in_channels=(16, 32, 64),
                     guide_channels=8, min_pixels=4), (1, 2, 3)),
}


def _model(name):
    head, out_indices = HEADS[name]
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(
            dict(
                type='ImageClassifier',
                backbone=dict(BACKBONE, out_indices=out_indices),
                head=dict(head, num_classes=2, cam_target='gt'),
                data_preprocessor=dict(
                    type='ClsDataPreprocessor', mean=[128.] * 3,
                    std=[64.] * 3)))


def _batch():
    """Class 0: a bright square top-left; class 1: bottom-right."""
    inputs, samples = [], []
    for i in range(4):
        img = torch.full((3, SIZE, SIZE), 60, dtype=torch.uint8)
        label = i % 2
        lo = 4 + i if label == 0 else SIZE // 2 + i
        img[:, lo:lo + 24, lo:lo + 24] = 220
        inputs.append(img)
        sample = DataSample(
            metainfo=dict(
                img_shape=(SIZE, SIZE),
                ori_shape=(2 * SIZE, 2 * SIZE),
                sample_idx=i,
                img_path=f'{i}.png')).set_gt_label(label)
        # original frame = 2x the input
        sample.set_field(
            torch.tensor([[2. * lo, 2. * lo, 2. * lo + 48, 2. * lo + 48]]),
            'gt_bboxes')
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('name', list(HEADS))
def test_train_steps_reduce_the_loss_and_metric_reads_predictions(name):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model = _model(name)
        model.train()
        optim = OptimWrapper(
            torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9))
        losses = []
        for _ in range(5):
            log_vars = model.train_step(_batch(), optim)
            assert all(torch.isfinite(v) for v in log_vars.values())
            losses.append(log_vars['loss'].item())
        model.eval()
        with torch.no_grad():
            preds = model.val_step(_batch())
            cam_preds = _model('CAMHead').eval().val_step(_batch())
    finally:
        torch.set_num_threads(threads)
    expected_terms = {
        'CAMHead': {'loss_cls'},
        'ACoLHead': {'loss_cls', 'loss_cls_b'},
        'SPGHead': {'loss_cls', 'loss_spg_b1', 'loss_spg_b2', 'loss_spg_c'},
    }[name]
    assert expected_terms <= set(log_vars)
    assert losses[-1] < losses[0], losses

    # the CAM head's fields, so the metric, the inferencer and the tools
    # read every method's predictions alike
    assert set(preds[0].keys()) == set(cam_preds[0].keys())
    assert {'pred_label', 'pred_score', 'loc_map', 'pred_bbox'} <= set(
        preds[0].keys())
    assert preds[0].loc_map.shape == (SIZE, SIZE)
    assert 0 <= float(preds[0].loc_map.min()) <= float(
        preds[0].loc_map.max()) <= 1
    assert preds[0].loc_threshold == 0.2
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        evaluator = Evaluator(
            dict(type='WSOLMetric', loc_threshold_mode='minmax'))
    evaluator.process(preds[:3])
    out = evaluator.evaluate(3)
    for key in ('top1_cls', 'gt_known_loc', 'maxboxaccv2'):
        assert 0 <= out[f'wsol/{key}'] <= 100


# The backbone settings that docs/methods.md (ACoL and SPG) and the heads'
# docstrings give for VGG16, ResNet50 and InceptionV3 (no ImageNet weights
# here).
PAPER_BACKBONES = {
    'vgg16': (dict(type='WSOLVGG', depth=16, extra_channels=()),
              dict(type='WSOLVGG', depth=16, extra_channels=(1024, ),
                   out_indices=(3, 4, 5)), 512, (512, 512, 1024)),
    'resnet50': (dict(type='ResNet', depth=50, strides=(1, 2, 2, 1),
                      out_indices=(3, )),
                 dict(type='ResNet', depth=50, strides=(1, 2, 2, 1),
                      out_indices=(1, 2, 3)), 2048, (512, 1024, 2048)),
    'inceptionv3': (dict(type='WSOLInceptionV3', mixed_6a_stride=1,
                         extra_channels=()),
                    dict(type='WSOLInceptionV3', mixed_6a_stride=1,
                         extra_channels=(1024, 1024), extra_dropout=0.5,
                         out_indices=(1, 2, 3)), 768, (288, 768, 1024)),
}


@pytest.mark.parametrize('arch', list(PAPER_BACKBONES))
def test_documented_backbone_settings_fit_the_heads(arch):
    acol_backbone, spg_backbone, acol_in, spg_in = PAPER_BACKBONES[arch]
    heads = (
        dict(type='ACoLHead', in_channels=acol_in, mid_channels=8),
        dict(type='SPGHead', in_channels=spg_in, guide_channels=8),
    )
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for backbone, head in zip((acol_backbone, spg_backbone), heads):
            with DefaultScope.overwrite_default_scope('mmpretrain'):
                model = MODELS.build(
                    dict(type='ImageClassifier', backbone=backbone,
                         head=dict(head, num_classes=3)))
            samples = [
                DataSample(metainfo=dict(img_shape=(96, 96),
                                         ori_shape=(96, 96))).set_gt_label(1)
                for _ in range(2)
            ]
            inputs = torch.rand(2, 3, 96, 96)
            with torch.no_grad():
                model.train()
                losses = model(inputs, samples, mode='loss')
                model.eval()
                preds = model(inputs, samples, mode='predict')
            assert all(torch.isfinite(v) for v in losses.values())
            assert preds[0].loc_map.shape == (96, 96)
    finally:
        torch.set_num_threads(threads)
