"""Say which total batch and lr a training run really uses.

A recipe's lr is meant for one total batch (``auto_scale_lr.base_batch_size``
images per optimizer step, all processes together). Launching the same
config on N GPUs multiplies the total batch by N; mmengine keeps the lr
unless ``--auto-scale-lr`` is given, and then scales it linearly. Either way
the run is no longer the recipe, and nothing says so. ``tools/train.py``
calls :func:`report_batch_recipe` once the runner exists.
"""
from typing import List, Optional, Tuple

from mmengine.config import Config

__all__ = ['describe_batch_recipe', 'report_batch_recipe']


def _lr_multipliers(cfg: Config) -> List[str]:
    """``'x10 on neck, head'`` style parts from ``paramwise_cfg``."""
    paramwise = cfg.get('optim_wrapper', {}).get('paramwise_cfg') or {}
    groups: dict = {}
    for key, options in (paramwise.get('custom_keys') or {}).items():
        mult = (options or {}).get('lr_mult')
        if mult is not None and mult != 1:
            groups.setdefault(mult, []).append(key)
    return [
        f'x{mult:g} on {", ".join(keys)}'
        for mult, keys in sorted(groups.items())
    ]


def describe_batch_recipe(cfg: Config,
                          world_size: int) -> Tuple[str, Optional[str]]:
    """The effective total batch and lr of a training config.

    Args:
        cfg (Config): A training config with ``train_dataloader.batch_size``
            and ``optim_wrapper.optimizer.lr``; ``auto_scale_lr``
            (``base_batch_size``, ``enable``) is optional.
        world_size (int): Number of training processes.

    Returns:
        tuple[str, str | None]: A one-line summary (total batch, recipe
        batch, lr and its multipliers) and a warning when the total batch
        differs from ``auto_scale_lr.base_batch_size`` while the lr is not
        scaled (None otherwise).

    Raises:
        ValueError: If ``world_size`` or the batch size is not positive.
    """
    if world_size < 1:
        raise ValueError(f'world_size must be >= 1, got {world_size}')
    batch = int(cfg.train_dataloader.batch_size)
    if batch < 1:
        raise ValueError(
            f'train_dataloader.batch_size must be >= 1, got {batch}')
    total = world_size * batch
    lr = float(cfg.optim_wrapper.optimizer.lr)
    scale_cfg = cfg.get('auto_scale_lr') or {}
    base = scale_cfg.get('base_batch_size')
    scaled = bool(scale_cfg.get('enable', False)) and base is not None
    effective_lr = lr * total / base if scaled and base else lr
    mults = _lr_multipliers(cfg)
    lr_text = f'lr {effective_lr:.6g}' + (f' ({"; ".join(mults)})'
                                         if mults else '')
    if scaled:
        lr_text += (f', scaled by --auto-scale-lr from the config\'s {lr:g} '
                    f'by {total}/{base}')
    recipe = f'the recipe\'s {base}' if base is not None else \
        'no recipe batch (auto_scale_lr.base_batch_size) in the config'
    summary = (f'total batch {total} ({world_size} process(es) x {batch} '
               f'images), {recipe}; {lr_text}')
    if base is None or total == base or scaled:
        return summary, None
    if base % world_size == 0:
        keep = ('keep the recipe with --cfg-options '
                f'train_dataloader.batch_size={base // world_size}')
    else:
        keep = (f'{base} images cannot be split over {world_size} '
                'processes: change the number of GPUs to keep the recipe')
    warning = (f'the total batch is {total} ({world_size} x {batch}) but the '
               f'lr {lr:g} of this config is for a total batch of {base} '
               '(auto_scale_lr.base_batch_size), and --auto-scale-lr is off: '
               f'this run is not the recipe. {keep[0].upper() + keep[1:]}, '
               'or pass --auto-scale-lr to scale the lr linearly to '
               f'{lr * total / base:g}.')
    return summary, warning


def report_batch_recipe(runner) -> None:
    """Log the run's total batch and lr, and warn when they are not the
    recipe's (see :func:`describe_batch_recipe`).

    Does nothing for a config without a train dataloader batch size or an
    optimizer lr.

    Args:
        runner (Runner): An mmengine runner built from a config
            (``runner.cfg``, ``runner.world_size``, ``runner.logger``).
    """
    cfg = runner.cfg
    try:
        cfg.train_dataloader.batch_size
        cfg.optim_wrapper.optimizer.lr
    except (AttributeError, KeyError, TypeError):
        return
    summary, warning = describe_batch_recipe(cfg, runner.world_size)
    runner.logger.info(f'Batch and lr: {summary}')
    if warning is not None:
        runner.logger.warning(f'Batch and lr: {warning}')
