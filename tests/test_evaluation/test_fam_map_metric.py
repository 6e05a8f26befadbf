"""FAMMapMetric: map inside/outside the object, part-map similarity."""
import numpy as np
import pytest
import torch

from fam_mm.evaluation.metrics import FAMMapMetric


def _sample(loc_map, part_maps=None, gt_masks=None):
    sample = dict(loc_map=torch.as_tensor(loc_map))
    if part_maps is not None:
        sample['part_maps'] = torch.as_tensor(part_maps)
    if gt_masks is not None:
        sample['gt_masks'] = gt_masks
    return sample


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
    assert out['part_cosine'] == pytest.approx(0.5)


def test_keys_a_split_cannot_give_are_left_out():
    metric = FAMMapMetric()
    metric.process(None, [_sample(np.full((3, 3), 0.2, np.float32))])
    assert metric.compute_metrics(metric.results) == dict(fg_ratio=0.0)
