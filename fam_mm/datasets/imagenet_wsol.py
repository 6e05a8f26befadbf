"""ILSVRC 2012 (ImageNet-1k) for WSOL: class folders and per-image XML
boxes."""
import os
import os.path as osp
import xml.parsers.expat
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.logging import MMLogger
from mmpretrain.datasets.categories import IMAGENET_CATEGORIES
from mmpretrain.registry import DATASETS

from .annotation_utils import (
    AnnotationError,
    check_boxes,
    check_not_empty,
    iter_lines,
)
from .image_checked import ImageCheckedDataset
from .wsol_metadata import check_image_files

IMG_EXTENSIONS = ('.JPEG', '.jpeg', '.jpg', '.JPG', '.png', '.PNG')


class _Node:
    """An XML element with the line it starts on."""

    __slots__ = ('tag', 'line', 'children', 'text')

    def __init__(self, tag: str, line: int) -> None:
        self.tag = tag
        self.line = line
        self.children: List['_Node'] = []
        self.text = ''

    def find(self, tag: str) -> Optional['_Node']:
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def findall(self, tag: str) -> List['_Node']:
        return [child for child in self.children if child.tag == tag]


def _parse_xml(path: str) -> _Node:
    """Parse an XML file keeping each element's line number."""
    root = _Node('', 0)
    stack = [root]
    parser = xml.parsers.expat.ParserCreate()

    def start(tag, attrs):
        node = _Node(tag, parser.CurrentLineNumber)
        stack[-1].children.append(node)
        stack.append(node)

    def end(tag):
        stack.pop()

    def text(data):
        stack[-1].text += data

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        with open(path, 'rb') as f:
            parser.ParseFile(f)
    except xml.parsers.expat.ExpatError as e:
        raise AnnotationError(
            f'malformed XML: {xml.parsers.expat.ErrorString(e.code)}', path,
            e.lineno) from None
    if not root.children:
        raise AnnotationError('empty XML document', path)
    return root.children[0]


def _number(parent: _Node, tag: str, path: str, kind=float):
    node = parent.find(tag)
    if node is None:
        raise AnnotationError(f'<{parent.tag}> has no <{tag}>', path,
                              parent.line)
    try:
        value = kind(node.text.strip())
    except ValueError:
        raise AnnotationError(
            f'<{tag}> is {node.text.strip()!r}, not a number', path,
            node.line) from None
    return value


def parse_imagenet_xml(path: str) -> dict:
    """Read an ILSVRC (Pascal-VOC style) box annotation.

    Args:
        path (str): The XML file, e.g. ``val/ILSVRC2012_val_00000001.xml``.

    Returns:
        dict: ``filename`` (str, may be empty), ``size`` (``(w, h)`` or
        None), ``names`` (list of wnids, one per object), ``boxes``
        (float32 ``(n, 4)`` ``(xmin, ymin, xmax, ymax)``), ``lines`` (line
        of each object's ``<bndbox>``) and ``name_lines`` (of its
        ``<name>``).
    """
    root = _parse_xml(path)
    filename = root.find('filename')
    size = root.find('size')
    wh = None
    if size is not None:
        wh = (_number(size, 'width', path,
                      int), _number(size, 'height', path, int))
    names, boxes, lines, name_lines = [], [], [], []
    for obj in root.findall('object'):
        name = obj.find('name')
        if name is None or not name.text.strip():
            raise AnnotationError('<object> has no <name>', path, obj.line)
        bndbox = obj.find('bndbox')
        if bndbox is None:
            raise AnnotationError('<object> has no <bndbox>', path, obj.line)
        names.append(name.text.strip())
        name_lines.append(name.line)
        boxes.append([
            _number(bndbox, tag, path)
            for tag in ('xmin', 'ymin', 'xmax', 'ymax')
        ])
        lines.append(bndbox.line)
    return dict(
        filename='' if filename is None else filename.text.strip(),
        size=wh,
        names=names,
        boxes=np.asarray(boxes, dtype=np.float32).reshape(-1, 4),
        lines=lines,
        name_lines=name_lines)


def find_wnids(train_dir: str) -> List[str]:
    """Sorted class folder names (wnids) of an ILSVRC ``train`` folder."""
    if not osp.isdir(train_dir):
        return []
    return sorted(
        entry.name for entry in os.scandir(train_dir) if entry.is_dir())


def read_wnid_file(path: str) -> List[str]:
    """Wnids from a file with one class per line (first token = wnid)."""
    return [line.split()[0] for _, line in iter_lines(path)]


def load_imagenet_val_records(
        ann_dir: str,
        wnid_to_idx: Optional[dict],
        box_tolerance: float = 1.0) -> Tuple[List[dict], List[str]]:
    """Parse every ``*.xml`` of an ILSVRC validation box folder.

    The image label is the wnid of the first object; boxes of objects with
    another wnid (none in ILSVRC 2012) are ignored.

    Args:
        ann_dir (str): Folder of ``ILSVRC2012_val_XXXXXXXX.xml`` files.
        wnid_to_idx (dict, optional): Class index of each wnid; None keeps
            the wnid in ``wnid`` and sets no ``gt_label``.
        box_tolerance (float): See :func:`check_boxes`.

    Returns:
        tuple[list[dict], list[str]]: Dicts sorted by file name with
        ``img_id`` (the XML stem), ``wnid``, ``gt_label`` (when
        ``wnid_to_idx`` is given), ``gt_bboxes``, ``ori_shape`` and
        ``xml_path``; and the XML paths.
    """
    if not osp.isdir(ann_dir):
        raise FileNotFoundError(f'box annotation folder not found: {ann_dir}')
    xml_files = sorted(
        name for name in os.listdir(ann_dir) if name.endswith('.xml'))
    records = []
    for name in xml_files:
        path = osp.join(ann_dir, name)
        ann = parse_imagenet_xml(path)
        if not ann['names']:
            raise AnnotationError('no <object> in the annotation', path)
        wnid = ann['names'][0]
        keep = [i for i, n in enumerate(ann['names']) if n == wnid]
        boxes = ann['boxes'][keep]
        check_boxes(
            boxes,
            None if ann['size'] is None else np.tile(ann['size'],
                                                     (len(boxes), 1)), path,
            [ann['lines'][i] for i in keep], box_tolerance)
        record = dict(
            img_id=osp.splitext(name)[0],
            wnid=wnid,
            gt_bboxes=boxes,
            ori_shape=None if ann['size'] is None else
            (ann['size'][1], ann['size'][0]),
            xml_path=path)
        if wnid_to_idx is not None:
            if wnid not in wnid_to_idx:
                raise AnnotationError(
                    f'unknown class {wnid!r} (not among the '
                    f'{len(wnid_to_idx)} classes)', path, ann['name_lines'][0])
            record['gt_label'] = wnid_to_idx[wnid]
        records.append(record)
    return records, [r['xml_path'] for r in records]


@DATASETS.register_module()
class ImageNetWSOL(ImageCheckedDataset):
    """ILSVRC 2012 for weakly supervised object localization.

    Layout (the official archives, unpacked)::

        data_root
        ├── train/<wnid>/<wnid>_<n>.JPEG          image labels only
        └── val
            ├── ILSVRC2012_val_00000001.JPEG
            └── ILSVRC2012_val_00000001.xml       from ILSVRC2012_bbox_val
                                                  (Pascal-VOC style boxes)

    The class index is the position of the wnid in ``classes`` (a file with
    one wnid per line, or a list); by default the sorted class folders of
    ``train`` (the usual order, also the WSOL-evaluation metadata's), and
    for a ``val``-only copy the sorted wnids found in the XML files.

    ``train`` samples carry no boxes (``gt_bboxes`` of shape ``(0, 4)``,
    ``ori_shape`` None until loaded); ``val`` samples carry every box of the
    image's class (``(xmin, ymin, xmax, ymax)`` as written in the XML) and
    ``ori_shape`` from ``<size>``.

    Args:
        data_root (str): The ILSVRC 2012 root.
        split (str): ``'train'`` or ``'val'``. Defaults to ``'train'``.
        ann_dir (str, optional): Folder of the validation XML files,
            relative to ``data_root`` unless absolute. Defaults to ``'val'``.
        classes (str | Sequence[str], optional): Wnids in class-index order
            (a file: first token of each line).
        annotation_only (bool): Do not check the image files (``val``
            image paths then assume the ``.JPEG`` extension). Defaults to
            False.
        box_tolerance (float): How many pixels a box may exceed its image.
            Defaults to 1.
        **kwargs: Other arguments of
            :class:`mmpretrain.datasets.BaseDataset` (``data_prefix``
            defaults to ``split``).
    """

    # The 1000 ImageNet class names in sorted-wnid order (the class order of
    # this dataset and of mmpretrain's ImageNet): what a model built from a
    # config with this dataset calls its classes when no checkpoint says
    # otherwise (e.g. configs/cam_efficientnet-lite0_imagenet.py). An
    # instance's own `classes` are its wnids.
    METAINFO = {'classes': IMAGENET_CATEGORIES}

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 ann_dir: Optional[str] = None,
                 classes: Union[str, Sequence[str], None] = None,
                 annotation_only: bool = False,
                 box_tolerance: float = 1.0,
                 data_prefix: Union[str, dict, None] = None,
                 **kwargs) -> None:
        if split not in ('train', 'val'):
            raise ValueError(
                f"ImageNetWSOL split must be 'train' or 'val', got {split!r}")
        self.split = split
        self.annotation_only = annotation_only
        self.box_tolerance = box_tolerance
        ann_dir = 'val' if ann_dir is None else ann_dir
        self.ann_dir = ann_dir if osp.isabs(ann_dir) else osp.join(
            data_root, ann_dir)
        if isinstance(classes, str):
            wnids = read_wnid_file(classes)
        elif classes is not None:
            wnids = list(classes)
        else:
            wnids = find_wnids(osp.join(data_root, 'train'))
            if not wnids and split == 'val' and osp.isdir(self.ann_dir):
                records, _ = load_imagenet_val_records(self.ann_dir, None,
                                                       box_tolerance)
                wnids = sorted({r['wnid'] for r in records})
                MMLogger.get_current_instance().warning(
                    f'ImageNetWSOL: no train class folders in {data_root}; '
                    f'the class order is the {len(wnids)} sorted wnids of '
                    'the validation XML files. Pass `classes` to fix it.')
            if not wnids:
                raise FileNotFoundError(
                    f'cannot find the classes: no class folders in '
                    f'{osp.join(data_root, "train")}; pass `classes`')
        if len(set(wnids)) != len(wnids):
            raise ValueError('duplicate wnids in `classes`')
        super().__init__(
            ann_file='',
            data_root=data_root,
            data_prefix=split if data_prefix is None else data_prefix,
            classes=wnids,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """List the split's images with their labels (and boxes for val).

        Returns:
            list[dict]: One dict per image.
        """
        wnid_to_idx = {wnid: i for i, wnid in enumerate(self.CLASSES)}
        if self.split == 'train':
            records = self._load_train(wnid_to_idx)
            check_not_empty(records, "split 'train'", self.img_prefix)
            return records
        records, xml_paths = load_imagenet_val_records(self.ann_dir,
                                                       wnid_to_idx,
                                                       self.box_tolerance)
        check_not_empty(records, "split 'val' (no .xml box file)",
                        self.ann_dir)
        for record in records:
            stem = record['img_id']
            path = osp.join(self.img_prefix, stem + '.JPEG')
            if not self.annotation_only:
                for ext in IMG_EXTENSIONS:
                    if osp.isfile(osp.join(self.img_prefix, stem + ext)):
                        path = osp.join(self.img_prefix, stem + ext)
                        break
            record['img_path'] = path
            record['img_id'] = osp.relpath(path, self.data_root or '.')
        if not self.annotation_only:
            for record, xml_path in zip(records, xml_paths):
                check_image_files([record], xml_path, [None])
        for record in records:
            record.pop('xml_path')
            record.pop('wnid')
        return records

    def _load_train(self, wnid_to_idx: dict) -> List[dict]:
        train_dir = self.img_prefix
        if not osp.isdir(train_dir):
            raise FileNotFoundError(f'train folder not found: {train_dir}')
        records = []
        id_prefix = osp.relpath(train_dir, self.data_root or '.')
        for wnid in sorted(wnid_to_idx):
            folder = osp.join(train_dir, wnid)
            if not osp.isdir(folder):
                raise FileNotFoundError(
                    f'class folder {folder} of class {wnid!r} not found')
            label = wnid_to_idx[wnid]
            for name in sorted(os.listdir(folder)):
                if not name.endswith(IMG_EXTENSIONS):
                    continue
                records.append(
                    dict(
                        img_path=osp.join(folder, name),
                        img_id=f'{id_prefix}/{wnid}/{name}',
                        gt_label=label,
                        gt_bboxes=np.zeros((0, 4), dtype=np.float32),
                        ori_shape=None))
        records.sort(key=lambda r: r['img_id'])
        return records

    def extra_repr(self) -> List[str]:
        """The extra repr information of the dataset."""
        body = [
            f'Root of dataset: \t{self.data_root}',
            f'Split: \t{self.split}',
        ]
        if self.split == 'val':
            body.append(f'Box annotations: \t{self.ann_dir}')
        return body
