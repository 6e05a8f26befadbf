"""WSOLMetric's PxAP: masks resized nearest, ignore pixels, mask-only data,
exact sums across processes."""
import cv2
import numpy as np
import pytest
import torch

from fam_mm.evaluation.functional import (
    pxap_bin_edges,
    pxap_from_histograms,
    pxap_histograms,
)
from fam_mm.evaluation.metrics import WSOLMetric


def _sample(idx, rng, boxes=True, ignore=True, img_shape=(8, 12)):
    ori_shape = (4, 6)
    loc_map = rng.random(img_shape).astype(np.float32)
    mask = (rng.random(ori_shape) < 0.4).astype(np.uint8) * 255
    s = dict(
        sample_idx=idx,
        img_shape=img_shape,
        ori_shape=ori_shape,
        gt_label=torch.tensor([1]),
        pred_score=torch.tensor([0.2, 0.7, 0.1]),
        loc_map=torch.from_numpy(loc_map),
        gt_masks=torch.from_numpy(mask))
    if ignore:
        s['ignore_mask'] = torch.from_numpy(rng.random(ori_shape) < 0.3)
    if boxes:
        s['gt_bboxes'] = torch.tensor([[1., 1., 4., 3.]])
    return s


def _expected(samples, interval):
    edges = pxap_bin_edges(np.arange(0, 1, interval))
    fg = np.zeros(len(edges) - 1, np.int64)
    bg = np.zeros(len(edges) - 1, np.int64)
    for s in samples:
        h, w = s['img_shape']
        mask = cv2.resize(s['gt_masks'].numpy(), (w, h),
                          interpolation=cv2.INTER_NEAREST)
        ignore = None
        if 'ignore_mask' in s:
            ignore = cv2.resize(
                s['ignore_mask'].numpy().astype(np.uint8), (w, h),
                interpolation=cv2.INTER_NEAREST) > 0
        f, b = pxap_histograms(s['loc_map'].numpy(), mask, edges, ignore)
        fg += f
        bg += b
    return pxap_from_histograms(fg, bg)


def test_pxap_with_boxes_and_masks():
    rng = np.random.default_rng(0)
    samples = [_sample(i, rng) for i in range(6)]
    metric = WSOLMetric(cam_curve_interval=0.01)
    metric.process(None, samples)
    out = metric.compute_metrics(metric.results)
    assert out['pxap'] == pytest.approx(_expected(samples, 0.01), abs=1e-12)
    assert 'maxboxaccv2' in out and 'gt_known_loc' in out


def test_perfect_and_inverted_maps():
    mask = np.zeros((4, 6), np.uint8)
    mask[1:3, 2:5] = 1
    base = dict(sample_idx=0, img_shape=(4, 6), ori_shape=(4, 6),
                gt_label=torch.tensor([0]), pred_score=torch.tensor([1., 0.]),
                gt_masks=torch.from_numpy(mask))
    metric = WSOLMetric(cam_curve_interval=0.01)
    metric.process(None, [dict(base, loc_map=torch.from_numpy(
        mask.astype(np.float32)))])
    assert metric.compute_metrics(metric.results)['pxap'] == 100.0
    # the inverted map ranks every background pixel first: precision is
    # 6/24 wherever recall grows
    metric = WSOLMetric(cam_curve_interval=0.01)
    metric.process(None, [dict(base, loc_map=torch.from_numpy(
        1 - mask.astype(np.float32)))])
    assert metric.compute_metrics(
        metric.results)['pxap'] == pytest.approx(25.0)


def test_mask_only_samples_report_classification_and_pxap():
    rng = np.random.default_rng(1)
    samples = [_sample(i, rng, boxes=False) for i in range(4)]
    metric = WSOLMetric(cam_curve_interval=0.05)
    metric.process(None, samples)
    out = metric.compute_metrics(metric.results)
    assert set(out) == {'top1_cls', 'pxap'}  # 3 classes: no top-5
    assert out['top1_cls'] == 100.0
    assert out['pxap'] == pytest.approx(_expected(samples, 0.05), abs=1e-12)


def test_distributed_sum_is_exact():
    rng = np.random.default_rng(2)
    samples = [_sample(i, rng) for i in range(7)]
    single = WSOLMetric(cam_curve_interval=0.01)
    single.process(None, samples)
    ranks = [WSOLMetric(cam_curve_interval=0.01) for _ in range(2)]
    ranks[0].process(None, samples[0::2])
    ranks[1].process(None, samples[1::2])
    joined = ranks[0].compute_metrics(ranks[0].results + ranks[1].results)
    assert joined['pxap'] == single.compute_metrics(single.results)['pxap']


def test_errors_name_the_problem():
    rng = np.random.default_rng(3)
    mixed = [_sample(0, rng), _sample(1, rng)]
    del mixed[1]['gt_masks']
    metric = WSOLMetric(cam_curve_interval=0.1)
    metric.process(None, mixed)
    with pytest.raises(ValueError, match='1 of 2 samples carry gt_masks'):
        metric.compute_metrics(metric.results)
    bad = _sample(0, rng)
    bad['gt_masks'] = torch.zeros(5, 5, dtype=torch.uint8)
    with pytest.raises(ValueError, match='does not match ori_shape'):
        WSOLMetric().process(None, [bad])
