"""Keep a config's epoch-based lr schedule in step with its run length.

The cosine configs give their scheduler an explicit ``end`` and ``T_max``
equal to ``train_cfg.max_epochs``, as mmpretrain's do. (mmengine's
``Runner`` sets a missing ``end`` to the loop's ``max_epochs``, and a
missing ``T_max`` is ``end - begin``: the same values.) An explicit ``end``
stays where it is when only ``train_cfg.max_epochs`` changes, so a shorter
run stops the cosine early (the lr never gets near ``eta_min``); and in a
shortened step recipe the later milestones (15, 30 and 45 of 50 epochs) never
come.

* :func:`set_max_epochs` changes the run length and moves the schedule with
  it (``tools/demo.py --epochs``, the studies in ``tools/analysis_tools``,
  and ``--cfg-options train_cfg.max_epochs=N`` of ``tools/train.py`` and
  ``tools/test.py`` through ``apply_cfg_options`` unless the same options
  set ``param_scheduler``).
* :func:`check_schedule` lists what does not fit (``tools/train.py`` prints
  each as a warning, e.g. after ``--cfg-options train_cfg.max_epochs=2
  param_scheduler.0.eta_min=0``).

Both read (and :func:`set_max_epochs` changes) only plain config dicts; no
scheduler is built.
"""
import math
from typing import Any, Iterator, List, Optional, Tuple

__all__ = ['set_max_epochs', 'check_schedule']

# schedulers that anneal towards a final value at their `end`
_ANNEALING = ('CosineAnnealing', 'PolyLR', 'PolyMomentum',
              'PolyParamScheduler')
_MULTISTEP = ('MultiStepLR', 'MultiStepMomentum', 'MultiStepParamScheduler')


def _is_annealing(kind: str) -> bool:
    return kind.startswith(_ANNEALING)


def _schedulers(cfg: Any) -> Iterator[Tuple[str, dict]]:
    """``(label, scheduler dict)`` of ``cfg.param_scheduler``: one dict, a
    list of them, or a dict of those per optimizer (``OptimWrapperDict``)."""
    node = cfg.get('param_scheduler')
    if isinstance(node, dict) and 'type' not in node:
        items = [(f'param_scheduler.{key}', value)
                 for key, value in node.items()]
    else:
        items = [('param_scheduler', node)]
    for label, value in items:
        if isinstance(value, dict):
            yield label, value
        elif isinstance(value, (list, tuple)):
            for i, scheduler in enumerate(value):
                if isinstance(scheduler, dict):
                    yield f'{label}[{i}]', scheduler


def _max_epochs(cfg: Any) -> Optional[int]:
    train_cfg = cfg.get('train_cfg') or {}
    return train_cfg.get('max_epochs')


def _scale_milestones(milestones: List[int], old: int,
                      new: int) -> List[int]:
    """Milestones moved proportionally from an ``old`` to a ``new`` run
    length: rounded (half up), strictly increasing, each in [1, new); those
    that no longer fit are dropped."""
    scaled: List[int] = []
    for milestone in milestones:
        value = int(math.floor(milestone * new / old + 0.5))
        value = max(value, scaled[-1] + 1 if scaled else 1)
        if value < new:
            scaled.append(value)
    return scaled


def set_max_epochs(cfg: Any, max_epochs: int) -> Any:
    """Set ``cfg.train_cfg.max_epochs`` and move the schedule with it.

    Every epoch-based scheduler (``by_epoch`` true, also with
    ``convert_to_iter_based``) whose ``end`` was the old ``max_epochs`` ends
    at the new one; its ``T_max``, when it was ``end - begin`` (or the old
    ``max_epochs``), follows. Epoch milestones are scaled proportionally
    (rounded, strictly increasing, below the new ``max_epochs``; with fewer
    epochs than milestones the extra ones are dropped). Iteration-based
    schedulers (a warm-up of N iterations) and schedulers ending elsewhere
    are left alone.

    Args:
        cfg (mmengine.Config): The config, changed in place.
        max_epochs (int): The new number of training epochs (>= 1).

    Returns:
        The same ``cfg``.

    Raises:
        ValueError: ``max_epochs`` is not a positive integer, or a
            rescaled scheduler would begin at or after the new end.
    """
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, int) \
            or max_epochs < 1:
        raise ValueError(
            f'max_epochs must be a positive integer, got {max_epochs!r}')
    old = _max_epochs(cfg)
    cfg.train_cfg.max_epochs = max_epochs
    if old is None or old == max_epochs:
        return cfg
    for label, scheduler in _schedulers(cfg):
        if not scheduler.get('by_epoch', True):
            continue
        begin = scheduler.get('begin', 0)
        end = scheduler.get('end')
        # no `end`: the runner ends it at max_epochs, old and new
        old_end = old if end is None else end
        if old_end == old:
            if begin >= max_epochs:
                raise ValueError(
                    f'{label} ({scheduler.get("type")}) begins at epoch '
                    f'{begin}: it does not fit in {max_epochs} epochs')
            if end is not None:
                scheduler['end'] = max_epochs
            t_max = scheduler.get('T_max')
            if t_max == old_end - begin:
                scheduler['T_max'] = max_epochs - begin
            elif t_max == old:
                scheduler['T_max'] = max_epochs
        milestones = scheduler.get('milestones')
        if milestones is not None:
            scheduler['milestones'] = _scale_milestones(
                list(milestones), old, max_epochs)
    return cfg


def check_schedule(cfg: Any) -> List[str]:
    """One-line problems of a config's epoch-based schedule.

    A scheduler without ``end`` is not reported: mmengine's ``Runner`` sets
    a missing ``end`` to ``train_cfg.max_epochs`` (``max_iters`` for an
    iteration-based one) before building it, and a missing ``T_max`` is
    ``end - begin``. What is reported is what the runner does not fix:

    * an annealing scheduler (cosine, poly) whose explicit ``end`` is past
      ``max_epochs`` (the lr never reaches its final value) or before it
      with nothing after it (the last epochs run at the final value);
    * a ``T_max`` other than ``end - begin`` (the cosine stops above
      ``eta_min``, or turns back up after reaching it);
    * a scheduler that begins at or after ``max_epochs`` (never acts);
    * milestones not strictly increasing, or at or after ``max_epochs``
      (that step never happens).

    Iteration-based schedulers are not checked (their length depends on the
    dataloader). A config without ``train_cfg.max_epochs`` gives ``[]``.

    Args:
        cfg (mmengine.Config): The config.

    Returns:
        list[str]: The problems, one line each; empty when none.
    """
    max_epochs = _max_epochs(cfg)
    if max_epochs is None:
        return []
    schedulers = [(label, s) for label, s in _schedulers(cfg)
                  if s.get('by_epoch', True)]
    problems = []
    for label, scheduler in schedulers:
        kind = str(scheduler.get('type'))
        name = f'{label} ({kind})'
        begin = scheduler.get('begin', 0)
        end = scheduler.get('end')
        if begin >= max_epochs:
            problems.append(
                f'{name} begins at epoch {begin} but train_cfg.max_epochs '
                f'is {max_epochs}: it never acts')
            continue
        eff_end = max_epochs if end is None else end
        if _is_annealing(kind):
            final = 'eta_min' if 'Cosine' in kind else 'its final value'
            if eff_end > max_epochs:
                problems.append(
                    f'{name} ends at epoch {eff_end} but train_cfg.max_epochs'
                    f' is {max_epochs}: the lr never reaches {final}; set '
                    f'end=T_max={max_epochs} (or use fam_mm.utils.'
                    'set_max_epochs)')
            elif eff_end < max_epochs and not any(
                    other.get('begin', 0) >= eff_end
                    for _, other in schedulers if other is not scheduler):
                problems.append(
                    f'{name} ends at epoch {eff_end} but train_cfg.max_epochs'
                    f' is {max_epochs}: the last {max_epochs - eff_end} '
                    f'epoch(s) run at {final}')
            t_max = scheduler.get('T_max')
            if 'Cosine' in kind and t_max is not None \
                    and t_max != eff_end - begin:
                effect = ('the cosine stops above eta_min'
                          if t_max > eff_end - begin else
                          'the cosine turns back up after reaching eta_min')
                problems.append(
                    f'{name} has T_max={t_max} but end - begin = '
                    f'{eff_end} - {begin} = {eff_end - begin}: {effect}')
        milestones = scheduler.get('milestones')
        if kind in _MULTISTEP and milestones is not None:
            milestones = list(milestones)
            if any(b <= a for a, b in zip(milestones, milestones[1:])):
                problems.append(
                    f'{name} milestones {milestones} are not strictly '
                    'increasing')
            late = [m for m in milestones if m >= max_epochs]
            if late:
                problems.append(
                    f'{name} milestone(s) {late} at or after '
                    f'train_cfg.max_epochs {max_epochs}: that lr step never '
                    'happens')
    return problems
