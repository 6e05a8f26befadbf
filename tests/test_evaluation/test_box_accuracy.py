"""MaxBoxAcc core: hand-computed boxes/IoUs and fast == naive."""
import cv2
import numpy as np
import pytest

from fam_mm.evaluation.functional import (
    box_accuracy_hits,
    box_iou,
    boxes_at_level,
    cam_threshold_levels,
    max_box_iou,
    max_box_iou_naive,
    quantize_map,
    upper_level_set_boxes,
)


def _rect_map(shape, rects, dtype=np.uint8):
    q = np.zeros(shape, dtype=dtype)
    for (y0, y1, x0, x1, v) in rects:
        q[y0:y1, x0:x1] = v
    return q


def test_quantize_and_levels_follow_reference():
    m = np.array([[0.0, 0.5], [0.999, 1.0]])
    np.testing.assert_array_equal(quantize_map(m), [[0, 127], [254, 255]])
    # thresholds relative to the quantised maximum, truncated
    np.testing.assert_array_equal(
        cam_threshold_levels([0.0, 0.5, 0.999], 200), [0, 100, 199])


def test_blob_box_and_strict_threshold():
    # 10x10 map: a 3x4 blob at rows 2..4, cols 3..6 with value 200,
    # one extra pixel equal to the level (100) that must stay background.
    q = _rect_map((10, 10), [(2, 5, 3, 7, 200)])
    q[8, 8] = 100
    boxes = boxes_at_level(q, 100, multi_contour=False)
    np.testing.assert_array_equal(boxes, [[3, 2, 7, 5]])  # x+w, y+h
    gt = np.array([[3, 2, 7, 5]])
    iou = max_box_iou(q, gt, [0.5], multi_contour=False)
    assert iou[0] == 1.0
    # threshold relative to max: t=0.5 -> level 100 -> (8, 8) excluded;
    # t=0.49 -> level 98 -> (8, 8) included in the multi-contour boxes as
    # (8, 8, 9, 9) (x + w), i.e. 2x2 pixels inclusive: IoU 1/4 with (8, 8)
    assert [8, 8, 9, 9] in boxes_at_level(q, 98, True).tolist()
    iou = max_box_iou(q, np.array([[8, 8, 8, 8]]), [0.49, 0.5], True)
    np.testing.assert_allclose(iou, [0.25, 0.0])


def test_threshold_relative_to_max_not_absolute():
    # map max 0.4: core 0.4 (q=102), ring 0.25 (q=63); t=0.5 -> level 51,
    # so the ring is foreground although 0.25 < 0.5
    m = np.zeros((12, 12))
    m[2:10, 2:10] = 0.25
    m[4:8, 4:8] = 0.4
    q = quantize_map(m)
    assert q.max() == 102 and cam_threshold_levels([0.5], q.max())[0] == 51
    np.testing.assert_array_equal(
        boxes_at_level(q, 51, False), [[2, 2, 10, 10]])
    np.testing.assert_array_equal(
        boxes_at_level(q, int(0.7 * 102), False), [[4, 4, 8, 8]])


def test_clipping_to_width_minus_one():
    q = _rect_map((10, 10), [(6, 10, 7, 10, 255)])
    # x + w = 10 and y + h = 10 are clipped to 9
    np.testing.assert_array_equal(boxes_at_level(q, 0, False), [[7, 6, 9, 9]])


def test_inclusive_iou_convention():
    # (0,0,0,0) covers one pixel, (0,0,1,1) four: IoU 1/4
    assert box_iou([[0, 0, 0, 0]], [[0, 0, 1, 1]], inclusive=True)[0, 0] == \
        0.25
    # 3x3 box vs 2x3 box inside it: 6 / 9
    assert box_iou([[0, 0, 2, 2]], [[0, 0, 1, 2]],
                   inclusive=True)[0, 0] == pytest.approx(6 / 9)


def test_multi_gt_boxes_take_the_best():
    q = _rect_map((20, 20), [(2, 6, 2, 6, 255)])
    gts = np.array([[10, 10, 19, 19], [2, 2, 6, 6]])
    assert max_box_iou(q, gts, [0.5], False)[0] == 1.0


def test_multi_contour_vs_single_contour():
    # big blob 6x6 and small blob 3x3; the GT is the small one
    q = _rect_map((20, 20), [(1, 7, 1, 7, 255), (12, 15, 12, 15, 255)])
    gt = np.array([[12, 12, 15, 15]])
    single = max_box_iou(q, gt, [0.5], multi_contour=False)[0]
    multi = max_box_iou(q, gt, [0.5], multi_contour=True)[0]
    assert single == 0.0 and multi == 1.0
    assert len(boxes_at_level(q, 10, True)) == 2


def test_hole_contours_count_in_multi_contour():
    # a ring: RETR_TREE returns the outer and the hole border
    q = _rect_map((12, 12), [(1, 11, 1, 11, 255), (4, 8, 4, 8, 0)])
    boxes = boxes_at_level(q, 0, True)
    assert sorted(map(tuple, boxes.tolist())) == [(1, 1, 11, 11),
                                                  (3, 3, 9, 9)]
    fast, owner = upper_level_set_boxes(q, np.array([0]), True)
    assert sorted(map(tuple, fast.tolist())) == [(1, 1, 11, 11),
                                                 (3, 3, 9, 9)]


@pytest.mark.parametrize('value,expected', [(0.5, [0, 0, 9, 7]),
                                            (0.0, [0, 0, 0, 0])])
def test_constant_maps(value, expected):
    m = np.full((8, 10), value)
    thr = np.arange(0, 1, 0.1)
    for multi in (False, True):
        boxes, owner = upper_level_set_boxes(
            quantize_map(m), np.unique(cam_threshold_levels(
                thr, quantize_map(m).max())), multi)
        assert (boxes == expected).all()
        np.testing.assert_array_equal(
            max_box_iou(m, np.array([expected]), thr, multi), 1.0)


def test_box_accuracy_hits():
    hits = box_accuracy_hits(np.array([0.3, 0.5, 0.69, 0.7]), (30, 50, 70))
    np.testing.assert_array_equal(
        hits, [[1, 1, 1, 1], [0, 1, 1, 1], [0, 0, 0, 1]])


def _random_maps(rng, count):
    maps = []
    for i in range(count):
        h, w = rng.integers(4, 40, 2)
        kind = i % 6
        if kind == 0:  # smooth blobs
            yy, xx = np.mgrid[0:h, 0:w]
            m = np.zeros((h, w))
            for _ in range(rng.integers(1, 6)):
                cy, cx = rng.uniform(0, h), rng.uniform(0, w)
                s = rng.uniform(1, max(h, w) / 3)
                d2 = (yy - cy)**2 + (xx - cx)**2
                m += rng.uniform(0.2, 1) * np.exp(-d2 / (2 * s * s))
            m = m / m.max() * rng.uniform(0.1, 1)
        elif kind == 1:  # noise
            m = rng.random((h, w))
        elif kind == 2:  # few levels: many ties and plateaus
            m = rng.integers(0, 4, (h, w)) / 3 * rng.uniform(0.2, 1)
        elif kind == 3:  # constant
            m = np.full((h, w), rng.choice([0.0, 0.003, 0.5, 1.0]))
        elif kind == 4:  # max 0 after quantisation
            m = rng.random((h, w)) * 0.003
        else:  # rings / holes
            m = np.zeros((h, w))
            yy, xx = np.mgrid[0:h, 0:w]
            r = np.hypot(yy - h / 2, xx - w / 2)
            m = np.clip(1 - np.abs(r - min(h, w) / 4) / 3, 0, 1)
            m *= rng.uniform(0.5, 1, (h, w)) if rng.random() < 0.5 else 1
        maps.append(m)
    return maps


@pytest.mark.parametrize('multi', [False, True])
def test_fast_equals_naive_on_random_maps(multi):
    rng = np.random.default_rng(7 + multi)
    thr = np.arange(0, 1, 0.01)
    for m in _random_maps(rng, 90):
        h, w = m.shape
        gts = []
        for _ in range(rng.integers(1, 4)):
            x0, x1 = np.sort(rng.integers(0, w + 1, 2))
            y0, y1 = np.sort(rng.integers(0, h + 1, 2))
            gts.append((x0, y0, x1, y1))
        gts = np.array(gts)
        np.testing.assert_array_equal(
            max_box_iou(m, gts, thr, multi),
            max_box_iou_naive(m, gts, thr, multi))


def test_fast_equals_naive_fine_thresholds_224():
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:224, 0:224]
    thr = np.arange(0, 1, 0.001)
    for _ in range(3):
        m = np.zeros((224, 224))
        for _ in range(4):
            cy, cx = rng.uniform(0, 224, 2)
            s = rng.uniform(8, 40)
            m += rng.uniform(0.3, 1) * np.exp(-((yy - cy)**2 +
                                                (xx - cx)**2) / (2 * s * s))
        m /= m.max()
        gts = np.array([[20, 30, 120, 150], [100, 60, 200, 220]])
        for multi in (False, True):
            np.testing.assert_array_equal(
                max_box_iou(m, gts, thr, multi),
                max_box_iou_naive(m, gts, thr, multi))


def _fuzz_map(rng, i):
    """Small maps rich in ties, plateaus, holes, 1-pixel and border
    components."""
    h, w = (int(v) for v in rng.integers(1, 24, 2))
    kind = i % 5
    if kind == 0:  # three levels: many equal-area components
        m = rng.integers(0, 3, (h, w)) * 100
    elif kind == 1:  # noise
        m = rng.integers(0, 256, (h, w))
    elif kind == 2:  # CAM-like: bicubic upsampling of a tiny random map
        low = rng.random((max(h // 4, 1), max(w // 4, 1))).astype(np.float32)
        m = np.clip(cv2.resize(low, (w, h),
                               interpolation=cv2.INTER_CUBIC), 0, 1) * 255
    elif kind == 3:  # binary
        m = (rng.random((h, w)) < 0.5) * int(rng.integers(1, 256))
    else:  # a few levels
        m = rng.integers(0, 6, (h, w)) * 50
    return m.astype(np.uint8)


def _assert_levels_match_opencv(q, levels, multi, tag, check=None):
    """Every checked level's set of boxes equals OpenCV's (the oracle)."""
    boxes, owner = upper_level_set_boxes(q, levels, multi)
    for li in range(len(levels)) if check is None else check:
        level = int(levels[li])
        ref = {tuple(b) for b in boxes_at_level(q, level, multi)}
        got = {tuple(b) for b in boxes[owner == li].tolist()}
        assert got == ref, (tag, multi, level, q.tolist())


@pytest.mark.parametrize('multi', [False, True])
def test_level_set_boxes_match_opencv(multi):
    # every level's set of boxes equals OpenCV's (the oracle)
    rng = np.random.default_rng(11 + multi)
    for i in range(400):
        q = _fuzz_map(rng, i)
        levels = np.unique(rng.integers(0, 256, rng.integers(1, 12)))
        _assert_levels_match_opencv(q, levels, multi, i)


@pytest.mark.parametrize('filled_route_cost', [-1, 10**12])
def test_single_contour_undecided_routes_match_opencv(monkeypatch,
                                                     filled_route_cost):
    # the two routes of the levels the area bounds leave undecided, each
    # forced on every map: the exact hole-filled kernel (-1) and OpenCV
    # level by level (10**12)
    from fam_mm.evaluation.functional import level_sets
    monkeypatch.setattr(level_sets, 'FILLED_ROUTE_COST', filled_route_cost)
    rng = np.random.default_rng(23)
    for i in range(300):
        q = _fuzz_map(rng, i)
        levels = np.unique(rng.integers(0, 256, rng.integers(1, 12)))
        _assert_levels_match_opencv(q, levels, False, i)


def test_hole_filled_map_gives_the_largest_contour():
    # on the hole-filled map every level is decided, and its largest
    # component is OpenCV's largest contour unless a thin component with
    # holes may tie (flagged by the kernel on the map itself)
    from fam_mm.evaluation.functional import level_sets
    tables = [level_sets._TABLES[k]
              for k in ('groups8', 'reps8', 'euler4', 'area2')]
    rng = np.random.default_rng(31)
    checked = 0
    for i in range(300):
        q = _fuzz_map(rng, i)
        levels = np.unique(rng.integers(0, 256, rng.integers(1, 12)))
        _, _, _, _, _, thin = level_sets._single_kernel(
            q, levels, np.zeros((0, 4)), True, *tables)
        filled = np.ascontiguousarray(level_sets._fill_holes(q))
        assert (filled >= q).all()
        _, boxes, owner, undecided, _, _ = level_sets._single_kernel(
            filled, levels, np.zeros((0, 4)), True, *tables)
        assert not undecided.any()
        for li, level in enumerate(levels):
            if thin[li]:
                continue
            ref = {tuple(b) for b in boxes_at_level(q, int(level), False)}
            assert {tuple(b) for b in boxes[owner == li].tolist()} == ref
            checked += 1
    assert checked > 1000


def test_cam_like_maps_224_match_opencv():
    # full-size CAM-like maps (holes at many levels, the single-contour area
    # bounds undecided at some): every third level against OpenCV
    rng = np.random.default_rng(3)
    levels = np.arange(0, 255)
    for low in (7, 28):
        act = rng.normal(0, 1, (low, low)).astype(np.float32)
        m = cv2.resize(act, (224, 224), interpolation=cv2.INTER_CUBIC)
        q = ((m - m.min()) / (m.max() - m.min()) * 255).astype(np.uint8)
        for multi in (True, False):
            _assert_levels_match_opencv(q, levels, multi, low,
                                        check=range(0, 255, 3))


def test_single_contour_tie_rule_follows_opencv_order():
    # two components of equal contour area (4 = a 3x3 square): OpenCV lists
    # the outermost contours bottom-up, so max() keeps the lower one, i.e.
    # the one whose first pixel in raster order comes last
    q = np.zeros((12, 12), np.uint8)
    q[1:4, 6:9] = 255
    q[7:10, 1:4] = 255
    np.testing.assert_array_equal(boxes_at_level(q, 0, False), [[1, 7, 4, 10]])
    boxes, _ = upper_level_set_boxes(q, np.array([0]), False)
    np.testing.assert_array_equal(boxes, [[1, 7, 4, 10]])
    # same row: the right one comes last in the raster scan
    q = np.zeros((8, 12), np.uint8)
    q[2:5, 1:4] = 255
    q[2:5, 7:10] = 255
    boxes, _ = upper_level_set_boxes(q, np.array([0]), False)
    np.testing.assert_array_equal(boxes, boxes_at_level(q, 0, False))
    np.testing.assert_array_equal(boxes, [[7, 2, 10, 5]])


def test_thin_ring_hole_tie_goes_to_opencv():
    # a diamond ring: its hole contour runs through the same 4 pixels as
    # its outer contour (equal areas); with a tail the boxes differ
    q = np.zeros((6, 5), np.uint8)
    for y, x in [(0, 2), (1, 2), (2, 1), (2, 3), (3, 2)]:
        q[y, x] = 200
    for multi in (False, True):
        boxes, _ = upper_level_set_boxes(q, np.array([0, 100]), multi)
        ref = {tuple(b) for lv in (0, 100)
               for b in boxes_at_level(q, lv, multi).tolist()}
        assert {tuple(b) for b in boxes.tolist()} == ref


def test_bad_levels_are_rejected():
    q = np.zeros((4, 4), np.uint8)
    with pytest.raises(ValueError, match='sorted, distinct'):
        upper_level_set_boxes(q, np.array([3, 1]), True)
    with pytest.raises(ValueError, match='sorted, distinct'):
        upper_level_set_boxes(q, np.array([256]), True)
