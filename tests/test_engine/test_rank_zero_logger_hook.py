"""RankZeroLoggerHook: the test metrics' json is written by rank 0 only.

mmengine's ``LoggerHook.after_test_epoch`` dumps ``<log_dir>/<ts>.json``
from every rank; two ranks writing the same file at once left it
truncated or doubled (``JSONDecodeError: Extra data``) in a distributed
test. The rank is faked here (``is_main_process`` patched); the real
2-process run is ``test_dist_test_matches_single_process``.
"""
import json
import logging
import os.path as osp
from types import SimpleNamespace

import pytest
from mmengine.config import Config
from mmengine.hooks import LoggerHook

from fam_mm.engine.hooks import RankZeroLoggerHook, use_rank_zero_logger
from fam_mm.engine.hooks import rank_zero_logger_hook as module


class _LogProcessor:

    def get_log_after_epoch(self, runner, num, mode, with_non_scalar):
        assert (num, mode, with_non_scalar) == (3, 'test', True)
        return {'wsol/top1_loc': 50.0}, 'Epoch(test) [3/3] wsol/top1_loc: 50'


def _runner(tmp_path):
    messages = []
    logger = logging.getLogger('fam_mm_test_rank_zero')
    logger.info = messages.append  # type: ignore[method-assign]
    return SimpleNamespace(
        log_processor=_LogProcessor(),
        test_dataloader=[0, 1, 2],
        logger=logger,
        log_dir=str(tmp_path),
        messages=messages)


@pytest.mark.parametrize('main', [True, False], ids=['rank0', 'rank1'])
def test_after_test_epoch_writes_on_rank_zero_only(tmp_path, monkeypatch,
                                                   main):
    monkeypatch.setattr(module, 'is_main_process', lambda: main)
    hook = RankZeroLoggerHook()
    hook.json_log_path = 'ts.json'
    runner = _runner(tmp_path)
    hook.after_test_epoch(runner, {'wsol/top1_loc': 50.0})
    path = osp.join(tmp_path, 'ts.json')
    if main:
        with open(path) as f:
            assert json.load(f) == {'wsol/top1_loc': 50.0}
        assert runner.messages == ['Epoch(test) [3/3] wsol/top1_loc: 50']
    else:
        assert not osp.exists(path)
        assert runner.messages == []


def test_is_a_logger_hook():
    assert issubclass(RankZeroLoggerHook, LoggerHook)


def test_use_rank_zero_logger():
    cfg = Config(
        dict(default_hooks=dict(logger=dict(type='LoggerHook', interval=7))))
    assert use_rank_zero_logger(cfg)
    assert cfg.default_hooks.logger == dict(
        type='RankZeroLoggerHook', interval=7)
    # another logger type, or none, is left alone
    other = Config(dict(default_hooks=dict(logger=dict(type='MyLogger'))))
    assert not use_rank_zero_logger(other)
    assert other.default_hooks.logger.type == 'MyLogger'
    assert not use_rank_zero_logger(Config(dict()))


def test_configs_build_it():
    """The registry name resolves in mmpretrain's scope (what the tools
    put in the config)."""
    from mmpretrain.registry import HOOKS
    hook = HOOKS.build(dict(type='RankZeroLoggerHook', interval=5))
    assert isinstance(hook, RankZeroLoggerHook) and hook.interval == 5
