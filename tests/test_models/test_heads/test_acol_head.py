"""ACoLHead: erasing, the two losses, classification from A, the max map."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from fam_mm.models.heads import ACoLHead, erase_attention, minmax_normalize


class _FixedMaps(nn.Module):
    """A branch that outputs given class maps whatever its input."""

    def __init__(self, maps):
        super().__init__()
        self.maps = maps
        self.seen = None

    def forward(self, x):
        self.seen = x.detach().clone()
        return self.maps.clone()


class _Recorder(nn.Module):
    """Wraps a branch and keeps the input it saw."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.seen = None

    def forward(self, x):
        self.seen = x.detach().clone()
        return self.inner(x)


def _head(**kwargs):
    torch.manual_seed(0)
    return ACoLHead(num_classes=3, in_channels=4, mid_channels=8, **kwargs)


def _maps_a():
    """Class 0 dominates the logits; class 1's map is 0..15 (4 x 4)."""
    maps = torch.zeros(1, 3, 4, 4)
    maps[0, 0] = 10.0
    maps[0, 1] = torch.arange(16.).view(4, 4)
    maps[0, 2] = -3.0
    return maps


def test_erase_attention_zeroes_exactly_at_or_above_threshold():
    feats = torch.rand(2, 3, 2, 3) + 0.5
    att = torch.tensor([[[0.0, 0.6999, 0.7], [0.71, 1.0, 0.3]],
                        [[0.7, 0.7, 0.7], [0.1, 0.2, 0.69]]]).unsqueeze(1)
    out = erase_attention(feats, att, 0.7)
    erased = (att >= 0.7).expand_as(feats)
    assert erased.sum() == 3 * (3 + 3)  # 0.7, 0.71, 1.0 and three 0.7
    assert (out[erased] == 0).all()
    torch.testing.assert_close(out[~erased], feats[~erased])
    with pytest.raises(ValueError, match='does not match'):
        erase_attention(feats, att[..., :2], 0.7)


def test_b_sees_features_erased_by_a_normalised_gt_map():
    head = _head()
    head.branch_a = _FixedMaps(_maps_a())
    head.branch_b = _Recorder(head.branch_b)
    x = torch.rand(1, 4, 4, 4) + 0.5
    head.loss((x, ), [DataSample().set_gt_label(1)])
    # class 1's map normalised is v / 15: erased where v / 15 >= 0.7
    keep = (torch.arange(16.).view(4, 4) / 15 < 0.7).float()
    assert keep.sum() == 11  # v = 11..15 erased
    torch.testing.assert_close(head.branch_b.seen, x * keep)
    # the GT class erases, not A's top-1 (class 0, a constant map, would
    # erase nothing: a constant map normalises to 0)
    head.loss((x, ), [DataSample().set_gt_label(0)])
    torch.testing.assert_close(head.branch_b.seen, x)
    # the threshold is the head's
    head.erase_threshold = 0.5
    head.loss((x, ), [DataSample().set_gt_label(1)])
    keep = (torch.arange(16.).view(4, 4) / 15 < 0.5).float()
    torch.testing.assert_close(head.branch_b.seen, x * keep)


def test_both_losses_count_and_erasing_is_detached():
    head = _head()
    x = torch.rand(2, 4, 5, 5, requires_grad=True)
    samples = [DataSample().set_gt_label(2), DataSample().set_gt_label(0)]
    labels = torch.tensor([2, 0])
    losses = head.loss((x, ), samples)
    assert set(losses) == {'loss_cls', 'loss_cls_b'}
    maps_a = head.branch_a(x)
    torch.testing.assert_close(losses['loss_cls'],
                               F.cross_entropy(maps_a.mean((2, 3)), labels))
    erased = head.erased_features(x, maps_a, labels)
    torch.testing.assert_close(
        losses['loss_cls_b'],
        F.cross_entropy(head.branch_b(erased).mean((2, 3)), labels))
    # B's loss trains B (and the features), never A through the mask
    losses['loss_cls_b'].backward()
    assert all(p.grad is None for p in head.branch_a.parameters())
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in head.branch_b.parameters())
    assert x.grad is not None and x.grad.abs().sum() > 0
    head.loss_b_weight = 0.0
    assert head.loss((x, ), samples)['loss_cls_b'] == 0


def test_classification_from_a_and_map_is_the_max():
    head = _head().eval()
    x = torch.rand(2, 4, 6, 6)
    meta = dict(img_shape=(6, 6), ori_shape=(6, 6))
    samples = [DataSample(metainfo=meta) for _ in range(2)]
    with torch.no_grad():
        preds = head.predict((x, ), samples)
        logits_a = head.branch_a(x).mean((2, 3))
        torch.testing.assert_close(head((x, )), logits_a)
        labels = logits_a.argmax(1)
        maps_a = head.branch_a(x)
        maps_b = head.branch_b(head.erased_features(x, maps_a, labels))
    for i, pred in enumerate(preds):
        c = int(labels[i])
        assert pred.pred_label.item() == c
        torch.testing.assert_close(pred.pred_score,
                                   logits_a[i].softmax(0))
        fused = torch.max(minmax_normalize(maps_a[i, c]),
                          minmax_normalize(maps_b[i, c]))
        # same size: the upsampling is the identity, then min-max
        torch.testing.assert_close(pred.loc_map, minmax_normalize(fused))
    # B's weights change the map, never the class scores
    with torch.no_grad():
        for p in head.branch_b.parameters():
            p.add_(torch.randn_like(p))
        again = head.predict(
                (x, ), [DataSample(metainfo=meta) for _ in range(2)])
    torch.testing.assert_close(again[0].pred_score, preds[0].pred_score)


def test_gt_target_map_and_bad_args():
    head = _head(cam_target='gt').eval()
    head.branch_a = _FixedMaps(_maps_a())
    head.branch_b = _FixedMaps(torch.zeros(1, 3, 4, 4))
    meta = dict(img_shape=(4, 4), ori_shape=(4, 4))
    pred = head.predict((torch.rand(1, 4, 4, 4), ),
                        [DataSample(metainfo=meta).set_gt_label(1)])[0]
    assert pred.pred_label.item() == 0  # A's top-1
    # class 1's map (B's constant map normalises to 0): v / 15
    torch.testing.assert_close(pred.loc_map,
                               torch.arange(16.).view(4, 4) / 15)
    with pytest.raises(ValueError, match='erase_threshold'):
        ACoLHead(num_classes=3, in_channels=4, erase_threshold=0.0)
    with pytest.raises(ValueError, match='cam_target'):
        ACoLHead(num_classes=3, in_channels=4, cam_target='both')
    with pytest.raises(ValueError, match='no pooling neck'):
        head((torch.rand(2, 4), ))


def test_pre_avgpool_smooths_the_features():
    head = _head(pre_avgpool=True)
    x = torch.rand(1, 4, 5, 5)
    torch.testing.assert_close(
        head.pre_logits((x, )),
        F.avg_pool2d(x, 3, stride=1, padding=1))
