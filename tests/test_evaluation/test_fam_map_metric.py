"""FAMMapMetric: map inside/outside the object, part-map similarity, part
purity, background by row band."""
import cv2
import numpy as np
import pytest
import torch

from fam_mm.evaluation.metrics import FAMMapMetric


def _sample(loc_map, part_maps=None, gt_masks=None, gt_part_mask=None,
            **meta):
    sample = dict(loc_map=torch.as_tensor(loc_map), **meta)
    if part_maps is not None:
        sample['part_maps'] = torch.as_tensor(part_maps)
    if gt_masks is not None:
        sample['gt_masks'] = gt_masks
    if gt_part_mask is not None:
        sample['gt_part_mask'] = torch.as_tensor(gt_part_mask)
    return sample


def _weighted_pearson(a, b, w):
    """Reference: the w-weighted correlation of two maps."""
    a, b, w = (np.asarray(x, np.float64).ravel() for x in (a, b, w))
    a = a - (w * a).sum() / w.sum()
    b = b - (w * b).sum() / w.sum()
    return (w * a * b).sum() / np.sqrt((w * a * a).sum() * (w * b * b).sum())


def test_values_computed_by_hand():
    loc_map = np.zeros((4, 4), np.float32)
    loc_map[:2, :2] = 0.9  # on the object
    loc_map[3, 3] = 0.6  # one background pixel
    # mask at ori_shape (8 x 8): the top-left quarter
    mask = np.zeros((8, 8), np.uint8)
    mask[:4, :4] = 1
    same = np.stack([loc_map, loc_map])  # two identical parts: cosine 1
    apart = np.zeros((2, 4, 4), np.float32)
    apart[0, 0, 0] = apart[1, 3, 3] = 1  # disjoint parts: cosine 0
    metric = FAMMapMetric(threshold=0.5)
    metric.process(None, [_sample(loc_map, same, mask),
                          _sample(loc_map, apart, mask)])
    out = metric.compute_metrics(metric.results)
    assert out['fg_in'] == pytest.approx(0.9)
    assert out['fg_out'] == pytest.approx(0.6 / 12)
    assert out['fg_ratio'] == pytest.approx(5 / 16)
    # part_cosine is centred: identical maps 1; two one-pixel maps on 16
    # pixels: (-2 * 15 + 14) / 256 over (15^2 + 15) / 256 = -1/15
    assert out['part_cosine'] == pytest.approx((1 - 1 / 15) / 2)
    assert out['part_cosine_raw'] == pytest.approx(0.5)
    # masked: weighted by loc_map (only the 5 lit pixels count)
    masked = _weighted_pearson(apart[0], apart[1], loc_map)
    assert out['part_cosine_masked'] == pytest.approx((1 + masked) / 2)
    # no part masks in the samples: no part purity
    assert 'part_purity' not in out and 'distinct_parts' not in out
    # background by row band (4 rows, 4 bands): loc_map is 0 on the
    # background but for the pixel (3, 3) of the bottom band
    assert [out[f'bg_row_{i}'] for i in range(4)] == pytest.approx(
        [0, 0, 0, 0.6 / 4])


def test_keys_a_split_cannot_give_are_left_out():
    metric = FAMMapMetric()
    metric.process(None, [_sample(np.full((3, 3), 0.2, np.float32))])
    assert metric.compute_metrics(metric.results) == dict(fg_ratio=0.0)
    # all-zero M: the M-weighted cosine is undefined and left out
    metric = FAMMapMetric()
    metric.process(None, [_sample(np.zeros((3, 3), np.float32),
                                  np.random.rand(2, 3, 3))])
    out = metric.compute_metrics(metric.results)
    assert 'part_cosine_masked' not in out and 'part_cosine' in out


def test_collapsed_part_maps_are_identical_not_nan():
    metric = FAMMapMetric()
    flat = np.full((3, 4, 4), 0.49, np.float32)
    metric.process(None, [_sample(np.full((4, 4), 0.3, np.float32), flat)])
    out = metric.compute_metrics(metric.results)
    assert out['part_cosine'] == out['part_cosine_raw'] == 1.0
    assert out['part_cosine_masked'] == 1.0


def test_part_purity_from_the_part_mask():
    # parts at the map's size: 1 on the top-left, 2 top-right, 7 bottom-left
    # (labels need not be 1..5); background bottom-right
    labels = np.zeros((4, 4), np.uint8)
    labels[:2, :2], labels[:2, 2:], labels[2:, :2] = 1, 2, 7
    floor = np.full((4, 4), 0.49, np.float32)  # sigmoid floor
    on_1, on_2, split = floor.copy(), floor.copy(), floor.copy()
    on_1[labels == 1] = 0.9
    on_2[labels == 2] = 0.9
    split[:2, 1:3] = 0.9  # half on part 1, half on part 2
    loc_map = (labels > 0).astype(np.float32)
    # masks in the original frame (8 x 8): resized (nearest) to 4 x 4
    big = cv2.resize(labels, (8, 8), interpolation=cv2.INTER_NEAREST)
    metric = FAMMapMetric()
    metric.process(None, [
        _sample(loc_map, np.stack([on_1, on_2]), big > 0, big),
        _sample(loc_map, np.stack([on_1, split]), big > 0, big),
        _sample(loc_map, np.stack([on_1, on_2]), big > 0, np.zeros_like(big)),
    ])
    out = metric.compute_metrics(metric.results)
    # image 1: 1 and 1; image 2: 1 and 0.5 (image 3 has no visible part)
    assert out['part_purity'] == pytest.approx((1 + 0.75) / 2)
    assert out['part_on_object'] == pytest.approx(1.0)
    # image 1 finds parts {1, 2}; image 2 {1} (the split map: tie -> 1)
    assert out['distinct_parts'] == pytest.approx((2 + 1) / 2)
    with_p = FAMMapMetric(num_part_labels=6)
    with pytest.raises(ValueError, match=r'\[0, 6\]'):
        with_p.process(None, [_sample(loc_map, np.stack([on_1, on_2]),
                                      None, big)])


def test_masks_follow_the_homography():
    """Masks at ori_shape are warped with homography_matrix (a crop here),
    as WSOLMetric does for PxAP; without a matrix, a plain resize."""
    ori = np.zeros((6, 8), np.uint8)
    ori[:, 4:6] = 1  # object: columns 4-5 of the original
    ori_parts = ori * 3
    crop = np.array([[1, 0, -4], [0, 1, 0], [0, 0, 1]], np.float32)
    loc_map = np.zeros((6, 4), np.float32)
    loc_map[:, 0:2] = 1  # columns 0-1 of the crop = columns 4-5 original
    part = np.zeros((2, 6, 4), np.float32)
    part[0, :, 0:2] = 1
    part[1, :3, 0:2] = 1
    metric = FAMMapMetric()
    metric.process(None, [
        _sample(loc_map, part, ori, ori_parts, ori_shape=(6, 8),
                img_shape=(6, 4), homography_matrix=crop)
    ])
    out = metric.compute_metrics(metric.results)
    assert out['fg_in'] == 1.0 and out['fg_out'] == 0.0
    assert out['part_purity'] == 1.0 and out['part_on_object'] == 1.0
    assert out['distinct_parts'] == 1.0
    # the same sample without its matrix: a plain resize 8 -> 4 columns,
    # the crop is not followed and the object lands on column 2
    metric = FAMMapMetric()
    metric.process(None, [_sample(loc_map, part, ori, ori_parts)])
    assert metric.compute_metrics(metric.results)['fg_in'] == 0.0


def test_arguments():
    with pytest.raises(ValueError, match='num_bg_rows'):
        FAMMapMetric(num_bg_rows=-1)
    with pytest.raises(ValueError, match='num_part_labels'):
        FAMMapMetric(num_part_labels=0)
    metric = FAMMapMetric(num_bg_rows=0)
    metric.process(None, [_sample(np.zeros((4, 4), np.float32), None,
                                  np.eye(4, dtype=np.uint8))])
    assert not any(k.startswith('bg_row')
                   for k in metric.compute_metrics(metric.results))
