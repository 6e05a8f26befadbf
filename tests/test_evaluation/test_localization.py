"""Tests of the box maths shared by the metric, the head and the tools."""
import numpy as np
import pytest
import torch

from fam_mm.evaluation.functional import box_iou, boxes_to_input, original_box


def _iou_by_hand(a, b, one):
    iw = max(min(a[2], b[2]) - max(a[0], b[0]) + one, 0)
    ih = max(min(a[3], b[3]) - max(a[1], b[1]) + one, 0)
    inter = iw * ih
    union = (a[2] - a[0] + one) * (a[3] - a[1] + one) + \
        (b[2] - b[0] + one) * (b[3] - b[1] + one) - inter
    return inter / union if union > 0 else 0.0


def test_box_iou_pairwise_values():
    a = [[0, 0, 10, 10], [20, 20, 30, 30]]
    b = [[5, 5, 15, 15], [0, 0, 10, 10], [40, 40, 50, 50]]
    iou = box_iou(a, b)
    assert iou.shape == (2, 3) and iou.dtype == np.float64
    # pixel-edge: 25 / (100 + 100 - 25)
    assert iou[0, 0] == pytest.approx(25 / 175)
    assert iou[0, 1] == 1.0
    assert iou[1, 2] == 0.0  # disjoint
    # inclusive: 6 x 6 over 11 x 11 + 11 x 11 - 36
    assert box_iou(a, b, inclusive=True)[0, 0] == pytest.approx(36 / 206)


def test_box_iou_degenerate_and_empty_inputs():
    # two zero-area pixel-edge boxes: empty union gives 0, not NaN
    assert box_iou([[3, 3, 3, 3]], [[3, 3, 3, 3]])[0, 0] == 0.0
    # the same boxes in the inclusive convention cover one pixel each
    assert box_iou([[3, 3, 3, 3]], [[3, 3, 3, 3]], inclusive=True)[0, 0] == 1
    assert box_iou(np.zeros((0, 4)), [[0, 0, 1, 1]]).shape == (0, 1)
    # a single box (4,) and tensors are accepted
    out = box_iou(torch.tensor([0., 0., 2., 2.]), torch.tensor([[1, 1, 3, 3]]))
    assert out[0, 0] == pytest.approx(1 / 7)


@pytest.mark.parametrize('inclusive', [False, True])
def test_box_iou_matches_the_formula_on_random_boxes(inclusive):
    rng = np.random.default_rng(0)
    one = 1.0 if inclusive else 0.0
    for _ in range(200):
        a = rng.uniform(-5, 30, (int(rng.integers(1, 4)), 4))
        b = rng.integers(-5, 30, (int(rng.integers(1, 4)), 4)).astype(float)
        iou = box_iou(a, b, inclusive=inclusive)
        for i in range(len(a)):
            for j in range(len(b)):
                assert iou[i, j] == _iou_by_hand(a[i], b[j], one)


def test_boxes_to_input_uses_the_reference_arithmetic():
    # (x * img_w) / ori_w: truncating it gives the reference's integer boxes
    boxes = np.array([[33.0, 10.0, 301.0, 257.0]])
    out = boxes_to_input(boxes, (333, 500), (224, 224))
    expected = [33.0 * 224 / 500, 10.0 * 224 / 333, 301.0 * 224 / 500,
                257.0 * 224 / 333]
    assert out.tolist() == [expected]


def test_original_box_maps_the_thresholded_region_back():
    # a 20 x 40 input (h, w) of a 40 x 160 image: x scaled by 4, y by 2
    loc_map = np.zeros((20, 40), np.float32)
    loc_map[5:10, 8:20] = 0.6
    loc_map[6:9, 10:14] = 0.9
    box = original_box(loc_map, 0.5, (20, 40), (40, 160))
    assert box.dtype == np.float32 and box.shape == (4, )
    np.testing.assert_array_equal(box, [32, 10, 80, 20])
    # a higher threshold keeps the inner region only
    np.testing.assert_array_equal(
        original_box(torch.from_numpy(loc_map), 0.7, (20, 40), (40, 160)),
        [40, 12, 56, 18])
    # nothing above the threshold: the all-zero box
    np.testing.assert_array_equal(
        original_box(loc_map, 0.95, (20, 40), (40, 160)), [0, 0, 0, 0])
    # a recorded homography (horizontal flip of a plain resize) is inverted
    flip = np.array([[-0.25, 0, 40], [0, 0.5, 0], [0, 0, 1]])
    np.testing.assert_allclose(
        original_box(loc_map, 0.5, (20, 40), (40, 160), flip),
        [80, 10, 128, 20])
