"""SPGHead: guidance masks, masked BCE, the guidance chain, the test map."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from fam_mm.models.heads import (
    SPG_IGNORE,
    SPGHead,
    masked_bce_with_logits,
    minmax_normalize,
    spg_guidance_mask,
)
from fam_mm.models.heads import spg_head as spg_module


def test_mask_labels_fg_bg_and_leaves_the_middle_band_ignored():
    guide = torch.linspace(0, 1, 21).view(1, 1, 3, 7)  # 0, 0.05, ..., 1
    labels = spg_guidance_mask(guide, high=0.7, low=0.1, min_pixels=3)
    assert labels.shape == guide.shape and labels.dtype == torch.long
    torch.testing.assert_close(labels[guide > 0.7],
                               torch.ones(6, dtype=torch.long))
    torch.testing.assert_close(labels[guide < 0.1],
                               torch.zeros(2, dtype=torch.long))
    middle = (guide >= 0.1) & (guide <= 0.7)
    assert middle.sum() == 13
    assert (labels[middle] == SPG_IGNORE).all()


def test_mask_falls_back_per_sample_when_too_few_pixels():
    guide = torch.zeros(2, 1, 4, 4)
    guide[0, 0, 0, :3] = torch.tensor([0.5, 0.4, 0.3])  # nothing > 0.7
    guide[1, 0, :2, :] = 0.9  # 8 pixels > 0.7
    guide[1, 0, 2, 0] = 0.65  # > 0.7 * 0.9 but not > 0.7
    labels = spg_guidance_mask(guide, high=0.7, low=0.01, min_pixels=8)
    # sample 0: fallback threshold 0.7 * 0.5 = 0.35 -> 0.5 and 0.4
    assert labels[0, 0, 0, :3].tolist() == [1, 1, SPG_IGNORE]
    assert (labels[0, 0, 1:] == 0).all()
    # sample 1: exactly min_pixels pass, no fallback (0.65 stays ignored)
    assert (labels[1, 0, :2] == 1).all()
    assert labels[1, 0, 2, 0] == SPG_IGNORE
    assert (labels[1, 0, 2, 1:] == 0).all()
    labels = spg_guidance_mask(guide, high=0.7, low=0.01, min_pixels=9)
    assert labels[1, 0, 2, 0] == 1  # now the fallback (0.63) includes it


def test_background_wins_over_a_fallback_on_a_faint_map():
    guide = torch.full((1, 1, 2, 2), 0.004)
    guide[0, 0, 0, 0] = 0.005
    labels = spg_guidance_mask(guide, high=0.7, low=0.01)
    assert (labels == 0).all()
    with pytest.raises(ValueError, match='low <= high'):
        spg_guidance_mask(guide, high=0.1, low=0.5)


def test_bce_counts_only_labelled_pixels():
    logits = torch.randn(2, 1, 3, 3, requires_grad=True)
    labels = torch.full((2, 1, 3, 3), SPG_IGNORE, dtype=torch.long)
    labels[0, 0, 0] = 1
    labels[1, 0, 2, :2] = 0
    loss = masked_bce_with_logits(logits, labels)
    keep = labels != SPG_IGNORE
    torch.testing.assert_close(
        loss,
        F.binary_cross_entropy_with_logits(logits[keep],
                                           labels[keep].float()))
    loss.backward()
    assert (logits.grad[~keep] == 0).all()
    assert (logits.grad[keep] != 0).all()
    # nothing labelled: a zero loss that still back-propagates
    logits.grad = None
    none = masked_bce_with_logits(logits, torch.full_like(labels, SPG_IGNORE))
    none.backward()
    assert none.item() == 0 and (logits.grad == 0).all()


def _head(**kwargs):
    torch.manual_seed(0)
    return SPGHead(
        num_classes=3, in_channels=(2, 3, 4), guide_channels=5, **kwargs)


def _feats(size=(4, 4), grad=False):
    torch.manual_seed(1)
    shapes = [(2, 2, 8, 8), (2, 3, *size), (2, 4, *size)]
    return tuple(torch.rand(s, requires_grad=grad) for s in shapes)


def test_guidance_chain_and_default_thresholds(monkeypatch):
    calls = []
    real = spg_module.spg_guidance_mask

    def record(guide, high, low, min_pixels, fallback_ratio):
        calls.append((guide.clone(), high, low, min_pixels, fallback_ratio))
        return real(guide, high, low, min_pixels, fallback_ratio)

    monkeypatch.setattr(spg_module, 'spg_guidance_mask', record)
    head = _head()
    feats = _feats()
    samples = [
        DataSample(metainfo=dict(img_shape=(16, 12))).set_gt_label(2),
        DataSample(metainfo=dict(img_shape=(16, 12))).set_gt_label(0),
    ]
    losses = head.loss(feats, samples)
    assert set(losses) == {
        'loss_cls', 'loss_spg_b1', 'loss_spg_b2', 'loss_spg_c'
    }
    assert all(torch.isfinite(v) for v in losses.values())

    def up(x):
        return F.interpolate(
            x, size=(16, 12), mode='bilinear', align_corners=False)

    with torch.no_grad():
        cam = head.class_activation_maps(feats, torch.tensor([2, 0]))
        logits = head.guidance_logits(feats)
        p_b1, p_b2 = up(logits['b1']).sigmoid(), up(logits['b2']).sigmoid()
    (g_b2, *thr_b2), (g_b1, *thr_b1), (g_c, *thr_c) = calls
    # B2 <- the classifier's normalised GT-class map
    torch.testing.assert_close(g_b2, minmax_normalize(up(cam)))
    assert thr_b2 == [0.7, 0.01, 30, 0.7]
    # B1 <- sigmoid(B2)
    torch.testing.assert_close(g_b1, p_b2)
    assert thr_b1 == [0.5, 0.05, 30, 0.7]
    # C <- mean of sigmoid(B1) and sigmoid(B2)
    torch.testing.assert_close(g_c, (p_b1 + p_b2) / 2)
    assert thr_c == [0.7, 0.1, 30, 0.7]


def test_each_guidance_loss_trains_its_own_level():
    head = _head(guidance_size=(8, 8))
    samples = [DataSample().set_gt_label(1), DataSample().set_gt_label(0)]
    grads = {}
    for name in ('loss_spg_b1', 'loss_spg_b2', 'loss_spg_c'):
        feats = _feats(grad=True)
        head.zero_grad()
        head.loss(feats, samples)[name].backward()
        grads[name] = [f.grad is not None and f.grad.abs().sum() > 0
                       for f in feats]
        assert head.fc.weight.grad is None  # the class map is detached
    assert grads['loss_spg_b1'] == [True, False, False]
    assert grads['loss_spg_b2'] == [False, True, False]
    assert grads['loss_spg_c'] == [False, False, True]


def test_guidance_size_defaults(monkeypatch):
    head = _head()
    sizes = []
    real = spg_module.spg_guidance_mask

    def record(guide, *args):
        sizes.append(tuple(guide.shape[-2:]))
        return real(guide, *args)

    monkeypatch.setattr(spg_module, 'spg_guidance_mask', record)
    feats = _feats()
    head.loss(feats, [DataSample().set_gt_label(0)] * 2)
    head.loss(feats, [
        DataSample(metainfo=dict(img_shape=(20, 24))).set_gt_label(0)
        for _ in range(2)
    ])
    # no img_shape: the largest feature map (8 x 8); else the input size
    assert sizes == [(8, 8)] * 3 + [(20, 24)] * 3


def test_test_map_is_the_class_map_only():
    head = _head().eval()
    feats = _feats(size=(4, 4))
    meta = dict(img_shape=(4, 4), ori_shape=(4, 4))
    with torch.no_grad():
        preds = head.predict(feats, [DataSample(metainfo=meta)
                                     for _ in range(2)])
        labels = head(feats).argmax(1)
        cams = head.class_activation_maps(feats, labels)
        for name in ('side_b1', 'side_b2', 'guide_shared', 'guide_c'):
            for p in getattr(head, name).parameters():
                p.add_(torch.randn_like(p))
        again = head.predict(feats, [DataSample(metainfo=meta)
                                     for _ in range(2)])
    for i in range(2):
        torch.testing.assert_close(preds[i].loc_map,
                                   minmax_normalize(cams[i, 0]))
        torch.testing.assert_close(again[i].loc_map, preds[i].loc_map)
        torch.testing.assert_close(again[i].pred_score, preds[i].pred_score)


def test_bad_config_and_inputs():
    with pytest.raises(ValueError, match='c_mid, c_late, c_last'):
        SPGHead(num_classes=3, in_channels=4)
    with pytest.raises(ValueError, match='c_mid, c_late, c_last'):
        SPGHead(num_classes=3, in_channels=(3, 4))
    with pytest.raises(ValueError, match='b1_thresholds'):
        SPGHead(num_classes=3, in_channels=(2, 3, 4),
                b1_thresholds=(0.05, 0.5))
    head = _head()
    with pytest.raises(ValueError, match='three out_indices'):
        head.loss(_feats()[1:], [DataSample().set_gt_label(0)] * 2)
    with pytest.raises(ValueError, match=r'in_channels=\(2, 3, 4\)'):
        head.loss(_feats()[::-1], [DataSample().set_gt_label(0)] * 2)
