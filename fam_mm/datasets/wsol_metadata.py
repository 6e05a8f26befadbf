"""Datasets in the metadata format of the WSOL evaluation protocol.

The protocol of *Evaluating Weakly Supervised Object Localization Methods
Right* (Choe et al., CVPR 2020) ships its splits as plain text files, one
folder per split::

    metadata_root
    ├── train          # train-weaksup: image-level labels only
    │   ├── image_ids.txt       path/relative/to/data_root.jpg
    │   ├── class_labels.txt    image_id,class_index
    │   ├── image_sizes.txt     image_id,width,height      (optional)
    │   └── localization.txt    image_id,x0,y0,x1,y1        (optional)
    ├── val            # train-fullsup: boxes, for threshold search
    └── test

``localization.txt`` has one line per box, so an image may have several.
"""
import os
import os.path as osp
from typing import List, Optional, Sequence, Union

import numpy as np
from mmpretrain.registry import DATASETS

from .annotation_utils import (
    AnnotationError,
    check_boxes,
    check_not_empty,
    index_by_id,
    iter_lines,
    parse_column,
    read_table,
)
from .image_checked import ImageCheckedDataset

METADATA_FILES = ('image_ids.txt', 'class_labels.txt', 'image_sizes.txt',
                  'localization.txt')


def load_wsol_metadata(split_dir: str,
                       box_tolerance: float = 1.0,
                       with_boxes: bool = True) -> List[dict]:
    """Parse one split folder of the WSOL metadata format.

    Every line is checked: malformed lines, unknown or duplicate image ids,
    images without a label, images without a box (when ``localization.txt``
    exists) and boxes that are empty or outside their image (when
    ``image_sizes.txt`` exists) raise :class:`AnnotationError` naming the
    file and the line.

    Args:
        split_dir (str): Folder holding ``image_ids.txt``,
            ``class_labels.txt`` and optionally ``image_sizes.txt`` and
            ``localization.txt``.
        box_tolerance (float): How many pixels a box may exceed its image.
            Defaults to 1.
        with_boxes (bool): Read ``localization.txt`` as boxes. False leaves it
            to the caller (OpenImages lists masks there). Defaults to True.

    Returns:
        list[dict]: One dict per image, in ``image_ids.txt`` order, with
        ``img_id`` (str), ``gt_label`` (int), ``ori_shape`` (``(h, w)`` or
        None when there is no ``image_sizes.txt``) and ``gt_bboxes``
        (float32 ``(n, 4)``, ``n = 0`` without ``localization.txt``).
    """
    ids_file = osp.join(split_dir, 'image_ids.txt')
    id_lines, rows = read_table(ids_file, 1, 'image_id')
    ids = [row[0] for row in rows]
    index = index_by_id(ids_file, ids, id_lines)
    num = len(ids)

    def lookup(path: str, linenos: List[int], rows: List[List[str]]):
        """Positions of the rows' image ids in ``image_ids.txt``."""
        try:
            return np.array([index[row[0]] for row in rows], dtype=np.int64)
        except KeyError:
            for lineno, row in zip(linenos, rows):
                if row[0] not in index:
                    raise AnnotationError(
                        f'unknown image id {row[0]!r} (not in '
                        'image_ids.txt)', path, lineno) from None
            raise

    def first_unset(mask: np.ndarray, path: str, what: str):
        missing = np.flatnonzero(mask)
        if len(missing):
            i = int(missing[0])
            raise AnnotationError(
                f'image {ids[i]!r} has no {what} in {path} '
                f'({len(missing)} image(s) without one)', ids_file,
                id_lines[i])

    labels_file = osp.join(split_dir, 'class_labels.txt')
    lines, rows = read_table(labels_file, 2, 'image_id,class_index')
    owners = lookup(labels_file, lines, rows)
    values = parse_column([row[1] for row in rows], labels_file, lines, int)
    if len(values) and values.min() < 0:
        i = int(np.argmin(values))
        raise AnnotationError(f'negative class index {values[i]}', labels_file,
                              lines[i])
    labels = np.full(num, -1, dtype=np.int64)
    labels[owners] = values
    first_unset(labels < 0, labels_file, 'class label')

    sizes = None
    sizes_file = osp.join(split_dir, 'image_sizes.txt')
    # an image_sizes.txt without lines (OpenImages) is the same as none
    lines, rows = (read_table(sizes_file, 3, 'image_id,width,height')
                   if osp.isfile(sizes_file) else ([], []))
    if rows:
        owners = lookup(sizes_file, lines, rows)
        values = np.stack([
            parse_column([row[k] for row in rows], sizes_file, lines, int)
            for k in (1, 2)
        ], 1).reshape(-1, 2)
        bad = np.flatnonzero((values <= 0).any(1))
        if len(bad):
            i = int(bad[0])
            raise AnnotationError(
                f'non-positive image size {values[i, 0]}x{values[i, 1]}',
                sizes_file, lines[i])
        sizes = np.zeros((num, 2), dtype=np.int64)
        sizes[owners] = values
        first_unset(sizes[:, 0] == 0, sizes_file, 'size')

    loc_file = osp.join(split_dir, 'localization.txt')
    has_boxes = with_boxes and osp.isfile(loc_file)
    if has_boxes:
        lines, rows = read_table(loc_file, 5, 'image_id,x0,y0,x1,y1')
        owners = lookup(loc_file, lines, rows)
        boxes = np.stack([
            parse_column([row[k] for row in rows], loc_file, lines, float)
            for k in range(1, 5)
        ], 1).reshape(-1, 4)
        check_boxes(boxes, None if sizes is None else sizes[owners], loc_file,
                    lines, box_tolerance)
        counts = np.bincount(owners, minlength=num)
        first_unset(counts == 0, loc_file, 'box')
        # group the boxes by image, keeping their order in the file
        order = np.argsort(owners, kind='stable')
        splits = np.cumsum(counts)[:-1]
        grouped = np.split(boxes.astype(np.float32)[order], splits)

    records = []
    empty = np.zeros((0, 4), dtype=np.float32)
    for i, image_id in enumerate(ids):
        records.append(
            dict(
                img_id=image_id,
                gt_label=int(labels[i]),
                ori_shape=None if sizes is None else
                (int(sizes[i, 1]), int(sizes[i, 0])),
                gt_bboxes=grouped[i] if has_boxes else empty.copy()))
    return records


@DATASETS.register_module()
class WSOLMetadataDataset(ImageCheckedDataset):
    """A WSOL split described by the WSOL-evaluation metadata files.

    Reads ``<metadata_root>/<split>/{image_ids,class_labels,image_sizes,
    localization}.txt`` (see the module docstring) for CUB, ILSVRC or
    OpenImages-box style splits: ``train`` (train-weaksup), ``val``
    (train-fullsup) and ``test``. Each sample carries ``img_path``,
    ``img_id``, ``gt_label``, ``gt_bboxes`` (float32 ``(n, 4)``,
    ``(x1, y1, x2, y2)`` original pixels, possibly several per image, none
    for a split without ``localization.txt``) and ``ori_shape``
    (``(h, w)`` from ``image_sizes.txt``, None without it; the loading
    transform replaces it by the decoded image's shape).

    Args:
        data_root (str): Root of the images; image ids are relative to it
            (and to ``data_prefix`` when given).
        metadata_root (str): Folder with one sub-folder per split. Used as
            given (it is *not* joined with ``data_root``).
        split (str): Sub-folder of ``metadata_root``, e.g. ``'train'``,
            ``'val'`` or ``'test'``. Defaults to ``'test'``.
        annotation_only (bool): Parse and check the annotations without
            touching the image files (no existence check). Useful to inspect
            the metadata or to evaluate from stored predictions. Defaults to
            False.
        box_tolerance (float): How many pixels a box may exceed its image
            before it is rejected. Defaults to 1.
        classes (str | Sequence[str], optional): Class names (or a file with
            one per line) in class-index order. Defaults to
            ``<metadata_root>/classes.txt`` when it exists, else unknown.
        **kwargs: Other arguments of
            :class:`mmpretrain.datasets.BaseDataset` (``pipeline``,
            ``test_mode``, ``indices``, ``data_prefix``, ...).

    Raises:
        AnnotationError: For malformed or inconsistent metadata (the message
            names the file and the line).
        FileNotFoundError: For a missing split folder, metadata file or,
            unless ``annotation_only``, image file.
    """

    def __init__(self,
                 data_root: str,
                 metadata_root: str,
                 split: str = 'test',
                 annotation_only: bool = False,
                 box_tolerance: float = 1.0,
                 classes: Union[str, Sequence[str], None] = None,
                 **kwargs) -> None:
        self.metadata_root = osp.expanduser(metadata_root)
        self.split = split
        self.annotation_only = annotation_only
        self.box_tolerance = box_tolerance
        self.split_dir = osp.join(self.metadata_root, split)
        if not osp.isdir(self.split_dir):
            available = sorted(
                d for d in (os.listdir(self.metadata_root) if osp.
                            isdir(self.metadata_root) else [])
                if osp.isfile(
                    osp.join(self.metadata_root, d, 'image_ids.txt')))
            raise FileNotFoundError(
                f'no metadata for split {split!r}: {self.split_dir} does not '
                f'exist (splits found in {self.metadata_root}: '
                f'{available or "none"})')
        if classes is None:
            default = osp.join(self.metadata_root, 'classes.txt')
            if osp.isfile(default):
                classes = default
        super().__init__(
            ann_file='', data_root=data_root, classes=classes, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Parse the split's metadata files.

        Returns:
            list[dict]: One dict per image (see the class docstring).
        """
        records = self._load_records()
        num_classes = len(self.CLASSES) if self.CLASSES else None
        ids_file = osp.join(self.split_dir, 'image_ids.txt')
        check_not_empty(records, f'split {self.split!r}', ids_file)
        labels_file = osp.join(self.split_dir, 'class_labels.txt')
        for record in records:
            if num_classes is not None and record['gt_label'] >= num_classes:
                lineno = next(
                    (n for n, line in iter_lines(labels_file)
                     if line.rsplit(',', 1)[0].strip() == record['img_id']),
                    None)
                raise AnnotationError(
                    f'class index {record["gt_label"]} of image '
                    f'{record["img_id"]!r} is out of range for '
                    f'{num_classes} classes', labels_file, lineno)
            record['img_path'] = osp.join(self.img_prefix, record['img_id'])
        if not self.annotation_only:
            check_image_files(records, ids_file)
        return records

    def _load_records(self) -> List[dict]:
        """The split's records (subclasses add their annotations)."""
        return load_wsol_metadata(self.split_dir, self.box_tolerance)

    def extra_repr(self) -> List[str]:
        """The extra repr information of the dataset."""
        return [
            f'Split: \t{self.split}',
            f'Metadata: \t{self.split_dir}',
            f'Root of images: \t{self.img_prefix}',
            f'Annotation only: \t{self.annotation_only}',
        ]


def check_image_files(
        records: Sequence[dict],
        listed_in: str,
        linenos: Optional[Sequence[Optional[int]]] = None) -> None:
    """Fail on the first record whose ``img_path`` is not a file.

    Args:
        records (Sequence[dict]): Dicts with ``img_path`` and ``img_id``.
        listed_in (str): The annotation file that lists the images.
        linenos (Sequence[int], optional): Line of each record in
            ``listed_in``. Defaults to the non-empty lines of ``listed_in``
            (one record per line), read only when an image is missing.

    Raises:
        FileNotFoundError: Naming the first missing image, the file and line
            that list it, and how many images are missing.
    """
    missing = [
        i for i, record in enumerate(records)
        if not osp.isfile(record['img_path'])
    ]
    if not missing:
        return
    i = missing[0]
    if linenos is None:
        linenos = [lineno for lineno, _ in iter_lines(listed_in)]
    where = listed_in
    if i < len(linenos) and linenos[i] is not None:
        where = f'{listed_in}, line {linenos[i]}'
    raise FileNotFoundError(
        f'image file not found: {records[i]["img_path"]} (image id '
        f'{records[i]["img_id"]!r}, listed in {where}); {len(missing)} of '
        f'{len(records)} image(s) are missing. Pass annotation_only=True to '
        'use the annotations without the images.')
