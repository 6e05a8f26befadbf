"""Export the boxes a trained WSOL model predicts as a COCO-format json.

The images of ``{split}_dataloader`` go through the config's *test*
pipeline (no random augmentation) in order; each gets at most one box (see
:mod:`fam_mm.evaluation.metrics.pseudo_boxes` for the file's conventions:
1-based category ids named after the dataset's classes,
``bbox = [x, y, w, h]`` in original pixels, ``score`` = probability of the
box's category). The
category is the image-level label when the split has one (weak supervision)
unless ``--label-source pred``.

Examples:
    python tools/export_pseudo_boxes.py configs/fam_vgg16_cub.py \
        fam_vgg16_cub.pth --out cub_train_boxes.json --split train
    # several processes (torchrun / tools/dist_*.sh style)
    torchrun --nproc_per_node 8 tools/export_pseudo_boxes.py CONFIG CKPT \
        --out boxes.json --launcher pytorch
"""
import argparse
import copy
import os
import os.path as osp
from typing import List, Optional

from mmengine.config import Config
from mmengine.runner import Runner

from fam_mm.apis import find_pipeline_dataset, get_test_pipeline_cfg
from fam_mm.evaluation.metrics.pseudo_boxes import LABEL_SOURCES
from fam_mm.utils import (
    CfgOptionsAction,
    check_config,
    exit_after_distributed_run,
    run_tool,
    setup_cpu_distributed,
    teardown_distributed,
)

SPLITS = ('train', 'val', 'test')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export WSOL pseudo boxes as a COCO-format json')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='output .json file')
    parser.add_argument(
        '--split',
        choices=SPLITS,
        default='train',
        help='dataloader of the config to run over (default: train)')
    parser.add_argument(
        '--score-thr',
        type=float,
        default=0.0,
        help='drop boxes whose category probability is below it')
    parser.add_argument(
        '--label-source',
        choices=LABEL_SOURCES,
        default='gt',
        help='category of a box: the image-level label (gt, default; the '
        'prediction for images without one) or the prediction (pred)')
    parser.add_argument(
        '--batch-size', type=int, help='images per batch and process')
    parser.add_argument(
        '--num-workers', type=int, help='dataloader workers per process')
    parser.add_argument('--work-dir', help='directory for the logs')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config keys, e.g. "model.head.loc_threshold=0.4"')
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


def _set_pipeline(dataset_cfg: dict, pipeline: list) -> None:
    """Give every dataset with a pipeline (through wrappers) ``pipeline``."""
    if 'pipeline' in dataset_cfg:
        dataset_cfg['pipeline'] = copy.deepcopy(pipeline)
        dataset_cfg['test_mode'] = True
    if isinstance(dataset_cfg.get('dataset'), dict):
        _set_pipeline(dataset_cfg['dataset'], pipeline)
    for sub in dataset_cfg.get('datasets') or []:
        _set_pipeline(sub, pipeline)


def build_export_cfg(cfg: Config, args: argparse.Namespace) -> Config:
    """Turn a train/test config into a test run over the requested split.

    Args:
        cfg (Config): The model's config.
        args (argparse.Namespace): Parsed command-line options.

    Returns:
        Config: ``cfg`` with ``test_dataloader`` = the split's dataloader
        (test pipeline, ordered sampler), ``test_evaluator`` = the COCO
        writer and ``load_from`` = the checkpoint.
    """
    check_config(cfg, args.cfg_options)  # typos: one line, nothing built
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    key = f'{args.split}_dataloader'
    if not isinstance(cfg.get(key, None), dict):
        raise ValueError(f'the config has no {key}')
    pipeline = get_test_pipeline_cfg(cfg)
    loader = copy.deepcopy(cfg[key])
    _set_pipeline(loader['dataset'], pipeline)
    loader['sampler'] = dict(type='DefaultSampler', shuffle=False)
    loader.pop('batch_sampler', None)
    if args.batch_size is not None:
        loader['batch_size'] = args.batch_size
    if args.num_workers is not None:
        loader['num_workers'] = args.num_workers
        if args.num_workers == 0:
            loader['persistent_workers'] = False
    dataset = find_pipeline_dataset(loader['dataset']) or loader['dataset']

    # a test-only run: training and validation parts are not needed
    for unused in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                   'param_scheduler', 'val_dataloader', 'val_cfg',
                   'val_evaluator'):
        cfg[unused] = None
    cfg.test_dataloader = loader
    cfg.test_evaluator = dict(
        type='DumpCocoPseudoBoxes',
        out_file=args.out,
        data_root=dataset.get('data_root'),
        score_thr=args.score_thr,
        label_source=args.label_source)
    cfg.setdefault('test_cfg', dict())
    if cfg.get('default_hooks', None) and 'visualization' in \
            cfg.default_hooks:
        cfg.default_hooks.visualization = dict(
            type='VisualizationHook', enable=False)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.launcher = args.launcher
    cfg.load_from = args.checkpoint
    return cfg


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    if not args.out.endswith('.json'):
        raise ValueError(f'--out must be a .json file: {args.out}')
    for path, what in ((args.config, 'config'), (args.checkpoint,
                                                 'checkpoint')):
        if not path.startswith(('http://', 'https://')) and \
                not osp.isfile(path):
            raise FileNotFoundError(f'{what} file not found: {path}')
    cfg = build_export_cfg(Config.fromfile(args.config), args)
    setup_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    teardown_distributed()
    if runner.rank == 0:
        print(f'{metrics.get("pseudo_boxes/num_boxes")} box(es) for '
              f'{metrics.get("pseudo_boxes/num_images")} image(s) written '
              f'to {args.out}')
    return metrics


if __name__ == '__main__':
    run_tool(main, 'tools/export_pseudo_boxes.py')
    exit_after_distributed_run()
