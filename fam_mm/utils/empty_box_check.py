"""Warn when a test run's boxes are mostly empty (a collapsed map)."""
import logging
from typing import Dict, Optional

from mmengine.logging import print_log

__all__ = ['empty_box_warning', 'warn_on_empty_boxes']


def empty_box_warning(metrics: Dict[str, float],
                      max_rate: float = 10.0) -> Optional[str]:
    """A warning when ``empty_box_rate`` exceeds ``max_rate``.

    Args:
        metrics (dict[str, float]): Evaluation results, e.g. of
            ``runner.test()``; the ``WSOLMetric`` key ends with
            ``empty_box_rate`` (``wsol/empty_box_rate``, percent).
        max_rate (float): Highest acceptable share of images without a box,
            in percent. Defaults to 10.

    Returns:
        str | None: The warning, or None when the rate is acceptable or
        absent (not a WSOL evaluation).
    """
    rates = {k: v for k, v in metrics.items() if k.endswith('empty_box_rate')}
    bad = {k: v for k, v in rates.items() if v > max_rate}
    if not bad:
        return None
    key, rate = next(iter(bad.items()))
    return (f'{rate:.1f}% of the images have an EMPTY box ({key}): nothing '
            'in their map exceeds the box threshold '
            '(model.head.loc_threshold), so their boxes are [0, 0, 0, 0] and '
            'count as misses. Either the foreground map collapsed during '
            "training (look for 'FOREGROUND MAP COLLAPSED' in the training "
            'log, and at fg_mean / fg_ratio) or the threshold is too high '
            'for this model: search it on val with '
            'tools/analysis_tools/search_threshold.py.')


def warn_on_empty_boxes(metrics: Dict[str, float],
                        max_rate: float = 10.0) -> Optional[str]:
    """Log :func:`empty_box_warning` at WARNING level when there is one.

    Args:
        metrics (dict[str, float]): Evaluation results.
        max_rate (float): See :func:`empty_box_warning`.

    Returns:
        str | None: The warning logged, if any.
    """
    warning = empty_box_warning(metrics or {}, max_rate)
    if warning is not None:
        print_log(warning, logger='current', level=logging.WARNING)
    return warning
