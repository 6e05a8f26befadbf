"""Distributed launch helpers for machines without GPUs."""
import os

import torch
import torch.distributed as torch_dist


def setup_cpu_distributed(cfg) -> bool:
    """Let ``--launcher pytorch`` runs work on CPU-only machines.

    mmengine's ``init_dist`` calls ``torch.cuda.set_device`` and wraps the
    model with ``device_ids=[LOCAL_RANK]``, both of which fail without a GPU.
    When no GPU is available this initialises the process group with the
    ``gloo`` backend itself (mmengine then skips its own initialisation) and
    configures ``MMDistributedDataParallel`` without device ids.

    Args:
        cfg (mmengine.Config): The run's config; ``cfg.launcher`` is read and
            ``cfg.env_cfg`` / ``cfg.model_wrapper_cfg`` may be updated.

    Returns:
        bool: True when the CPU (gloo) path was set up.
    """
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return False
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']))
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg['backend'] = 'gloo'
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=False,
            device_ids=None)
    return True


_used_process_group = False


def teardown_distributed() -> None:
    """Synchronise and destroy the default process group, if any.

    The tools call this once their run is over, so every rank has finished
    (and rank 0 has written its results) before any process exits.
    """
    global _used_process_group
    if torch_dist.is_available() and torch_dist.is_initialized():
        _used_process_group = True
        torch_dist.barrier()
        torch_dist.destroy_process_group()


def exit_after_distributed_run() -> None:
    """End a launched (torchrun) tool process without C++ teardown.

    With torch 2.14 on CPU, a gloo rank sometimes aborts during interpreter
    shutdown, after all Python code has run ("terminate called without an
    active exception", SIGABRT, no Python frame), and torchrun then reports
    the whole launch as failed although every result was written (seen in
    about 1 of 6 two-process runs here). After :func:`teardown_distributed`
    there is nothing left to clean up, so a process that used a process
    group flushes its streams and log handlers and leaves with
    ``os._exit(0)``. Single-process runs exit normally.
    """
    if not _used_process_group:
        return
    import logging
    import sys
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
