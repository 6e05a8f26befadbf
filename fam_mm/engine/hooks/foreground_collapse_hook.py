"""Watch FAM's foreground map during training and warn when it collapses.

The statistics themselves are pure functions of
:mod:`fam_mm.evaluation.functional` (``foreground_stats``,
``part_map_cosine``); ``foreground_stats`` and the legacy
``part_map_diversity`` stay importable from here.
"""
import math
from typing import Callable, List, Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmpretrain.registry import HOOKS

from fam_mm.evaluation.functional import foreground_stats, part_map_cosine

__all__ = [
    'ForegroundCollapseHook', 'foreground_stats', 'part_map_diversity'
]

COLLAPSE_FIXES = (
    '  - the sparsity loss wins: lower `model.head.loss_spa_weight`, or set '
    "`model.head.part_pooling='foreground'` so that the classifier needs M "
    "(docs/design.md, 'Foreground-map collapse');\n"
    '  - fine-tune from a pretrained backbone (`backbone.init_cfg`) with SGD; '
    'from scratch or with AdamW the map collapses faster;\n'
    '  - check the total batch and lr printed when training started: a '
    'larger lr than the recipe (e.g. --auto-scale-lr on many GPUs) '
    'collapses M;\n'
    '  - if M is small but not empty, the box threshold may be too high: '
    'search it on val with tools/analysis_tools/search_threshold.py.')


def part_map_diversity(part_maps: torch.Tensor, eps: float = 1e-8) -> float:
    """``1 -`` the batch mean of the **raw** part-map cosine (legacy alias).

    Kept so that old code importing it from here still runs; new code calls
    :func:`~fam_mm.evaluation.functional.part_map_cosine`, whose default
    (centred) mode is the measure to read: the raw cosine of sigmoid maps
    is high (~0.9) even for maps lit on different regions, because they
    share an offset of ~0.49.

    Args:
        part_maps (Tensor): Part maps ``A`` of shape ``(B, K, H, W)``.
        eps (float): Unused (the raw cosine now treats an all-zero map as
            flat, see ``part_map_cosine``); kept for the old signature.

    Returns:
        float: ``1 - mean raw cosine``, clipped to ``[0, 1]``; 0 for
        ``K == 1``.
    """
    if part_maps.dim() != 4:
        raise ValueError('part maps must have shape (B, K, H, W), got '
                         f'{tuple(part_maps.shape)}')
    cosine = float(part_map_cosine(part_maps, mode='raw').mean())
    return min(max(1.0 - cosine, 0.0), 1.0)


@HOOKS.register_module()
class ForegroundCollapseHook(Hook):
    """Log FAM's foreground-map statistics and warn once if it collapses.

    The sparsity loss pushes the foreground map ``M`` to 0 and only the
    classification loss holds it up (paper, section 3.3); when the balance
    is lost, ``M`` ends up below the box threshold everywhere and every box
    is empty (``[0, 0, 0, 0]``, GT-known 0) without any error. This hook
    reads ``M`` (output of the model's ``neck``) and the part maps ``A``
    (output of ``head.part_conv``, through a sigmoid) of every training
    iteration and:

    * puts these ``train/...`` scalars in the message hub, so the logger
      and the visualization backends record them:

      - ``train/fg_mean``: mean of ``M``;
      - ``train/fg_ratio``: share of ``M`` above the box threshold;
      - ``train/part_cosine_centred``: mean pairwise cosine of the part
        maps, each minus its own spatial mean
        (:func:`~fam_mm.evaluation.functional.part_map_cosine`, the
        default mode), in ``[-1, 1]``: the measure of whether the parts
        differ (1 for identical or all-flat maps, as after a collapse);
      - ``train/part_cosine_raw``: the same on the uncentred maps; high
        (~0.9) even for different maps, since sigmoid maps share an
        offset of ~0.49 where ``M ~ 0``;
      - ``train/part_diversity``: ``1 - part_cosine_raw`` (the name of
        earlier versions, kept for existing logs and dashboards);

    * every ``interval`` iterations logs the means of ``fg_mean``,
      ``fg_ratio``, ``part_diversity`` and ``part_cosine_centred`` over
      those iterations;
    * when ``fg_mean < min_mean`` or ``fg_ratio < min_fg_ratio`` at
      ``patience`` consecutive checks (after ``warmup_iters``), logs a loud
      warning with the likely fixes, once per run;
    * at the last training iteration, checks that iteration's batch and
      warns if it has collapsed, without waiting for ``patience`` checks:
      so a run shorter than ``interval * patience`` iterations (e.g. one
      epoch) is warned before its val/test boxes come out empty.

    Only for FAM models (a neck that returns ``(X, M)`` and a head with
    ``part_conv``, i.e. :class:`FAMNeck` + :class:`FAMHead`); a CAM model
    has no foreground map and is refused at ``before_train``.

    Args:
        interval (int): Iterations between two checks (and log lines).
            Defaults to 50.
        min_mean (float): ``M`` has collapsed when its mean over the interval
            is below this. Defaults to 0.01.
        min_fg_ratio (float): ``M`` has collapsed when the share of its
            pixels above the box threshold is below this (boxes are then
            empty or a few feature pixels). Defaults to 0.01.
        patience (int): Consecutive collapsed checks before the warning.
            Defaults to 2.
        warmup_iters (int): No check before this many iterations.
            Defaults to 0.
        loc_threshold (float, optional): The box threshold on ``M``.
            Defaults to None: the head's ``loc_threshold`` (the value the
            boxes use).
    """

    priority = 'NORMAL'

    def __init__(self,
                 interval: int = 50,
                 min_mean: float = 0.01,
                 min_fg_ratio: float = 0.01,
                 patience: int = 2,
                 warmup_iters: int = 0,
                 loc_threshold: Optional[float] = None) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        if patience < 1:
            raise ValueError(f'patience must be >= 1, got {patience}')
        if loc_threshold is not None and not 0 <= loc_threshold <= 1:
            raise ValueError(
                f'loc_threshold must be in [0, 1], got {loc_threshold}')
        self.interval = interval
        self.min_mean = min_mean
        self.min_fg_ratio = min_fg_ratio
        self.patience = patience
        self.warmup_iters = warmup_iters
        self.loc_threshold = loc_threshold
        self.collapsed = False
        self._threshold = 0.5
        self._handles: list = []
        self._activate: Callable[[torch.Tensor], torch.Tensor] = \
            torch.sigmoid
        self._active = False
        self._current: dict = {}
        self._window: List[List[float]] = []
        self._strikes = 0

    # ------------------------------------------------------------------
    def _capture_map(self, module, inputs, output) -> None:
        if not self._active:
            return
        if not (isinstance(output, (tuple, list)) and len(output) == 2):
            raise TypeError(
                f'{type(self).__name__}: the neck must return the (X, M) '
                f'pair of FAMNeck, got {type(output).__name__}')
        mean, ratio = foreground_stats(output[1], self._threshold)
        self._current.update(fg_mean=mean, fg_ratio=ratio)

    def _capture_parts(self, module, inputs, output) -> None:
        if self._active:
            parts = self._activate(output.detach())
            self._current['part_cosine_raw'] = float(
                part_map_cosine(parts, mode='raw').mean())
            self._current['part_cosine_centred'] = float(
                part_map_cosine(parts, mode='centred').mean())

    def before_train(self, runner: Runner) -> None:
        """Attach forward hooks to the neck and the head's part conv."""
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        neck = getattr(model, 'neck', None)
        head = getattr(model, 'head', None)
        part_conv = getattr(head, 'part_conv', None)
        if neck is None or part_conv is None:
            raise TypeError(
                f'{type(self).__name__} needs a FAM model (FAMNeck + '
                f'FAMHead); got neck {type(neck).__name__} and head '
                f'{type(head).__name__}: a CAM model has no foreground '
                'map, remove the hook from `custom_hooks`')
        self._threshold = float(
            self.loc_threshold if self.loc_threshold is not None else
            getattr(head, 'loc_threshold', 0.5))
        # the head's own activation of the part conv (sigmoid, softmax)
        self._activate = getattr(head, 'activate_parts',
                                 lambda logits: logits.sigmoid())
        self._handles = [
            neck.register_forward_hook(self._capture_map),
            part_conv.register_forward_hook(self._capture_parts),
        ]

    def after_train(self, runner: Runner) -> None:
        """Remove the forward hooks."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def before_train_iter(self,
                          runner: Runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        self._active = True
        self._current = {}

    def after_train_iter(self,
                         runner: Runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        self._active = False
        if 'fg_mean' not in self._current:
            return
        nan = float('nan')
        raw = self._current.get('part_cosine_raw', nan)
        scalars = dict(
            fg_mean=self._current['fg_mean'],
            fg_ratio=self._current['fg_ratio'],
            part_diversity=nan if math.isnan(raw) else min(
                max(1.0 - raw, 0.0), 1.0),
            part_cosine_centred=self._current.get('part_cosine_centred',
                                                  nan),
            part_cosine_raw=raw)
        for key, value in scalars.items():
            runner.message_hub.update_scalar(f'train/{key}', value)
        stats = list(scalars.values())
        self._window.append(stats)
        if self.every_n_train_iters(runner, self.interval):
            self._check_window(runner)
        if self.is_last_train_iter(runner):
            self._check_end(runner, scalars['fg_mean'], scalars['fg_ratio'])

    def _is_collapsed(self, mean: float, ratio: float) -> bool:
        return mean < self.min_mean or ratio < self.min_fg_ratio

    def _check_window(self, runner: Runner) -> None:
        """The check every ``interval`` iterations (``patience`` in a
        row)."""
        window = torch.tensor(self._window, dtype=torch.float64).mean(0)
        self._window = []
        mean, ratio, diversity, centred, _ = (float(v) for v in window)
        runner.logger.info(
            f'foreground map (last {self.interval} iters): mean(M) '
            f'{mean:.4f}, share of M > {self._threshold:g} {ratio:.4f}, '
            f'part-map diversity {diversity:.4f} (raw), centred part-map '
            f'cosine {centred:.4f}')
        if runner.iter + 1 < self.warmup_iters:
            return
        if self._is_collapsed(mean, ratio):
            self._strikes += 1
        else:
            self._strikes = 0
        if self._strikes >= self.patience:
            self._warn(runner, mean, ratio,
                       f'over {self.patience} check(s)')

    def _check_end(self, runner: Runner, mean: float, ratio: float) -> None:
        """The check at the last training iteration, on its batch.

        The boxes come from the map as training leaves it, and no later
        check can confirm a collapse: one collapsed batch is enough here
        (no ``patience``). A short run (e.g. one epoch of fewer than
        ``interval * patience`` iterations) is warned this way before its
        val/test gives empty boxes.
        """
        runner.logger.info(
            f'foreground map at the end of training (last batch): mean(M) '
            f'{mean:.4f}, share of M > {self._threshold:g} {ratio:.4f}')
        if runner.iter + 1 < self.warmup_iters:
            return
        if self._is_collapsed(mean, ratio):
            self._warn(runner, mean, ratio,
                       'on the last batch, at the end of training')

    def _warn(self, runner: Runner, mean: float, ratio: float,
              over: str) -> None:
        if self.collapsed:
            return
        self.collapsed = True
        runner.logger.warning(
            '\n' + '!' * 72 + '\n'
            f'FOREGROUND MAP COLLAPSED at iteration {runner.iter + 1}: '
            f'mean(M) {mean:.4f} (min {self.min_mean:g}), share of M > '
            f'{self._threshold:g} {ratio:.4f} (min '
            f'{self.min_fg_ratio:g}) {over}.\n'
            'Boxes will be empty ([0, 0, 0, 0]) and GT-known Loc 0. '
            'Likely fixes:\n' + COLLAPSE_FIXES + '\n' + '!' * 72)
