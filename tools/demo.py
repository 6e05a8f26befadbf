"""`make demo`: FAM vs CAM on the embedded synthetic WSOL benchmark (CPU).

Steps (each one an ordinary mmengine run of a config in ``configs/``):

1. generate the synthetic benchmark under ``data/synthetic_wsol`` (once);
2. train a slim ResNet18 classifier from scratch
   (``configs/pretrain_resnet18_synthetic.py``): the stand-in for the
   ImageNet weights every WSOL method starts from (none can be downloaded
   here). Only image-level labels are used;
3. fine-tune FAM (``configs/fam_resnet18_synthetic.py``) and CAM
   (``configs/cam_resnet18_synthetic.py``) from that same backbone with the
   same schedule, and test both on the test split;
4. print a side-by-side table and write visualizations, the per-image
   results and an IoU histogram (paper Fig. 6) under ``work_dirs/demo``.

Numbers are whatever this run measures; nothing is tuned on the test split.
"""
import argparse
import importlib.util
import json
import os
import os.path as osp
import time
from typing import Dict, List, Optional

import numpy as np
from mmengine.config import Config
from mmengine.runner import Runner

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
METRIC_ROWS = (
    ('top1_cls', 'Top-1 Cls'),
    ('gt_known_loc', 'GT-known Loc'),
    ('top1_loc', 'Top-1 Loc'),
    ('maxboxaccv2', 'MaxBoxAccV2'),
    ('mean_iou', 'mean IoU'),
)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default=osp.join(REPO, 'work_dirs',
                                                       'demo'))
    parser.add_argument('--data-root', default=None,
                        help='synthetic data folder (default: the configs\')')
    parser.add_argument('--pretrain-epochs', type=int, default=None)
    parser.add_argument('--epochs', type=int, default=None,
                        help='fine-tuning epochs of FAM and CAM')
    parser.add_argument('--num-train', type=int, default=None)
    parser.add_argument('--num-val', type=int, default=None)
    parser.add_argument('--num-test', type=int, default=None)
    parser.add_argument('--batch-size', type=int, default=None)
    parser.add_argument('--workers', type=int, default=None)
    parser.add_argument('--vis-interval', type=int, default=25,
                        help='visualize every N-th test image')
    parser.add_argument('--cam-curve-interval', type=float, default=None)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def _loaders(cfg: Config):
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(name) is not None:
            yield cfg[name]


def load_config(name: str, args: argparse.Namespace, work_dir: str,
                max_epochs: Optional[int]) -> Config:
    """A config of ``configs/`` with the demo's command-line overrides."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', name))
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=args.seed)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=-1, save_last=True)
    if max_epochs is not None:
        cfg.train_cfg.max_epochs = max_epochs
    # no validation while training (mmengine would also validate after the
    # last epoch): the demo runs val and test itself at the end
    cfg.train_cfg.val_begin = 10**6
    for loader in _loaders(cfg):
        dataset = loader.dataset
        if args.data_root is not None:
            dataset.data_root = args.data_root
        for key in ('num_train', 'num_val', 'num_test'):
            if getattr(args, key) is not None:
                dataset[key] = getattr(args, key)
        if args.batch_size is not None:
            loader.batch_size = args.batch_size
        if args.workers is not None:
            loader.num_workers = args.workers
            loader.persistent_workers = args.workers > 0
    if args.cam_curve_interval is not None:
        for key in ('val_evaluator', 'test_evaluator'):
            if cfg[key].type == 'WSOLMetric':
                cfg[key].cam_curve_interval = args.cam_curve_interval
    return cfg


def _load_tool(name: str):
    """``tools/analysis_tools/<name>.py`` as a module."""
    path = osp.join(REPO, 'tools', 'analysis_tools', f'{name}.py')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def banner(text: str) -> None:
    print(f'\n{"=" * 78}\n>>> {text}\n{"=" * 78}', flush=True)


def pretrain(args: argparse.Namespace) -> str:
    """Train the classifier whose backbone FAM and CAM start from."""
    work_dir = osp.join(args.work_dir, 'pretrain')
    ckpt = osp.join(work_dir, 'backbone_pretrain.pth')
    if osp.exists(ckpt):
        print(f'reusing the pretrained backbone {ckpt}')
        return ckpt
    banner('1/3 pretraining the backbone as a classifier (image labels '
           'only; stand-in for ImageNet weights)')
    cfg = load_config('pretrain_resnet18_synthetic.py', args, work_dir,
                      args.pretrain_epochs)
    runner = Runner.from_cfg(cfg)
    runner.train()
    runner.save_checkpoint(work_dir, 'backbone_pretrain.pth',
                           save_optimizer=False, save_param_scheduler=False)
    return ckpt


def finetune_and_test(method: str,
                      step: str,
                      pretrained: str,
                      args: argparse.Namespace,
                      name: Optional[str] = None,
                      overrides: Optional[dict] = None) -> Dict[str, float]:
    """Fine-tune, choose the box threshold on val, test with it frozen.

    Args:
        method (str): ``'fam'`` or ``'cam'`` (the synthetic config used).
        step (str): Prefix of the banner.
        pretrained (str): Backbone checkpoint to start from.
        args (argparse.Namespace): The demo's options.
        name (str, optional): Name of the run (work dir, pictures, results
            file). Defaults to ``method``.
        overrides (dict, optional): Merged into the config (ablations).

    Returns:
        dict: The test metrics plus ``loc_threshold`` and its mode.
    """
    name = name or method
    banner(f'{step} {name.upper()}: fine-tuning from the pretrained '
           'backbone, threshold search on val, test')
    work_dir = osp.join(args.work_dir, name)
    cfg = load_config(f'{method}_resnet18_synthetic.py', args, work_dir,
                      args.epochs)
    if overrides:
        cfg.merge_from_dict(overrides)
    cfg.model.backbone.init_cfg = dict(
        type='Pretrained', checkpoint=pretrained, prefix='backbone')
    cfg.default_hooks.visualization = dict(
        type='WSOLVisualizationHook',
        enable=False,  # switched on for the test run only
        interval=args.vis_interval,
        out_dir=osp.join(args.work_dir, 'vis', name),
        draw_part_maps=method == 'fam')
    if method == 'fam':
        cfg.model.head.return_part_maps = True
    search = _load_tool('search_threshold')
    cfg.val_evaluator = search.enable_search(cfg.val_evaluator,
                                             np.arange(0.05, 1.0, 0.05))
    results_file = osp.join(args.work_dir, f'{name}_results.pkl')
    cfg.test_evaluator = [
        cfg.test_evaluator,
        dict(type='DumpWSOLResults', out_file=results_file)
    ]
    runner = Runner.from_cfg(cfg)
    runner.train()
    # The fixed box threshold of the paper's metrics is chosen on val
    # (train-fullsup in the WSOL protocol) and frozen for test.
    runner.val()
    val_metric = next(m for m in runner.val_loop.evaluator.metrics
                      if getattr(m, 'loc_threshold_curve', None))
    threshold, val_acc = search.summarize(val_metric.loc_threshold_curve)
    print(f'{name.upper()}: loc_threshold {threshold:.2f} chosen on val '
          f'(GT-known Loc {val_acc:.2f}%)')
    vis_hook = next(h for h in runner.hooks
                    if type(h).__name__ == 'WSOLVisualizationHook')
    vis_hook.enable = True
    test_metric = runner.test_loop.evaluator.metrics[0]
    test_metric.loc_threshold = threshold
    head = runner.model.module.head if hasattr(runner.model, 'module') \
        else runner.model.head
    head.loc_threshold = threshold
    metrics = runner.test()
    metrics['loc_threshold'] = threshold
    metrics['loc_threshold_mode'] = test_metric.loc_threshold_mode
    return metrics


def format_table(results: Dict[str, Dict[str, float]]) -> str:
    methods = list(results)
    lines = ['| metric (%) | ' + ' | '.join(m.upper() for m in methods) +
             ' |', '| --- |' + ' --- |' * len(methods)]
    for key, name in METRIC_ROWS:
        cells = [f'{results[m][f"wsol/{key}"]:.2f}' for m in methods]
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    modes = ', '.join(
        f'{m.upper()}: {results[m]["loc_threshold"]:.2f} '
        f'({results[m]["loc_threshold_mode"]})' for m in methods)
    lines.append('')
    lines.append('Box threshold of the fixed-threshold metrics, chosen on '
                 f'the val split and frozen for test: {modes}. MaxBoxAccV2 '
                 'is threshold-free (mean over IoU 30/50/70).')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> Dict[str, Dict[str, float]]:
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    start = time.time()
    import fam_mm  # noqa: F401  (registers the modules)

    pretrained = pretrain(args)
    results = {}
    for step, method in (('2/3', 'fam'), ('3/3', 'cam')):
        results[method] = finetune_and_test(method, step, pretrained, args)
    table = format_table(results)
    hist = osp.join(args.work_dir, 'iou_histogram.png')
    _load_tool('iou_histogram').main(
        [osp.join(args.work_dir, f'{m}_results.pkl') for m in results] +
        ['--labels'] + [m.upper() for m in results] + ['--out', hist])
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(table + '\n')
    # machine-readable too (thresholds included): projects/fam_pseudo_det
    # exports pseudo boxes with the box threshold chosen here on val
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1, default=float)
    banner(f'FAM vs CAM on the synthetic benchmark (test split), '
           f'{(time.time() - start) / 60:.1f} min')
    print(table)
    print(f'\nvisualizations: {osp.join(args.work_dir, "vis")}/{{fam,cam}}')
    print(f'IoU histogram:  {hist}')
    print(f'table:          {osp.join(args.work_dir, "results.md")} '
          '(and results.json)')
    return results


if __name__ == '__main__':
    main()
