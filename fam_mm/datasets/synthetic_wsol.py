"""A small synthetic WSOL benchmark that makes CAM's part bias visible.

The images (see :mod:`fam_mm.datasets.synthetic_generator` for the drawing)
show orange spotted *creatures* (body, head, tail, legs: the same for every
class) on textured, cluttered backgrounds; the class is given only by the
small crest on the head (colour x shape). A classifier therefore needs, and
its CAM highlights, the crest (about 7% of the object), while a
class-agnostic foreground model can learn the shared skin and cover the
whole creature.

Defaults: 8 classes (4 crest colours x spike / knob), 1,200 train, 200 val
and 400 test images with sides of 96-160 pixels, about 15% of the images
with two creatures of the same class. Generation takes a few seconds and is
byte-identical for a seed.

It is written once in the WSOL metadata layout (plus masks) and then read by
:class:`WSOLMetadataDataset`::

    data_root                          (default data/synthetic_wsol)
    ├── meta.json                      generator version and parameters
    ├── images/<split>/<split>_00000.jpg   (JPEG, quality 95)
    ├── masks/<split>/<split>_00000.png   instance masks: 0 background,
    │                                     k = k-th creature (k-th box)
    ├── parts/<split>/<split>_00000.png   part masks (see PART_LABELS)
    └── metadata
        ├── classes.txt
        └── <split>/{image_ids,class_labels,image_sizes,localization}.txt

The folder is regenerated when ``meta.json`` is missing or records another
generator version or other parameters.
"""
import json
import os
import os.path as osp
import shutil
import time
from contextlib import contextmanager
from typing import Dict, List, Optional

import cv2
from mmpretrain.registry import DATASETS

from .synthetic_generator import (
    PART_LABELS,
    class_names,
    draw_sample,
    split_labels,
)
from .wsol_metadata import WSOLMetadataDataset

#: Bump whenever the drawing or the layout changes: stale copies on disk are
#: then regenerated.
#: 2: the fine-grained variant's shorter class names (drawings unchanged).
SYNTHETIC_WSOL_VERSION = 2
GENERATOR_NAME = 'fam_mm.synthetic_wsol'
SPLITS = ('train', 'val', 'test')
JPEG_QUALITY = 95

DEFAULT_PARAMS = dict(
    seed=0,
    num_classes=8,
    num_train=1200,
    num_val=200,
    num_test=400,
    min_size=96,
    max_size=160,
    multi_object_prob=0.15,
    # False: the reference benchmark (class only on the crest); True: the
    # richer variant with the class also on the skin (see draw_sample)
    skin_cue=False,
    # True: the fine-grained variant (the class is a combination of part
    # attributes over the whole creature, see finegrained_attributes)
    fine_grained=False,
)
_FLAGS = ('skin_cue', 'fine_grained')


def synthetic_params(**overrides) -> Dict:
    """The full parameter dict (defaults updated by ``overrides``)."""
    unknown = set(overrides) - set(DEFAULT_PARAMS)
    if unknown:
        raise TypeError(
            f'unknown synthetic WSOL parameters: {sorted(unknown)}')
    params = dict(DEFAULT_PARAMS, **overrides)
    params['multi_object_prob'] = float(params['multi_object_prob'])
    for key in DEFAULT_PARAMS:
        if key != 'multi_object_prob' and key not in _FLAGS:
            params[key] = int(params[key])
    # recorded only when on, so reference benchmarks generated before the
    # options existed stay up to date
    for flag in _FLAGS:
        if params.pop(flag):
            params[flag] = True
    if params.get('skin_cue') and params.get('fine_grained'):
        raise ValueError('skin_cue and fine_grained are two variants of the '
                         'benchmark: choose one')
    # validates the range
    class_names(params['num_classes'], params.get('fine_grained', False))
    if not 32 <= params['min_size'] <= params['max_size']:
        raise ValueError('need 32 <= min_size <= max_size, got '
                         f'{params["min_size"]}, {params["max_size"]}')
    if min(params['num_train'], params['num_val'], params['num_test']) < 1:
        raise ValueError('every split needs at least one image')
    return params


def read_meta(data_root: str) -> Optional[dict]:
    """``meta.json`` of a generated benchmark, or None."""
    path = osp.join(data_root, 'meta.json')
    if not osp.isfile(path):
        return None
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _up_to_date_meta(data_root: str, params: Dict) -> Optional[dict]:
    """``meta.json`` of a complete generation for ``params``, or None."""
    meta = read_meta(data_root)
    if not meta or meta.get('generator') != GENERATOR_NAME:
        return None
    if meta.get('version') != SYNTHETIC_WSOL_VERSION or \
            meta.get('params') != params:
        return None
    complete = all(
        osp.isfile(osp.join(data_root, 'metadata', split, name))
        for split in SPLITS
        for name in ('image_ids.txt', 'class_labels.txt', 'image_sizes.txt',
                     'localization.txt'))
    return meta if complete else None


def is_up_to_date(data_root: str, params: Dict) -> bool:
    """Whether ``data_root`` holds a complete generation for ``params``."""
    return _up_to_date_meta(data_root, params) is not None


def mask_name(image_id: str) -> str:
    """Relative path of the masks of an image (``.png``)."""
    return osp.splitext(image_id)[0] + '.png'


def _write_split(out_dir: str, split: str, params: Dict) -> int:
    num = params[f'num_{split}']
    labels = split_labels(params['seed'], split, num, params['num_classes'])
    for sub in ('images', 'masks', 'parts'):
        os.makedirs(osp.join(out_dir, sub, split), exist_ok=True)
    meta_dir = osp.join(out_dir, 'metadata', split)
    os.makedirs(meta_dir, exist_ok=True)
    ids, label_lines, size_lines, box_lines = [], [], [], []
    num_boxes = 0
    for index, label in enumerate(labels):
        sample = draw_sample(
            params['seed'],
            split,
            index,
            label,
            size_range=(params['min_size'], params['max_size']),
            multi_object_prob=params['multi_object_prob'],
            skin_cue=params.get('skin_cue', False),
            fine_grained=params.get('fine_grained', False))
        image_id = f'{split}/{split}_{index:05d}.jpg'
        mask_id = mask_name(image_id)
        cv2.imwrite(
            osp.join(out_dir, 'images', image_id), sample['img'],
            [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        png = [cv2.IMWRITE_PNG_COMPRESSION, 1]
        cv2.imwrite(
            osp.join(out_dir, 'masks', mask_id), sample['instance_mask'], png)
        cv2.imwrite(
            osp.join(out_dir, 'parts', mask_id), sample['part_mask'], png)
        h, w = sample['img'].shape[:2]
        ids.append(image_id)
        label_lines.append(f'{image_id},{label}')
        size_lines.append(f'{image_id},{w},{h}')
        for box in sample['boxes'].astype(int).tolist():
            box_lines.append(f'{image_id},' + ','.join(map(str, box)))
            num_boxes += 1
    for name, lines in (('image_ids.txt', ids), ('class_labels.txt',
                                                 label_lines),
                        ('image_sizes.txt', size_lines), ('localization.txt',
                                                          box_lines)):
        with open(osp.join(meta_dir, name), 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines) + '\n')
    return num_boxes


@contextmanager
def _file_lock(path: str):
    """An exclusive inter-process lock (no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - non-POSIX
        yield
        return
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def generate_synthetic_wsol(data_root: str = 'data/synthetic_wsol',
                            force: bool = False,
                            **params) -> dict:
    """Write the synthetic benchmark to ``data_root`` unless up to date.

    Generation happens in a temporary sibling folder that replaces
    ``data_root`` when complete, under a lock file, so concurrent callers
    (data loader workers, distributed ranks, parallel tests) are safe. A
    non-empty ``data_root`` that was not written by this generator is never
    overwritten.

    Args:
        data_root (str): Output folder. Defaults to
            ``'data/synthetic_wsol'``.
        force (bool): Regenerate even when up to date. Defaults to False.
        **params: Overrides of :data:`DEFAULT_PARAMS` (``seed``,
            ``num_classes``, ``num_train``, ``num_val``, ``num_test``,
            ``min_size``, ``max_size``, ``multi_object_prob``,
            ``skin_cue``, ``fine_grained``).

    Returns:
        dict: The content of ``meta.json``.
    """
    params = synthetic_params(**params)
    data_root = osp.abspath(osp.expanduser(data_root))
    meta = None if force else _up_to_date_meta(data_root, params)
    if meta is not None:
        return meta
    with _file_lock(data_root.rstrip('/') + '.lock'):
        # made by another process meanwhile?
        meta = None if force else _up_to_date_meta(data_root, params)
        if meta is not None:
            return meta
        if osp.isdir(data_root) and os.listdir(data_root):
            meta = read_meta(data_root)
            if not meta or meta.get('generator') != GENERATOR_NAME:
                raise FileExistsError(
                    f'{data_root} is not empty and holds no synthetic WSOL '
                    'benchmark (no meta.json from this generator); refusing '
                    'to overwrite it. Choose another data_root.')
        start = time.time()
        tmp = f'{data_root}.tmp-{os.getpid()}'
        shutil.rmtree(tmp, ignore_errors=True)
        counts = {}
        for split in SPLITS:
            counts[split] = dict(
                images=params[f'num_{split}'],
                boxes=_write_split(tmp, split, params))
        names = class_names(params['num_classes'],
                            params.get('fine_grained', False))
        with open(osp.join(tmp, 'metadata', 'classes.txt'), 'w') as f:
            f.write('\n'.join(names) + '\n')
        meta = dict(
            generator=GENERATOR_NAME,
            version=SYNTHETIC_WSOL_VERSION,
            params=params,
            classes=names,
            counts=counts,
            part_labels=PART_LABELS)
        with open(osp.join(tmp, 'meta.json'), 'w', encoding='utf-8') as f:
            json.dump(meta, f, indent=2, sort_keys=True)
            f.write('\n')
        old = f'{data_root}.old-{os.getpid()}'
        if osp.exists(data_root):
            os.rename(data_root, old)
        os.rename(tmp, data_root)
        shutil.rmtree(old, ignore_errors=True)
        meta['seconds'] = round(time.time() - start, 2)
        return meta


@DATASETS.register_module()
class SyntheticWSOL(WSOLMetadataDataset):
    """The synthetic WSOL benchmark, generated on first use.

    See the module docstring for the design and the layout. Besides the
    fields of :class:`WSOLMetadataDataset`, each sample carries
    ``mask_path`` (instance mask: 0 background, k for the k-th box) and
    ``part_mask_path`` (values of :data:`PART_LABELS`; the crest, i.e. the
    discriminative part, is 5).

    Args:
        data_root (str): Where the benchmark lives (written if missing or
            stale). Defaults to ``'data/synthetic_wsol'``.
        split (str): ``'train'``, ``'val'`` or ``'test'``. Defaults to
            ``'train'``.
        seed (int): Generator seed. Defaults to 0.
        num_classes (int): 2 to 12 classes. Defaults to 8.
        num_train (int): Train images. Defaults to 1200.
        num_val (int): Val images. Defaults to 200.
        num_test (int): Test images. Defaults to 400.
        min_size (int): Smallest image side. Defaults to 96.
        max_size (int): Largest image side. Defaults to 160.
        multi_object_prob (float): Probability of a second creature.
            Defaults to 0.15.
        skin_cue (bool): The richer variant: the class is also written on
            the creature's skin (spots in the crest's hue), as class
            evidence is spread over the object in real fine-grained data.
            Defaults to False (the reference benchmark).
        fine_grained (bool): The fine-grained variant, modelled on CUB: a
            class is a combination of part attributes (crest colour, body
            pattern, tail bands, leg colour; up to 16 classes, the first 8
            differ pairwise in at least two parts), so no single part names
            it; the crest shape varies within a class, creatures keep a
            margin from the borders. Defaults to False.
        **kwargs: Other arguments of :class:`WSOLMetadataDataset` and
            :class:`mmpretrain.datasets.BaseDataset` (``pipeline``,
            ``test_mode``, ``annotation_only``, ...).
    """

    def __init__(self,
                 data_root: str = 'data/synthetic_wsol',
                 split: str = 'train',
                 seed: int = 0,
                 num_classes: int = 8,
                 num_train: int = 1200,
                 num_val: int = 200,
                 num_test: int = 400,
                 min_size: int = 96,
                 max_size: int = 160,
                 multi_object_prob: float = 0.15,
                 skin_cue: bool = False,
                 fine_grained: bool = False,
                 **kwargs) -> None:
        if split not in SPLITS:
            raise ValueError(f'split must be one of {SPLITS}, got {split!r}')
        self.synthetic_meta = generate_synthetic_wsol(
            data_root,
            seed=seed,
            num_classes=num_classes,
            num_train=num_train,
            num_val=num_val,
            num_test=num_test,
            min_size=min_size,
            max_size=max_size,
            multi_object_prob=multi_object_prob,
            skin_cue=skin_cue,
            fine_grained=fine_grained)
        kwargs.setdefault('data_prefix', dict(img_path='images'))
        super().__init__(
            data_root=data_root,
            metadata_root=osp.join(data_root, 'metadata'),
            split=split,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Load the metadata and add the mask paths.

        Returns:
            list[dict]: One dict per image.
        """
        records = super().load_data_list()
        for record in records:
            name = mask_name(record['img_id'])
            record['mask_path'] = osp.join(self.data_root, 'masks', name)
            record['part_mask_path'] = osp.join(self.data_root, 'parts', name)
        return records
