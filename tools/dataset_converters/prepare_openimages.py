"""Check an OpenImages30k folder against the WSOL-evaluation metadata.

OpenImages30k (Choe et al., CVPR 2020) ships its own metadata (no
conversion is needed): ``<metadata>/{train,val,test}/{image_ids,
class_labels,image_sizes,localization}.txt``, with ``localization.txt``
listing ``image_id,mask_path,ignore_path``. The images and masks are
expected in the wsolevaluation layout::

    <root>/train/<class>/<id>.jpg
    <root>/val/<class>/<id>.jpg, <id>_m<class>_<n>.png, <id>_ignore.png
    <root>/test/<class>/...

This tool parses the metadata of every split, then checks that every image,
mask and ignore mask exists (``--check-decode``: also that each mask
decodes and has its image's size) and reports the first problems with the
file and line that list them. Exit code 0 when the layout is complete.

Example::

    python tools/dataset_converters/prepare_openimages.py data/OpenImages \\
        --metadata data/wsolevaluation_metadata/OpenImages
"""
import argparse
import os.path as osp
import sys
from typing import List

import cv2

from fam_mm.datasets.annotation_utils import AnnotationError
from fam_mm.datasets.openimages_wsol import OpenImagesWSOL

SPLITS = ('train', 'val', 'test')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Check an OpenImages30k layout (images and masks)')
    parser.add_argument('root', help='folder of the images and masks')
    parser.add_argument(
        '--metadata', required=True,
        help='wsolevaluation metadata folder of OpenImages')
    parser.add_argument(
        '--mask-root', default=None, help='root of the masks (default: root)')
    parser.add_argument('--splits', nargs='+', default=list(SPLITS))
    parser.add_argument(
        '--check-decode', action='store_true',
        help='decode every mask and compare its size with the image')
    parser.add_argument(
        '--max-report', type=int, default=10,
        help='problems listed per split')
    return parser.parse_args(argv)


def check_split(args, split: str) -> List[str]:
    """Problems of one split (empty when complete)."""
    dataset = OpenImagesWSOL(
        data_root=args.root,
        metadata_root=args.metadata,
        mask_root=args.mask_root,
        split=split,
        annotation_only=True,
        lazy_init=False)
    problems = []
    num_masks = 0
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        files = [('image', info['img_path'])]
        files += [('mask', p) for p in info.get('mask_paths', [])]
        if info.get('ignore_path'):
            files.append(('ignore mask', info['ignore_path']))
        num_masks += len(info.get('mask_paths', []))
        for what, path in files:
            if not osp.isfile(path):
                problems.append(f'{split}: missing {what} {path} (image '
                                f'{info["img_id"]!r})')
        if args.check_decode and osp.isfile(info['img_path']):
            image = cv2.imread(info['img_path'], cv2.IMREAD_UNCHANGED)
            for what, path in files[1:]:
                if not osp.isfile(path):
                    continue
                mask = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
                if mask is None or image is None or \
                        mask.shape != image.shape[:2]:
                    problems.append(
                        f'{split}: {what} {path} does not decode to the '
                        f'size of its image {info["img_path"]}')
    print(f'{split}: {len(dataset)} images, {num_masks} masks, '
          f'{len(problems)} problem(s)')
    return problems


def main(argv=None) -> int:
    args = parse_args(argv)
    bad = 0
    for split in args.splits:
        try:
            problems = check_split(args, split)
        except (AnnotationError, FileNotFoundError) as err:
            print(f'{split}: {err}')
            bad += 1
            continue
        for line in problems[:args.max_report]:
            print('  ' + line)
        if len(problems) > args.max_report:
            print(f'  ... and {len(problems) - args.max_report} more')
        bad += bool(problems)
    print('layout complete' if not bad else 'layout INCOMPLETE')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
