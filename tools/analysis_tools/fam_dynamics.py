"""The first training iterations of a FAM config, iteration by iteration.

Prints, for each of the first ``--iters`` iterations: the classification
loss, the sparsity and diversity losses, the mean of the foreground map
``M``, the share of ``M`` above the head's box threshold, and the lr of the
neck. This is where a collapse of ``M`` starts (``M`` driven to 0 by the
sparsity loss before the classifier has learned anything), which the
end-of-run numbers cannot show. Nothing is evaluated (no val, no test).

Example::

    python tools/analysis_tools/fam_dynamics.py \\
        configs/fam_efficientnet-lite0_synthetic-finegrained.py --iters 40 \\
        --cfg-options model.head.spa_warmup_iters=0
"""
import argparse
import json
import os.path as osp
from typing import List, Optional

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from fam_mm.evaluation.functional import foreground_stats
from fam_mm.utils import CfgOptionsAction, check_config, run_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


class _Enough(Exception):
    """Raised by :class:`DynamicsHook` after the last iteration."""


class DynamicsHook(Hook):
    """Record per-iteration losses and foreground-map statistics.

    Args:
        iters (int): Stop training after this many iterations.
    """

    priority = 'LOW'

    def __init__(self, iters: int) -> None:
        self.iters = iters
        self.rows: List[dict] = []
        self._fg: Optional[torch.Tensor] = None

    def before_train(self, runner) -> None:
        model = runner.model.module if hasattr(runner.model, 'module') \
            else runner.model
        self.threshold = float(model.head.loc_threshold)
        model.neck.register_forward_hook(self._capture)

    def _capture(self, module, inputs, output) -> None:
        self._fg = output[1].detach()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        row = dict(iter=runner.iter + 1)
        for key, value in (outputs or {}).items():
            if key.startswith('loss'):
                row[key] = float(value.detach()) if torch.is_tensor(value) \
                    else float(value)
        if self._fg is not None:
            row['fg_mean'], row['fg_ratio'] = foreground_stats(
                self._fg, self.threshold)
        lrs = runner.optim_wrapper.get_lr()['lr']
        row['lr_max'] = float(max(lrs))
        self.rows.append(row)
        print(' '.join(f'{k} {v:.4f}' if isinstance(v, float) else
                       f'{k} {v}' for k, v in row.items()), flush=True)
        if len(self.rows) >= self.iters:
            raise _Enough


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--iters', type=int, default=40)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--work-dir',
                        default=osp.join(REPO, 'work_dirs', 'dynamics'))
    parser.add_argument('--out', default=None, help='json of the rows')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> List[dict]:
    args = parse_args(argv)
    import fam_mm  # noqa: F401
    cfg = Config.fromfile(args.config)
    check_config(cfg, args.cfg_options)  # typos: one line, nothing built
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.model.get('head', {}).get('type') != 'FAMHead':
        raise SystemExit(f'{args.config}: not a FAM config (FAMHead)')
    cfg.work_dir = args.work_dir
    cfg.randomness = dict(seed=args.seed, deterministic=False)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10**6)
    cfg.train_cfg.val_begin = 10**6
    runner = Runner.from_cfg(cfg)
    hook = DynamicsHook(args.iters)
    runner.register_hook(hook)
    try:
        runner.train()
    except _Enough:
        pass
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(hook.rows, f, indent=1)
    return hook.rows


if __name__ == '__main__':
    run_tool(main, 'tools/analysis_tools/fam_dynamics.py')
