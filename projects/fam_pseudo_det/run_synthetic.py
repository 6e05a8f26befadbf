"""FAM / CAM pseudo boxes -> an mmdet detector, on the synthetic benchmark.

Steps (each an ordinary run of a script or config of this repository):

1. the WSOL models: FAM and CAM fine-tuned by ``make demo``
   (``tools/demo.py``, run here when its results are missing; its
   ``--backbone`` pair, efficientnet-lite0 by default, or resnet18 with
   ``--demo-args --backbone resnet18``), each config read from the demo's
   ``results.json``, with their box thresholds chosen on the val split;
2. annotations: the train split's pseudo boxes of FAM and of CAM
   (``tools/export_pseudo_boxes.py``, one box per image, category = the
   image-level label) and the GT boxes of the train and test splits
   (``tools/dataset_converters/wsol_to_coco.py``), all COCO json; the
   pseudo boxes' quality against the train GT is reported too (CorLoc);
3. three FCOS detectors (``configs/fcos_r18-slim_fpn_synthetic_*-boxes.py``),
   identical but for the boxes they are trained on, all starting from the
   same slim ResNet18 pretrained as a classifier on the train split (image
   labels only): the demo's pretraining stage
   (``<demo-dir>/pretrain/backbone_pretrain.pth``, the backbone FAM and CAM
   started from with ``--backbone resnet18``) or, when the demo had none
   (efficientnet-lite0: ImageNet weights), that same stage run here for the
   detectors only (``<work-dir>/pretrain/backbone_pretrain.pth``);
4. each tested on the GT boxes of the test split with mmdet's ``CocoMetric``;
   a table (markdown and json) under ``--work-dir``.

Run from the repository root after ``make setup-det``::

    python projects/fam_pseudo_det/run_synthetic.py
"""
import argparse
import copy
import importlib.util
import json
import os
import os.path as osp
import time
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.config import Config

PROJECT = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(PROJECT))
SOURCES = ('fam', 'cam', 'gt')
SOURCE_NAMES = dict(fam='FAM pseudo boxes', cam='CAM pseudo boxes',
                    gt='GT boxes (fully supervised)')
METHODS = ('fam', 'cam')
#: The pair of a ``results.json`` without ``config`` (written before the demo
#: recorded it, when it always ran the resnet18 pair).
LEGACY_WSOL_CONFIGS = dict(fam='configs/fam_resnet18_synthetic.py',
                           cam='configs/cam_resnet18_synthetic.py')
#: ``tools/demo.py --backbone`` whose pretraining stage gives the detectors'
#: backbone (the slim ResNet18 of the FCOS configs).
DETECTOR_BACKBONE = 'resnet18'
AP_KEYS = (('bbox_mAP', 'AP'), ('bbox_mAP_50', 'AP50'),
           ('bbox_mAP_75', 'AP75'))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir',
                        default=osp.join('work_dirs', 'fam_pseudo_det'))
    parser.add_argument(
        '--demo-dir', default=osp.join('work_dirs', 'demo'),
        help='work dir of `make demo` (FAM/CAM configs, checkpoints, '
        'thresholds and, with --backbone resnet18, the pretrained backbone); '
        'the demo is run there when missing')
    parser.add_argument('--data-root', default=None,
                        help='synthetic data folder (default: the configs\')')
    for split in ('train', 'val', 'test'):
        parser.add_argument(
            f'--num-{split}', type=int, default=None,
            help=f'{split} images of the synthetic benchmark (default: the '
            'configs\'); passed to the demo too')
    parser.add_argument('--sources', nargs='+', choices=SOURCES,
                        default=list(SOURCES),
                        help='boxes to train a detector on')
    parser.add_argument('--epochs', type=int, default=None,
                        help='detector epochs (default: the config\'s)')
    parser.add_argument(
        '--score-thr', type=float, default=None,
        help='score threshold of the detectors\' test outputs (default: the '
        'config\'s)')
    parser.add_argument('--batch-size', type=int, default=None)
    parser.add_argument('--workers', type=int, default=None)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--demo-args', nargs=argparse.REMAINDER, default=[],
        help='arguments passed to tools/demo.py when it has to run, and to '
        'its pretraining stage when that runs for the detectors (last)')
    return parser.parse_args(argv)


def _load(relpath: str):
    """A script of this repository as a module."""
    path = osp.join(REPO, relpath)
    name = osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def banner(text: str) -> None:
    print(f'\n{"=" * 78}\n>>> {text}\n{"=" * 78}', flush=True)


def _last_checkpoint(work_dir: str) -> str:
    """The checkpoint named by mmengine's ``last_checkpoint`` file."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        raise FileNotFoundError(f'no {marker}: the run did not finish')
    with open(marker) as f:
        ckpt = f.read().strip()
    if not osp.isfile(ckpt):
        raise FileNotFoundError(f'{marker} names a missing file: {ckpt}')
    return ckpt


def _demo_argv(args: argparse.Namespace) -> List[str]:
    """``tools/demo.py`` arguments for this run's data and seed (the
    headline pair only: the detectors need no stress test)."""
    argv = ['--work-dir', args.demo_dir, '--seed', str(args.seed),
            '--no-stress']
    if args.data_root is not None:
        argv += ['--data-root', args.data_root]
    for split in ('train', 'val', 'test'):
        num = getattr(args, f'num_{split}')
        if num is not None:
            argv += [f'--num-{split}', str(num)]
    return argv + list(args.demo_args)


def pretrain_detector_backbone(args: argparse.Namespace) -> str:
    """The demo's ``--backbone resnet18`` pretraining stage, run for the
    detectors only (same config, data, seed and options), in
    ``<work-dir>/pretrain``; reused when present.

    Returns:
        str: The checkpoint (its ``backbone.`` weights are the detectors').
    """
    demo = _load('tools/demo.py')
    demo_args = demo.parse_args(
        _demo_argv(args) +
        ['--work-dir', args.work_dir, '--backbone', DETECTOR_BACKBONE])
    # as demo.main: its thread count; mmengine's deterministic algorithms
    # are switched back afterwards
    deterministic = torch.are_deterministic_algorithms_enabled()
    threads = torch.get_num_threads()
    torch.set_num_threads(demo_args.threads)
    try:
        ckpt = demo.pretrain(demo_args)
    finally:
        torch.use_deterministic_algorithms(deterministic)
        torch.set_num_threads(threads)
    return ckpt


def wsol_models(args: argparse.Namespace) -> Dict[str, dict]:
    """FAM and CAM configs, checkpoints and thresholds (running the demo if
    needed), and the detectors' pretrained backbone.

    Returns:
        dict: ``{'fam'|'cam': {'config', 'checkpoint', 'loc_threshold',
        'metrics'}, 'pretrained': {'checkpoint', 'from_demo'}}``;
        ``from_demo``: the checkpoint is the demo's pretraining stage (the
        backbone FAM and CAM started from when the demo ran the resnet18
        pair), not one trained here.
    """
    results_file = osp.join(args.demo_dir, 'results.json')
    if not osp.isfile(results_file):
        banner(f'no {results_file}: running the demo (FAM and CAM)')
        _load('tools/demo.py').main(_demo_argv(args))
    with open(results_file) as f:
        results = json.load(f)
    models: Dict[str, dict] = {}
    for method in METHODS:
        if method not in results:
            raise KeyError(f'{results_file} has no {method!r} results')
        config = results[method].get('config', LEGACY_WSOL_CONFIGS[method])
        models[method] = dict(
            config=osp.normpath(osp.join(REPO, config)),
            checkpoint=_last_checkpoint(osp.join(args.demo_dir, method)),
            loc_threshold=float(results[method]['loc_threshold']),
            metrics=results[method])
    pretrained = osp.join(args.demo_dir, 'pretrain', 'backbone_pretrain.pth')
    from_demo = osp.isfile(pretrained)
    if not from_demo:
        banner(f'no {pretrained} (the demo fine-tuned '
               f'{osp.relpath(models["fam"]["config"], REPO)} from its '
               'config\'s weights): pretraining the detectors\' slim '
               f'ResNet18 with the demo\'s --backbone {DETECTOR_BACKBONE} '
               'pretraining stage')
        pretrained = pretrain_detector_backbone(args)
    models['pretrained'] = dict(checkpoint=pretrained, from_demo=from_demo)
    return models


def _data_options(args: argparse.Namespace,
                  splits=('train', 'val', 'test')) -> List[str]:
    """``--cfg-options`` giving the datasets of ``splits`` this run's data.

    SyntheticWSOL regenerates its folder when its parameters differ from
    the ones on disk, so every split gets all of them.
    """
    values = dict(data_root=args.data_root)
    for split in ('train', 'val', 'test'):
        values[f'num_{split}'] = getattr(args, f'num_{split}')
    return [
        f'{s}_dataloader.dataset.{key}={value}' for s in splits
        for key, value in values.items() if value is not None
    ]


def write_annotations(args: argparse.Namespace,
                      models: Dict[str, dict]) -> Dict[str, str]:
    """COCO json of the GT (train, test) and of the pseudo boxes (train)."""
    ann_dir = osp.join(args.work_dir, 'annotations')
    os.makedirs(ann_dir, exist_ok=True)
    files = dict(
        train_gt=osp.join(ann_dir, 'train_gt.json'),
        test_gt=osp.join(ann_dir, 'test_gt.json'))
    to_coco = _load('tools/dataset_converters/wsol_to_coco.py')
    dataset_config = models['fam']['config']
    for split in ('train', 'test'):
        opts = _data_options(args, (split, ))
        to_coco.main([dataset_config, '--split', split, '--out',
                      files[f'{split}_gt']] +
                     (['--cfg-options'] + opts if opts else []))
    export = _load('tools/export_pseudo_boxes.py')
    for method in METHODS:
        if method not in args.sources:
            continue
        banner(f'{method.upper()} pseudo boxes of the train split '
               f'(box threshold {models[method]["loc_threshold"]:.2f}, '
               'chosen on val)')
        out = osp.join(ann_dir, f'train_{method}_pseudo.json')
        export.main([
            models[method]['config'], models[method]['checkpoint'], '--split',
            'train', '--out', out, '--work-dir',
            osp.join(args.work_dir, f'export_{method}'), '--cfg-options',
            f'model.head.loc_threshold={models[method]["loc_threshold"]}'
        ] + _data_options(args, ('train', )))
        files[f'train_{method}'] = out
    return files


def box_quality(pred_file: str, gt_file: str) -> Dict[str, float]:
    """How good the boxes of ``pred_file`` are against ``gt_file``.

    Returns:
        dict: ``corloc`` (% of images whose box has IoU >= 0.5 with one of
        the image's GT boxes; images without a box count as misses),
        ``mean_iou`` (% , best GT match per image), ``area_ratio`` (median
        over the images with a box of its area / the area of the image's GT
        boxes: > 1 means boxes too large) and ``num_boxes``.
    """
    from fam_mm.evaluation.functional import box_iou
    with open(pred_file) as f:
        pred = json.load(f)
    with open(gt_file) as f:
        gt = json.load(f)

    def by_image(coco: dict) -> Dict[int, np.ndarray]:
        boxes: Dict[int, list] = {}
        for ann in coco['annotations']:
            x, y, w, h = ann['bbox']
            boxes.setdefault(ann['image_id'], []).append([x, y, x + w, y + h])
        return {k: np.asarray(v, dtype=np.float64) for k, v in boxes.items()}

    pred_boxes, gt_boxes = by_image(pred), by_image(gt)
    ious, area_ratios = [], []
    for image in gt['images']:
        if image['id'] not in gt_boxes:
            continue
        if image['id'] not in pred_boxes:
            ious.append(0.0)
            continue
        boxes, gts = pred_boxes[image['id']], gt_boxes[image['id']]
        ious.append(float(box_iou(boxes, gts).max()))
        area = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1).sum()
        gt_area = np.prod(gts[:, 2:] - gts[:, :2], axis=1).sum()
        area_ratios.append(area / gt_area)
    ious_arr = np.asarray(ious)
    return dict(
        corloc=float((ious_arr >= 0.5).mean() * 100),
        mean_iou=float(ious_arr.mean() * 100),
        area_ratio=float(np.median(area_ratios)) if area_ratios else 0.0,
        num_boxes=float(len(pred['annotations'])))


def detector_config(source: str,
                    args: argparse.Namespace,
                    files: Dict[str, str],
                    pretrained: str,
                    wsol_config: Optional[str] = None) -> Config:
    """The project's FCOS config for ``source`` with this run's paths.

    The images and the classes are those of the WSOL data the annotations
    were written from: the classes are read from the GT json's categories,
    the image root from ``--data-root`` or else from ``wsol_config``'s
    dataset (the demo's pair may be the fine-grained variant, whose images
    and class names differ from the crest-only ones the FCOS configs name).
    """
    cfg = Config.fromfile(
        osp.join(PROJECT, 'configs',
                 f'fcos_r18-slim_fpn_synthetic_{source}-boxes.py'))
    cfg.work_dir = osp.join(args.work_dir, f'fcos_{source}')
    cfg.randomness = dict(seed=args.seed)
    train_file = files[f'train_{source}']  # train_gt for 'gt'
    cfg.train_dataloader.dataset.ann_file = osp.abspath(train_file)
    cfg.test_dataloader.dataset.ann_file = osp.abspath(files['test_gt'])
    cfg.test_evaluator.ann_file = osp.abspath(files['test_gt'])
    cfg.model.backbone.init_cfg.checkpoint = pretrained
    data_root = args.data_root
    if data_root is None and wsol_config is not None:
        data_root = Config.fromfile(
            wsol_config).train_dataloader.dataset.data_root
    if data_root is not None:
        root = data_root.rstrip('/') + '/'
        for loader in ('train_dataloader', 'test_dataloader'):
            cfg[loader].dataset.data_root = root
    with open(files['test_gt']) as f:
        categories = sorted(json.load(f)['categories'], key=lambda c: c['id'])
    classes = tuple(c['name'] for c in categories)
    if classes and classes != tuple(cfg.classes):
        for loader in ('train_dataloader', 'test_dataloader'):
            cfg[loader].dataset.metainfo = dict(classes=classes)
        cfg.model.bbox_head.num_classes = len(classes)
    if args.epochs is not None:
        cfg.train_cfg.max_epochs = args.epochs
        step = cfg.param_scheduler[-1]
        step.end = args.epochs
        step.milestones = [
            max(1, round(args.epochs * 8 / 12)),
            max(1, round(args.epochs * 11 / 12))
        ]
    if args.score_thr is not None:
        cfg.model.test_cfg.score_thr = args.score_thr
    for loader in ('train_dataloader', 'test_dataloader'):
        if args.batch_size is not None:
            cfg[loader].batch_size = args.batch_size
        if args.workers is not None:
            cfg[loader].num_workers = args.workers
            cfg[loader].persistent_workers = args.workers > 0
    return cfg


def train_and_test(cfg: Config) -> Dict[str, float]:
    """Train a detector, test it on the GT boxes; AP in percent."""
    from mmengine.runner import Runner
    runner = Runner.from_cfg(copy.deepcopy(cfg))
    runner.train()
    metrics = runner.test()
    if not metrics and not cfg.test_evaluator.get('format_only', False):
        # mmdet's CocoMetric returns nothing when no image has a detection
        # above the score threshold: that detector's AP is 0
        print('WARNING: the detector made no detection above score_thr='
              f'{cfg.model.test_cfg.score_thr} on the test split: AP = 0')
        return {k: 0.0 for k, _ in AP_KEYS}
    missing = [k for k, _ in AP_KEYS if f'coco/{k}' not in metrics]
    if missing:
        raise KeyError(f'CocoMetric returned no {missing}: {metrics}')
    return {k: float(metrics[f'coco/{k}']) * 100 for k, _ in AP_KEYS}


def format_table(rows: Dict[str, dict]) -> str:
    lines = [
        '| detector trained on | train boxes: CorLoc | train boxes: mean '
        'IoU | train boxes: area / GT area (median) | box AP | AP50 | AP75 |',
        '| --- | --- | --- | --- | --- | --- | --- |'
    ]
    for source, row in rows.items():
        cells = [f'{row["corloc"]:.2f}', f'{row["mean_iou"]:.2f}',
                 f'{row["area_ratio"]:.2f}'] + \
            [f'{row[k]:.2f}' for k, _ in AP_KEYS]
        lines.append(f'| {SOURCE_NAMES[source]} | ' + ' | '.join(cells) +
                     ' |')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> Dict[str, dict]:
    args = parse_args(argv)
    start = time.time()
    os.makedirs(args.work_dir, exist_ok=True)
    import fam_mm  # noqa: F401  (registers the WSOL modules)

    models = wsol_models(args)
    files = write_annotations(args, models)
    rows: Dict[str, dict] = {}
    for i, source in enumerate(args.sources):
        quality = box_quality(files[f'train_{source}'], files['train_gt'])
        banner(f'{i + 1}/{len(args.sources)} FCOS on '
               f'{SOURCE_NAMES[source]} (train CorLoc '
               f'{quality["corloc"]:.2f}%), tested on the GT boxes')
        cfg = detector_config(source, args, files,
                              models['pretrained']['checkpoint'],
                              wsol_config=models['fam']['config'])
        rows[source] = dict(**quality, **train_and_test(cfg))
    table = format_table(rows)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(table + '\n')
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(
            dict(rows=rows,
                 loc_threshold={m: models[m]['loc_threshold']
                                for m in METHODS},
                 wsol_config={m: osp.relpath(models[m]['config'], REPO)
                              for m in METHODS},
                 detector_backbone=models['pretrained']), f, indent=1)
    banner('detectors trained on pseudo boxes vs GT boxes (synthetic test '
           f'split, mmdet CocoMetric), {(time.time() - start) / 60:.1f} min')
    print(table)
    return rows


if __name__ == '__main__':
    main()
