"""Check an ILSVRC 2012 folder and write its WSOL metadata.

Expects the official archives unpacked as::

    <root>/train/<wnid>/*.JPEG                 (ILSVRC2012_img_train)
    <root>/val/ILSVRC2012_val_XXXXXXXX.JPEG    (ILSVRC2012_img_val)
    <root>/val/ILSVRC2012_val_XXXXXXXX.xml     (ILSVRC2012_bbox_val_v3,
                                                or --ann-dir)

reports what is missing or malformed (unreadable XML, boxes outside their
image, unknown classes, validation images without boxes and the reverse),
and writes the WSOL-evaluation metadata format (class index = sorted wnid,
or the order of ``--classes``)::

    <out-dir>/classes.txt                        one wnid per line
    <out-dir>/train/{image_ids,class_labels}.txt (+ image_sizes.txt with
                                                  --train-sizes)
    <out-dir>/test/{image_ids,class_labels,image_sizes,localization}.txt

``test`` is the ILSVRC validation set, as in the WSOL-evaluation protocol;
image ids are relative to ``<root>`` (``val/ILSVRC2012_val_00000001.JPEG``).

Example::

    python tools/dataset_converters/prepare_imagenet_boxes.py data/imagenet \\
        --out-dir data/imagenet/wsol_metadata

``--wsol-metadata data/wsolevaluation_metadata/ILSVRC`` also checks the
train-fullsup (``val``) split the configs validate on: its 10,000 ImageNetV2
images must be in ``<root>/val2`` (they are not in ILSVRC 2012; the tool says
how to get them).
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

from fam_mm.datasets.annotation_utils import AnnotationError
from fam_mm.datasets.cub_wsol import read_image_size
from fam_mm.datasets.imagenet_wsol import (
    IMG_EXTENSIONS,
    find_wnids,
    load_imagenet_val_records,
    read_wnid_file,
)
from fam_mm.datasets.train_fullsup import check_train_fullsup
from fam_mm.datasets.wsol_metadata import load_wsol_metadata


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Check an ILSVRC 2012 folder (train class folders, val '
        'images and box XML files) and convert it to the WSOL metadata format')
    parser.add_argument('root', help='the ILSVRC 2012 root folder')
    parser.add_argument(
        '--out-dir',
        help='metadata output folder (default: <root>/wsol_metadata)')
    parser.add_argument(
        '--ann-dir',
        default='val',
        help='folder of the validation XML files, relative to root unless '
        'absolute (default: val)')
    parser.add_argument(
        '--classes', help='file with the wnids in class-index order')
    parser.add_argument(
        '--train-sizes',
        action='store_true',
        help='also read the sizes of the training images (slow)')
    parser.add_argument(
        '--wsol-metadata',
        metavar='DIR',
        help='wsolevaluation metadata of ILSVRC (e.g. '
        'data/wsolevaluation_metadata/ILSVRC): also check that the '
        'train-fullsup (val) ImageNetV2 images the configs select on are in '
        '<root>/val2')
    parser.add_argument(
        '--check-only',
        action='store_true',
        help='only check the layout, write nothing')
    return parser.parse_args(argv)


def write_lines(path: str, lines: List[str]) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + ('\n' if lines else ''))


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    root = args.root
    errors, warnings = [], []
    train_dir = osp.join(root, 'train')
    val_dir = osp.join(root, 'val')
    ann_dir = args.ann_dir if osp.isabs(args.ann_dir) else osp.join(
        root, args.ann_dir)

    if args.classes:
        wnids = read_wnid_file(args.classes)
    else:
        wnids = find_wnids(train_dir)
    if not osp.isdir(train_dir):
        errors.append(f'missing train folder: {train_dir}')
    if not wnids:
        errors.append('no classes: no class folders in '
                      f'{train_dir} and no --classes file')
    if not osp.isdir(val_dir):
        errors.append(f'missing validation image folder: {val_dir}')
    if not osp.isdir(ann_dir) or not any(
            n.endswith('.xml') for n in os.listdir(ann_dir)):
        errors.append(f'no validation box XML files in {ann_dir}')
    if errors:
        for e in errors:
            print(f'error: {e}')
        return 1
    wnid_to_idx = {w: i for i, w in enumerate(wnids)}

    # training images (labels only)
    train_ids, train_labels, train_sizes = [], [], []
    empty_classes = []
    for wnid in wnids:
        folder = osp.join(train_dir, wnid)
        names = sorted(
            n for n in os.listdir(folder)
            if n.endswith(IMG_EXTENSIONS)) if osp.isdir(folder) else []
        if not names:
            empty_classes.append(wnid)
        for name in names:
            image_id = f'train/{wnid}/{name}'
            train_ids.append(image_id)
            train_labels.append(f'{image_id},{wnid_to_idx[wnid]}')
            if args.train_sizes:
                h, w = read_image_size(osp.join(root, image_id))
                train_sizes.append(f'{image_id},{w},{h}')
    if empty_classes:
        errors.append(f'{len(empty_classes)} class(es) without training '
                      'images, e.g. ' + ', '.join(empty_classes[:5]))

    # validation images with boxes
    try:
        records, xml_paths = load_imagenet_val_records(ann_dir, wnid_to_idx)
    except (AnnotationError, FileNotFoundError) as e:
        print(f'error: {e}')
        return 1
    test_ids, test_labels, test_sizes, test_boxes = [], [], [], []
    without_image = []
    for record, xml_path in zip(records, xml_paths):
        stem = record['img_id']
        name = next((stem + ext for ext in IMG_EXTENSIONS
                     if osp.isfile(osp.join(val_dir, stem + ext))), None)
        if name is None:
            without_image.append(xml_path)
            continue
        image_id = f'val/{name}'
        h, w = record['ori_shape'] or read_image_size(osp.join(val_dir, name))
        test_ids.append(image_id)
        test_labels.append(f'{image_id},{record["gt_label"]}')
        test_sizes.append(f'{image_id},{w},{h}')
        for box in record['gt_bboxes']:
            test_boxes.append(f'{image_id},' + ','.join(f'{float(v):g}'
                                                        for v in box))
    if without_image:
        errors.append(f'{len(without_image)} box file(s) without an image in '
                      f'{val_dir}, e.g. ' + ', '.join(without_image[:5]))
    stems = {r['img_id'] for r in records}
    without_boxes = sorted(
        n for n in os.listdir(val_dir)
        if n.endswith(IMG_EXTENSIONS) and osp.splitext(n)[0] not in stems)
    if without_boxes:
        warnings.append(f'{len(without_boxes)} validation image(s) without a '
                        'box file (left out), e.g. ' +
                        ', '.join(without_boxes[:5]))

    if args.wsol_metadata:
        num_val, val_problems = check_train_fullsup(args.wsol_metadata, root,
                                                    'ILSVRC')
        print(f'train-fullsup (val): {num_val} images listed in '
              f'{osp.join(args.wsol_metadata, "val")}')
        errors += val_problems  # the configs cannot validate without them
    else:
        print('note: the train-fullsup (val) images the configs select on '
              'were not checked; add --wsol-metadata '
              'data/wsolevaluation_metadata/ILSVRC')
    print(f'{root}: {len(wnids)} classes, {len(train_ids)} training images, '
          f'{len(test_ids)} validation images with {len(test_boxes)} boxes')
    for w in warnings:
        print(f'warning: {w}')
    for e in errors:
        print(f'error: {e}')
    if errors:
        return 1
    if args.check_only:
        print('layout OK')
        return 0
    out_dir = args.out_dir or osp.join(root, 'wsol_metadata')
    write_lines(osp.join(out_dir, 'classes.txt'), wnids)
    write_lines(osp.join(out_dir, 'train', 'image_ids.txt'), train_ids)
    write_lines(osp.join(out_dir, 'train', 'class_labels.txt'), train_labels)
    if args.train_sizes:
        write_lines(osp.join(out_dir, 'train', 'image_sizes.txt'), train_sizes)
    for name, lines in (('image_ids.txt', test_ids), ('class_labels.txt',
                                                      test_labels),
                        ('image_sizes.txt', test_sizes), ('localization.txt',
                                                          test_boxes)):
        write_lines(osp.join(out_dir, 'test', name), lines)
    for split in ('train', 'test'):
        load_wsol_metadata(osp.join(out_dir, split))  # round-trip check
    print(f'wrote {out_dir}/{{train,test}} (data_root for the images: {root})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
