"""Predict class, box and localization map of images with a WSOL model.

Examples:
    python demo/image_demo.py bird.jpg configs/fam_vgg16_cub.py \
        --checkpoint fam_vgg16_cub.pth
    python demo/image_demo.py images/ configs/fam_vgg16_cub.py \
        --checkpoint fam_vgg16_cub.pth --show-dir vis --part-maps
    python demo/image_demo.py bird.jpg configs/fam_vgg16_cub.py \
        --checkpoint fam_vgg16_cub.pth \
        --cfg-options model.head.loc_threshold=0.4
"""
import argparse
import os.path as osp
import sys
import warnings
from typing import List, Optional, Union

from mmengine.config import Config

from fam_mm.apis import WSOLInferencer
from fam_mm.utils import (
    CfgOptionsAction,
    apply_cfg_options,
    check_config,
    run_tool,
)
from fam_mm.utils.image_check import exit_if_skipped, readable_images

PROG = 'demo/image_demo.py'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description='WSOL image demo: class, score and box per image. '
        'A bad image argument stops it with one line (exit status 2); in a '
        'folder, bad images are skipped and listed at the end (exit status '
        '1), the others are still predicted and drawn.')
    parser.add_argument('img', help='image file or folder of images')
    parser.add_argument('config', help='model config file')
    parser.add_argument(
        '--checkpoint',
        help='checkpoint file (required unless --random-weights)')
    parser.add_argument(
        '--random-weights',
        action='store_true',
        help='run without a checkpoint, on the randomly initialised model '
        '(a smoke test: its classes and boxes mean nothing)')
    parser.add_argument(
        '--device',
        default=None,
        help='device, e.g. cpu or cuda:0 '
        '(default: cuda when available)')
    parser.add_argument(
        '--show-dir', help='write a PNG per image (map, box, class) here')
    parser.add_argument(
        '--show', action='store_true', help='show the pictures in a window')
    parser.add_argument(
        '--part-maps',
        action='store_true',
        help='draw the FAM part maps next to the localization map')
    parser.add_argument(
        '--batch-size', type=int, default=1, help='images per forward pass')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config keys, e.g. model.head.loc_threshold=0.4 '
        '(the box threshold)')
    args = parser.parse_args(argv)
    if args.checkpoint is not None and args.random_weights:
        parser.error('give --checkpoint or --random-weights, not both')
    if args.checkpoint is None and not args.random_weights \
            and not _config_weights(args.config):
        parser.error('--checkpoint is required: without it the model has '
                     'random weights (pass --random-weights to run anyway)')
    return args


def _config_weights(config: str) -> Optional[str]:
    """The config's ``load_from`` (a config that names its own weights,
    e.g. ``configs/cam_efficientnet-lite0_imagenet.py``), if any."""
    if not osp.isfile(config):
        return None
    return Config.fromfile(config).get('load_from', None)


def format_result(name: str, result: dict) -> str:
    """One line: image, class, score and box (original pixels); marked
    ``(random weights)`` when the model has them."""
    label = result['pred_label']
    cls = result.get('pred_class', f'class_{label}')
    x1, y1, x2, y2 = (float(v) for v in result['pred_bbox'])
    random = ' (random weights)' if result.get('random_weights') else ''
    return (f'{name}: class {cls} (label {label}), score '
            f'{result["pred_score"]:.4f}, box [{x1:.1f}, {y1:.1f}, '
            f'{x2:.1f}, {y2:.1f}]{random}')


def main(argv: Optional[List[str]] = None) -> List[dict]:
    args = parse_args(argv)
    # the images are checked before the model loads
    inputs, bad = readable_images([args.img], PROG)
    if args.random_weights:
        print(f'{PROG}: warning: --random-weights: the model has random '
              'weights, its classes and boxes mean nothing', file=sys.stderr)
    model: Union[str, Config] = args.config
    if args.cfg_options:
        if not osp.isfile(args.config):
            raise FileNotFoundError(f'config file not found: {args.config}')
        model = Config.fromfile(args.config)
        # typos: one line, nothing built (fam_mm.utils.config_check)
        check_config(model, args.cfg_options)
        apply_cfg_options(model, args.cfg_options)
    # a checkpoint of another model (or an unreadable file) raises
    # CheckpointError: one line, exit status 2 (see run_tool)
    with warnings.catch_warnings():  # said above, in one line
        warnings.filterwarnings('ignore', message='.*random weights')
        inferencer = WSOLInferencer(
            model,
            pretrained=False if args.random_weights else args.checkpoint,
            device=args.device)
    results = inferencer(
        inputs,
        batch_size=args.batch_size,
        show=args.show,
        show_dir=args.show_dir,
        draw_part_maps=args.part_maps)
    for path, result in zip(inputs, results):
        print(format_result(path, result))
    if args.show_dir:
        print(f'visualizations written to {args.show_dir}')
    exit_if_skipped(bad, len(inputs) + len(bad))
    return results


if __name__ == '__main__':
    run_tool(main, PROG)
