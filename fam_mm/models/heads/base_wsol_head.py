"""Shared prediction logic of the WSOL heads (FAM and CAM)."""
import warnings
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmpretrain.models.heads import ClsHead
from mmpretrain.structures import DataSample

from fam_mm.evaluation.functional import original_box

UPSAMPLE_MODES = ('bilinear', 'bicubic')
CAM_TARGETS = ('pred', 'gt')


def minmax_normalize(maps: torch.Tensor) -> torch.Tensor:
    """Min-max normalise every map over its last two (spatial) dimensions.

    Args:
        maps (Tensor): Maps of shape ``(..., H, W)``, e.g. ``(B, 1, H, W)``.

    Returns:
        Tensor: Same shape, each ``(H, W)`` map rescaled to ``[0, 1]``; a
        constant map becomes all zeros (no NaN).
    """
    flat = maps.flatten(-2)
    lo = flat.min(dim=-1, keepdim=True).values
    hi = flat.max(dim=-1, keepdim=True).values
    span = (hi - lo).clamp(min=torch.finfo(flat.dtype).tiny)
    return ((flat - lo) / span).view_as(maps)


class BaseWSOLHead(ClsHead):
    """Base class of heads that predict a class, a map and a box.

    Subclasses compute class scores and a low-resolution localization map;
    this class turns them into :class:`DataSample` predictions:

    * ``pred_label`` / ``pred_score`` as mmpretrain's ``ClsHead``;
    * ``loc_map``: the map upsampled (``upsample_mode``) to the network
      input (``img_shape``), float in ``[0, 1]``, shape ``(H_in, W_in)``;
    * ``pred_bbox``: ``(x1, y1, x2, y2)`` of the largest region of
      ``loc_map > loc_threshold`` (see
      :func:`fam_mm.evaluation.functional.extract_bbox`), mapped to the
      original image with ``ori_shape``/``img_shape`` (and the pipeline's
      ``homography_matrix`` when recorded);
    * metainfo ``loc_threshold``: the threshold of ``pred_bbox``, which
      ``WSOLMetric`` uses for its fixed-threshold metrics (one source of
      truth: ``model.head.loc_threshold``).

    Args:
        loc_threshold (float): Threshold of the box. Defaults to 0.5.
        upsample_mode (str): ``'bilinear'`` or ``'bicubic'``
            (``F.interpolate``, ``align_corners=False``; bicubic overshoot is
            removed by the min-max normalisation or the clamp to
            ``[0, 1]``). Defaults to ``'bilinear'``.
        **kwargs: Passed to :class:`ClsHead` (``loss``, ``topk``,
            ``cal_acc``, ``init_cfg``).
    """

    def __init__(self,
                 loc_threshold: float = 0.5,
                 upsample_mode: str = 'bilinear',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not 0.0 <= loc_threshold <= 1.0:
            raise ValueError(
                f'loc_threshold must be in [0, 1], got {loc_threshold}')
        if upsample_mode not in UPSAMPLE_MODES:
            raise ValueError(f'upsample_mode must be one of {UPSAMPLE_MODES}'
                             f', got {upsample_mode!r}')
        self.loc_threshold = loc_threshold
        self.upsample_mode = upsample_mode

    @staticmethod
    def _gt_labels(data_samples: List[DataSample]) -> torch.Tensor:
        """One ground-truth class per sample ``(B,)`` for training.

        ``gt_label``'s first entry, or the arg-max of ``gt_score`` when the
        batch carries soft targets (mixing batch augments).
        """
        if 'gt_score' in data_samples[0]:
            return torch.stack([i.gt_score for i in data_samples]).argmax(1)
        return torch.stack([i.gt_label.view(-1)[0] for i in data_samples])

    @staticmethod
    def _target_labels(
        cls_score: torch.Tensor,
        data_samples: Optional[Sequence[Optional[DataSample]]] = None,
        target: str = 'pred',
    ) -> torch.Tensor:
        """Which class's map each sample gets at test time, ``(B,)``.

        Args:
            cls_score (Tensor): Logits ``(B, num_classes)``.
            data_samples (list[DataSample | None], optional): Inputs' data
                samples.
            target (str): ``'pred'`` (the top-1 class) or ``'gt'`` (the
                sample's ``gt_label``; samples without one fall back to the
                prediction).

        Returns:
            Tensor: Class indices ``(B,)``.
        """
        labels = cls_score.argmax(dim=1)
        if target == 'gt' and data_samples is not None:
            labels = labels.clone()
            for i, sample in enumerate(data_samples):
                if sample is not None and 'gt_label' in sample:
                    labels[i] = sample.gt_label.view(-1)[0]
        return labels

    def _cls_loss(self, cls_score: torch.Tensor,
                  data_samples: List[DataSample]) -> torch.Tensor:
        """Classification loss (eq. 10) with mmpretrain's target packing."""
        if 'gt_score' in data_samples[0]:
            target = torch.stack([i.gt_score for i in data_samples])
        else:
            target = torch.cat([i.gt_label for i in data_samples])
        return self.loss_module(
            cls_score, target, avg_factor=cls_score.size(0))

    @staticmethod
    def _input_shape(data_sample: DataSample,
                     map_shape: Tuple[int, int]) -> Tuple[int, int]:
        if 'img_shape' in data_sample:
            height, width = data_sample.img_shape[:2]
            return int(height), int(width)
        warnings.warn(
            'data sample has no `img_shape`: the localization map is kept at '
            'feature resolution and `pred_bbox` is in feature-map pixels')
        return map_shape

    def _get_wsol_predictions(
        self,
        cls_score: torch.Tensor,
        loc_maps: torch.Tensor,
        data_samples: Optional[Sequence[Optional[DataSample]]] = None,
        part_maps: Optional[torch.Tensor] = None,
        minmax: bool = False,
    ) -> List[DataSample]:
        """Build the predicted data samples.

        Args:
            cls_score (Tensor): Logits ``(B, num_classes)``.
            loc_maps (Tensor): Maps ``(B, 1, h, w)`` at feature
                resolution, in ``[0, 1]`` unless ``minmax``.
            data_samples (list[DataSample | None], optional): Inputs' data
                samples, updated in place when given.
            part_maps (Tensor, optional): Part maps ``(B, K, h, w)`` to
                upsample and attach as ``part_maps``.
            minmax (bool): Min-max normalise each map after upsampling
                (CAM practice); a constant map becomes all zeros.

        Returns:
            list[DataSample]: One prediction per image.
        """
        out = self._get_predictions(cls_score, data_samples)
        map_shape = (loc_maps.size(-2), loc_maps.size(-1))
        for i, sample in enumerate(out):
            in_shape = self._input_shape(sample, map_shape)
            loc_map = F.interpolate(
                loc_maps[i:i + 1].float(),
                size=in_shape,
                mode=self.upsample_mode,
                align_corners=False)[0, 0]
            if minmax:
                lo, hi = loc_map.min(), loc_map.max()
                loc_map = (loc_map - lo) / (hi - lo) if hi > lo \
                    else torch.zeros_like(loc_map)
            loc_map = loc_map.clamp_(0, 1)
            ori_shape = sample.ori_shape if 'ori_shape' in sample \
                else in_shape
            homography = sample.get('homography_matrix', None)
            box = original_box(
                loc_map, self.loc_threshold, in_shape, ori_shape,
                None if homography is None else np.asarray(homography))
            sample.set_field(loc_map.detach(), 'loc_map')
            sample.set_metainfo(dict(loc_threshold=float(self.loc_threshold)))
            sample.set_field(
                torch.as_tensor(box, device=loc_map.device), 'pred_bbox')
            if part_maps is not None:
                parts = F.interpolate(
                    part_maps[i:i + 1].float(),
                    size=in_shape,
                    mode='bilinear',
                    align_corners=False)[0]
                sample.set_field(parts.detach(), 'part_maps')
        return out
