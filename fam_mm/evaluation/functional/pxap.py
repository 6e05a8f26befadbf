"""PxAP: pixel average precision of a localization map against masks.

Semantics of clovaai/wsolevaluation's ``MaskEvaluator`` (Choe et al., CVPR
2020), reproduced exactly:

* the map values (in ``[0, 1]``, not quantised) at the foreground pixels and
  at the background pixels are counted in histograms whose bins are the CAM
  thresholds ``[0, s), [s, 2s), ..., [1 - s, 1), [1, 2), [2, 3]`` (``s`` =
  ``cam_curve_interval``), summed over the dataset (so memory is constant
  and sums from several processes are exact);
* the *ignore* pixels (the ignore region minus the foreground) are in
  neither histogram;
* with ``tp``/``fp`` the reversed cumulative sums (pixels at or above each
  threshold, from the top), ``precision = tp / (tp + fp)`` and ``recall =
  tp / #foreground``, ``PxAP = 100 * sum(precision[1:] * diff(recall))``
  over the thresholds where ``tp + fp > 0``.
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np

__all__ = ['pxap_bin_edges', 'pxap_histograms', 'pxap_from_histograms']


def pxap_bin_edges(
        cam_thresholds: Union[Sequence[float], np.ndarray]) -> np.ndarray:
    """Histogram edges of the reference: the thresholds, then 1, 2 and 3.

    Args:
        cam_thresholds (Sequence[float] | np.ndarray): ``(T,)`` thresholds
            ``arange(0, 1, cam_curve_interval)``.

    Returns:
        np.ndarray: float64 edges ``(T + 3,)``, i.e. ``T + 2`` bins.
    """
    thr = np.asarray(cam_thresholds, dtype=np.float64).reshape(-1)
    return np.append(thr, [1.0, 2.0, 3.0])


def _bin_index(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``np.histogram``'s bin of each value (-1 outside the edges)."""
    idx = np.searchsorted(edges, values, side='right') - 1
    nbins = len(edges) - 1
    idx[values == edges[-1]] = nbins - 1  # the last bin is closed
    idx[(values < edges[0]) | (values > edges[-1])] = -1
    return idx


def pxap_histograms(score_map: np.ndarray,
                    gt_mask: np.ndarray,
                    edges: np.ndarray,
                    ignore_mask: Optional[np.ndarray] = None
                    ) -> Tuple[np.ndarray, np.ndarray]:
    """Foreground and background histograms of one map.

    Args:
        score_map (np.ndarray): map ``(H, W)`` in ``[0, 1]``.
        gt_mask (np.ndarray): ``(H, W)``, nonzero = foreground.
        edges (np.ndarray): from :func:`pxap_bin_edges`.
        ignore_mask (np.ndarray, optional): bool ``(H, W)``; these pixels
            count in neither histogram unless they are foreground.

    Returns:
        tuple[np.ndarray, np.ndarray]: int64 ``(len(edges) - 1,)`` counts
        of the foreground and of the background pixels, equal to
        ``np.histogram(values, bins=edges)``.
    """
    scores = np.asarray(score_map)
    fg = np.asarray(gt_mask) != 0
    if fg.shape != scores.shape:
        raise ValueError(f'gt mask of shape {fg.shape} does not match the '
                         f'map of shape {scores.shape}')
    bg = ~fg
    if ignore_mask is not None:
        ignore = np.asarray(ignore_mask, dtype=bool)
        if ignore.shape != scores.shape:
            raise ValueError(f'ignore mask of shape {ignore.shape} does not '
                             f'match the map of shape {scores.shape}')
        bg &= ~ignore
    nbins = len(edges) - 1
    idx = _bin_index(scores.astype(np.float64).ravel(), edges)
    counts = []
    for keep in (fg.ravel(), bg.ravel()):
        sel = idx[keep]
        counts.append(
            np.bincount(sel[sel >= 0], minlength=nbins).astype(np.int64))
    return counts[0], counts[1]


def pxap_from_histograms(fg_hist: np.ndarray, bg_hist: np.ndarray) -> float:
    """PxAP in percent from the summed histograms (the reference's
    ``MaskEvaluator.compute``).

    Args:
        fg_hist (np.ndarray): ``(B,)`` foreground counts.
        bg_hist (np.ndarray): ``(B,)`` background counts.

    Returns:
        float: the area under the precision-recall curve, in percent.

    Raises:
        ValueError: when there is no foreground pixel, or no pixel at all.
    """
    fg_hist = np.asarray(fg_hist, dtype=np.float64)
    bg_hist = np.asarray(bg_hist, dtype=np.float64)
    num_fg = fg_hist.sum()
    tp = fg_hist[::-1].cumsum()
    fp = bg_hist[::-1].cumsum()
    if num_fg <= 0:
        raise ValueError('PxAP: no foreground pixel in the evaluated masks')
    if ((tp + fp) <= 0).all():
        raise ValueError('PxAP: no pixel was evaluated')
    valid = (tp + fp) != 0
    with np.errstate(divide='ignore', invalid='ignore'):
        precision = tp / (tp + fp)
    recall = tp / num_fg
    area = (precision[1:] * np.diff(recall))[valid[1:]].sum()
    return float(area * 100)
