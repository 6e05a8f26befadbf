"""Choose the fixed localization threshold on the val (train-fullsup) split.

Runs the model on the **val** dataloader through mmengine's Runner with a
``WSOLMetric`` that counts GT-known hits at every candidate ``loc_threshold``
(``loc_threshold_search=True``), prints the accuracy curve, the best
threshold and the exact ``tools/test.py`` command that freezes it for the
test set (``model.head.loc_threshold``, the one box threshold of the metrics,
``pred_bbox``, ``--out`` records and ``--show-dir`` pictures), as the WSOL
protocol (Choe et al., CVPR 2020) prescribes. Works with every shipped
config: nothing is trained or saved (the checkpoint hook, whose
``save_best`` needs a training run, is switched off).

Example::

    python tools/analysis_tools/search_threshold.py \\
        configs/fam_resnet50_cub.py work_dirs/fam_resnet50_cub/epoch_50.pth
"""
import argparse
import os.path as osp
import shlex
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config
from mmengine.runner import Runner

from fam_mm.evaluation.functional import select_loc_threshold
from fam_mm.utils import CfgOptionsAction, check_config, run_tool


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
        action=CfgOptionsAction,
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


def search_config(cfg: Config, checkpoint: str, candidates: np.ndarray,
                  work_dir: str) -> Config:
    """Turn a training/test config into a threshold-search run on val.

    Args:
        cfg (Config): Any shipped config (``val_dataloader`` and a
            ``WSOLMetric`` ``val_evaluator``).
        checkpoint (str): The weights to evaluate.
        candidates (np.ndarray): Candidate thresholds.
        work_dir (str): Directory for the logs.

    Returns:
        Config: ``cfg`` updated in place: search-mode evaluator, no
        checkpoint hook (``Runner.val`` before any training would crash in
        its ``save_best``), no custom hooks (they watch training), weights
        loaded from ``checkpoint``.

    Raises:
        ValueError: If the config has no val split or no ``WSOLMetric``.
    """
    if cfg.get('val_dataloader') is None or cfg.get('val_evaluator') is None:
        raise ValueError('the config has no val_dataloader/val_evaluator: '
                         'the threshold is searched on the val '
                         '(train-fullsup) split only')
    cfg.work_dir = work_dir
    cfg.load_from = checkpoint
    cfg.resume = False
    cfg.val_evaluator = enable_search(cfg.val_evaluator, candidates)
    cfg.default_hooks = cfg.get('default_hooks') or {}
    cfg.default_hooks['checkpoint'] = None
    cfg.custom_hooks = []
    return cfg


def evaluator_threshold_keys(evaluator_cfg) -> List[str]:
    """``--cfg-options`` keys of the ``WSOLMetric`` s of a
    ``test_evaluator`` that set their own ``loc_threshold``.

    Such a value must equal the head's (``WSOLMetric`` refuses two
    thresholds), so the frozen one is given to both.

    Args:
        evaluator_cfg (dict | list[dict] | None): ``test_evaluator``.

    Returns:
        list[str]: e.g. ``['test_evaluator.loc_threshold']``.
    """
    if evaluator_cfg is None:
        return []
    if isinstance(evaluator_cfg, (list, tuple)):
        items = [(f'test_evaluator.{i}.', e)
                 for i, e in enumerate(evaluator_cfg)]
    else:
        items = [('test_evaluator.', evaluator_cfg)]
    return [
        f'{prefix}loc_threshold' for prefix, metric in items
        if str(metric.get('type', '')).split('.')[-1] == 'WSOLMetric'
        and metric.get('loc_threshold') is not None
    ]


def freeze_command(config: str,
                   checkpoint: str,
                   threshold: float,
                   cfg_options: Optional[Sequence[str]] = None,
                   evaluator_keys: Sequence[str] = ()) -> str:
    """The ``tools/test.py`` command that tests with ``threshold``.

    Args:
        config (str): Config path, as given.
        checkpoint (str): Checkpoint path, as given.
        threshold (float): The chosen box threshold.
        cfg_options (Sequence[str], optional): The ``key=value`` options of
            the search, repeated so that the test sees the same model.
        evaluator_keys (Sequence[str]): Evaluator keys that must get the
            same value (see :func:`evaluator_threshold_keys`).

    Returns:
        str: A shell command line.
    """
    keys = ['model.head.loc_threshold', *evaluator_keys]
    options = [o for o in (cfg_options or [])
               if o.split('=', 1)[0] not in keys]
    options += [f'{key}={threshold:.4g}' for key in keys]
    return ' '.join(
        shlex.quote(a) for a in ['python', 'tools/test.py', config,
                                 checkpoint, '--cfg-options', *options])


def _raw_cfg_options(argv: Optional[List[str]]) -> List[str]:
    """The ``key=value`` words after ``--cfg-options`` on the command line."""
    import sys
    words = list(sys.argv[1:] if argv is None else argv)
    if '--cfg-options' not in words:
        return []
    out = []
    for word in words[words.index('--cfg-options') + 1:]:
        if word.startswith('--'):
            break
        out.append(word)
    return out


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    check_config(cfg, args.cfg_options)  # typos: one line, nothing built
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    work_dir = args.work_dir or osp.join(
        './work_dirs',
        osp.splitext(osp.basename(args.config))[0] + '_threshold_search')
    candidates = np.arange(*args.candidates)
    evaluator_keys = evaluator_threshold_keys(cfg.get('test_evaluator'))
    search_config(cfg, args.checkpoint, candidates, work_dir)

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
    print('  ' + freeze_command(args.config, args.checkpoint, best,
                                _raw_cfg_options(argv), evaluator_keys))
    return best, acc


if __name__ == '__main__':
    run_tool(main, 'tools/analysis_tools/search_threshold.py')
