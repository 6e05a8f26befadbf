"""Weakly supervised object localization metrics (FAM paper and MaxBoxAcc)."""
import math
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from fam_mm.utils.misc import to_numpy
from ..functional import (
    box_accuracy_hits,
    box_iou,
    boxes_of_foreground,
    boxes_to_input,
    max_box_iou,
    normalize_map,
    pxap_bin_edges,
    pxap_from_histograms,
    pxap_histograms,
    select_loc_threshold,
)

# Tolerance (pixels) for GT boxes that stick out of the original image,
# e.g. inclusive-convention annotations with ``x2 == width``.
_GT_TOLERANCE = 1.0
# Homography-mapped GT coordinates this close to an integer are snapped to
# it before the reference's truncation (float32 matrices are inexact).
_SNAP = 1e-3


# IoUs are summed as integers of this unit, so the sum (and the metric) does
# not depend on the order of the samples, e.g. across distributed ranks.
_IOU_UNIT = 1e-9


def _warp_mask(mask: np.ndarray, ori_shape, img_shape,
               matrix) -> np.ndarray:
    """A ``uint8`` mask from the original to the input frame (nearest).

    A pure rescaling ``ori_shape -> img_shape`` uses ``cv2.resize`` (the
    reference's mask resizing, bit for bit); any other original -> input
    ``homography_matrix`` (crop, flip) a perspective warp.
    """
    height, width = img_shape
    matrix = to_numpy(matrix).astype(np.float64).reshape(3, 3)
    scale = np.diag([width / ori_shape[1], height / ori_shape[0], 1.0])
    if np.allclose(matrix, scale, rtol=0, atol=1e-5):
        return cv2.resize(
            mask, (width, height), interpolation=cv2.INTER_NEAREST)
    return cv2.warpPerspective(
        mask, matrix, (width, height), flags=cv2.INTER_NEAREST)


def _add_counters(total: dict, delta: dict) -> None:
    """In-place ``total += delta`` for every counter."""
    for key in total:
        total[key] = total[key] + delta[key]


@METRICS.register_module()
class WSOLMetric(BaseMetric):
    """Classification and localization accuracy for WSOL.

    Two families of localization metrics are computed from each sample's
    ``loc_map`` (resized to ``img_shape`` with bicubic interpolation, as the
    reference does with its CAMs) and its GT boxes mapped to ``img_shape``:

    * **Paper metrics at a fixed threshold** (FAM, CAM, ...):
      ``top1_loc``, ``top5_loc``, ``gt_known_loc`` and ``mean_iou``. The box
      is exactly :func:`~fam_mm.evaluation.functional.extract_bbox` of the
      map at ``loc_threshold`` (largest region of ``map > loc_threshold``,
      as the model heads' ``pred_bbox``); its IoU is the maximum over the GT
      boxes in **pixel-edge** coordinates (``box_iou(inclusive=False)``) on
      float GT boxes. GT-known Loc counts IoU >= 0.5, Top-1 Loc also needs
      the top-1 class right and Top-5 Loc the GT class among the top 5.
    * **MaxBoxAcc** (Choe et al., CVPR 2020, clovaai/wsolevaluation): the
      box accuracy at IoU ``>= iou_thr`` maximised over the CAM thresholds
      ``arange(0, 1, cam_curve_interval)`` relative to the map maximum, with
      the reference's semantics (uint8 quantisation, strict ``>``, OpenCV
      contours, boxes clipped to ``W - 1``, integer GT boxes truncated after
      rescaling, **inclusive +1** IoU). ``maxboxaccv2`` is the mean over
      ``iou_thrs``; with ``multi_contour_eval=True`` (the reference's
      MaxBoxAccV2 setting) every contour's box is matched, with False the
      largest contour only (the original MaxBoxAcc).

    Each image is reduced to fixed-size counters inside :meth:`process`;
    ``self.results`` holds a single accumulator per process, so memory does
    not grow with the dataset (beyond one small integer per image index) and
    mmengine's distributed collection just gathers one accumulator per rank.

    Distributed runs give exactly the single-process numbers: mmengine's
    ``DefaultSampler`` pads the dataset so every rank gets as many samples,
    repeating the first indices at the end of some ranks' streams. Each rank
    therefore keeps its last sample's counters apart (``pending``) and counts
    the ``sample_idx`` it saw; :meth:`compute_metrics` drops the pending
    samples whose index was seen more than once. A duplicate that cannot be
    removed this way (e.g. a dataset smaller than the number of ranks) is an
    error, never a silently skewed number.

    Args:
        cam_curve_interval (float): Step of the CAM thresholds of MaxBoxAcc.
            Defaults to 0.001 (the reference's default).
        iou_thrs (Sequence[float]): IoU thresholds of MaxBoxAcc in percent.
            Defaults to ``(30, 50, 70)``.
        multi_contour_eval (bool): Match every contour's box (MaxBoxAccV2).
            Defaults to True.
        loc_threshold (float, optional): Fixed threshold of the paper
            metrics. Defaults to None: the threshold the model's head used
            for ``pred_bbox`` (``model.head.loc_threshold``, which the heads
            record as the ``loc_threshold`` of each prediction), so that the
            metrics, ``pred_bbox``, ``tools/test.py --out`` records and
            ``--show-dir`` pictures use one value; 0.5 for predictions that
            do not record it. A value given here that differs from the
            head's is an error (set ``model.head.loc_threshold`` instead).
        loc_threshold_mode (str): ``'absolute'`` thresholds the map as it is
            (FAM's sigmoid map, as in the paper); ``'minmax'`` min-max
            normalises it first (CAM practice, and what the reference does
            to every map). The map is brought to ``[0, 1]`` this way before
            all metrics, MaxBoxAcc included. Defaults to ``'absolute'``.
        loc_threshold_search (bool): Also count GT-known hits at every
            threshold of ``loc_threshold_candidates`` and report the best one
            (``best_loc_threshold``, ``best_loc_threshold_gt_known_loc``); the
            whole curve is kept in :attr:`loc_threshold_curve`
            (threshold -> GT-known accuracy). Used by
            ``tools/analysis_tools/search_threshold.py`` on the val split.
            Defaults to False.
        loc_threshold_candidates (Sequence[float], optional): Candidates of
            the search. Defaults to ``arange(0.01, 1, 0.01)``.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'wsol'``.

    Output keys (all in percent): ``top1_cls``, ``top5_cls``, ``top1_loc``,
    ``top5_loc``, ``gt_known_loc``, ``mean_iou``, ``empty_box_rate`` (share
    of images whose box at the fixed threshold is empty: nothing above the
    threshold, a collapsed map), ``maxboxacc_iou{t}`` for
    each ``t`` in ``iou_thrs``, ``maxboxaccv2`` and ``best_cam_threshold``
    (the CAM threshold maximising the box accuracy at IoU 50, or at the
    middle of ``iou_thrs`` when 50 is absent, as a fraction of the map
    maximum in ``[0, 1)`` like the configs' ``loc_threshold``, *not* in
    percent; the lowest one on ties, as ``np.argmax`` over the reference's
    curve). ``top5_cls`` and ``top5_loc`` are left out when the model scores
    5 classes or fewer (every label would be in the top 5).
    With ``loc_threshold_search`` also ``best_loc_threshold`` (percent) and
    ``best_loc_threshold_gt_known_loc``.
    """
    default_prefix: Optional[str] = 'wsol'

    def __init__(self,
                 cam_curve_interval: float = 0.001,
                 iou_thrs: Sequence[float] = (30, 50, 70),
                 multi_contour_eval: bool = True,
                 loc_threshold: Optional[float] = None,
                 loc_threshold_mode: str = 'absolute',
                 loc_threshold_search: bool = False,
                 loc_threshold_candidates: Optional[Sequence[float]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not 0 < cam_curve_interval < 1:
            raise ValueError('cam_curve_interval must be in (0, 1), got '
                             f'{cam_curve_interval}')
        self.iou_thrs = tuple(float(t) for t in iou_thrs)
        if not self.iou_thrs or not all(0 < t <= 100 for t in self.iou_thrs):
            raise ValueError(
                f'iou_thrs must be percentages in (0, 100], got {iou_thrs}')
        if loc_threshold is not None and not 0 <= loc_threshold <= 1:
            raise ValueError(
                f'loc_threshold must be in [0, 1], got {loc_threshold}')
        if loc_threshold_mode not in ('absolute', 'minmax'):
            raise ValueError("loc_threshold_mode must be 'absolute' or "
                             f"'minmax', got {loc_threshold_mode!r}")
        self.cam_curve_interval = cam_curve_interval
        self.cam_thresholds = np.arange(0, 1, cam_curve_interval)
        self.pxap_edges = pxap_bin_edges(self.cam_thresholds)
        self.multi_contour_eval = multi_contour_eval
        self.loc_threshold = None if loc_threshold is None else float(
            loc_threshold)
        self.loc_threshold_mode = loc_threshold_mode
        self.loc_threshold_search = loc_threshold_search
        self.loc_threshold_candidates = np.asarray(
            np.arange(0.01, 1, 0.01) if loc_threshold_candidates is None
            else loc_threshold_candidates,
            dtype=np.float64).reshape(-1)
        self.loc_threshold_curve: Optional[Dict[float, float]] = None

    # ------------------------------------------------------------------
    # accumulation
    # ------------------------------------------------------------------
    def _new_counters(self) -> dict:
        counters = dict(
            num_samples=0,
            top1_cls=0,
            top5_cls=0,
            top1_loc=0,
            top5_loc=0,
            gt_known_loc=0,
            few_classes=0,  # samples scored over <= 5 classes
            empty_box=0,
            iou_sum=0,  # in units of _IOU_UNIT: exact, order-free sums
            box_hits=np.zeros((len(self.iou_thrs), len(self.cam_thresholds)),
                              dtype=np.int64),
            box_samples=0,
            # PxAP: map-value histograms at foreground / background pixels
            mask_samples=0,
            pxap_fg=np.zeros(len(self.pxap_edges) - 1, dtype=np.int64),
            pxap_bg=np.zeros(len(self.pxap_edges) - 1, dtype=np.int64))
        if self.loc_threshold_search:
            counters['search_hits'] = np.zeros(
                len(self.loc_threshold_candidates), dtype=np.int64)
        return counters

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Reduce each sample to counts added to this process' accumulator.

        Args:
            data_batch: Unused.
            data_samples (Sequence[dict]): ``DataSample.to_dict()`` outputs
                with ``gt_label``, ``pred_score`` (``pred_label`` optional),
                ``loc_map``, ``gt_bboxes`` (original frame), ``img_shape``,
                ``ori_shape`` and optionally ``homography_matrix``.

        Raises:
            ValueError: naming the sample (``img_path`` / ``sample_idx``) for
                a missing key, a bad map (NaN/inf, empty, not 2-D, outside
                ``[0, 1]`` in absolute mode) or bad GT boxes.
        """
        if not self.results:
            self.results.append(
                dict(
                    counters=self._new_counters(),
                    seen=np.zeros(0, dtype=np.int32),
                    pending=None))
        state = self.results[0]
        for sample in data_samples:
            name = sample.get('img_path', sample.get('sample_idx', '?'))
            delta = self._new_counters()
            try:
                self._process_one(sample, delta)
            except ValueError as err:
                raise ValueError(
                    f'{type(self).__name__}: sample {name!r}: {err}') from err
            if state['pending'] is not None:
                _add_counters(state['counters'], state['pending'][1])
            idx = sample.get('sample_idx', None)
            if idx is not None:
                idx = int(idx)
                if idx >= state['seen'].size:
                    grown = np.zeros(max(idx + 1, 2 * state['seen'].size),
                                     dtype=np.int32)
                    grown[:state['seen'].size] = state['seen']
                    state['seen'] = grown
                state['seen'][idx] += 1
            state['pending'] = (idx, delta)

    @staticmethod
    def _require(sample: dict, key: str):
        value = sample.get(key, None)
        if value is None:
            raise ValueError(f'missing required key {key!r}')
        return value

    def _prepare_map(self, sample: dict, img_shape) -> np.ndarray:
        loc_map = normalize_map(
            self._require(sample, 'loc_map'), self.loc_threshold_mode)
        height, width = img_shape
        if loc_map.shape != (height, width):
            loc_map = cv2.resize(
                loc_map, (width, height), interpolation=cv2.INTER_CUBIC)
            # bicubic overshoot: clip ('absolute') or renormalise ('minmax')
            loc_map = normalize_map(
                np.clip(loc_map, 0, 1) if self.loc_threshold_mode ==
                'absolute' else loc_map, self.loc_threshold_mode)
        return loc_map

    def _prepare_gt(self, sample: dict, img_shape, ori_shape):
        """GT boxes in the input frame: float (pixel-edge) and the
        reference's truncated integers."""
        gt = to_numpy(self._require(sample, 'gt_bboxes')).astype(np.float64)
        if gt.size == 0 or gt.ndim > 2 or gt.shape[-1] != 4:
            raise ValueError(
                f'gt_bboxes must have shape (n, 4), n >= 1, got {gt.shape}')
        gt = gt.reshape(-1, 4)
        ori_h, ori_w = ori_shape
        tol = _GT_TOLERANCE
        # checked box by box in Python: a handful of boxes, where numpy's
        # per-call cost would dominate
        for x1, y1, x2, y2 in gt.tolist():
            if not all(map(math.isfinite, (x1, y1, x2, y2))):
                raise ValueError('gt_bboxes contain NaN or inf')
            if x2 < x1 or y2 < y1:
                raise ValueError(f'gt_bboxes with x2 < x1 or y2 < y1: {gt}')
            if x1 < -tol or y1 < -tol or x2 > ori_w + tol or \
                    y2 > ori_h + tol:
                raise ValueError(
                    f'gt_bboxes {gt.tolist()} lie outside the original image '
                    f'of shape (h, w) = {(ori_h, ori_w)}')
        np.clip(gt, 0, (ori_w, ori_h, ori_w, ori_h), out=gt)
        homography = sample.get('homography_matrix', None)
        if homography is not None:
            homography = to_numpy(homography).astype(np.float64)
        boxes = boxes_to_input(gt, ori_shape, img_shape, homography)
        height, width = img_shape
        inside = [
            x2 >= 0 and x1 <= width and y2 >= 0 and y1 <= height
            for x1, y1, x2, y2 in boxes.tolist()
        ]
        if not any(inside):
            raise ValueError('no GT box falls inside the input frame after '
                             'mapping with homography_matrix')
        if not all(inside):
            boxes = boxes[np.array(inside)]
        np.clip(boxes, 0, (width, height, width, height), out=boxes)
        if homography is None:
            int_boxes = np.floor(boxes)
        else:
            near = np.rint(boxes)
            int_boxes = np.floor(
                np.where(np.abs(boxes - near) < _SNAP, near, boxes))
        return boxes, int_boxes.astype(np.int64)

    def _process_one(self, sample: dict, counters: dict) -> None:
        img_shape = tuple(int(s) for s in self._require(sample,
                                                        'img_shape')[:2])
        ori_shape = tuple(int(s) for s in self._require(sample,
                                                        'ori_shape')[:2])
        gt_label = int(to_numpy(self._require(sample,
                                               'gt_label')).reshape(-1)[0])
        scores = to_numpy(self._require(sample,
                                         'pred_score')).astype(np.float64)
        scores = scores.reshape(-1)
        if scores.size == 0 or not np.isfinite(scores).all():
            raise ValueError('pred_score must be a non-empty finite vector')
        pred_label = sample.get('pred_label', None)
        pred_label = (int(np.argmax(scores)) if pred_label is None else int(
            to_numpy(pred_label).reshape(-1)[0]))
        top5 = np.argsort(-scores, kind='stable')[:5]
        top1_ok = pred_label == gt_label
        top5_ok = bool((top5 == gt_label).any())

        loc_map = self._prepare_map(sample, img_shape)
        if self._accumulate_pxap(sample, loc_map, img_shape, ori_shape,
                                 counters) and \
                sample.get('gt_bboxes', None) is None:
            # a mask-only sample (OpenImages): classification and PxAP
            counters['num_samples'] += 1
            counters['top1_cls'] += int(top1_ok)
            counters['top5_cls'] += int(top5_ok)
            counters['few_classes'] += int(scores.size <= 5)
            return
        counters['box_samples'] += 1
        gt_float, gt_int = self._prepare_gt(sample, img_shape, ori_shape)

        # MaxBoxAcc (reference semantics, inclusive IoU on integer boxes)
        best_iou = max_box_iou(loc_map, gt_int, self.cam_thresholds,
                               self.multi_contour_eval)
        counters['box_hits'] += box_accuracy_hits(best_iou, self.iou_thrs)

        # paper metrics at the fixed threshold (pixel-edge IoU)
        # extract_bbox on the map normalised above
        box = boxes_of_foreground(loc_map > self._sample_threshold(sample))
        iou = float(box_iou(box, gt_float, inclusive=False).max())
        gt_known = iou >= 0.5
        counters['num_samples'] += 1
        counters['empty_box'] += int(box[0, 2] <= box[0, 0]
                                     or box[0, 3] <= box[0, 1])
        counters['top1_cls'] += int(top1_ok)
        counters['top5_cls'] += int(top5_ok)
        counters['gt_known_loc'] += int(gt_known)
        counters['top1_loc'] += int(gt_known and top1_ok)
        counters['top5_loc'] += int(gt_known and top5_ok)
        counters['few_classes'] += int(scores.size <= 5)
        counters['iou_sum'] += int(round(iou / _IOU_UNIT))
        if self.loc_threshold_search:
            counters['search_hits'] += np.array([
                self._fixed_threshold_iou(loc_map, gt_float, t) >= 0.5
                for t in self.loc_threshold_candidates
            ])

    def _accumulate_pxap(self, sample: dict, loc_map: np.ndarray, img_shape,
                         ori_shape, counters: dict) -> bool:
        """Add the sample's PxAP histograms when it carries ``gt_masks``.

        ``gt_masks`` (``(H, W)`` at ``ori_shape``, nonzero = foreground, or
        ``(n, H, W)`` instance masks, united) and the optional
        ``ignore_mask`` (``(H, W)`` bool) are resized to ``img_shape`` with
        nearest-neighbour interpolation (as the reference resizes its masks;
        a warp with the sample's ``homography_matrix`` when the pipeline did
        more than a resize).

        Returns:
            bool: whether the sample has masks.
        """
        masks = sample.get('gt_masks', None)
        if masks is None:
            return False
        fg = to_numpy(masks)
        if fg.ndim == 3:
            fg = (fg != 0).any(0)
        ignore = sample.get('ignore_mask', None)
        planes = [('gt_masks', fg)]
        if ignore is not None:
            planes.append(('ignore_mask', to_numpy(ignore)))
        matrix = sample.get('homography_matrix', None)
        height, width = img_shape
        resized = []
        for key, plane in planes:
            if plane.shape != tuple(ori_shape):
                raise ValueError(f'{key} of shape {plane.shape} does not '
                                 f'match ori_shape {tuple(ori_shape)}')
            plane = (plane != 0).astype(np.uint8)
            resized.append(
                _warp_mask(plane, ori_shape, img_shape, matrix)
                if matrix is not None else cv2.resize(
                    plane, (width, height),
                    interpolation=cv2.INTER_NEAREST))
        fg_hist, bg_hist = pxap_histograms(
            loc_map, resized[0], self.pxap_edges,
            resized[1].astype(bool) if len(resized) > 1 else None)
        counters['mask_samples'] += 1
        counters['pxap_fg'] += fg_hist
        counters['pxap_bg'] += bg_hist
        return True

    def _sample_threshold(self, sample: dict) -> float:
        """The fixed threshold: the head's (recorded with the prediction)
        unless only this metric sets one; both and different is an error."""
        used = sample.get('loc_threshold', None)
        if used is None:
            return 0.5 if self.loc_threshold is None else self.loc_threshold
        used = float(used)
        if self.loc_threshold is not None and \
                abs(self.loc_threshold - used) > 1e-9:
            raise ValueError(
                f'the evaluator\'s loc_threshold={self.loc_threshold:g} '
                f'differs from the model.head.loc_threshold={used:g} that cut '
                'pred_bbox (and the --out records and --show-dir pictures); '
                'there is one box threshold: set model.head.loc_threshold '
                '(e.g. --cfg-options '
                f'model.head.loc_threshold={self.loc_threshold:g}) and drop '
                'the evaluator\'s loc_threshold (or give it the same value)')
        return used

    @staticmethod
    def _fixed_threshold_iou(loc_map: np.ndarray, gt: np.ndarray,
                             threshold: float) -> float:
        """Best pixel-edge IoU of the paper's box (``extract_bbox``)."""
        box = boxes_of_foreground(loc_map > threshold)
        return float(box_iou(box, gt, inclusive=False).max())

    # ------------------------------------------------------------------
    # reduction
    # ------------------------------------------------------------------
    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Sum the per-process accumulators and compute the metrics.

        Args:
            results (list[dict]): one state per process: ``counters``,
                ``seen`` (count per ``sample_idx``) and ``pending`` (the
                last sample's index and counters).

        Returns:
            dict[str, float]: metrics in percent (see the class docstring).
        """
        total = self._new_counters()
        size = max((part['seen'].size for part in results), default=0)
        seen = np.zeros(size, dtype=np.int64)
        for part in results:
            _add_counters(total, part['counters'])
            seen[:part['seen'].size] += part['seen']
        # drop the sampler's padding: repeated indices at the ranks' ends
        for part in results:
            if part['pending'] is None:
                continue
            idx, delta = part['pending']
            if idx is not None and seen[idx] > 1:
                seen[idx] -= 1
                continue
            _add_counters(total, delta)
        if (seen > 1).any():
            dup = np.flatnonzero(seen > 1)[:10].tolist()
            raise RuntimeError(
                f'{type(self).__name__}: samples {dup} were evaluated more '
                'than once and are not the padding at the end of a rank; '
                'the metrics would be skewed (is the dataset smaller than '
                'the number of processes?)')
        num = total['num_samples']
        if num == 0:
            raise ValueError(f'{type(self).__name__}: no sample was processed')
        pct = 100.0 / num
        for key, what in (('box_samples', 'gt_bboxes'),
                          ('mask_samples', 'gt_masks')):
            if 0 < total[key] < num:
                raise ValueError(
                    f'{type(self).__name__}: {total[key]} of {num} samples '
                    f'carry {what}; the metrics need all or none of them')
        metrics = {
            key: total[key] * pct
            for key in ('top1_cls', 'top5_cls', 'top1_loc', 'top5_loc',
                        'gt_known_loc')
        }
        metrics['empty_box_rate'] = total['empty_box'] * pct
        metrics['mean_iou'] = total['iou_sum'] * _IOU_UNIT * pct
        curves = total['box_hits'] * pct  # (K, T)
        best = curves.max(1)
        for thr, acc in zip(self.iou_thrs, best):
            metrics[f'maxboxacc_iou{thr:g}'] = float(acc)
        metrics['maxboxaccv2'] = float(best.mean())
        if 50.0 in self.iou_thrs:
            ref = self.iou_thrs.index(50.0)
        else:
            ref = len(self.iou_thrs) // 2
        # a fraction of the map maximum, as the configs' loc_threshold
        metrics['best_cam_threshold'] = round(
            float(self.cam_thresholds[int(np.argmax(curves[ref]))]), 6)
        if total['mask_samples'] == num:
            metrics['pxap'] = pxap_from_histograms(total['pxap_fg'],
                                                   total['pxap_bg'])
        if total['box_samples'] == 0:  # mask-only dataset: no box metrics
            for key in list(metrics):
                if key not in ('top1_cls', 'top5_cls', 'pxap'):
                    del metrics[key]
        if total['few_classes'] == num:
            # with <= 5 classes every label is in the top 5: top5_cls would
            # be 100 and top5_loc gt_known_loc, saying nothing
            metrics.pop('top5_cls', None)
            metrics.pop('top5_loc', None)
        if self.loc_threshold_search and total['box_samples']:
            thr, acc = select_loc_threshold(total['search_hits'], num,
                                            self.loc_threshold_candidates)
            thr = round(thr, 6)
            metrics['best_loc_threshold'] = thr * 100
            metrics['best_loc_threshold_gt_known_loc'] = acc
            self.loc_threshold_curve = {
                float(t): float(h) * pct
                for t, h in zip(self.loc_threshold_candidates,
                                total['search_hits'])
            }
        return {k: float(v) for k, v in metrics.items()}
