"""Check that the train-fullsup (``val``) images of the WSOL protocol exist.

The CUB and ILSVRC configs select models and box thresholds on the
wsolevaluation ``val`` split (train-fullsup): 1,000 CUBV2 images for CUB and
10,000 ImageNetV2 images for ILSVRC. Neither comes with the official
archives; :func:`check_train_fullsup` says which images are missing and how
to obtain them. Used by ``tools/dataset_converters/prepare_cub.py`` and
``prepare_imagenet_boxes.py`` (``--wsol-metadata``).
"""
import os.path as osp
from typing import List, Tuple

from .annotation_utils import AnnotationError
from .wsol_metadata import load_wsol_metadata

__all__ = ['check_train_fullsup', 'HOW_TO_GET']

HOW_TO_GET = {
    'CUB': ('the train-fullsup images are CUBV2, not part of '
            'CUB_200_2011.tgz: download CUBV2.tar (the link is in '
            "clovaai/wsolevaluation's README / dataset download script) and "
            'unpack its class folders into {images_root} (they merge with '
            "CUB's own)"),
    'ILSVRC': ('the train-fullsup images are ImageNetV2 (threshold-0.7), not '
               'part of ILSVRC 2012: download imagenetv2-threshold0.7.tar.gz '
               '(github.com/modestyachts/ImageNetV2) and unpack it as '
               '{images_root}/val2 (rename the folder imagenetv2-threshold0.7 '
               'to val2)'),
}


def check_train_fullsup(metadata_root: str, images_root: str,
                        dataset: str) -> Tuple[int, List[str]]:
    """Check the ``val`` split of a wsolevaluation metadata folder.

    Args:
        metadata_root (str): The dataset's metadata folder, e.g.
            ``data/wsolevaluation_metadata/CUB`` (holding ``val/``).
        images_root (str): The folder the val image ids are relative to
            (the configs' ``val_dataloader.dataset.data_root``).
        dataset (str): ``'CUB'`` or ``'ILSVRC'``, for the how-to message.

    Returns:
        tuple[int, list[str]]: The number of val images listed, and the
        problems found (empty when every image exists), each one line that
        names the file and says how to fix it.
    """
    if dataset not in HOW_TO_GET:
        raise ValueError(f'dataset must be one of {sorted(HOW_TO_GET)}, got '
                         f'{dataset!r}')
    split_dir = osp.join(metadata_root, 'val')
    ids_file = osp.join(split_dir, 'image_ids.txt')
    if not osp.isfile(ids_file):
        return 0, [
            f'no train-fullsup metadata: {ids_file} does not exist (copy '
            "clovaai/wsolevaluation's metadata/ folder, e.g. to "
            'data/wsolevaluation_metadata)'
        ]
    try:
        records = load_wsol_metadata(split_dir)
    except (AnnotationError, FileNotFoundError) as e:
        return 0, [str(e)]
    missing = [
        r['img_id'] for r in records
        if not osp.isfile(osp.join(images_root, r['img_id']))
    ]
    if not missing:
        return len(records), []
    example = osp.join(images_root, missing[0])
    return len(records), [
        f'{len(missing)} of {len(records)} train-fullsup (val) images listed '
        f'in {ids_file} are missing, e.g. {example}; ' +
        HOW_TO_GET[dataset].format(images_root=images_root)
    ]
