import pytest
import torch
from mmpretrain.structures import DataSample

from fam_mm.models.heads import CAMHead


def _head():
    head = CAMHead(num_classes=3, in_channels=2)
    with torch.no_grad():
        head.fc.weight.copy_(torch.tensor([[1., 0.], [0., 1.], [1., -1.]]))
        head.fc.bias.zero_()
    return head


def test_cam_is_classifier_weights_at_each_pixel():
    head = _head()
    x = torch.rand(2, 2, 4, 4)
    cams = head.class_activation_maps((x, ), torch.tensor([0, 2]))
    torch.testing.assert_close(cams[0, 0], x[0, 0])
    torch.testing.assert_close(cams[1, 0], x[1, 0] - x[1, 1])
    # GAP + FC
    torch.testing.assert_close(head((x, )), head.fc(x.mean((2, 3))))


def test_predict_minmax_map_and_target_class():
    head = _head()
    x = torch.zeros(1, 2, 14, 14)
    x[0, 0, 0:4, 0:4] = 5.0  # channel 0: class 0's evidence
    x[0, 1, 8:12, 8:12] = 1.0  # channel 1: class 1's evidence
    meta = dict(img_shape=(224, 224), ori_shape=(224, 224))
    pred = head.predict((x, ), [DataSample(metainfo=meta).set_gt_label(1)])
    assert pred[0].pred_label.item() == 0
    lm = pred[0].loc_map
    assert lm.min().item() == 0.0 and lm.max().item() == pytest.approx(1.0)
    assert pred[0].pred_bbox[0] < 20  # the predicted class's region
    head.cam_target = 'gt'
    pred = head.predict((x, ), [DataSample(metainfo=meta).set_gt_label(1)])
    assert pred[0].pred_bbox[0] > 100  # the GT class's region
    # no GT label: falls back to the prediction
    pred = head.predict((x, ), [DataSample(metainfo=meta)])
    assert pred[0].pred_bbox[0] < 20


def test_constant_cam_gives_zero_map():
    head = _head()
    meta = dict(img_shape=(32, 32), ori_shape=(32, 32))
    pred = head.predict((torch.ones(1, 2, 4, 4), ),
                        [DataSample(metainfo=meta)])[0]
    assert pred.loc_map.abs().sum() == 0


def test_loss_and_bad_args():
    head = _head()
    losses = head.loss((torch.rand(2, 2, 3, 3), ),
                       [DataSample().set_gt_label(0)] * 2)
    assert set(losses) == {'loss_cls'}
    with pytest.raises(ValueError, match='cam_target'):
        CAMHead(num_classes=3, in_channels=2, cam_target='both')
    with pytest.raises(ValueError, match='no pooling neck'):
        head((torch.rand(2, 2), ))


def test_cam_upsampled_bicubically_and_threshold_recorded():
    import torch.nn.functional as F
    head = _head()
    x = torch.rand(1, 2, 7, 7)
    meta = dict(img_shape=(56, 56), ori_shape=(56, 56))
    pred = head.predict((x, ), [DataSample(metainfo=meta).set_gt_label(2)])[0]
    cam = head.class_activation_maps((x, ), pred.pred_label.view(1))
    up = F.interpolate(cam, size=(56, 56), mode='bicubic',
                       align_corners=False)[0, 0]
    up = (up - up.min()) / (up.max() - up.min())
    torch.testing.assert_close(pred.loc_map, up)
    # the one box threshold travels with the prediction (WSOLMetric uses it)
    assert pred.loc_threshold == head.loc_threshold == 0.2
    bilinear = CAMHead(num_classes=3, in_channels=2, upsample_mode='bilinear')
    assert bilinear.upsample_mode == 'bilinear'
    with pytest.raises(ValueError, match='upsample_mode'):
        CAMHead(num_classes=3, in_channels=2, upsample_mode='nearest')
