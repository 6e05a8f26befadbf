"""Check a CUB-200-2011 folder and write its WSOL metadata.

Checks the official layout (``images/``, ``images.txt``,
``image_class_labels.txt``, ``train_test_split.txt``, ``bounding_boxes.txt``,
optionally ``classes.txt``), reports everything that is missing or
malformed, and writes the WSOL-evaluation metadata format read by
``WSOLMetadataDataset``::

    <out-dir>/classes.txt
    <out-dir>/{train,test}/{image_ids,class_labels,image_sizes,
                           localization}.txt

Image ids are relative to ``<CUB_200_2011>/images``, boxes are
``x, y, x + width, y + height``. Use the result with::

    dict(type='WSOLMetadataDataset', data_root='<CUB_200_2011>/images',
         metadata_root='<out-dir>', split='test')

Example::

    python tools/dataset_converters/prepare_cub.py data/CUB_200_2011 \\
        --out-dir data/CUB_200_2011/wsol_metadata

``--wsol-metadata data/wsolevaluation_metadata/CUB`` also checks the
train-fullsup (``val``) split the configs validate on: its 1,000 CUBV2 images
must be unpacked into ``<CUB_200_2011>/images`` (they are not in
CUB_200_2011.tgz; the tool says how to get them).
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Optional, Tuple

import numpy as np
from PIL import Image

from fam_mm.datasets.annotation_utils import AnnotationError, check_boxes
from fam_mm.datasets.cub_wsol import (
    CUB_FILES,
    load_cub_classes,
    load_cub_records,
    read_image_size,
)
from fam_mm.datasets.train_fullsup import check_train_fullsup
from fam_mm.datasets.wsol_metadata import load_wsol_metadata


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Check a CUB_200_2011 folder and convert it to the WSOL '
        'metadata format')
    parser.add_argument('cub_root', help='the CUB_200_2011 folder')
    parser.add_argument(
        '--out-dir',
        help='metadata output folder (default: <cub_root>/wsol_metadata)')
    parser.add_argument(
        '--check-only',
        action='store_true',
        help='only check the layout, write nothing')
    parser.add_argument(
        '--header-only',
        action='store_true',
        help='read only the image headers (fast) instead of decoding every '
        'image: a truncated or corrupt image then passes the check and '
        'fails mid-training')
    parser.add_argument(
        '--wsol-metadata',
        metavar='DIR',
        help='wsolevaluation metadata of CUB (e.g. '
        'data/wsolevaluation_metadata/CUB): also check that the '
        'train-fullsup (val) CUBV2 images the configs select on are in '
        '<cub_root>/images')
    parser.add_argument(
        '--skip-missing',
        action='store_true',
        help='leave images that are missing or unreadable out of the '
        'metadata instead of failing')
    return parser.parse_args(argv)


def decode_image_size(path: str) -> Tuple[int, int]:
    """``(h, w)`` of an image, decoding all of its pixels.

    Reading the header alone (:func:`read_image_size`) accepts a truncated
    JPEG that fails later, when training or testing reaches it.

    Raises:
        OSError: For a file that cannot be decoded completely.
    """
    with Image.open(path) as img:
        img.load()  # raises on truncated or corrupt data
        w, h = img.size
    return h, w


def format_box(box) -> str:
    return ','.join(f'{float(v):g}' for v in box)


def write_split(out_dir: str, split: str, records: List[dict]) -> None:
    """Write one split of the metadata format."""
    os.makedirs(osp.join(out_dir, split), exist_ok=True)
    files = {
        'image_ids.txt': [r['img_id'] for r in records],
        'class_labels.txt':
        [f'{r["img_id"]},{r["gt_label"]}' for r in records],
        'image_sizes.txt': [
            f'{r["img_id"]},{r["ori_shape"][1]},{r["ori_shape"][0]}'
            for r in records
        ],
        'localization.txt': [
            f'{r["img_id"]},{format_box(box)}' for r in records
            for box in r['gt_bboxes']
        ],
    }
    for name, lines in files.items():
        with open(osp.join(out_dir, split, name), 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines) + ('\n' if lines else ''))


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    root = args.cub_root
    problems = []
    for name in CUB_FILES:
        if not osp.isfile(osp.join(root, name)):
            problems.append(f'missing annotation file: {osp.join(root, name)}')
    images_dir = osp.join(root, 'images')
    if not osp.isdir(images_dir):
        problems.append(f'missing image folder: {images_dir}')
    if not osp.isfile(osp.join(root, 'classes.txt')):
        print(f'note: no {osp.join(root, "classes.txt")}; class names '
              'will be missing from the metadata')
    if any(p.startswith('missing annotation') for p in problems):
        for p in problems:
            print(f'error: {p}')
        return 1
    try:
        records = load_cub_records(root)
        classes = load_cub_classes(root)
    except (AnnotationError, FileNotFoundError) as e:
        print(f'error: {e}')
        return 1

    read_size = read_image_size if args.header_only else decode_image_size
    missing, unreadable, kept = [], [], []
    for record in records:
        path = osp.join(images_dir, record['img_id'])
        if not osp.isfile(path):
            missing.append(path)
            continue
        try:
            record['ori_shape'] = read_size(path)
        except (OSError, SyntaxError, ValueError) as e:
            unreadable.append(f'{path} ({e})')
            continue
        kept.append(record)
    if missing:
        problems.append(f'{len(missing)} of {len(records)} image files are '
                        'missing, e.g. ' + ', '.join(missing[:5]))
    if unreadable:
        problems.append(f'{len(unreadable)} image files cannot be read, '
                        'e.g. ' + ', '.join(unreadable[:5]))
    if kept:
        try:
            check_boxes(
                np.concatenate([r['gt_bboxes'] for r in kept]),
                np.array([r['ori_shape'][::-1] for r in kept]),
                osp.join(root, 'bounding_boxes.txt'),
                [r['box_lineno'] for r in kept])
        except AnnotationError as e:
            problems.append(str(e))

    train = [r for r in kept if r['is_train']]
    test = [r for r in kept if not r['is_train']]
    print(f'{root}: {len(records)} images listed ({len(train)} train, '
          f'{len(test)} test usable), '
          f'{len(classes) if classes else "unknown number of"} classes')
    fatal = [
        p for p in problems
        if not (args.skip_missing and ('missing' in p or 'read' in p))
    ]
    if args.wsol_metadata:
        num_val, val_problems = check_train_fullsup(args.wsol_metadata,
                                                    images_dir, 'CUB')
        print(f'train-fullsup (val): {num_val} images listed in '
              f'{osp.join(args.wsol_metadata, "val")}')
        problems += val_problems
        fatal += val_problems  # the configs cannot validate without them
    else:
        print('note: the train-fullsup (val) images the configs select on '
              'were not checked; add --wsol-metadata '
              'data/wsolevaluation_metadata/CUB')
    for p in problems:
        print(('error: ' if p in fatal else 'warning: ') + p)
    if fatal:
        return 1
    if args.check_only:
        print('layout OK')
        return 0
    out_dir = args.out_dir or osp.join(root, 'wsol_metadata')
    for split, split_records in (('train', train), ('test', test)):
        write_split(out_dir, split, split_records)
        load_wsol_metadata(osp.join(out_dir, split))  # round-trip check
    if classes:
        with open(osp.join(out_dir, 'classes.txt'), 'w') as f:
            f.write('\n'.join(classes) + '\n')
    print(f'wrote {out_dir}/{{train,test}} (data_root for the images: '
          f'{images_dir})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
