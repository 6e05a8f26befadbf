"""Choose the fixed localization threshold on the val (train-fullsup) split.

Runs the model on the **val** dataloader through mmengine's Runner with a
``WSOLMetric`` that counts GT-known hits at every candidate ``loc_threshold``
(``loc_threshold_search=True``), prints the accuracy curve and the best
threshold, and the ``--cfg-options`` line that freezes it for the test set,
as the WSOL protocol (Choe et al., CVPR 2020) prescribes.

Example::

    python tools/analysis_tools/search_threshold.py \\
        configs/fam_resnet50_cub.py work_dirs/fam_resnet50_cub/epoch_50.pth
"""
import argparse
import os.path as osp
from typing import Dict, Tuple

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from fam_mm.evaluation.functional import select_loc_threshold


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Search the fixed localization threshold on val')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--candidates',
        type=float,
        nargs=3,
        default=(0.01, 1.0, 0.01),
        metavar=('START', 'STOP', 'STEP'),
        help='candidate thresholds np.arange(START, STOP, STEP)')
    parser.add_argument('--work-dir', help='directory for the logs')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value')
    return parser.parse_args(argv)


def enable_search(evaluator_cfg, candidates: np.ndarray):
    """Turn the ``WSOLMetric`` of an evaluator config into search mode.

    Args:
        evaluator_cfg (dict | list[dict]): ``val_evaluator`` config.
        candidates (np.ndarray): candidate thresholds.

    Returns:
        dict | list[dict]: the updated config.

    Raises:
        ValueError: if no ``WSOLMetric`` is configured.
    """
    metrics = evaluator_cfg
    if not isinstance(metrics, (list, tuple)):
        metrics = [metrics]
    found = False
    for metric in metrics:
        if str(metric.get('type', '')).split('.')[-1] == 'WSOLMetric':
            metric['loc_threshold_search'] = True
            metric['loc_threshold_candidates'] = [
                float(c) for c in candidates
            ]
            found = True
    if not found:
        raise ValueError('val_evaluator has no WSOLMetric to search with')
    return evaluator_cfg


def summarize(curve: Dict[float, float]) -> Tuple[float, float]:
    """Best threshold of a ``WSOLMetric.loc_threshold_curve``.

    Args:
        curve (dict[float, float]): threshold -> GT-known accuracy (%).

    Returns:
        tuple[float, float]: the best threshold (lowest on ties) and its
        GT-known accuracy in percent.
    """
    # accuracies in percent are hit counts over 100 samples
    return select_loc_threshold(
        list(curve.values()), 100, list(curve.keys()))


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or osp.join(
        './work_dirs',
        osp.splitext(osp.basename(args.config))[0] + '_threshold_search')
    cfg.load_from = args.checkpoint
    candidates = np.arange(*args.candidates)
    cfg.val_evaluator = enable_search(cfg.val_evaluator, candidates)

    runner = Runner.from_cfg(cfg)
    runner.val()
    metric = next(m for m in runner.val_loop.evaluator.metrics
                  if getattr(m, 'loc_threshold_curve', None) is not None)
    best, acc = summarize(metric.loc_threshold_curve)
    print('GT-known Loc (IoU >= 0.5) on val at each loc_threshold:')
    for thr, value in metric.loc_threshold_curve.items():
        print(f'  {thr:.4f}: {value:.2f}')
    print(f'best loc_threshold: {best:.4f} (GT-known Loc {acc:.2f}%)')
    print('freeze it for the test set with:')
    print(f'  --cfg-options test_evaluator.loc_threshold={best:.4g}')


if __name__ == '__main__':
    main()
