"""WSOLMetric: hand-computed keys, frames, errors, bounded memory."""
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope
from mmpretrain.structures import DataSample

import fam_mm  # noqa: F401
from fam_mm.evaluation.functional import (
    box_accuracy_hits,
    max_box_iou,
    select_loc_threshold,
)
from fam_mm.evaluation.metrics import WSOLMetric

REPO = Path(__file__).resolve().parents[2]


def _sample(loc_map, gt_bboxes, gt_label=1, scores=(0.1, 0.6, 0.3),
            img_shape=(20, 30), ori_shape=(40, 60), idx=0, **extra):
    s = dict(
        img_path=f'img_{idx}.jpg',
        sample_idx=idx,
        img_shape=img_shape,
        ori_shape=ori_shape,
        gt_label=torch.tensor([gt_label]),
        pred_score=torch.tensor(scores, dtype=torch.float32),
        pred_label=torch.tensor([int(np.argmax(scores))]),
        loc_map=torch.as_tensor(np.asarray(loc_map, dtype=np.float32)),
        gt_bboxes=torch.tensor(gt_bboxes, dtype=torch.float32))
    s.update(extra)
    return s


def _rect(shape=(20, 30), y=(5, 15), x=(10, 20), value=0.9):
    m = np.zeros(shape, np.float32)
    m[y[0]:y[1], x[0]:x[1]] = value
    return m


GT = [[20., 10., 40., 30.]]  # original frame -> (10, 5, 20, 15) at input


def _run(samples, **kwargs):
    metric = WSOLMetric(cam_curve_interval=0.01, **kwargs)
    metric.process(None, samples)
    return metric, metric.compute_metrics(metric.results)


def test_hand_computed_keys():
    scores6 = (0.30, 0.25, 0.15, 0.12, 0.10, 0.08)
    samples = [
        # A: right class, exact box
        _sample(_rect(), GT, gt_label=1, idx=0),
        # B: top-1 wrong, GT class 2nd: gt-known and top-5 hit only
        _sample(_rect(), GT, gt_label=1, scores=(0.6, 0.3, 0.1), idx=1),
        # C: right class, box far from the GT
        _sample(_rect(y=(0, 4), x=(0, 5)), GT, gt_label=1, idx=2),
        # D: GT class ranked 6th: not in the top 5, exact box
        _sample(_rect(), GT, gt_label=5, scores=scores6, idx=3),
    ]
    _, out = _run(samples)
    assert out['top1_cls'] == 50.0  # A, C
    assert out['top5_cls'] == 75.0  # A, B, C
    assert out['gt_known_loc'] == 75.0  # A, B, D
    assert out['top1_loc'] == 25.0  # A
    assert out['top5_loc'] == 50.0  # A, B
    assert out['mean_iou'] == pytest.approx(75.0)
    for key in ('maxboxacc_iou30', 'maxboxacc_iou50', 'maxboxacc_iou70',
                'maxboxaccv2'):
        assert out[key] == pytest.approx(75.0)
    # a binary map gives the same box at every CAM threshold: argmax -> 0
    assert out['best_cam_threshold'] == 0.0


def test_fixed_threshold_iou_is_pixel_edge_and_best_over_gts():
    # box (10, 5, 20, 15) vs GT (10, 5, 20, 10) at input: IoU 0.5 exactly
    # (pixel-edge); a second, disjoint GT box does not lower it
    gts = [[20., 10., 40., 20.], [0., 30., 4., 38.]]
    _, out = _run([_sample(_rect(), gts)])
    assert out['mean_iou'] == pytest.approx(50.0)
    assert out['gt_known_loc'] == 100.0
    # below loc_threshold nothing is foreground: IoU 0
    _, out = _run([_sample(_rect(value=0.4), GT)], loc_threshold=0.5)
    assert out['mean_iou'] == 0.0 and out['gt_known_loc'] == 0.0
    # minmax mode rescales the 0.4 map to 1.0 first
    _, out = _run([_sample(_rect(value=0.4), GT)], loc_threshold_mode='minmax')
    assert out['gt_known_loc'] == 100.0


def test_best_cam_threshold_and_curve():
    # pyramid map: the exact GT box appears only for CAM thresholds whose
    # level lies between the ring (0.5) and the core (1.0)
    m = np.zeros((20, 30), np.float32)
    m[2:18, 5:25] = 0.5
    m[5:15, 10:20] = 1.0
    _, out = _run([_sample(m, GT)], iou_thrs=(50, ))
    # level int(t * 255) must reach 127 = q(0.5): t = 0.5 is the first;
    # reported as a fraction, the unit of the configs' loc_threshold
    assert out['best_cam_threshold'] == pytest.approx(0.5)
    assert out['maxboxacc_iou50'] == 100.0


def test_map_is_resized_to_img_shape_bicubic():
    rng = np.random.default_rng(0)
    small = rng.random((7, 9)).astype(np.float32)
    sample = _sample(small, GT)
    metric, _ = _run([sample])
    big = np.clip(cv2.resize(small, (30, 20),
                             interpolation=cv2.INTER_CUBIC), 0, 1)
    hits = box_accuracy_hits(
        max_box_iou(big, np.array([[10, 5, 20, 15]]), metric.cam_thresholds,
                    True), metric.iou_thrs)
    # a single sample: its counters are the rank's pending entry
    pending_idx, delta = metric.results[0]['pending']
    np.testing.assert_array_equal(delta['box_hits'], hits)


def test_gt_rescaled_from_ori_shape_with_reference_truncation():
    metric = WSOLMetric()
    flt, ints = metric._prepare_gt(
        dict(gt_bboxes=torch.tensor([[21., 11., 41., 31.]])), (20, 30),
        (40, 60))
    np.testing.assert_allclose(flt, [[10.5, 5.5, 20.5, 15.5]])
    np.testing.assert_array_equal(ints, [[10, 5, 20, 15]])


def test_gt_mapped_with_homography_matrix():
    metric = WSOLMetric()
    # resize by 0.5 then horizontal flip of the 30-px-wide input
    hom = np.array([[-0.5, 0, 30], [0, 0.5, 0], [0, 0, 1]], np.float32)
    flt, ints = metric._prepare_gt(
        dict(gt_bboxes=torch.tensor([[20., 10., 40., 30.]]),
             homography_matrix=hom), (20, 30), (40, 60))
    np.testing.assert_allclose(flt, [[10, 5, 20, 15]])
    np.testing.assert_array_equal(ints, [[10, 5, 20, 15]])
    # the metric uses it: a flipped map matches
    _, out = _run([_sample(_rect(x=(10, 20)), GT, homography_matrix=hom)])
    assert out['maxboxacc_iou70'] == 100.0


def test_top5_logic():
    scores = (0.30, 0.25, 0.15, 0.12, 0.10, 0.08)
    _, out = _run([_sample(_rect(), GT, gt_label=4, scores=scores)])
    assert out['top5_cls'] == 100.0 and out['top5_loc'] == 100.0
    assert out['top1_cls'] == 0.0 and out['top1_loc'] == 0.0
    _, out = _run([_sample(_rect(), GT, gt_label=5, scores=scores)])
    assert out['top5_cls'] == 0.0 and out['top5_loc'] == 0.0


@pytest.mark.parametrize('num_classes', [3, 5, 6])
def test_top5_left_out_with_few_classes(num_classes):
    """With 5 classes or fewer every label is in the top 5 (top5_cls would
    be 100 whatever the model does): the keys are left out."""
    scores = np.linspace(1, 0.5, num_classes)
    # GT label last: never the top-1 prediction
    samples = [
        _sample(_rect(), GT, gt_label=num_classes - 1, scores=scores, idx=i)
        for i in range(2)
    ]
    _, out = _run(samples)
    assert out['top1_cls'] == 0.0
    if num_classes <= 5:
        assert 'top5_cls' not in out and 'top5_loc' not in out
    else:  # the 6th of 6 classes is outside the top 5
        assert out['top5_cls'] == 0.0 and out['top5_loc'] == 0.0


@pytest.mark.parametrize('change,match', [
    (dict(loc_map=np.full((20, 30), np.nan)), 'NaN'),
    (dict(loc_map=np.full((20, 30), np.inf)), 'NaN or inf'),
    (dict(loc_map=np.zeros((0, 0))), 'empty'),
    (dict(loc_map=np.zeros((2, 20, 30))), '2-D'),
    (dict(loc_map=np.full((20, 30), 2.0)), r'\[0, 1\]'),
    (dict(gt_bboxes=[[0., 0., 100., 10.]]), 'outside'),
    (dict(gt_bboxes=[[10., 10., 5., 20.]]), 'x2 < x1'),
    (dict(gt_bboxes=np.zeros((0, 4))), 'shape'),
])
def test_bad_input_raises_value_error_naming_sample(change, match):
    sample = _sample(_rect(), GT, idx=7)
    for key, value in change.items():
        sample[key] = torch.as_tensor(np.asarray(value, dtype=np.float32))
    with pytest.raises(ValueError, match=match) as err:
        WSOLMetric().process(None, [sample])
    assert 'img_7.jpg' in str(err.value)


@pytest.mark.parametrize(
    'key', ['loc_map', 'gt_bboxes', 'gt_label', 'pred_score', 'img_shape'])
def test_missing_key_raises(key):
    sample = _sample(_rect(), GT, idx=3)
    del sample['img_path']
    del sample[key]
    with pytest.raises(ValueError, match=f'{key}.*|.*{key}') as err:
        WSOLMetric().process(None, [sample])
    assert 'sample 3' in str(err.value) and key in str(err.value)


def test_results_stay_bounded():
    metric = WSOLMetric(cam_curve_interval=0.01)
    rng = np.random.default_rng(1)
    sizes = []
    for i in range(12):
        metric.process(None, [_sample(rng.random((20, 30)), GT, idx=i)])
        state = metric.results[0]
        sizes.append((len(metric.results),
                      state['counters']['box_hits'].nbytes,
                      state['pending'][1]['box_hits'].nbytes))
    assert set(sizes) == {(1, 3 * 100 * 8, 3 * 100 * 8)}
    # beyond the counters: one small integer per image index
    assert metric.results[0]['seen'].size <= 2 * 12
    assert metric.compute_metrics(metric.results)['top1_cls'] == 100.0


def test_accumulators_from_several_ranks_are_summed():
    metric = WSOLMetric(cam_curve_interval=0.01)
    a, b = WSOLMetric(cam_curve_interval=0.01), WSOLMetric(
        cam_curve_interval=0.01)
    a.process(None, [_sample(_rect(), GT, idx=0)])
    b.process(None, [_sample(_rect(y=(0, 4), x=(0, 5)), GT, idx=1)])
    out = metric.compute_metrics(a.results + b.results)
    assert out['gt_known_loc'] == 50.0 and out['maxboxacc_iou50'] == 50.0


def test_through_mmengine_evaluator():
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        evaluator = Evaluator(dict(type='WSOLMetric', cam_curve_interval=0.01))
    samples = []
    for i in range(3):
        ds = DataSample(metainfo=dict(
            img_shape=(20, 30), ori_shape=(40, 60), sample_idx=i,
            img_path=f'{i}.jpg'))
        ds.set_gt_label(1).set_pred_score(torch.tensor([0.1, 0.6, 0.3]))
        ds.set_field(torch.from_numpy(_rect()), 'loc_map')
        ds.set_field(torch.tensor(GT), 'gt_bboxes')
        samples.append(ds)
    evaluator.process(samples)
    out = evaluator.evaluate(3)
    # 3 classes: no top5_* (see test_top5_left_out_with_few_classes)
    expected = {
        'top1_cls', 'top1_loc', 'gt_known_loc', 'maxboxacc_iou30',
        'maxboxacc_iou50', 'maxboxacc_iou70',
        'maxboxaccv2', 'best_cam_threshold', 'mean_iou', 'empty_box_rate'
    }
    assert set(out) == {f'wsol/{k}' for k in expected}
    assert out['wsol/maxboxaccv2'] == 100.0


def test_loc_threshold_search_on_synthetic_maps():
    # the GT box is the region where map > 0.6: only candidates in
    # [0.25, 0.9) give it (the ring is 0.25, the core 0.9)
    m = np.zeros((20, 30), np.float32)
    m[2:18, 2:28] = 0.25
    m[5:15, 10:20] = 0.9
    cands = np.arange(0.1, 1.0, 0.1)
    metric, out = _run([_sample(m, GT, idx=i) for i in range(3)],
                       loc_threshold_search=True,
                       loc_threshold_candidates=cands)
    curve = metric.loc_threshold_curve
    hits = [curve[float(t)] for t in cands]
    np.testing.assert_allclose(hits, [0, 0, 100, 100, 100, 100, 100, 100, 0])
    assert out['best_loc_threshold'] == pytest.approx(30.0)
    assert out['best_loc_threshold_gt_known_loc'] == 100.0
    sys.path.insert(0, str(REPO / 'tools' / 'analysis_tools'))
    try:
        from search_threshold import enable_search, summarize
    finally:
        sys.path.pop(0)
    assert summarize(curve)[0] == pytest.approx(0.3)
    cfg = enable_search(dict(type='WSOLMetric'), cands)
    assert cfg['loc_threshold_search'] is True


def test_select_loc_threshold():
    thr, acc = select_loc_threshold([1, 3, 3, 2], 4, [0.2, 0.3, 0.4, 0.5])
    assert thr == 0.3 and acc == 75.0  # lowest threshold on ties
    with pytest.raises(ValueError):
        select_loc_threshold([1, 2], 4, [0.1])
    with pytest.raises(ValueError):
        select_loc_threshold([1], 0, [0.1])


@pytest.mark.parametrize('tool',
                         ['search_threshold.py', 'benchmark_metric.py'])
def test_tools_help(tool):
    res = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'analysis_tools' / tool),
         '--help'], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert res.returncode == 0 and 'usage' in res.stdout


def _rank_results(samples_per_rank):
    """Run one metric per simulated rank and gather their results."""
    results = []
    for samples in samples_per_rank:
        m = WSOLMetric(cam_curve_interval=0.01)
        m.process(None, samples)
        results += m.results
    return results


def test_distributed_padding_is_deduplicated():
    """DefaultSampler with 2 ranks and 5 samples pads with index 0: rank 0
    gets [0, 2, 4], rank 1 gets [1, 3, 0]; the metrics must equal one
    process over [0, 1, 2, 3, 4]."""
    rng = np.random.default_rng(3)
    maps = [rng.random((20, 30)).astype(np.float32) for _ in range(5)]
    maps[0] = _rect()  # index 0 is a hit, so double counting would show
    samples = [_sample(m, GT, idx=i) for i, m in enumerate(maps)]
    single = WSOLMetric(cam_curve_interval=0.01)
    single.process(None, samples)
    expected = single.compute_metrics(single.results)
    ranks = [[samples[0], samples[2], samples[4]],
             [samples[1], samples[3], samples[0]]]
    out = WSOLMetric(cam_curve_interval=0.01).compute_metrics(
        _rank_results(ranks))
    assert out == expected
    # without de-duplication index 0 would count twice: 6 samples
    naive = sum(r['counters']['num_samples'] + 1
                for r in _rank_results(ranks))
    assert naive == 6


def test_unremovable_duplicates_raise():
    samples = [_sample(_rect(), GT, idx=i) for i in range(3)]
    ranks = [[samples[0], samples[1]], [samples[0], samples[2]]]
    with pytest.raises(RuntimeError, match=r'samples \[0\]'):
        WSOLMetric(cam_curve_interval=0.01).compute_metrics(
            _rank_results(ranks))


def test_empty_box_rate():
    samples = [
        _sample(_rect(), GT, idx=0),
        # nothing above the threshold: a collapsed map, empty box
        _sample(_rect(value=0.3), GT, idx=1),
        _sample(np.zeros((20, 30), np.float32), GT, idx=2),
        _sample(_rect(value=0.3), GT, idx=3),
    ]
    _, out = _run(samples)
    assert out['empty_box_rate'] == 75.0
    assert out['gt_known_loc'] == 25.0
    _, out = _run(samples, loc_threshold=0.2)
    assert out['empty_box_rate'] == 25.0


def test_threshold_comes_from_the_head():
    # a 0.6 rectangle: a box at the head's 0.5, nothing at 0.7
    rect = _rect(value=0.6)
    _, out = _run([_sample(rect, GT, loc_threshold=0.5)])
    assert out['gt_known_loc'] == 100.0 and out['empty_box_rate'] == 0.0
    _, out = _run([_sample(rect, GT, loc_threshold=0.7)])
    assert out['gt_known_loc'] == 0.0 and out['empty_box_rate'] == 100.0
    # the evaluator may repeat the head's value, not contradict it
    _, out = _run([_sample(rect, GT, loc_threshold=0.7)], loc_threshold=0.7)
    assert out['empty_box_rate'] == 100.0
    with pytest.raises(ValueError,
                       match=r"img_0.jpg.*loc_threshold=0.2 differs from the "
                       r"model.head.loc_threshold=0.5.*--cfg-options "
                       r"model.head.loc_threshold=0.2"):
        _run([_sample(rect, GT, loc_threshold=0.5)], loc_threshold=0.2)
