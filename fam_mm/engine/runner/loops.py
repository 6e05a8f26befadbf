"""Training loops."""
import random
from typing import Any, Dict, Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop
from mmpretrain.registry import LOOPS

_RNG_KEY = 'epoch_rng_state'


def _get_rng_state() -> Dict[str, Any]:
    return dict(
        python=random.getstate(),
        numpy=np.random.get_state(),
        torch=torch.get_rng_state())


def _set_rng_state(state: Dict[str, Any]) -> None:
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])


class _EpochRNGStateHook(Hook):
    """Keeps the main process' RNG states in checkpoints (see the loop)."""

    priority = 'VERY_HIGH'

    def __init__(self, loop: 'ResumableEpochBasedTrainLoop') -> None:
        self.loop = loop
        self.epoch_start: Optional[Dict[str, Any]] = None

    def before_train_epoch(self, runner) -> None:
        self.epoch_start = _get_rng_state()

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.get('meta', {})
        if 'iter' not in meta or 'epoch' not in meta:
            return
        done = meta['iter'] - meta['epoch'] * len(self.loop.dataloader)
        # a resumed run replays the `done` batches of its first epoch from
        # the epoch's starting state; at an epoch boundary it starts fresh
        state = self.epoch_start if done > 0 else _get_rng_state()
        if state is not None:
            meta[_RNG_KEY] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('meta', {}).get(_RNG_KEY)
        if state is not None and getattr(runner, '_resume', False):
            _set_rng_state(state)


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """Epoch-based training that resumes exactly from a mid-epoch checkpoint.

    mmengine's ``EpochBasedTrainLoop`` restarts an interrupted epoch from its
    first batch when resumed from an iteration checkpoint (e.g.
    ``CheckpointHook(by_epoch=False)`` on a pre-emptible slurm partition), so
    the batches trained before the interruption are trained twice. This loop

    * consumes those batches without training on them, so the sampler
      (seeded by the epoch) and the random augmentations continue where the
      interrupted run stopped, and
    * stores the main process' RNG states (Python, numpy, torch) of the
      epoch's start in the checkpoint and restores them on resume, so the
      replayed augmentations are the same draws.

    The final weights then equal an uninterrupted run's (up to
    floating-point noise). Augmentations drawn in DataLoader workers are
    reproduced when the workers are not persistent (each epoch re-seeds
    them); with ``persistent_workers=True`` their RNG state is not
    checkpointed. Use it with
    ``train_cfg = dict(type='ResumableEpochBasedTrainLoop', max_epochs=...)``.
    """

    def __init__(self, runner, *args, **kwargs) -> None:
        super().__init__(runner, *args, **kwargs)
        runner.register_hook(_EpochRNGStateHook(self))

    def run_epoch(self) -> None:
        """Iterate one epoch, skipping the batches it already trained."""
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        done = self._iter - self._epoch * len(self.dataloader)
        for idx, data_batch in enumerate(self.dataloader):
            if idx < done:
                continue  # trained before the interruption
            self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
