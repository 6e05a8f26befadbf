"""What makes FAM's foreground map cover the object: one measured run.

Fine-tunes one synthetic config (with ``--cfg-options`` overrides), then on
the **val** split (train-fullsup; nothing here looks at test unless
``--test`` is given) measures what ``docs/design.md``'s study reports:

* ``fam/fg_in`` / ``fam/fg_out`` (``FAMMapMetric``): mean of the
  localization map ``M`` (FAM's sigmoid map; CAM's min-max normalised map)
  inside and outside the exact object masks of the synthetic benchmark;
* ``wsol/empty_box_rate``: share of images whose box at the fixed threshold
  (the head's ``loc_threshold``) is empty;
* ``fam/part_cosine``: mean pairwise cosine similarity of the ``K`` part
  maps (1 = identical parts);
* the ``WSOLMetric`` numbers (GT-known Loc at the fixed threshold, Top-1 Cls,
  MaxBoxAccV2) and the GT-known-best threshold of a search on val.

Example::

    python tools/analysis_tools/fam_map_study.py \\
        configs/fam_efficientnet-lite0_synthetic.py --name feature_spa004 \\
        --cfg-options model.head.part_pooling=feature
"""
import argparse
import json
import os
import os.path as osp
import time
from math import nan
from typing import List, Optional

import numpy as np
from mmengine.config import Config
from mmengine.runner import Runner

from fam_mm.utils import CfgOptionsAction, check_config, run_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--name', required=True)
    parser.add_argument('--work-dir',
                        default=osp.join(REPO, 'work_dirs', 'map_study'))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--epochs', type=int, default=None)
    parser.add_argument('--test', action='store_true',
                        help='also test with the threshold chosen on val')
    parser.add_argument('--cam-curve-interval', type=float, default=0.01)
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    import fam_mm  # noqa: F401
    from fam_mm.evaluation.metrics import WSOLMetric  # noqa: F401
    cfg = Config.fromfile(args.config)
    check_config(cfg, args.cfg_options)  # typos: one line, nothing built
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    work_dir = osp.join(args.work_dir, args.name)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=args.seed, deterministic=False)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=-1, save_last=True)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=20)
    cfg.train_cfg.val_begin = 10**6
    if args.epochs is not None:
        # the lr schedule (cosine end/T_max, milestones) follows
        from fam_mm.utils.schedule import set_max_epochs
        set_max_epochs(cfg, args.epochs)
    is_fam = cfg.model.head.type == 'FAMHead'
    if is_fam:
        cfg.model.head.return_part_maps = True
    candidates = [round(float(t), 2) for t in np.arange(0.05, 1.0, 0.05)]
    for key in ('val_evaluator', 'test_evaluator'):
        cfg[key].cam_curve_interval = args.cam_curve_interval
    cfg.val_evaluator.loc_threshold_search = True
    cfg.val_evaluator.loc_threshold_candidates = candidates
    # M inside / outside the masks (the pipelines load them), part cosine
    for key in ('val_evaluator', 'test_evaluator'):
        cfg[key] = [cfg[key], dict(type='FAMMapMetric')]
    start = time.time()
    runner = Runner.from_cfg(cfg)
    runner.train()
    train_min = (time.time() - start) / 60
    val = runner.val()
    metric = runner.val_loop.evaluator.metrics[0]
    curve = metric.loc_threshold_curve
    best_thr = min(curve, key=lambda t: (-curve[t], t))
    result = dict(
        name=args.name,
        seed=args.seed,
        config=osp.basename(args.config),
        cfg_options=args.cfg_options or {},
        train_min=round(train_min, 2),
        val={k: float(v) for k, v in val.items()},
        val_best_threshold=best_thr,
        val_best_gt_known=curve[best_thr])
    summary = _summary(args.name, train_min, result, head_thr(runner))
    if args.test:
        head = runner.model.head
        head.loc_threshold = best_thr
        runner.test_loop.evaluator.metrics[0].loc_threshold = best_thr
        test = runner.test()
        result['test'] = {k: float(v) for k, v in test.items()}
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, f'{args.name}.json'), 'w') as f:
        json.dump(result, f, indent=1)
    print(summary, flush=True)
    if args.test:
        t = result['test']
        print(f'  test: top1_cls {t["wsol/top1_cls"]:.2f} gt_known@'
              f'{best_thr:.2f} {t["wsol/gt_known_loc"]:.2f} maxboxaccv2 '
              f'{t["wsol/maxboxaccv2"]:.2f}', flush=True)
    return result


def head_thr(runner: Runner) -> float:
    return float(runner.model.head.loc_threshold)


def _summary(name: str, train_min: float, result: dict,
             threshold: float) -> str:
    v = result['val']
    return (f'STUDY {name}: train {train_min:.1f} min | val top1_cls '
            f'{v["wsol/top1_cls"]:.2f} gt_known@{threshold:.2f} '
            f'{v["wsol/gt_known_loc"]:.2f} best '
            f'{result["val_best_gt_known"]:.2f}@'
            f'{result["val_best_threshold"]:.2f} maxboxaccv2 '
            f'{v["wsol/maxboxaccv2"]:.2f} | M in {v.get("fam/fg_in", nan):.3f}'
            f' out {v.get("fam/fg_out", nan):.3f} empty '
            f'{v["wsol/empty_box_rate"]:.1f}% part cos '
            f'{v.get("fam/part_cosine", nan):.3f}')


if __name__ == '__main__':
    run_tool(main, 'tools/analysis_tools/fam_map_study.py')
