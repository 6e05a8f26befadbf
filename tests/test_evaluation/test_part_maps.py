"""Part-map statistics: hand-made maps with known answers."""
import math

import numpy as np
import pytest
import torch

from fam_mm.evaluation.functional import (
    background_rows,
    foreground_stats,
    part_map_cosine,
    part_purity,
)

FLOOR = 0.49  # sigmoid(b) of a part map where M ~ 0


def _blobs(size=16, floor=FLOOR, peak=0.9):
    """Two part maps, each lit on its own blob over a constant floor."""
    maps = torch.full((1, 2, size, size), floor)
    maps[0, 0, 2:6, 2:6] = peak
    maps[0, 1, 10:14, 10:14] = peak
    return maps


def test_foreground_stats():
    fg = torch.tensor([0.0, 0.2, 0.5, 0.9]).view(1, 1, 2, 2)
    mean, ratio = foreground_stats(fg, 0.5)
    assert mean == pytest.approx(0.4)
    assert ratio == pytest.approx(0.25)  # strict >, as extract_bbox
    with pytest.raises(ValueError, match='empty'):
        foreground_stats(torch.zeros(0), 0.5)


@pytest.mark.parametrize('mode', ['raw', 'centred', 'masked'])
def test_identical_maps_have_cosine_one(mode):
    same = torch.rand(2, 1, 5, 5).expand(2, 3, 5, 5)
    weights = torch.rand(2, 1, 5, 5) if mode == 'masked' else None
    out = part_map_cosine(same, mode=mode, weights=weights)
    assert out.shape == (2, )
    assert torch.allclose(out, torch.ones(2, dtype=out.dtype))


def test_offset_does_not_change_the_centred_cosine():
    pattern = torch.arange(36.).view(6, 6) - 17.5  # zero mean
    shifted = torch.stack([pattern, 2 * pattern + 100])[None]
    assert float(part_map_cosine(shifted)) == pytest.approx(1.0)
    assert float(part_map_cosine(shifted, 'raw')) < 0.5


def test_disjoint_blobs_on_a_floor_raw_high_centred_low():
    maps = _blobs()
    raw = float(part_map_cosine(maps, 'raw'))
    centred = float(part_map_cosine(maps))
    assert raw > 0.9  # the shared 0.49 offset
    assert centred < 0  # lit on disjoint regions
    # by hand: 16 of 256 pixels at 0.9 in each map, the rest at 0.49
    n, k, d = 256, 16, 0.41
    mean = k * d / n
    cov = 2 * k * (d - mean) * (-mean) + (n - 2 * k) * mean**2
    var = k * (d - mean)**2 + (n - k) * mean**2
    assert centred == pytest.approx(cov / var)
    # without the floor the raw cosine is 0: the floor alone made it high
    assert float(part_map_cosine(_blobs(floor=0.0), 'raw')) == 0.0


def test_masked_cosine_uses_the_weighted_region_only():
    maps = torch.zeros(1, 2, 4, 8)
    maps[0, 0, :, :4] = torch.arange(16.).view(4, 4)
    maps[0, 1, :, :4] = torch.arange(16.).view(4, 4)  # same on the left
    maps[0, 1, :, 4:] = torch.rand(4, 4) * 50  # different on the right
    left = torch.zeros(4, 8)
    left[:, :4] = 1
    assert float(part_map_cosine(maps, 'masked',
                                 weights=left)) == pytest.approx(1.0)
    assert float(part_map_cosine(maps)) < 0.9
    # scaling the weights changes nothing
    assert float(part_map_cosine(maps, 'masked', weights=left * 1e-3)) == \
        pytest.approx(1.0)
    # one weight plane for a batch of one: (H, W), (1, H, W), (1, 1, H, W)
    for w in (left[None], left[None, None]):
        assert float(part_map_cosine(maps, 'masked',
                                     weights=w)) == pytest.approx(1.0)


def test_constant_maps_do_not_give_nan():
    flat = torch.full((2, 3, 4, 4), FLOOR)  # as after a collapse of M
    for mode, weights in (('raw', None), ('centred', None),
                          ('masked', torch.rand(4, 4))):
        out = part_map_cosine(flat, mode, weights=weights)
        assert not torch.isnan(out).any()
    # both flat: identical (1); one flat: no shared pattern (0)
    assert torch.equal(part_map_cosine(flat), torch.ones(2,
                                                         dtype=torch.float64))
    one_flat = _blobs()
    one_flat[0, 1] = FLOOR
    assert float(part_map_cosine(one_flat)) == 0.0
    zero = torch.zeros(1, 2, 3, 3)  # all-zero maps, raw mode
    assert float(part_map_cosine(zero, 'raw')) == 1.0
    # masked with no weight anywhere: undefined, NaN (documented)
    assert math.isnan(
        float(part_map_cosine(_blobs(), 'masked', weights=torch.zeros(16,
                                                                      16))))


def test_part_map_cosine_shapes_and_arguments():
    assert part_map_cosine(torch.rand(3, 4, 4)).shape == (1, )
    assert float(part_map_cosine(torch.rand(1, 1, 3, 3))) == 1.0  # K == 1
    assert float(part_map_cosine(np.random.rand(2, 4, 4))) <= 1.0
    with pytest.raises(ValueError, match='B, K, H, W'):
        part_map_cosine(torch.rand(3, 3))
    with pytest.raises(ValueError, match='mode'):
        part_map_cosine(torch.rand(1, 2, 3, 3), mode='pearson')
    with pytest.raises(ValueError, match='weights'):
        part_map_cosine(torch.rand(1, 2, 3, 3), mode='masked')
    with pytest.raises(ValueError, match='weights'):
        part_map_cosine(torch.rand(1, 2, 3, 3), weights=torch.ones(3, 3))
    with pytest.raises(ValueError, match='do not match'):
        part_map_cosine(torch.rand(1, 2, 3, 3), 'masked', torch.ones(4, 4))
    with pytest.raises(ValueError, match='non-negative'):
        part_map_cosine(torch.rand(1, 2, 3, 3), 'masked', -torch.ones(3, 3))


def _part_mask():
    """4 x 8: part 1 on the left half, part 2 on the right, background row
    at the bottom."""
    mask = np.zeros((4, 8), np.uint8)
    mask[:3, :4] = 1
    mask[:3, 4:] = 2
    return mask


def test_purity_one_for_maps_each_on_one_part():
    mask = _part_mask()
    maps = np.zeros((2, 4, 8))
    maps[0][mask == 1] = 1
    maps[1][mask == 2] = 0.7
    for baseline in ('mean', None):
        out = part_purity(maps, mask, 2, baseline=baseline)
        assert out.purity == pytest.approx(1.0)
        assert out.on_object == pytest.approx(1.0)
        assert out.dominant.tolist() == [1, 2]
        assert out.distinct_parts == 2


def test_purity_half_for_a_map_split_over_two_parts():
    mask = _part_mask()
    maps = np.zeros((1, 4, 8))
    maps[0, 0, 0:2] = 1  # 2 pixels on part 1, 2 on part 2
    maps[0, 0, 6:8] = 1
    out = part_purity(torch.as_tensor(maps), torch.as_tensor(mask), 2)
    assert out.purity == pytest.approx(0.5)
    assert out.distinct_parts == 1


def test_purity_background_mass_and_floor():
    mask = _part_mask()
    maps = np.full((2, 4, 8), FLOOR)
    maps[0][mask == 1] = 0.9  # on part 1, over the sigmoid floor
    maps[1, 3, :] = 0.9  # on the background row only
    out = part_purity(maps, mask, 2)
    # above its mean, map 0 has mass on part 1 only
    assert out.per_part_purity[0] == pytest.approx(1.0)
    assert out.per_part_on_object[0] == pytest.approx(1.0)
    # map 1 has no mass on the object: no purity, not a found part
    assert np.isnan(out.per_part_purity[1])
    assert out.per_part_on_object[1] == pytest.approx(0.0)
    assert out.dominant.tolist() == [1, -1]
    assert out.purity == pytest.approx(1.0)
    assert out.on_object == pytest.approx(0.5)
    assert out.distinct_parts == 1
    # raw mass: the floor spreads map 0 over part 2 and the background
    raw = part_purity(maps, mask, 2, baseline=None)
    assert raw.per_part_purity[0] == pytest.approx(0.9 / (0.9 + FLOOR))
    assert raw.per_part_on_object[0] == pytest.approx(
        12 * (0.9 + FLOOR) / (12 * (0.9 + FLOOR) + 8 * FLOOR))


def test_distinct_parts_counts_parts_not_maps():
    mask = np.zeros((6, 6), np.uint8)
    mask[0:2] = 1
    mask[2:4] = 2
    mask[4:6] = 7  # labels need not be 1..5
    maps = np.zeros((4, 6, 6))
    maps[0][mask == 1] = 1
    maps[1][mask == 1] = 0.5  # the same part again
    maps[2][mask == 7] = 1
    maps[3] = 0.3  # flat: finds nothing
    out = part_purity(maps, mask, 7)
    assert out.dominant.tolist() == [1, 1, 7, -1]
    assert out.distinct_parts == 2
    assert out.purity == pytest.approx(1.0)


def test_purity_checks_and_ignore():
    mask = _part_mask()
    maps = np.zeros((1, 4, 8))
    maps[0][mask == 1] = 1
    maps[0][mask == 2] = 3
    # part 2 ignored: counted as background
    out = part_purity(maps, mask, 2, ignore=(0, 2), baseline=None)
    assert out.dominant.tolist() == [1]
    assert out.on_object == pytest.approx(12 / (12 + 36))
    with pytest.raises(ValueError, match=r'\[0, 1\]'):
        part_purity(maps, mask, 1)
    with pytest.raises(ValueError, match='does not match'):
        part_purity(maps, mask[:2], 2)
    with pytest.raises(ValueError, match='non-negative'):
        part_purity(-maps, mask, 2, baseline=None)
    with pytest.raises(ValueError, match='baseline'):
        part_purity(maps, mask, 2, baseline='min')


def test_background_rows_finds_a_lit_top_band():
    fg = np.zeros((8, 6), np.float32)
    fg[0:2] = 0.8  # a map lit along the top border
    fg[3:5, 2:4] = 1.0  # and on the object
    gt = np.zeros((8, 6), np.uint8)
    gt[3:5, 2:4] = 1
    rows = background_rows(torch.as_tensor(fg), gt, 4)
    assert rows.tolist() == pytest.approx([0.8, 0.0, 0.0, 0.0])
    # a band that is all object has no background value
    gt[0:2] = 1
    assert np.isnan(background_rows(fg, gt, 4)[0])
    # more bands than rows: the empty bands are NaN
    assert np.isnan(background_rows(fg[:2], gt[:2] * 0, 4)).sum() == 2
    with pytest.raises(ValueError, match='same'):
        background_rows(fg, gt[:4], 4)
    with pytest.raises(ValueError, match='num_rows'):
        background_rows(fg, gt, 0)
