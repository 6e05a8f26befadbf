"""Choosing the fixed localization threshold on the train-fullsup split.

The paper-style metrics (Top-1/Top-5 Loc, GT-known Loc) binarise the map at
one fixed threshold. Following the WSOL protocol of Choe et al. (CVPR 2020)
that threshold is chosen on the held-out, fully annotated split (``val``,
"train-fullsup") and then frozen for ``test``.
"""
from typing import Tuple

import numpy as np

from .box_accuracy import Thresholds

__all__ = ['select_loc_threshold']


def select_loc_threshold(hits: Thresholds, num_samples: int,
                         thresholds: Thresholds) -> Tuple[float, float]:
    """Threshold with the best GT-known localization accuracy.

    Args:
        hits (Sequence[float] | np.ndarray): ``(T,)`` number of images
            whose box at each candidate threshold has IoU >= 0.5 with a GT
            box.
        num_samples (int): number of evaluated images.
        thresholds (Sequence[float] | np.ndarray): ``(T,)`` candidate
            thresholds.

    Returns:
        tuple[float, float]: the best threshold (the lowest one on ties) and
        its GT-known accuracy in percent.

    Raises:
        ValueError: if the inputs are empty, of different lengths, or
            ``num_samples`` is not positive.
    """
    hit_arr = np.asarray(hits, dtype=np.float64).reshape(-1)
    thr_arr = np.asarray(thresholds, dtype=np.float64).reshape(-1)
    if hit_arr.size == 0 or hit_arr.shape != thr_arr.shape:
        raise ValueError(
            f'need as many hit counts as thresholds, got {hit_arr.size} and '
            f'{thr_arr.size}')
    if num_samples <= 0:
        raise ValueError(f'num_samples must be positive, got {num_samples}')
    acc = hit_arr * 100.0 / num_samples
    best = int(np.argmax(acc))
    return float(thr_arr[best]), float(acc[best])
