"""Write the synthetic WSOL benchmark (``SyntheticWSOL``) to disk.

The dataset generates itself on first use; this script does it ahead of
time, with other parameters if wanted, and can save a preview grid of
training images with their boxes.

Example::

    python tools/dataset_converters/generate_synthetic.py \\
        --out-dir data/synthetic_wsol --preview /tmp/synthetic_preview.png
"""
import argparse
import math
import os.path as osp
import sys
from typing import List, Optional

import cv2
import numpy as np

from fam_mm.datasets.synthetic_wsol import (
    DEFAULT_PARAMS,
    generate_synthetic_wsol,
)
from fam_mm.datasets.wsol_metadata import load_wsol_metadata


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate the synthetic WSOL benchmark')
    parser.add_argument(
        '--out-dir',
        default='data/synthetic_wsol',
        help='output folder (default: data/synthetic_wsol)')
    for key, value in DEFAULT_PARAMS.items():
        parser.add_argument(
            '--' + key.replace('_', '-'),
            type=type(value),
            default=value,
            help=f'(default: {value})')
    parser.add_argument(
        '--force',
        action='store_true',
        help='regenerate even when the folder is up to date')
    parser.add_argument(
        '--preview', help='save a grid of training images with boxes here')
    parser.add_argument(
        '--preview-count',
        type=int,
        default=16,
        help='images in the preview grid (default: 16)')
    return parser.parse_args(argv)


def save_preview(root: str, path: str, count: int) -> None:
    """A grid of the first training images with their boxes (yellow)."""
    records = load_wsol_metadata(osp.join(root, 'metadata', 'train'))[:count]
    with open(osp.join(root, 'metadata', 'classes.txt')) as f:
        names = f.read().split()
    tiles = []
    for r in records:
        img = cv2.imread(osp.join(root, 'images', r['img_id']))
        for x1, y1, x2, y2 in r['gt_bboxes'].astype(int).tolist():
            cv2.rectangle(img, (x1, y1), (x2 - 1, y2 - 1), (0, 255, 255), 1)
        tile = np.zeros((176, 164, 3), np.uint8)
        tile[:img.shape[0], :img.shape[1]] = img
        cv2.putText(tile, names[r['gt_label']], (2, 172),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.35, (255, 255, 255), 1)
        tiles.append(tile)
    cols = min(len(tiles), 8)
    rows = math.ceil(len(tiles) / cols)
    tiles += [np.zeros_like(tiles[0])] * (rows * cols - len(tiles))
    grid = np.concatenate([
        np.concatenate(tiles[r * cols:(r + 1) * cols], 1) for r in range(rows)
    ], 0)
    cv2.imwrite(path, grid)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    params = {key: getattr(args, key) for key in DEFAULT_PARAMS}
    meta = generate_synthetic_wsol(args.out_dir, force=args.force, **params)
    counts = ', '.join(f'{split} {c["images"]} images / {c["boxes"]} boxes'
                       for split, c in meta['counts'].items())
    took = f' in {meta["seconds"]} s' if 'seconds' in meta else \
        ' (already up to date)'
    print(f'{args.out_dir}: {len(meta["classes"])} classes; {counts}{took}')
    if args.preview:
        save_preview(args.out_dir, args.preview, args.preview_count)
        print(f'preview: {args.preview}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
