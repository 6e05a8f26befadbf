"""Train a fam-mm (or any mmpretrain) model from a config.

Examples:
    python tools/train.py configs/fam_vgg16_cub.py
    python tools/train.py configs/fam_resnet18_synthetic.py \
        --work-dir work_dirs/fam_r18 --cfg-options train_cfg.max_epochs=2
    bash tools/dist_train.sh configs/fam_vgg16_cub.py 8
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config
from mmengine.runner import Runner

from fam_mm.engine.hooks import use_rank_zero_logger
from fam_mm.utils import (
    CfgOptionsAction,
    apply_cfg_options,
    check_config,
    check_init_checkpoints,
    check_schedule,
    exit_after_distributed_run,
    run_tool,
    setup_cpu_distributed,
    teardown_distributed,
)
from fam_mm.utils.batch_recipe import report_batch_recipe


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a WSOL model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='directory for logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or from the latest one in '
        'the work directory when no path is given')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='skip validation during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the actual total batch size '
        '(config key `auto_scale_lr.base_batch_size`)')
    parser.add_argument(
        '--no-pin-memory',
        action='store_true',
        help='disable pin_memory in every dataloader')
    parser.add_argument(
        '--no-persistent-workers',
        action='store_true',
        help='disable persistent_workers in every dataloader')
    parser.add_argument(
        '--data-root',
        help='move every split (train, val, test) to this dataset root '
        '(the same as --cfg-options data_root=DIR)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config keys, e.g. "train_cfg.max_epochs=2"')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torchrun passes --local-rank (older launchers --local_rank)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def _set_loader_option(cfg, key, value):
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(name)
        if loader is not None:
            loader[key] = value


def merge_args(cfg: Config, args) -> Config:
    """Apply the command-line options to the config."""
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.launcher = args.launcher

    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper == 'AmpOptimWrapper':
            print('AMP is already enabled in the config.')
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None

    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or \
                'base_batch_size' not in cfg.auto_scale_lr:
            raise KeyError(
                f'{args.config} has no `auto_scale_lr.base_batch_size`: '
                '--auto-scale-lr needs it')
        cfg.auto_scale_lr.enable = True

    if args.no_pin_memory:
        _set_loader_option(cfg, 'pin_memory', False)
    if args.no_persistent_workers:
        _set_loader_option(cfg, 'persistent_workers', False)

    apply_cfg_options(cfg, args.cfg_options, args.data_root)
    return cfg


def _launcher_rank(launcher: str) -> int:
    """This process' rank as its launcher set it (before mmengine's
    ``init_dist`` has set ``RANK`` for slurm and mpi)."""
    key = {
        'slurm': 'SLURM_PROCID',
        'mpi': 'OMPI_COMM_WORLD_RANK'
    }.get(launcher, 'RANK')
    return int(os.environ.get('RANK', os.environ.get(key, '0')))


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    check_config(cfg, args.cfg_options)  # typos: one line, nothing built
    cfg = merge_args(cfg, args)
    # before anything is built: an unreachable init_cfg URL fails here in
    # one line, not deep in weight initialisation
    check_init_checkpoints(cfg.model)
    # an lr schedule that does not fit the run's length (e.g. after
    # --cfg-options train_cfg.max_epochs=N that also sets param_scheduler,
    # which apply_cfg_options leaves alone): say so once, and train anyway
    if _launcher_rank(args.launcher) == 0:
        for problem in check_schedule(cfg):
            print(f'tools/train.py: warning: {problem}', file=sys.stderr)
    use_rank_zero_logger(cfg)
    setup_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    report_batch_recipe(runner)  # total batch and lr vs the recipe's
    runner.train()
    teardown_distributed()
    return runner


if __name__ == '__main__':
    run_tool(main, 'tools/train.py')
    exit_after_distributed_run()
