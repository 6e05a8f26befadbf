"""Does FAM's foreground map cover the object, and do its parts differ?"""
import math
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmpretrain.registry import METRICS

from fam_mm.evaluation.functional import (
    background_rows,
    part_map_cosine,
    part_purity,
)
from fam_mm.utils.misc import to_numpy
from .wsol_metric import _warp_mask


@METRICS.register_module()
class FAMMapMetric(BaseMetric):
    """Statistics of the localization and part maps of a split.

    Every key is computed per image and averaged over the images that can
    give it; keys that no image of the split can give are left out. All
    values are fractions, not percent.

    From the part maps (``part_maps`` in the predictions,
    ``FAMHead(return_part_maps=True)``), with
    :func:`~fam_mm.evaluation.functional.part_map_cosine`:

    * ``part_cosine``: mean pairwise cosine similarity of the ``K`` part
      maps of an image, each map **centred** (minus its own spatial mean),
      in ``[-1, 1]``: ~1 when the parts are the same map up to an offset,
      ~0 for unrelated maps, < 0 for maps on disjoint regions. Flat maps
      (as after a collapse of ``M``) count as identical (1). Until this
      version the key held the raw cosine, now ``part_cosine_raw``;
    * ``part_cosine_raw``: the same on the uncentred maps, in ``[0, 1]``
      for sigmoid maps. Misleading on its own: where ``M ~ 0`` every part
      map sits near ``sigmoid(b) ~ 0.49``, so different maps score ~0.9;
    * ``part_cosine_masked``: centred and weighted by the foreground map
      ``M`` (``loc_map``): each part map minus its ``M``-weighted mean,
      then the ``M``-weighted cosine, i.e. do the parts differ **on the
      object** as ``M`` sees it (left out for an image whose ``M`` is 0).

    From the instance masks (``gt_masks``, see below):

    * ``fg_in`` / ``fg_out``: mean of ``loc_map`` inside and outside the
      object;
    * ``bg_row_<i>`` for ``i = 0 .. num_bg_rows - 1``: mean of ``loc_map``
      on the background pixels of the ``i``-th horizontal band of the
      input, top band first
      (:func:`~fam_mm.evaluation.functional.background_rows`): a map
      without a position prior is about as high in every band, one lit
      along the top border has a high ``bg_row_0``.

    From the GT part masks (``gt_part_mask``: 0 background, ``1..P`` object
    parts; ``LoadWSOLMasks(with_part_masks=True)`` loads it) and the part
    maps, with :func:`~fam_mm.evaluation.functional.part_purity` (each map's
    mass counted **above its own spatial mean**, since sigmoid maps carry a
    ~0.49 offset everywhere):

    * ``part_purity``: for each part map, the share of its mass on the
      object that falls on its dominant GT part (background mass not in
      the denominator), averaged over the maps: 1 when every map sits on
      one part, ``1/2`` for a map split evenly over two parts;
    * ``part_on_object``: for each part map, the share of its mass that is
      on the object (any part) rather than on the background, averaged
      over the maps;
    * ``distinct_parts``: number of distinct GT parts that are some map's
      dominant part (at most ``min(K, P)``), averaged over the images.

    And always: ``fg_ratio``, the mean share of ``loc_map`` above
    ``threshold``.

    The masks come in the **original** frame (``ori_shape``), as
    ``LoadWSOLMasks`` loads them and ``PackWSOLInputs`` packs them; they are
    brought to the maps' frame (``img_shape``) with nearest-neighbour
    interpolation, as ``WSOLMetric`` does for PxAP: a warp with the
    sample's ``homography_matrix`` (so crops and flips are followed), or a
    plain resize to the map when the sample has no matrix or the mask is
    not at ``ori_shape``.

    Args:
        threshold (float): Map threshold of ``fg_ratio``. Defaults to 0.5.
        num_bg_rows (int): Number of ``bg_row_<i>`` bands; 0 turns them
            off. Defaults to 4.
        num_part_labels (int, optional): The largest GT part label ``P``.
            Defaults to None: the maximum of each image's part mask (so a
            dataset with more part labels needs no setting).
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'fam'``.
    """
    default_prefix: Optional[str] = 'fam'

    def __init__(self,
                 threshold: float = 0.5,
                 num_bg_rows: int = 4,
                 num_part_labels: Optional[int] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if num_bg_rows < 0:
            raise ValueError(f'num_bg_rows must be >= 0, got {num_bg_rows}')
        if num_part_labels is not None and num_part_labels < 1:
            raise ValueError(
                f'num_part_labels must be >= 1, got {num_part_labels}')
        self.threshold = threshold
        self.num_bg_rows = num_bg_rows
        self.num_part_labels = num_part_labels

    @staticmethod
    def _to_map_frame(sample: dict, mask: np.ndarray,
                      shape: Sequence[int]) -> np.ndarray:
        """A ``uint8`` mask (original frame) at the map's ``(H, W)``."""
        if mask.size and (mask.min() < 0 or mask.max() > 255):
            raise ValueError('masks must hold labels in [0, 255], got '
                             f'[{mask.min()}, {mask.max()}]')
        mask = np.ascontiguousarray(mask, dtype=np.uint8)
        height, width = shape
        matrix = sample.get('homography_matrix', None)
        ori_shape = sample.get('ori_shape', None)
        if matrix is not None and ori_shape is not None and \
                tuple(mask.shape) == tuple(ori_shape[:2]):
            return _warp_mask(mask, tuple(ori_shape[:2]), (height, width),
                              matrix)
        return cv2.resize(
            mask, (width, height), interpolation=cv2.INTER_NEAREST)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Compute the per-image statistics (see the class docstring).

        Args:
            data_batch: Unused.
            data_samples (Sequence[dict]): Predictions with ``loc_map`` and
                optionally ``part_maps``, ``gt_masks``, ``gt_part_mask``
                and the metainfo ``ori_shape`` / ``homography_matrix``.
        """
        for sample in data_samples:
            loc_map = to_numpy(sample['loc_map']).astype(np.float32)
            row: Dict[str, float] = dict(
                fg_ratio=float((loc_map > self.threshold).mean()))
            parts = sample.get('part_maps', None)
            if parts is not None:
                parts = torch.as_tensor(to_numpy(parts)).float()
                row['part_cosine'] = float(part_map_cosine(parts)[0])
                row['part_cosine_raw'] = float(
                    part_map_cosine(parts, mode='raw')[0])
                masked = float(
                    part_map_cosine(parts, mode='masked', weights=loc_map)[0])
                if not math.isnan(masked):
                    row['part_cosine_masked'] = masked
            masks = sample.get('gt_masks', None)
            if masks is not None:
                mask = np.asarray(to_numpy(masks)) != 0
                if mask.ndim == 3:  # instances: their union
                    mask = np.any(mask, axis=0, keepdims=False)
                mask = self._to_map_frame(sample, mask,
                                          loc_map.shape).astype(bool)
                if mask.any():
                    row['fg_in'] = float(loc_map[mask].mean())
                if not mask.all():
                    row['fg_out'] = float(loc_map[~mask].mean())
                if self.num_bg_rows:
                    bands = background_rows(loc_map, mask, self.num_bg_rows)
                    for i, value in enumerate(bands):
                        if not math.isnan(value):
                            row[f'bg_row_{i}'] = float(value)
            part_mask = sample.get('gt_part_mask', None)
            if parts is not None and part_mask is not None:
                row.update(self._part_stats(sample, parts, part_mask,
                                            loc_map.shape))
            self.results.append(row)

    def _part_stats(self, sample: dict, parts: torch.Tensor, part_mask,
                    shape: Sequence[int]) -> Dict[str, float]:
        """``part_purity``, ``part_on_object`` and ``distinct_parts``."""
        labels = self._to_map_frame(sample, np.asarray(to_numpy(part_mask)),
                                    shape)
        if not labels.any():  # no object part visible
            return {}
        num_labels = self.num_part_labels
        if num_labels is None:
            num_labels = int(labels.max())
        stats = part_purity(parts, labels, num_labels)
        # 0 when no map has mass on the object (e.g. flat maps)
        out: Dict[str, float] = dict(distinct_parts=stats.distinct_parts)
        if not math.isnan(stats.purity):
            out['part_purity'] = stats.purity
        if not math.isnan(stats.on_object):
            out['part_on_object'] = stats.on_object
        return out

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Average each key over the images that have it.

        Args:
            results (list[dict]): The per-image rows of :meth:`process`.

        Returns:
            dict[str, float]: The keys of the class docstring.
        """
        keys = ('fg_in', 'fg_out', 'fg_ratio', 'part_cosine',
                'part_cosine_raw', 'part_cosine_masked', 'part_purity',
                'part_on_object', 'distinct_parts') + tuple(
                    f'bg_row_{i}' for i in range(self.num_bg_rows))
        return {
            key: float(np.mean([r[key] for r in results if key in r]))
            for key in keys if any(key in r for r in results)
        }
