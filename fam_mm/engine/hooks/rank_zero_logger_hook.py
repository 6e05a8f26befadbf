"""mmengine's ``LoggerHook`` with the test-metrics json written by rank 0
only."""
import os.path as osp
from typing import Dict, Optional

from mmengine.dist import is_main_process
from mmengine.fileio import dump
from mmengine.hooks import LoggerHook
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class RankZeroLoggerHook(LoggerHook):
    """``LoggerHook`` whose test-epoch json is written by rank 0 alone.

    mmengine's ``LoggerHook.after_test_epoch`` dumps the test metrics to
    ``<log_dir>/<timestamp>.json`` from *every* rank, and all ranks share the
    timestamp (rank 0 broadcasts it), so in a distributed test the processes
    overwrite the same file at the same time; a reader can then find it
    truncated or with two documents in it (``JSONDecodeError: Extra data``).
    Every other write of ``LoggerHook`` (train and val scalars, through the
    visualizer) is already rank-0-only. Here the text log line and the json
    come from rank 0; the metrics are the same on every rank (mmengine's
    evaluator broadcasts them).

    The tools (``tools/train.py``, ``tools/test.py``) put this hook in place
    of a configured ``LoggerHook``; a config may also name it directly.
    """

    def after_test_epoch(self,
                         runner,
                         metrics: Optional[Dict[str, float]] = None) -> None:
        """Log the test metrics and dump them to the run's json (rank 0).

        Args:
            runner (Runner): The runner of the test process.
            metrics (dict, optional): The test metrics.
        """
        if not is_main_process():
            return
        tag, log_str = runner.log_processor.get_log_after_epoch(
            runner, len(runner.test_dataloader), 'test', with_non_scalar=True)
        runner.logger.info(log_str)
        assert self.json_log_path is not None  # set in before_run
        dump(
            self._process_tags(tag),
            osp.join(runner.log_dir, self.json_log_path))


def use_rank_zero_logger(cfg) -> bool:
    """Replace the config's ``default_hooks.logger`` ``LoggerHook`` by
    :class:`RankZeroLoggerHook` (same arguments).

    Args:
        cfg (mmengine.Config): The run's config, changed in place.

    Returns:
        bool: Whether the hook was replaced (False when the config has no
        logger hook or names another type).
    """
    logger = (cfg.get('default_hooks') or {}).get('logger')
    if not logger or logger.get('type') not in ('LoggerHook',
                                                'mmengine.LoggerHook'):
        return False
    logger['type'] = 'RankZeroLoggerHook'
    return True
