"""mmpretrain's CutMix has wsolevaluation's semantics, and the WSOL heads'
losses take its soft targets: the loss is mixed by lam."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models import ClsDataPreprocessor
from mmpretrain.registry import BATCH_AUGMENTS
from mmpretrain.structures import DataSample

from fam_mm.models.heads import CAMHead, FAMHead

BATCH, SIZE = 8, 24


def _cutmix(seed):
    """CutMix on images that are constant = their index + 1."""
    np.random.seed(seed)
    torch.manual_seed(seed)
    x = torch.arange(1, BATCH + 1, dtype=torch.float32).view(-1, 1, 1, 1)
    x = x.expand(BATCH, 3, SIZE, SIZE).clone()
    scores = F.one_hot(torch.arange(BATCH), BATCH).float()
    cutmix = BATCH_AUGMENTS.build(dict(type='CutMix', alpha=1.0))
    out, mixed = cutmix(x, scores)
    return out, mixed


@pytest.mark.parametrize('seed', range(30))
def test_lam_is_the_kept_area_share_of_one_box_from_a_permuted_batch(seed):
    out, mixed = _cutmix(seed)
    # where each image comes from (index + 1 = pixel value)
    source = out[:, 0].long() - 1
    assert torch.all(out == out[:, :1])  # all channels pasted together
    pasted = source != torch.arange(BATCH).view(-1, 1, 1)
    partner = torch.tensor([
        int(source[i][pasted[i]][0]) if pasted[i].any() else i
        for i in range(BATCH)
    ])
    # the partners are a permutation of the batch
    if pasted.any():
        assert sorted(partner.tolist()) == list(range(BATCH))
    # one rectangle, the same for every image whose partner is another
    moved = [i for i in range(BATCH) if partner[i] != i]
    if moved:
        box = pasted[moved[0]]
        rows, cols = box.any(1).nonzero(), box.any(0).nonzero()
        rect = torch.zeros_like(box)
        rect[rows.min():rows.max() + 1, cols.min():cols.max() + 1] = True
        assert torch.equal(box, rect)
        assert all(torch.equal(pasted[i], box) for i in moved)
        area = box.float().mean().item()
    for i in range(BATCH):
        j = int(partner[i])
        lam = mixed[i, i].item()
        if j != i:
            # lam (recomputed from the clipped box) = the kept area share;
            # the target is lam * own + (1 - lam) * partner
            assert lam == pytest.approx(1 - area, abs=1e-6)
            assert mixed[i, j].item() == pytest.approx(area, abs=1e-6)
        else:
            assert lam == pytest.approx(1.0)
        assert mixed[i].sum().item() == pytest.approx(1.0)


def test_box_clipped_at_the_border_recomputes_lam():
    """Over many draws some boxes are clipped: lam then differs from the
    Beta draw, and is still the kept share (the test above)."""
    differs = 0
    for seed in range(40):
        np.random.seed(seed)
        drawn = np.random.beta(1.0, 1.0)
        out, mixed = _cutmix(seed)
        lam = 1 - (out[:, 0] != torch.arange(1, BATCH + 1).view(
            -1, 1, 1)).float().mean((1, 2)).max().item()
        differs += abs(lam - drawn) > 0.05
    assert differs > 5


def _scores_and_targets():
    a, b, lam = torch.tensor([0, 2]), torch.tensor([1, 0]), 0.7
    soft = lam * F.one_hot(a, 3).float() + (1 - lam) * F.one_hot(b, 3).float()
    samples = [DataSample().set_gt_label(int(a[i])).set_gt_score(soft[i])
               for i in range(2)]
    return a, b, lam, samples


def test_cam_loss_is_mixed_by_lam():
    torch.manual_seed(0)
    head = CAMHead(num_classes=3, in_channels=4)
    feats = (torch.randn(2, 4, 3, 3), )
    a, b, lam, samples = _scores_and_targets()
    logits = head(feats)
    expected = lam * F.cross_entropy(logits, a) + \
        (1 - lam) * F.cross_entropy(logits, b)
    loss = head.loss(feats, samples)['loss_cls']
    torch.testing.assert_close(loss, expected)


def test_fam_loss_is_mixed_by_lam():
    torch.manual_seed(0)
    head = FAMHead(num_classes=3, in_channels=4, num_parts=2)
    feats = (torch.randn(2, 4, 3, 3), torch.rand(2, 1, 3, 3))
    a, b, lam, samples = _scores_and_targets()
    logits = head(feats)
    expected = lam * F.cross_entropy(logits, a) + \
        (1 - lam) * F.cross_entropy(logits, b)
    losses = head.loss(feats, samples)
    torch.testing.assert_close(losses['loss_cls'], expected)
    assert torch.isfinite(losses['loss_div']) and 'loss_spa' in losses


def test_preprocessor_applies_cutmix_in_training_only():
    pre = ClsDataPreprocessor(
        num_classes=4,
        batch_augments=dict(augments=[dict(type='CutMix', alpha=1.0)]))
    inputs = torch.arange(4, dtype=torch.uint8).view(4, 1, 1, 1).expand(
        4, 3, 16, 16).contiguous()
    samples = [DataSample().set_gt_label(i) for i in range(4)]
    test = pre(dict(inputs=inputs.clone(), data_samples=samples))
    assert torch.equal(test['inputs'], inputs.float())
    # (one-hot targets in eval too: batch augments switch to_onehot on)
    assert torch.equal(test['data_samples'][2].gt_score,
                       torch.tensor([0, 0, 1, 0]))
    np.random.seed(1)
    torch.manual_seed(1)
    samples = [DataSample().set_gt_label(i) for i in range(4)]
    train = pre(dict(inputs=inputs.clone(), data_samples=samples),
                training=True)
    assert not torch.equal(train['inputs'], inputs.float())
    scores = torch.stack([s.gt_score for s in train['data_samples']])
    assert (scores.max(1).values < 1).any()
    # the hard labels stay for GT-known localization and accuracy
    assert [s.gt_label.item() for s in train['data_samples']] == [0, 1, 2, 3]
