"""MaxBoxAcc maths: boxes of a score map at many CAM thresholds, best IoUs.

Reference semantics (clovaai/wsolevaluation, "Evaluating Weakly Supervised
Object Localization Methods Right", CVPR 2020), reproduced exactly:

* the ``[0, 1]`` score map is quantised with ``(map * 255).astype(uint8)``
  (truncation);
* a CAM threshold ``t`` becomes the integer level ``int(t * q.max())`` and
  the foreground is ``q > level`` (strict);
* contours are OpenCV's ``RETR_TREE`` contours (outer borders *and* hole
  borders); without ``multi_contour`` the single contour with the largest
  ``cv2.contourArea`` is kept (the first one on ties);
* a contour gives the box ``(x, y, min(x + w, W - 1), min(y + h, H - 1))``
  from ``cv2.boundingRect``; a level without foreground gives the box
  ``(0, 0, 0, 0)``;
* IoUs use the inclusive ``+1`` pixel convention
  (``box_iou(..., inclusive=True)``) and an image counts as a hit at a
  threshold when the best IoU over its predicted and GT boxes is ``>= thr``.

:func:`max_box_iou` is the fast implementation used by ``WSOLMetric``;
:func:`max_box_iou_naive` is the straightforward per-threshold loop kept as
the slow baseline for the benchmark and the tests.
"""
from functools import lru_cache
from typing import Sequence, Tuple, Union

import numpy as np

from .level_sets import boxes_at_level, level_set_best_ious, quantize_map
from .localization import box_iou

#: Threshold vectors: a sequence or a 1-D array of floats.
Thresholds = Union[Sequence[float], np.ndarray]

__all__ = [
    'quantize_map', 'cam_threshold_levels', 'boxes_at_level', 'max_box_iou',
    'max_box_iou_naive', 'box_accuracy_hits'
]


def cam_threshold_levels(cam_thresholds: Thresholds,
                         map_max: int) -> np.ndarray:
    """Integer levels ``int(t * map_max)`` of CAM thresholds (the reference).

    Args:
        cam_thresholds (Sequence[float] | np.ndarray): thresholds in
            ``[0, 1)`` relative to the map maximum, shape ``(T,)``.
        map_max (int): maximum of the quantised map.

    Returns:
        np.ndarray: int64 levels of shape ``(T,)``; the foreground at
        threshold ``i`` is ``q > levels[i]``.
    """
    thr = np.asarray(cam_thresholds, dtype=np.float64)
    return np.floor(thr * float(map_max)).astype(np.int64)


def _check_gt(gt_boxes: np.ndarray) -> np.ndarray:
    gt = np.asarray(gt_boxes, dtype=np.float64).reshape(-1, 4)
    if gt.shape[0] == 0:
        raise ValueError('at least one ground-truth box is required')
    return gt


def max_box_iou_naive(score_map: np.ndarray, gt_boxes: np.ndarray,
                      cam_thresholds: Thresholds,
                      multi_contour: bool) -> np.ndarray:
    """Best IoU at every CAM threshold: the straightforward slow baseline.

    One OpenCV contour pass and one IoU computation per threshold, exactly
    as written in the reference protocol. Used by the benchmark and the
    tests to check :func:`max_box_iou`.

    Args:
        score_map (np.ndarray): map ``(H, W)`` in ``[0, 1]`` (or ``uint8``).
        gt_boxes (np.ndarray): ``(m, 4)`` GT boxes at the map's size, in the
            reference's integer inclusive convention.
        cam_thresholds (Sequence[float] | np.ndarray): ``(T,)`` thresholds
            in ``[0, 1)``.
        multi_contour (bool): MaxBoxAccV2's multi-contour evaluation.

    Returns:
        np.ndarray: float64 ``(T,)`` best IoU (inclusive ``+1`` convention)
        over predicted and GT boxes at each threshold.
    """
    q_map = quantize_map(score_map)
    gt = _check_gt(gt_boxes)
    map_max = int(q_map.max())
    out = np.empty(len(cam_thresholds), dtype=np.float64)
    for i, threshold in enumerate(cam_thresholds):
        level = int(threshold * map_max)
        boxes = boxes_at_level(q_map, level, multi_contour)
        out[i] = box_iou(boxes, gt, inclusive=True).max()
    return out


def max_box_iou(score_map: np.ndarray, gt_boxes: np.ndarray,
                cam_thresholds: Thresholds,
                multi_contour: bool) -> np.ndarray:
    """Best IoU at every CAM threshold (fast, same result as the baseline).

    The thresholds are first reduced to the distinct integer levels they
    give on the ``uint8`` map (at most 256); the best IoU of every level
    comes from one compiled pass over the map
    (:func:`~.level_sets.level_set_best_ious`).

    Args:
        score_map (np.ndarray): map ``(H, W)`` in ``[0, 1]`` (or ``uint8``).
        gt_boxes (np.ndarray): ``(m, 4)`` GT boxes at the map's size, in the
            reference's integer inclusive convention.
        cam_thresholds (Sequence[float] | np.ndarray): ``(T,)`` thresholds
            in ``[0, 1)``.
        multi_contour (bool): MaxBoxAccV2's multi-contour evaluation.

    Returns:
        np.ndarray: float64 ``(T,)`` best IoU (inclusive ``+1`` convention)
        over predicted and GT boxes at each threshold, equal to
        :func:`max_box_iou_naive`.
    """
    q_map = quantize_map(score_map)
    gt = _check_gt(gt_boxes)
    thr = np.ascontiguousarray(cam_thresholds, dtype=np.float64)
    uniq, inverse = _distinct_levels(thr.tobytes(), int(q_map.max()))
    best = level_set_best_ious(q_map, uniq, gt, multi_contour)
    return best[inverse]


@lru_cache(maxsize=1024)
def _distinct_levels(thresholds: bytes,
                     map_max: int) -> Tuple[np.ndarray, np.ndarray]:
    """Distinct levels of the thresholds and each threshold's position
    among them (cached: a metric sees at most 256 maxima)."""
    levels = cam_threshold_levels(np.frombuffer(thresholds), map_max)
    uniq, inverse = np.unique(levels, return_inverse=True)
    return uniq, inverse.reshape(-1)


def box_accuracy_hits(best_iou: np.ndarray,
                      iou_thrs: Sequence[float]) -> np.ndarray:
    """Hits of one image at every (IoU threshold, CAM threshold) pair.

    Args:
        best_iou (np.ndarray): ``(T,)`` output of :func:`max_box_iou`.
        iou_thrs (Sequence[float]): IoU thresholds in percent, ``(K,)``.

    Returns:
        np.ndarray: bool ``(K, T)``: ``best_iou >= iou_thr / 100``.
    """
    thrs = np.asarray(iou_thrs, dtype=np.float64) / 100.0
    return np.asarray(best_iou)[None, :] >= thrs[:, None]
