"""Pseudo boxes of a WSOL model as a COCO-format detection dataset.

Used by ``tools/export_pseudo_boxes.py``: the metric below collects one
small record per image (across ranks, like any mmengine metric) and rank 0
writes the COCO json.

Conventions of the written file:

* ``categories``: ``id = class index + 1`` (COCO style, 1-based; mmdet's
  ``CocoDataset`` maps categories by their ``name``, so the id base does not
  matter there) and ``name`` from the dataset's ``classes`` (``class_<i>``
  when unknown);
* ``images``: ``id = dataset index + 1``, ``file_name`` relative to the
  data root (the path as loaded when the image is not under it), ``width``
  and ``height`` of the original image;
* ``annotations``: at most one per image for pseudo boxes (every box for
  ground truth, see :func:`boxes_to_coco`), ``bbox = [x, y, w, h]`` in
  original pixels (pixel-edge coordinates, so ``w = x2 - x1``),
  ``area = w * h``, ``score`` = the model's probability of the annotated
  category (pseudo boxes only), ``iscrowd = 0``. Images whose box is
  empty (nothing above the map threshold) or whose score is below
  ``score_thr`` keep their ``images`` entry but get no annotation.
"""
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Set

import mmengine
import numpy as np
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from fam_mm.utils.misc import to_numpy

LABEL_SOURCES = ('gt', 'pred')


def _file_name(img_path: Optional[str], data_root: Optional[str]) -> str:
    if img_path is None:
        return ''
    if data_root:
        root = osp.abspath(data_root)
        path = osp.abspath(img_path)
        if path.startswith(root.rstrip(osp.sep) + osp.sep):
            return osp.relpath(path, root)
    return img_path


def boxes_to_coco(records: Sequence[dict],
                  classes: Optional[Sequence[str]] = None,
                  num_classes: Optional[int] = None,
                  data_root: Optional[str] = None,
                  score_thr: float = 0.0,
                  description: str = 'fam-mm boxes') -> Dict[str, Any]:
    """Build a COCO-format detection dict from per-image box records.

    The one COCO writer of fam-mm: pseudo boxes (one per image, with a
    score) and ground-truth boxes (any number, no score) both go through it.

    Args:
        records (Sequence[dict]): One per image with ``sample_idx`` (int or
            None), ``img_path``, ``ori_shape`` ``(h, w)``, ``bboxes``
            ``(n, 4)`` as ``(x1, y1, x2, y2)`` in original pixels,
            ``labels`` ``(n,)`` class indices and optionally ``scores``
            ``(n,)``.
        classes (Sequence[str], optional): Class names.
        num_classes (int, optional): Number of categories when ``classes``
            is unknown.
        data_root (str, optional): Root that ``file_name`` is relative to.
        score_thr (float): Drop boxes whose score is below it. Defaults
            to 0.
        description (str): ``info.description`` of the file.

    Returns:
        dict: With ``info``, ``images``, ``annotations`` and ``categories``
        (see the module docstring).
    """
    if classes is None:
        if num_classes is None:
            labels = [int(v) for r in records for v in r['labels']]
            num_classes = max(labels) + 1 if labels else 0
        classes = [f'class_{i}' for i in range(num_classes)]
    categories = [
        dict(id=i + 1, name=str(name)) for i, name in enumerate(classes)
    ]
    images: List[dict] = []
    annotations: List[dict] = []
    used_ids: Set[int] = set()
    for i, record in enumerate(records):
        idx = record.get('sample_idx')
        image_id = int(idx) + 1 if idx is not None else i + 1
        if image_id in used_ids:
            raise ValueError(f'duplicate image id {image_id} (sample_idx '
                             f'{idx}) in the box records')
        used_ids.add(image_id)
        height, width = (int(s) for s in record['ori_shape'][:2])
        images.append(
            dict(
                id=image_id,
                file_name=_file_name(record.get('img_path'), data_root),
                width=width,
                height=height))
        bboxes = np.asarray(record['bboxes'], dtype=np.float64).reshape(-1, 4)
        box_labels = np.asarray(record['labels']).reshape(-1)
        scores = record.get('scores')
        if len(box_labels) != len(bboxes) or (scores is not None
                                              and len(scores) != len(bboxes)):
            raise ValueError(f'image {image_id}: {len(bboxes)} boxes but '
                             f'{len(box_labels)} labels'
                             + ('' if scores is None else
                                f' and {len(scores)} scores'))
        for j, box in enumerate(bboxes):
            x1, x2 = np.clip(box[[0, 2]], 0, width).tolist()
            y1, y2 = np.clip(box[[1, 3]], 0, height).tolist()
            w, h = x2 - x1, y2 - y1
            score = None if scores is None else float(scores[j])
            if w <= 0 or h <= 0 or (score is not None and score < score_thr):
                continue
            label = int(box_labels[j])
            if not 0 <= label < len(categories):
                raise ValueError(f'class index {label} of image {image_id} '
                                 f'is out of range for {len(categories)} '
                                 'classes')
            ann = dict(
                id=len(annotations) + 1,
                image_id=image_id,
                category_id=label + 1,
                bbox=[round(v, 3) for v in (x1, y1, w, h)],
                area=round(w * h, 3),
                iscrowd=0)
            if score is not None:
                ann['score'] = round(score, 6)
            annotations.append(ann)
    return dict(
        info=dict(description=description),
        images=images,
        annotations=annotations,
        categories=categories)


def pseudo_boxes_to_coco(records: Sequence[dict],
                         classes: Optional[Sequence[str]] = None,
                         num_classes: Optional[int] = None,
                         data_root: Optional[str] = None,
                         score_thr: float = 0.0) -> Dict[str, Any]:
    """Build a COCO-format dict from per-image pseudo-box records.

    Args:
        records (Sequence[dict]): One per image with ``sample_idx`` (int or
            None), ``img_path``, ``ori_shape`` ``(h, w)``, ``label`` (class
            index), ``score`` (float) and ``bbox`` ``(x1, y1, x2, y2)`` in
            original pixels.
        classes (Sequence[str], optional): Class names.
        num_classes (int, optional): Number of categories when ``classes``
            is unknown.
        data_root (str, optional): Root that ``file_name`` is relative to.
        score_thr (float): Drop boxes whose ``score`` is below it. Defaults
            to 0.

    Returns:
        dict: See :func:`boxes_to_coco`; at most one annotation per image.
    """
    return boxes_to_coco(
        [
            dict(
                sample_idx=r.get('sample_idx'),
                img_path=r.get('img_path'),
                ori_shape=r['ori_shape'],
                bboxes=[r['bbox']],
                labels=[r['label']],
                scores=[r['score']]) for r in records
        ],
        classes=classes,
        num_classes=num_classes,
        data_root=data_root,
        score_thr=score_thr,
        description='fam-mm WSOL pseudo boxes')


@METRICS.register_module()
class DumpCocoPseudoBoxes(BaseMetric):
    """Collect one predicted box per image and write them as COCO json.

    Args:
        out_file (str): ``.json`` path.
        data_root (str, optional): Root that ``file_name`` is relative to.
        score_thr (float): Drop boxes whose score is below it. Defaults to
            0.
        label_source (str): Category of each box: ``'gt'`` (default, the
            image-level label of weakly supervised data, the prediction when
            an image has none) or ``'pred'`` (always the prediction).
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Prefix of the logged counts.
    """

    default_prefix = 'pseudo_boxes'

    def __init__(self,
                 out_file: str,
                 data_root: Optional[str] = None,
                 score_thr: float = 0.0,
                 label_source: str = 'gt',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        if not out_file.endswith('.json'):
            raise ValueError(f'out_file must be a .json file: {out_file}')
        if label_source not in LABEL_SOURCES:
            raise ValueError(f'label_source must be one of {LABEL_SOURCES}, '
                             f'got {label_source!r}')
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.out_file = out_file
        self.data_root = data_root
        self.score_thr = score_thr
        self.label_source = label_source

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the box, class and score of each prediction."""
        for sample in data_samples:
            scores = to_numpy(sample['pred_score']).astype(np.float64)
            scores = scores.reshape(-1)
            label = int(np.argmax(scores))
            if self.label_source == 'gt' and 'gt_label' in sample and \
                    to_numpy(sample['gt_label']).size:
                label = int(to_numpy(sample['gt_label']).reshape(-1)[0])
            ori_shape = sample.get('ori_shape', sample.get('img_shape'))
            if ori_shape is None:
                raise ValueError("missing required key 'ori_shape' (or "
                                 "'img_shape')")
            self.results.append(
                dict(
                    sample_idx=sample.get('sample_idx'),
                    img_path=sample.get('img_path'),
                    ori_shape=[int(s) for s in ori_shape[:2]],
                    label=label,
                    score=float(scores[label]) if label < len(scores) else 0.0,
                    num_classes=len(scores),
                    bbox=to_numpy(sample['pred_bbox']).reshape(4).astype(
                        float).tolist()))

    def compute_metrics(self, results: List[dict]) -> dict:
        """Write the json (rank 0) and return the image and box counts."""
        # padding of the distributed sampler repeats samples: keep one each
        unique: Dict[Any, dict] = {}
        for r in results:
            key = r['sample_idx'] if r['sample_idx'] is not None else id(r)
            unique.setdefault(key, r)
        records = sorted(
            unique.values(),
            key=lambda r: (r['sample_idx'] is None, r['sample_idx'] or 0))
        classes = (self.dataset_meta or {}).get('classes')
        num_classes = records[0]['num_classes'] if records else None
        coco = pseudo_boxes_to_coco(
            records,
            classes=classes,
            num_classes=num_classes,
            data_root=self.data_root,
            score_thr=self.score_thr)
        mmengine.mkdir_or_exist(osp.dirname(osp.abspath(self.out_file)))
        mmengine.dump(coco, self.out_file, indent=1)
        return dict(
            num_images=len(coco['images']), num_boxes=len(coco['annotations']))
