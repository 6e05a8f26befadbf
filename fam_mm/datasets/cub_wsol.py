"""CUB-200-2011 with its bounding boxes, read from the official layout."""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmpretrain.datasets.categories import CUB_CATEGORIES
from mmpretrain.registry import DATASETS
from PIL import Image

from .annotation_utils import (
    AnnotationError,
    check_boxes,
    check_not_empty,
    index_by_id,
    parse_column,
    read_table,
)
from .image_checked import ImageCheckedDataset
from .wsol_metadata import check_image_files

CUB_FILES = ('images.txt', 'image_class_labels.txt', 'train_test_split.txt',
             'bounding_boxes.txt')


def read_image_size(path: str) -> Tuple[int, int]:
    """``(h, w)`` of an image file, reading only its header.

    Args:
        path (str): Image file.

    Returns:
        tuple[int, int]: Height and width.
    """
    with Image.open(path) as img:
        w, h = img.size
    return h, w


def load_cub_records(data_root: str,
                     split: Optional[str] = None) -> List[dict]:
    """Parse the annotation files of a ``CUB_200_2011`` folder.

    The files are ``images.txt`` (``id path``), ``image_class_labels.txt``
    (``id label``, 1-based), ``train_test_split.txt`` (``id is_train``) and
    ``bounding_boxes.txt`` (``id x y width height``); a box becomes
    ``(x, y, x + width, y + height)``. Every image must appear in each
    file; unknown ids, duplicates, malformed lines and empty boxes raise
    :class:`AnnotationError` naming the file and line.

    Args:
        data_root (str): The ``CUB_200_2011`` folder.
        split (str, optional): ``'train'``, ``'test'`` or None for both.

    Returns:
        list[dict]: In ``images.txt`` order, dicts with ``img_id`` (path
        relative to ``images/``), ``gt_label`` (0-based), ``gt_bboxes``
        (float32 ``(1, 4)``), ``is_train`` (bool), ``lineno`` (the line in
        ``images.txt``), ``label_lineno`` and ``box_lineno`` (the lines in
        ``image_class_labels.txt`` and ``bounding_boxes.txt``).
    """
    if split not in (None, 'train', 'test'):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    images_file = osp.join(data_root, 'images.txt')
    id_lines, rows = read_table(images_file, 2, 'image_id path', sep=None)
    keys = [row[0] for row in rows]
    paths = [row[1] for row in rows]
    index = index_by_id(images_file, keys, id_lines)
    num = len(keys)

    def read_by_id(name: str, num_fields: int, what: str):
        path = osp.join(data_root, name)
        lines, rows = read_table(path, num_fields, what, sep=None)
        owners: List[int] = []
        seen: Dict[int, int] = {}
        for lineno, row in zip(lines, rows):
            i = index.get(row[0])
            if i is None:
                raise AnnotationError(
                    f'unknown image id {row[0]!r} (not in images.txt)', path,
                    lineno)
            if i in seen:
                raise AnnotationError(
                    f'duplicate image id {row[0]!r} (first on line '
                    f'{seen[i]})', path, lineno)
            seen[i] = lineno
            owners.append(i)
        if len(seen) < num:
            i = next(i for i in range(num) if i not in seen)
            raise AnnotationError(
                f'image id {keys[i]!r} has no entry in {path} '
                f'({num - len(seen)} image(s) without one)', images_file,
                id_lines[i])
        return path, lines, rows, np.asarray(owners, dtype=np.int64)

    path, lines, rows, owners = read_by_id('image_class_labels.txt', 2,
                                           'image_id class_id')
    labels = np.empty(num, dtype=np.int64)
    labels[owners] = parse_column([r[1] for r in rows], path, lines, int) - 1
    label_lines = np.empty(num, dtype=np.int64)
    label_lines[owners] = lines
    if num and labels.min() < 0:
        bad = int(np.flatnonzero(labels[owners] < 0)[0])
        raise AnnotationError('class ids are 1-based: got 0 or less', path,
                              lines[bad])

    path, lines, rows, owners = read_by_id('train_test_split.txt', 2,
                                           'image_id is_training_image')
    flags = parse_column([r[1] for r in rows], path, lines, int)
    bad_flags = np.flatnonzero((flags != 0) & (flags != 1))
    if len(bad_flags):
        raise AnnotationError(
            f'is_training_image must be 0 or 1, got {flags[bad_flags[0]]}',
            path, lines[bad_flags[0]])
    is_train = np.empty(num, dtype=bool)
    is_train[owners] = flags == 1

    path, lines, rows, owners = read_by_id('bounding_boxes.txt', 5,
                                           'image_id x y width height')
    xywh = np.stack(
        [parse_column([r[k] for r in rows], path, lines) for k in range(1, 5)],
        1).reshape(-1, 4)
    file_boxes = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], 1)
    check_boxes(file_boxes, None, path, lines)
    boxes = np.empty((num, 4), dtype=np.float32)
    boxes[owners] = file_boxes
    box_lines = np.empty(num, dtype=np.int64)
    box_lines[owners] = lines

    records = []
    for i in range(num):
        if split is not None and is_train[i] != (split == 'train'):
            continue
        records.append(
            dict(
                img_id=paths[i],
                gt_label=int(labels[i]),
                gt_bboxes=boxes[i:i + 1].copy(),
                is_train=bool(is_train[i]),
                lineno=id_lines[i],
                label_lineno=int(label_lines[i]),
                box_lineno=int(box_lines[i])))
    return records


def load_cub_classes(data_root: str) -> Optional[Tuple[str, ...]]:
    """Class names from ``classes.txt`` (``id name``), if it exists."""
    path = osp.join(data_root, 'classes.txt')
    if not osp.isfile(path):
        return None
    lines, rows = read_table(path, 2, 'class_id name', sep=None)
    ids = parse_column([r[0] for r in rows], path, lines, int)
    if sorted(ids.tolist()) != list(range(1, len(ids) + 1)):
        raise AnnotationError('class ids must be 1..N, each once', path)
    names = [''] * len(ids)
    for class_id, row in zip(ids.tolist(), rows):
        names[class_id - 1] = row[1]
    return tuple(names)


@DATASETS.register_module()
class CUBWSOL(ImageCheckedDataset):
    """CUB-200-2011 for weakly supervised object localization.

    Reads the official ``CUB_200_2011`` layout::

        CUB_200_2011
        ├── images/<class folder>/<image>.jpg
        ├── images.txt               image_id relative/path.jpg
        ├── image_class_labels.txt   image_id class_id (1-based)
        ├── train_test_split.txt     image_id is_training_image
        ├── bounding_boxes.txt       image_id x y width height
        └── classes.txt              class_id name (optional)

    Each sample carries ``img_path``, ``img_id``, ``gt_label`` (0-based),
    ``gt_bboxes`` (float32 ``(1, 4)`` ``(x, y, x + width, y + height)`` in
    original pixels) and ``ori_shape`` (``(h, w)`` read from the image
    header; None in ``annotation_only`` mode). The boxes equal those of the
    WSOL-evaluation metadata for CUB.

    Args:
        data_root (str): The ``CUB_200_2011`` folder.
        split (str): ``'train'`` (5,994 images) or ``'test'`` (5,794).
            Defaults to ``'train'``.
        annotation_only (bool): Do not touch the image files (no existence
            check, ``ori_shape`` None, boxes only checked for being
            non-empty). Defaults to False.
        box_tolerance (float): How many pixels a box may exceed its image.
            Defaults to 1.
        classes (str | Sequence[str], optional): Class names; defaults to
            ``classes.txt`` or mmpretrain's CUB names.
        **kwargs: Other arguments of
            :class:`mmpretrain.datasets.BaseDataset`.
    """

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 annotation_only: bool = False,
                 box_tolerance: float = 1.0,
                 classes: Union[str, Sequence[str], None] = None,
                 data_prefix: Union[str, dict] = 'images',
                 **kwargs) -> None:
        if split not in ('train', 'test'):
            raise ValueError(
                f"CUBWSOL split must be 'train' or 'test', got {split!r}")
        self.split = split
        self.annotation_only = annotation_only
        self.box_tolerance = box_tolerance
        # CUB's 200 names only when there is no classes.txt; the labels are
        # checked against them in load_data_list
        self._default_classes = False
        if classes is None:
            classes = load_cub_classes(data_root)
            if classes is None:
                self._default_classes = True
                classes = CUB_CATEGORIES
        super().__init__(
            ann_file='images.txt',
            data_root=data_root,
            data_prefix=data_prefix,
            classes=classes,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Parse the annotation files and, unless ``annotation_only``, check
        the images and read their sizes.

        Returns:
            list[dict]: One dict per image of the split.
        """
        records = load_cub_records(self.data_root, self.split)
        check_not_empty(
            records, f'split {self.split!r} (train_test_split.txt marks no '
            f'image as {self.split})', osp.join(self.data_root, 'images.txt'))
        num_classes = len(self.CLASSES)
        labels_file = osp.join(self.data_root, 'image_class_labels.txt')
        for record in records:
            record['img_path'] = osp.join(self.img_prefix, record['img_id'])
            if record['gt_label'] >= num_classes:
                raise AnnotationError(
                    f'class id {record["gt_label"] + 1} is out of range '
                    f'for {num_classes} classes', labels_file,
                    record['label_lineno'])
        used = {record['gt_label'] for record in records}
        if self._default_classes and len(used) < num_classes:
            # not CUB-200-2011 itself: its 200 names would be wrong
            raise AnnotationError(
                f'no classes.txt, and the {self.split} split uses '
                f'{len(used)} class ids (up to {max(used) + 1}), not '
                f"CUB-200-2011's {num_classes}: write classes.txt "
                '("class_id name" lines) or set the dataset\'s `classes`',
                osp.join(self.data_root, 'classes.txt'))
        if not self.annotation_only:
            check_image_files(records, self.ann_file,
                              [r['lineno'] for r in records])
        sizes = []
        for record in records:
            shape = None
            if not self.annotation_only:
                shape = read_image_size(record['img_path'])
                sizes.append(shape[::-1])
            record['ori_shape'] = shape
        if sizes:
            check_boxes(
                np.concatenate([r['gt_bboxes'] for r in records]),
                np.asarray(sizes),
                osp.join(self.data_root, 'bounding_boxes.txt'),
                [r['box_lineno'] for r in records], self.box_tolerance)
        for record in records:
            for key in ('is_train', 'lineno', 'label_lineno', 'box_lineno'):
                record.pop(key)
        return records

    def extra_repr(self) -> List[str]:
        """The extra repr information of the dataset."""
        return [
            f'Root of dataset: \t{self.data_root}',
            f'Split: \t{self.split}',
            f'Annotation only: \t{self.annotation_only}',
        ]
