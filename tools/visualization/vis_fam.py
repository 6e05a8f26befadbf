"""Draw WSOL predictions (map overlay, predicted box, class) to PNG files.

One ``<image stem>.png`` per image in ``--out-dir``; with ``--part-maps``
the FAM part maps follow on the right (paper Fig. 5).

Example:
    python tools/visualization/vis_fam.py configs/fam_vgg16_cub.py \
        fam_vgg16_cub.pth data/CUB_200_2011/images/001*/*.jpg \
        --out-dir vis --part-maps
"""
import argparse
import os.path as osp
from typing import List, Optional

from fam_mm.apis import WSOLInferencer
from fam_mm.utils.image_check import exit_if_skipped, readable_images

PROG = 'tools/visualization/vis_fam.py'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description='Visualize FAM/CAM localization maps and boxes. A bad '
        'image argument (or a missing path) stops it with one line (exit '
        'status 2); among several images or in a folder, bad images are '
        'skipped and listed at the end (exit status 1), the others are '
        'still drawn.')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        'img', nargs='+', help='image files or folders of images')
    parser.add_argument(
        '--out-dir', required=True, help='folder for the PNG files')
    parser.add_argument(
        '--part-maps',
        action='store_true',
        help='draw the FAM part maps next to the localization map')
    parser.add_argument(
        '--alpha', type=float, default=0.5, help='heat-map opacity')
    parser.add_argument(
        '--device',
        default=None,
        help='device (default: cuda when '
        'available)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> List[dict]:
    args = parse_args(argv)
    # the images are checked before the model loads
    inputs, bad = readable_images(args.img, PROG)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    inferencer = WSOLInferencer(
        args.config, pretrained=args.checkpoint, device=args.device)
    results = inferencer(
        inputs,
        show_dir=args.out_dir,
        draw_part_maps=args.part_maps,
        alpha=args.alpha)
    print(f'{len(results)} visualization(s) written to {args.out_dir}')
    exit_if_skipped(bad, len(inputs) + len(bad))
    return results


if __name__ == '__main__':
    main()
