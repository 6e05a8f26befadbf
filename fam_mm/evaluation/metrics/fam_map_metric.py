"""Does FAM's foreground map cover the object, and do its parts differ?"""
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from fam_mm.engine.hooks.foreground_collapse_hook import part_map_diversity
from fam_mm.utils.misc import to_numpy


@METRICS.register_module()
class FAMMapMetric(BaseMetric):
    """Statistics of the localization and part maps of a split.

    * ``part_cosine``: mean pairwise cosine similarity of the ``K`` part maps
      of each image (1: identical parts), averaged over the images; needs
      ``part_maps`` in the predictions (``FAMHead(return_part_maps=True)``).
    * ``fg_in`` / ``fg_out``: mean of ``loc_map`` inside and outside the
      object mask, averaged over the images; needs ``gt_masks`` (``(H, W)``
      at ``ori_shape``, nonzero = object), resized (nearest) to the map.
    * ``fg_ratio``: mean share of the map above ``threshold``.

    Keys that a split cannot give (no part maps, no masks) are left out.
    All values are fractions in ``[0, 1]``, not percent.

    Args:
        threshold (float): Map threshold of ``fg_ratio``. Defaults to 0.5.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'fam'``.
    """
    default_prefix: Optional[str] = 'fam'

    def __init__(self,
                 threshold: float = 0.5,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.threshold = threshold

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            loc_map = to_numpy(sample['loc_map']).astype(np.float32)
            row: Dict[str, float] = dict(
                fg_ratio=float((loc_map > self.threshold).mean()))
            parts = sample.get('part_maps', None)
            if parts is not None:
                parts = torch.as_tensor(to_numpy(parts)).float()[None]
                row['part_cosine'] = 1.0 - part_map_diversity(parts)
            masks = sample.get('gt_masks', None)
            if masks is not None:
                mask = np.asarray(to_numpy(masks)) > 0
                if mask.ndim == 3:  # instances: their union
                    mask = np.any(mask, axis=0, keepdims=False)
                mask = cv2.resize(
                    mask.astype(np.uint8), loc_map.shape[::-1],
                    interpolation=cv2.INTER_NEAREST).astype(bool)
                if mask.any():
                    row['fg_in'] = float(loc_map[mask].mean())
                if not mask.all():
                    row['fg_out'] = float(loc_map[~mask].mean())
            self.results.append(row)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        keys = ('fg_in', 'fg_out', 'fg_ratio', 'part_cosine')
        return {
            key: float(np.mean([r[key] for r in results if key in r]))
            for key in keys if any(key in r for r in results)
        }
