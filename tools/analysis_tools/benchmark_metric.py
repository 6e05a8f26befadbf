"""Benchmark WSOLMetric's MaxBoxAcc against the reference evaluation loop.

The baseline is a faithful re-implementation of clovaai/wsolevaluation's
``BoxEvaluator.accumulate`` (``compute_bboxes_from_scoremaps``), operation
for operation, so that it costs what the reference costs: the float64 map's
validity check; for every CAM threshold the maximum of the ``uint8`` map
(the reference takes it again at every threshold), ``cv2.threshold``,
``cv2.findContours`` (``RETR_TREE``), the largest contour by
``cv2.contourArea`` or all of them, ``cv2.boundingRect`` boxes clipped to
``W - 1``; then the box-convention checks and the IoUs of all the boxes of
all thresholds against the GT boxes in one tiled computation; for every
threshold the best IoU of every box (the reference takes that maximum over
all the boxes again for each threshold's slice); the hit counts per IoU
threshold. The two repeated computations make the reference slow on maps
with many contours; ``--baseline hoisted`` takes each of them once, a
baseline faster than the reference itself, for a second, stricter ratio.

Map families (``--families``), all ``--size`` x ``--size`` in ``[0, 1]``:

* ``smooth``: 1-5 Gaussian blobs (CAM-free, the easy case for OpenCV);
* ``cam7``, ``cam14``, ``cam28``: CAM-like maps: a random activation map of
  7, 14 or 28 pixels (noise plus 1-3 bumps, so several maxima, holes and
  plateaus) upsampled bicubically and min-max normalised, as the reference
  pipeline does with a network's CAM;
* ``noisy``: blobs plus uniform noise (many small components).

For each family and each evaluation mode (multi-contour MaxBoxAccV2 and the
original largest-contour MaxBoxAcc) it times ``WSOLMetric.process`` (all
metrics, not only MaxBoxAcc) and the reference loop on the same maps, prints
the ratio, and checks that the per-threshold accuracy curves are identical.
Both sides run in this process, single-threaded, alternating map by map (a
drift of the machine's speed during the run weighs on both alike); the
ratio is taken on the process' CPU time (``time.process_time``), which a
shared machine disturbs less than wall time (printed too). The numba
kernels are loaded (from the on-disk cache) before timing.

With the defaults a run takes about 9 minutes on 2 cores, 7 of them in the
reference's noisy multi-contour rows (``--families smooth cam7 cam14 cam28``
leaves them out).

Example::

    python tools/analysis_tools/benchmark_metric.py --num-maps 10
"""
import argparse
import statistics
import time
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np
import torch

from fam_mm.evaluation.functional import max_box_iou_naive
from fam_mm.evaluation.metrics import WSOLMetric

FAMILIES = ('smooth', 'cam7', 'cam14', 'cam28', 'noisy')
TARGET_MEDIAN = 50.0
TARGET_MIN = 30.0

__all__ = ['make_samples', 'reference_box_hits', 'max_box_iou_naive', 'main']


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Time WSOLMetric against the reference evaluation loop')
    parser.add_argument(
        '--num-maps', type=int, default=8, help='maps per family')
    parser.add_argument('--size', type=int, default=224, help='map side')
    parser.add_argument(
        '--families', nargs='+', default=list(FAMILIES), choices=FAMILIES)
    parser.add_argument(
        '--cam-curve-interval', type=float, default=0.001,
        help='CAM threshold step (0.001 gives 1000 thresholds)')
    parser.add_argument(
        '--modes', nargs='+', default=['multi', 'single'],
        choices=['multi', 'single'],
        help='multi: MaxBoxAccV2 (every contour), single: largest contour')
    parser.add_argument(
        '--baseline', default='reference', choices=['reference', 'hoisted'],
        help='reference: the reference loop operation for operation; '
        'hoisted: the same loop with the map maximum and the per-box best '
        'IoU taken once instead of at every threshold (faster than the '
        'reference itself)')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


# ----------------------------------------------------------------------------
# map families
# ----------------------------------------------------------------------------


def _blobs(size: int, rng: np.random.Generator,
           count: int) -> Tuple[np.ndarray, List[Tuple[float, ...]]]:
    """Sum of Gaussian blobs and a box around each of the first three."""
    yy, xx = np.mgrid[0:size, 0:size]
    loc_map = np.zeros((size, size))
    boxes = []
    for k in range(count):
        cy, cx = rng.uniform(0, size, 2)
        sigma = rng.uniform(0.04, 0.2) * size
        loc_map += rng.uniform(0.3, 1) * np.exp(
            -((yy - cy)**2 + (xx - cx)**2) / (2 * sigma**2))
        if k < 3:
            half = 2 * sigma * rng.uniform(0.6, 1.4, 2)
            boxes.append((max(cx - half[0], 0), max(cy - half[1], 0),
                          min(cx + half[0], size), min(cy + half[1], size)))
    return loc_map, boxes


def _minmax(loc_map: np.ndarray) -> np.ndarray:
    """The reference's ``normalize_scoremap`` (a constant map -> zeros)."""
    loc_map = loc_map.astype(np.float32)
    lo, hi = loc_map.min(), loc_map.max()
    if hi == lo:
        return np.zeros_like(loc_map)
    return (loc_map - lo) / (hi - lo)


def make_map(family: str, size: int,
             rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """One map of a family and its GT boxes (pixel-edge, at ``size``).

    Returns:
        tuple[np.ndarray, np.ndarray]: float32 map ``(size, size)`` in
        ``[0, 1]`` and float32 boxes ``(n, 4)``.
    """
    if family == 'smooth':
        loc_map, boxes = _blobs(size, rng, int(rng.integers(1, 6)))
    elif family.startswith('cam'):
        low = int(family[3:])
        act, boxes = _blobs(low, rng, int(rng.integers(1, 4)))
        act = 2.5 * act + rng.normal(0, 0.35, (low, low))
        loc_map = cv2.resize(
            act.astype(np.float32), (size, size),
            interpolation=cv2.INTER_CUBIC)
        scale = size / low
        boxes = [tuple(v * scale for v in box) for box in boxes]
    elif family == 'noisy':
        loc_map, boxes = _blobs(size, rng, int(rng.integers(1, 6)))
        loc_map = loc_map / loc_map.max() + rng.uniform(0, 0.3, loc_map.shape)
    else:
        raise ValueError(f'unknown map family {family!r}')
    return _minmax(loc_map), np.array(boxes, dtype=np.float32).reshape(-1, 4)


def make_samples(num: int,
                 size: int,
                 rng: np.random.Generator,
                 family: str = 'smooth') -> list:
    """``WSOLMetric`` inputs: ``num`` maps of a family with their GT boxes."""
    samples = []
    for i in range(num):
        loc_map, boxes = make_map(family, size, rng)
        samples.append(
            dict(
                sample_idx=i,
                img_shape=(size, size),
                ori_shape=(size, size),
                gt_label=torch.tensor([0]),
                pred_score=torch.tensor([0.9, 0.1]),
                loc_map=torch.from_numpy(loc_map),
                gt_bboxes=torch.from_numpy(boxes)))
    return samples


# ----------------------------------------------------------------------------
# the reference loop (clovaai/wsolevaluation's BoxEvaluator), re-implemented
# ----------------------------------------------------------------------------


def _reference_check_map(scoremap: np.ndarray) -> None:
    """The reference's per-map validity check (``check_scoremap_validity``:
    a float64 2-D array without NaN, in ``[0, 1]``), same operations."""
    if not isinstance(scoremap, np.ndarray):
        raise TypeError(f'a score map must be an array, got {type(scoremap)}')
    if scoremap.dtype != np.float64:
        raise TypeError(f'a score map must be float64, got {scoremap.dtype}')
    if len(scoremap.shape) != 2:
        raise ValueError(f'a score map must be 2-D, got {scoremap.shape}')
    if np.isnan(scoremap).any():
        raise ValueError('NaN in the score map')
    if (scoremap > 1).any() or (scoremap < 0).any():
        raise ValueError('score map outside [0, 1]')


def _reference_check_boxes(boxes: np.ndarray) -> None:
    """The reference's ``check_box_convention(boxes, 'x0y0x1y1')``, run on
    both box arrays of every IoU computation, same operations."""
    if (boxes < 0).any():
        raise RuntimeError('negative box coordinates')
    if len(boxes.shape) == 1:
        boxes = boxes[None]
    if len(boxes.shape) != 2 or boxes.shape[1] != 4:
        raise RuntimeError(f'boxes of shape {boxes.shape}')
    if ((boxes[:, 2] - boxes[:, 0]) < 0).any() or \
            ((boxes[:, 3] - boxes[:, 1]) < 0).any():
        raise RuntimeError('boxes not in x0y0x1y1')


def _reference_boxes(scoremap: np.ndarray, thresholds: Sequence[float],
                     multi_contour: bool,
                     hoisted: bool = False) -> Tuple[list, list]:
    """Boxes at each threshold, as ``compute_bboxes_from_scoremaps``
    (which takes the quantised map's maximum again at every threshold;
    once with ``hoisted``)."""
    _reference_check_map(scoremap)
    height, width = scoremap.shape
    image = np.expand_dims((scoremap * 255).astype(np.uint8), 2)
    image_max = np.max(image) if hoisted else None
    boxes_per_thr, counts = [], []
    for threshold in thresholds:
        level = int(threshold *
                    (image_max if hoisted else np.max(image)))
        _, binary = cv2.threshold(image, level, 255, cv2.THRESH_BINARY)
        contours = cv2.findContours(binary, cv2.RETR_TREE,
                                    cv2.CHAIN_APPROX_SIMPLE)[-2]
        if len(contours) == 0:
            boxes_per_thr.append(np.asarray([[0, 0, 0, 0]]))
            counts.append(1)
            continue
        if not multi_contour:
            contours = [max(contours, key=cv2.contourArea)]
        boxes = []
        for contour in contours:
            x, y, w, h = cv2.boundingRect(contour)
            boxes.append(
                [x, y, min(x + w, width - 1),
                 min(y + h, height - 1)])
        boxes_per_thr.append(np.asarray(boxes))
        counts.append(len(contours))
    return boxes_per_thr, counts


def _reference_ious(box_a: np.ndarray, box_b: np.ndarray) -> np.ndarray:
    """Inclusive IoUs ``(num_a, num_b)`` computed on tiled arrays, with the
    reference's box checks and degenerate-denominator rule."""
    _reference_check_boxes(box_a)
    _reference_check_boxes(box_b)
    num_a, num_b = len(box_a), len(box_b)
    a = np.tile(box_a, num_b).reshape(num_a, num_b, 4)
    b = np.transpose(np.tile(box_b, num_a).reshape(num_b, num_a, 4), (1, 0, 2))
    inter = (np.maximum(0, np.minimum(a[..., 2], b[..., 2]) -
                        np.maximum(a[..., 0], b[..., 0]) + 1) *
             np.maximum(0, np.minimum(a[..., 3], b[..., 3]) -
                        np.maximum(a[..., 1], b[..., 1]) + 1))
    area_a = (a[..., 2] - a[..., 0] + 1) * (a[..., 3] - a[..., 1] + 1)
    area_b = (b[..., 2] - b[..., 0] + 1) * (b[..., 3] - b[..., 1] + 1)
    denominator = area_a + area_b - inter
    degenerate = np.where(denominator <= 0)
    denominator[degenerate] = 1
    ious = inter / denominator
    ious[degenerate] = 0
    return ious


def reference_box_hits(scoremap: np.ndarray,
                       gt_boxes: np.ndarray,
                       thresholds: Sequence[float],
                       iou_thrs: Sequence[float],
                       multi_contour: bool,
                       hoisted: bool = False) -> np.ndarray:
    """Hits of one map at every (IoU threshold, CAM threshold), computed as
    the reference's ``BoxEvaluator.accumulate`` (which takes the best IoU
    of every box again for every threshold's slice).

    Args:
        scoremap (np.ndarray): float64 map ``(H, W)`` in ``[0, 1]`` (the
            reference's pipeline hands it float64 maps).
        gt_boxes (np.ndarray): integer GT boxes ``(m, 4)`` at the map size.
        thresholds (Sequence[float]): CAM thresholds ``(T,)``.
        iou_thrs (Sequence[float]): IoU thresholds in percent ``(K,)``.
        multi_contour (bool): multi-contour evaluation.
        hoisted (bool): take the map's maximum and the best IoU of every
            box once instead of at every threshold: the reference loop
            with its two repeated computations moved out, a faster
            baseline than the reference itself.

    Returns:
        np.ndarray: int64 ``(K, T)`` hits (0 or 1).
    """
    boxes_per_thr, counts = _reference_boxes(scoremap, thresholds,
                                             multi_contour, hoisted)
    ious = _reference_ious(
        np.array(np.concatenate(boxes_per_thr, axis=0)),
        np.array(gt_boxes))
    best_per_box = ious.max(1) if hoisted else None
    sliced, start = [], 0
    for count in counts:
        per_box = best_per_box if hoisted else ious.max(1)
        sliced.append(max(per_box[start:start + count]))
        start += count
    hits = np.zeros((len(iou_thrs), len(thresholds)), dtype=np.int64)
    for k, iou_thr in enumerate(iou_thrs):
        hits[k, np.where(np.asarray(sliced) >= iou_thr / 100)[0]] += 1
    return hits


# ----------------------------------------------------------------------------
# timing
# ----------------------------------------------------------------------------


def _metric_curves(metric: WSOLMetric) -> np.ndarray:
    """Hit counts ``(K, T)`` of a metric (its last sample is pending)."""
    state = metric.results[0]
    return state['counters']['box_hits'] + state['pending'][1]['box_hits']


def _warm_up(metric_kwargs: dict) -> None:
    """Load the compiled kernels (numba's disk cache) outside the timing."""
    rng = np.random.default_rng(12345)
    for multi in (True, False):
        metric = WSOLMetric(multi_contour_eval=multi, **metric_kwargs)
        metric.process(None, make_samples(1, 16, rng, 'cam7'))


def bench_family(family: str, multi: bool, args) -> Dict[str, float]:
    """Time the metric and the reference loop on one family, one mode."""
    rng = np.random.default_rng(
        [args.seed, FAMILIES.index(family), int(multi)])
    samples = make_samples(args.num_maps, args.size, rng, family)
    metric = WSOLMetric(
        cam_curve_interval=args.cam_curve_interval, multi_contour_eval=multi)
    hits = np.zeros((len(metric.iou_thrs), len(metric.cam_thresholds)),
                    dtype=np.int64)
    # the two sides alternate map by map, so a drift of the machine's speed
    # during the run weighs on both alike
    fast = slow = fast_cpu = slow_cpu = 0.0
    for sample in samples:
        start, start_cpu = time.perf_counter(), time.process_time()
        metric.process(None, [sample])
        fast_cpu += time.process_time() - start_cpu
        fast += time.perf_counter() - start
        gt = np.floor(sample['gt_bboxes'].numpy().astype(np.float64))
        scoremap = sample['loc_map'].numpy().astype(np.float64)
        start, start_cpu = time.perf_counter(), time.process_time()
        hits += reference_box_hits(scoremap, gt.astype(np.int64),
                                   metric.cam_thresholds, metric.iou_thrs,
                                   multi, args.baseline == 'hoisted')
        slow_cpu += time.process_time() - start_cpu
        slow += time.perf_counter() - start
    identical = bool(np.array_equal(_metric_curves(metric), hits))
    return dict(
        family=family,
        mode='multi' if multi else 'single',
        fast_ms=fast_cpu / len(samples) * 1e3,
        ref_ms=slow_cpu / len(samples) * 1e3,
        ratio=slow_cpu / fast_cpu,
        wall_ratio=slow / fast,
        identical=identical)


def main(argv=None) -> List[Dict[str, float]]:
    args = parse_args(argv)
    _warm_up(dict(cam_curve_interval=args.cam_curve_interval))
    num_thr = len(np.arange(0, 1, args.cam_curve_interval))
    baseline = ('the reference loop (clovaai/wsolevaluation '
                'BoxEvaluator.accumulate, operation for operation)'
                if args.baseline == 'reference' else
                'the reference loop with the map maximum and the per-box '
                'best IoU hoisted out of the threshold loop (--baseline '
                'hoisted: faster than the reference)')
    print(f'WSOLMetric.process (all metrics) vs {baseline}: '
          f'{args.num_maps} maps of {args.size}x{args.size} per family, '
          f'{num_thr} CAM thresholds')
    print('| family | mode | WSOLMetric (CPU ms/map) | reference (CPU ms/map) '
          '| speed-up (CPU) | speed-up (wall) | curves identical |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    rows = []
    for family in args.families:
        for mode in args.modes:
            row = bench_family(family, mode == 'multi', args)
            rows.append(row)
            print(f'| {family} | {row["mode"]} | {row["fast_ms"]:.2f} | '
                  f'{row["ref_ms"]:.1f} | {row["ratio"]:.1f}x | '
                  f'{row["wall_ratio"]:.1f}x | '
                  f'{"yes" if row["identical"] else "NO"} |')
    ratios = [row['ratio'] for row in rows]
    median, low = statistics.median(ratios), min(ratios)
    print(f'speed-up (CPU time): median {median:.1f}x '
          f'(target >= {TARGET_MEDIAN:g}x: '
          f'{"met" if median >= TARGET_MEDIAN else "NOT met"}), '
          f'min {low:.1f}x (target >= {TARGET_MIN:g}x: '
          f'{"met" if low >= TARGET_MIN else "NOT met"})')
    if all(row['identical'] for row in rows):
        print('identical MaxBoxAcc curves: OK')
    else:
        bad = [f'{r["family"]}/{r["mode"]}' for r in rows
               if not r['identical']]
        raise AssertionError(f'accuracy curves differ for {bad}')
    return rows


if __name__ == '__main__':
    main()
