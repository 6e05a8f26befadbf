"""HideAndSeek: whole g x g patches hidden with probability p, training
only, hidden value 0 after normalisation."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models import ClsDataPreprocessor
from mmpretrain.registry import BATCH_AUGMENTS
from mmpretrain.structures import DataSample

from fam_mm.models.utils import HideAndSeek, hide_and_seek_mask


def _patch_values(mask, g):
    """(B, rows, cols, g*g) pixel values of each whole patch."""
    patches = F.unfold(mask, kernel_size=g, stride=g)  # (B, g*g, L)
    return patches.transpose(1, 2)


def test_whole_patches_hidden_with_probability_p():
    torch.manual_seed(0)
    g, p = 4, 0.3
    mask = hide_and_seek_mask(64, 32, 32, g, p)
    assert mask.shape == (64, 1, 32, 32)
    assert set(mask.unique().tolist()) <= {0.0, 1.0}
    patches = _patch_values(mask, g)
    # each g x g patch is hidden or kept as a whole
    assert torch.all(patches.amin(-1) == patches.amax(-1))
    hidden = patches[..., 0] == 0
    assert hidden.numel() == 64 * 64
    assert abs(hidden.float().mean().item() - p) < 0.015  # 4096 patches
    # independent across images: not one pattern for the batch
    assert not torch.equal(mask[0], mask[1])


def test_patch_grid_from_the_top_left_with_cut_border_patches():
    torch.manual_seed(1)
    mask = hide_and_seek_mask(16, 10, 7, 4, 0.5)
    assert mask.shape == (16, 1, 10, 7)
    padded = F.pad(mask, (0, 1, 0, 2), value=-1.0)  # to 12 x 8
    patches = _patch_values(padded, 4)
    inside = patches >= 0
    lo = torch.where(inside, patches, torch.full_like(patches, 9)).amin(-1)
    hi = patches.amax(-1)
    assert torch.all(lo == hi)  # the cut patches are whole too


def test_extremes():
    x = torch.randn(2, 3, 8, 8)
    scores = torch.eye(2)
    out, _ = HideAndSeek(grid_size=2, hide_prob=0.0)(x.clone(), scores)
    assert torch.equal(out, x)
    out, _ = HideAndSeek(grid_size=2, hide_prob=1.0)(x.clone(), scores)
    assert out.abs().sum() == 0


def test_hidden_value_zero_labels_unchanged():
    torch.manual_seed(2)
    x = torch.randn(4, 3, 16, 16) + 10.0  # no pixel is 0 by chance
    scores = F.one_hot(torch.tensor([0, 1, 2, 1]), 3)
    out, out_scores = HideAndSeek(grid_size=4, hide_prob=0.5)(x, scores)
    hidden = out == 0
    # all channels of a pixel hidden together, the others untouched
    assert torch.equal(hidden.all(1), hidden.any(1))
    assert 0 < hidden.float().mean() < 1
    assert torch.equal(out[~hidden], x[~hidden])
    assert out_scores.dtype == torch.float32
    assert torch.equal(out_scores, scores.float())


def _batch():
    inputs = [torch.full((3, 16, 16), 200, dtype=torch.uint8)] * 4
    samples = [DataSample().set_gt_label(i % 2) for i in range(4)]
    return dict(inputs=torch.stack(inputs), data_samples=samples)


def test_preprocessor_hides_after_normalisation_in_training_only():
    torch.manual_seed(3)
    pre = ClsDataPreprocessor(
        mean=[100.0] * 3, std=[50.0] * 3, num_classes=2,
        batch_augments=dict(augments=[
            dict(type='HideAndSeek', grid_size=4, hide_prob=0.5)]))
    test = pre(_batch(), training=False)
    assert torch.all(test['inputs'] == 2.0)  # (200 - 100) / 50
    train = pre(_batch(), training=True)
    values = set(train['inputs'].unique().tolist())
    assert values == {0.0, 2.0}  # hidden = the normalisation mean
    # the head gets one-hot targets (and the hard labels for GT-known)
    sample = train['data_samples'][1]
    assert torch.equal(sample.gt_score, torch.tensor([0.0, 1.0]))
    assert sample.gt_label.item() == 1


def test_registered_and_bad_args():
    has = BATCH_AUGMENTS.build(dict(type='HideAndSeek'))
    assert (has.grid_size, has.hide_prob) == (4, 0.5)
    assert repr(has) == 'HideAndSeek(grid_size=4, hide_prob=0.5)'
    with pytest.raises(ValueError, match='grid_size'):
        HideAndSeek(grid_size=0)
    with pytest.raises(ValueError, match='grid_size'):
        HideAndSeek(grid_size=2.5)
    with pytest.raises(ValueError, match='hide_prob'):
        HideAndSeek(hide_prob=1.2)
    with pytest.raises(ValueError, match=r'\(B, C, H, W\)'):
        HideAndSeek()(torch.rand(3, 8, 8), torch.eye(3))
