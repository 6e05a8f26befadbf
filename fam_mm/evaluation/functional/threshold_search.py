"""Choosing the fixed localization threshold on the train-fullsup split.

The paper-style metrics (Top-1/Top-5 Loc, GT-known Loc) binarise the map at
one fixed threshold. Following the WSOL protocol of Choe et al. (CVPR 2020)
that threshold is chosen on the held-out, fully annotated split (``val``,
"train-fullsup") and then frozen for ``test``.
"""
from typing import Sequence, Tuple

import numpy as np

__all__ = ['select_loc_threshold']


def select_loc_threshold(hits: Sequence[float], num_samples: int,
                         thresholds: Sequence[float]) -> Tuple[float, float]:
    """Threshold with the best GT-known localization accuracy.

    Args:
        hits (Sequence[float]): ``(T,)`` number of images whose box at each
            candidate threshold has IoU >= 0.5 with a GT box.
        num_samples (int): number of evaluated images.
        thresholds (Sequence[float]): ``(T,)`` candidate thresholds.

    Returns:
        tuple[float, float]: the best threshold (the lowest one on ties) and
        its GT-known accuracy in percent.

    Raises:
        ValueError: if the inputs are empty, of different lengths, or
            ``num_samples`` is not positive.
    """
    hits = np.asarray(hits, dtype=np.float64).reshape(-1)
    thresholds = np.asarray(thresholds, dtype=np.float64).reshape(-1)
    if hits.size == 0 or hits.shape != thresholds.shape:
        raise ValueError(
            f'need as many hit counts as thresholds, got {hits.size} and '
            f'{thresholds.size}')
    if num_samples <= 0:
        raise ValueError(f'num_samples must be positive, got {num_samples}')
    acc = hits * 100.0 / num_samples
    best = int(np.argmax(acc))
    return float(thresholds[best]), float(acc[best])
