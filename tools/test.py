"""Test (evaluate) a trained fam-mm model.

Examples:
    python tools/test.py configs/fam_vgg16_cub.py work_dirs/fam/epoch_100.pth
    python tools/test.py CONFIG CKPT --out results.pkl --show-dir vis
    bash tools/dist_test.sh CONFIG CKPT 8
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner

from fam_mm.engine.hooks import use_rank_zero_logger
from fam_mm.utils import (
    CfgOptionsAction,
    apply_cfg_options,
    check_checkpoint_fits,
    check_config,
    exit_after_distributed_run,
    run_tool,
    setup_cpu_distributed,
    teardown_distributed,
)
from fam_mm.utils.empty_box_check import warn_on_empty_boxes


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a WSOL model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='directory for the test logs')
    parser.add_argument(
        '--out',
        help='dump per-image results (class, score, box, GT boxes, IoU; no '
        'maps) to this .pkl or .json file')
    parser.add_argument(
        '--show-dir',
        help='write visualizations (map overlay, predicted and GT boxes) '
        'to this folder (a relative path is relative to the current '
        'directory)')
    parser.add_argument(
        '--show', action='store_true', help='show images in a window')
    parser.add_argument(
        '--interval',
        type=int,
        default=1,
        help='visualize every INTERVAL-th image')
    parser.add_argument(
        '--part-maps',
        action='store_true',
        help='also draw the FAM part maps in the visualizations')
    parser.add_argument(
        '--data-root',
        help='move every split (train, val, test) to this dataset root '
        '(the same as --cfg-options data_root=DIR)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config keys, e.g. "test_evaluator.loc_threshold=0.4"')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args) -> Config:
    """Apply the command-line options to the config."""
    apply_cfg_options(cfg, args.cfg_options, args.data_root)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.launcher = args.launcher
    cfg.load_from = args.checkpoint

    if args.show or args.show_dir:
        cfg.default_hooks.visualization = dict(
            type='WSOLVisualizationHook',
            enable=True,
            interval=args.interval,
            show=args.show,
            # where the user said: the hook would put a relative out_dir
            # under work_dir/timestamp
            out_dir=osp.abspath(args.show_dir) if args.show_dir else None,
            draw_part_maps=args.part_maps)
        if args.part_maps:
            cfg.model.head.return_part_maps = True

    if args.out:
        if not args.out.endswith(('.pkl', '.pickle', '.json')):
            raise ValueError(
                f'--out must end with .pkl, .pickle or .json: {args.out}')
        evaluator = cfg.test_evaluator
        evaluators = list(evaluator) if isinstance(evaluator,
                                                   (list, tuple)) else \
            [evaluator]
        evaluators.append(dict(type='DumpWSOLResults', out_file=args.out))
        cfg.test_evaluator = evaluators
    return cfg


def main(argv=None):
    args = parse_args(argv)
    for path, what in ((args.config, 'config'), (args.checkpoint,
                                                  'checkpoint')):
        if not path.startswith(('http://', 'https://')) and \
                not osp.isfile(path):
            raise FileNotFoundError(f'{what} file not found: {path}')
    cfg = Config.fromfile(args.config)
    check_config(cfg, args.cfg_options)  # typos: one line, nothing built
    cfg = merge_args(cfg, args)
    # rank 0 alone writes the test metrics' json (see RankZeroLoggerHook)
    use_rank_zero_logger(cfg)
    setup_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    if osp.isfile(args.checkpoint):
        # mmengine loads it with strict=False: a wrong num_classes would only
        # be logged and a random head evaluated
        check_checkpoint_fits(runner.model, args.checkpoint, args.config)
    metrics = runner.test()
    warn_on_empty_boxes(metrics)  # a collapsed map gives empty boxes
    teardown_distributed()
    return metrics


if __name__ == '__main__':
    run_tool(main, 'tools/test.py')
    exit_after_distributed_run()
