"""Benchmark WSOLMetric's MaxBoxAcc against the straightforward loop.

Generates ``--num-maps`` random smooth maps (sums of Gaussian blobs) with a
few GT boxes each, then times

* ``WSOLMetric.process`` (the fast box-extraction core, all metrics), and
* the slow baseline: one OpenCV contour pass and one IoU per CAM threshold
  (:func:`fam_mm.evaluation.functional.max_box_iou_naive`),

prints both times and the ratio, and asserts that both give identical
MaxBoxAcc numbers.

Example::

    python tools/analysis_tools/benchmark_metric.py --num-maps 30
"""
import argparse
import time

import numpy as np
import torch

from fam_mm.evaluation.functional import box_accuracy_hits, max_box_iou_naive
from fam_mm.evaluation.metrics import WSOLMetric


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Time WSOLMetric against a per-threshold loop')
    parser.add_argument('--num-maps', type=int, default=30)
    parser.add_argument('--size', type=int, default=224, help='map side')
    parser.add_argument(
        '--cam-curve-interval', type=float, default=0.001,
        help='CAM threshold step (0.001 gives 1000 thresholds)')
    parser.add_argument(
        '--single-contour', action='store_true',
        help='benchmark MaxBoxAcc (largest contour) instead of MaxBoxAccV2')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def make_samples(num: int, size: int, rng: np.random.Generator) -> list:
    """Random smooth maps (1-5 Gaussian blobs) with 1-3 GT boxes each."""
    yy, xx = np.mgrid[0:size, 0:size]
    samples = []
    for i in range(num):
        loc_map = np.zeros((size, size))
        boxes = []
        for k in range(rng.integers(1, 6)):
            cy, cx = rng.uniform(0, size, 2)
            sigma = rng.uniform(0.04, 0.2) * size
            loc_map += rng.uniform(0.3, 1) * np.exp(
                -((yy - cy)**2 + (xx - cx)**2) / (2 * sigma**2))
            if k < 3:
                half = 2 * sigma * rng.uniform(0.6, 1.4, 2)
                boxes.append((max(cx - half[0], 0), max(cy - half[1], 0),
                              min(cx + half[0], size),
                              min(cy + half[1], size)))
        loc_map /= loc_map.max()
        samples.append(
            dict(
                sample_idx=i,
                img_shape=(size, size),
                ori_shape=(size, size),
                gt_label=torch.tensor([0]),
                pred_score=torch.tensor([0.9, 0.1]),
                loc_map=torch.from_numpy(loc_map.astype(np.float32)),
                gt_bboxes=torch.tensor(boxes, dtype=torch.float32)))
    return samples


def main(argv=None):
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    samples = make_samples(args.num_maps, args.size, rng)
    multi = not args.single_contour
    metric = WSOLMetric(
        cam_curve_interval=args.cam_curve_interval, multi_contour_eval=multi)

    start = time.perf_counter()
    metric.process(None, samples)
    fast_time = time.perf_counter() - start
    fast = metric.compute_metrics(metric.results)

    # Slow baseline: the same semantics, one threshold at a time.
    hits = np.zeros((len(metric.iou_thrs), len(metric.cam_thresholds)),
                    dtype=np.int64)
    start = time.perf_counter()
    for sample in samples:
        gt = np.floor(sample['gt_bboxes'].numpy().astype(np.float64))
        best = max_box_iou_naive(sample['loc_map'].numpy(), gt,
                                 metric.cam_thresholds, multi)
        hits += box_accuracy_hits(best, metric.iou_thrs)
    slow_time = time.perf_counter() - start
    slow = hits.max(1) * 100.0 / len(samples)

    name = 'MaxBoxAccV2 (multi-contour)' if multi else 'MaxBoxAcc'
    print(f'{name}: {len(samples)} maps of {args.size}x{args.size}, '
          f'{len(metric.cam_thresholds)} CAM thresholds')
    print(f'WSOLMetric.process: {fast_time:.3f} s '
          f'({fast_time / len(samples) * 1e3:.2f} ms/map, all metrics)')
    print(f'naive per-threshold loop: {slow_time:.3f} s '
          f'({slow_time / len(samples) * 1e3:.2f} ms/map, MaxBoxAcc only)')
    print(f'speed-up: {slow_time / fast_time:.1f}x')
    for thr, value in zip(metric.iou_thrs, slow):
        key = f'maxboxacc_iou{thr:g}'
        print(f'{key}: metric {fast[key]:.4f}  naive {value:.4f}')
        assert fast[key] == value, f'{key} differs: {fast[key]} vs {value}'
    # one accumulator per process; its last sample is held apart (pending)
    state = metric.results[0]
    curves = state['counters']['box_hits'] + state['pending'][1]['box_hits']
    assert np.array_equal(curves, hits), \
        'per-threshold accuracy curves differ'
    print('identical MaxBoxAcc curves: OK')


if __name__ == '__main__':
    main()
