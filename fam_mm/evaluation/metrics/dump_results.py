"""Dump compact per-image WSOL results (for analysis tools)."""
from typing import List, Optional, Sequence

import mmengine
import numpy as np
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from fam_mm.evaluation.functional import box_iou
from fam_mm.utils.misc import to_numpy


@METRICS.register_module()
class DumpWSOLResults(BaseMetric):
    """Write one small record per image to a ``.pkl`` or ``.json`` file.

    Maps are not stored (a 224x224 float map per image would be ~200 kB).
    Each record holds ``img_path``, ``sample_idx``, ``gt_label``,
    ``pred_label``, ``pred_score`` (top-5 ``labels`` and ``scores``),
    ``pred_bbox`` and ``gt_bboxes`` (original image pixels), ``loc_threshold``
    (the head's box threshold ``pred_bbox`` was cut at, the one the
    ``WSOLMetric`` also uses; None when not recorded) and ``iou``: the
    best IoU of the predicted box with a GT box, in pixel-edge coordinates
    of the original image (``None`` when the image has no GT box). Used by
    ``tools/test.py --out``, ``tools/analysis_tools/iou_histogram.py`` and
    ``tools/export_pseudo_boxes.py``.

    Args:
        out_file (str): ``.pkl``/``.pickle`` or ``.json`` path.
        topk (int): How many top classes to keep. Defaults to 5.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Unused; kept for the ``BaseMetric`` API.
    """

    default_prefix = 'dump'

    def __init__(self,
                 out_file: str,
                 topk: int = 5,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        if not out_file.endswith(('.pkl', '.pickle', '.json')):
            raise ValueError(
                f'out_file must end with .pkl, .pickle or .json: {out_file}')
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.out_file = out_file
        self.topk = topk

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            record = dict(
                img_path=sample.get('img_path'),
                sample_idx=sample.get('sample_idx'))
            if 'gt_label' in sample:
                record['gt_label'] = int(
                    to_numpy(sample['gt_label']).reshape(-1)[0])
            if 'pred_score' in sample:
                score = to_numpy(sample['pred_score']).astype(np.float64)
                top = np.argsort(-score, kind='stable')[:self.topk]
                record['pred_label'] = int(top[0])
                record['pred_score'] = dict(
                    labels=top.tolist(), scores=score[top].tolist())
            if 'pred_bbox' in sample:
                pred = to_numpy(sample['pred_bbox']).reshape(4).astype(float)
                record['pred_bbox'] = pred.tolist()
                thr = sample.get('loc_threshold', None)
                record['loc_threshold'] = None if thr is None else float(thr)
            if 'gt_bboxes' in sample:
                gts = to_numpy(sample['gt_bboxes']).reshape(-1, 4)
                gts = gts.astype(float)
                record['gt_bboxes'] = gts.tolist()
                record['iou'] = float(box_iou(pred[None], gts).max()) \
                    if 'pred_bbox' in sample and len(gts) else None
            self.results.append(record)

    def compute_metrics(self, results: List[dict]) -> dict:
        results = sorted(
            results,
            key=lambda r: (r['sample_idx'] is None, r['sample_idx'] or 0))
        mmengine.dump(results, self.out_file)
        return {}
