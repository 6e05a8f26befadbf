"""SPG: self-produced guidance (Zhang et al., ECCV 2018)."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from .base_wsol_head import minmax_normalize
from .cam_head import CAMHead

#: Label of the pixels that no guidance loss sees (neither fg nor bg).
SPG_IGNORE = 255


def spg_guidance_mask(guide: torch.Tensor,
                      high: float,
                      low: float,
                      min_pixels: int = 30,
                      fallback_ratio: float = 0.7) -> torch.Tensor:
    """Pixel labels of a self-produced guidance map (SPG, ECCV 2018).

    Per sample: foreground (1) where ``guide > high``; when fewer than
    ``min_pixels`` pixels pass, where ``guide > fallback_ratio * max(guide)``
    instead. Background (0) where ``guide < low`` (it wins over a fallback
    foreground, which only happens when the map's maximum is tiny). Every
    other pixel is :data:`SPG_IGNORE`.

    Args:
        guide (Tensor): Guidance maps ``(B, ...)``, e.g. ``(B, 1, H, W)``,
            usually in ``[0, 1]``; pixels are counted over all non-batch
            dimensions.
        high (float): Foreground threshold ``h``.
        low (float): Background threshold ``l``, ``<= high``.
        min_pixels (int): Fewest foreground pixels before the fallback.
            Defaults to 30 (the reference's, at the 224 x 224 input).
        fallback_ratio (float): Fallback threshold relative to the map's
            maximum. Defaults to 0.7.

    Returns:
        Tensor: ``torch.long`` labels of ``guide``'s shape in
        ``{0, 1, SPG_IGNORE}``.
    """
    if low > high:
        raise ValueError(f'SPG thresholds need low <= high, got high={high}, '
                         f'low={low}')
    flat = guide.detach().flatten(1)
    fg = flat > high
    few = fg.sum(dim=1, keepdim=True) < min_pixels
    fallback = flat > fallback_ratio * flat.max(dim=1, keepdim=True).values
    fg = torch.where(few, fallback, fg)
    labels = torch.full_like(flat, SPG_IGNORE, dtype=torch.long)
    labels[fg] = 1
    labels[flat < low] = 0
    return labels.view(guide.shape)


def masked_bce_with_logits(logits: torch.Tensor,
                           labels: torch.Tensor,
                           ignore_index: int = SPG_IGNORE) -> torch.Tensor:
    """Mean binary cross-entropy over the labelled pixels only.

    Args:
        logits (Tensor): Map logits, any shape.
        labels (Tensor): Same shape, ``{0, 1, ignore_index}``.
        ignore_index (int): Label of the pixels left out (no loss, no
            gradient). Defaults to :data:`SPG_IGNORE`.

    Returns:
        Tensor: Scalar; 0 (still attached to ``logits``) when no pixel is
        labelled.
    """
    if logits.shape != labels.shape:
        raise ValueError(f'logits {tuple(logits.shape)} and labels '
                         f'{tuple(labels.shape)} differ in shape')
    keep = labels != ignore_index
    if not bool(keep.any()):
        return logits.sum() * 0
    return F.binary_cross_entropy_with_logits(logits[keep],
                                              labels[keep].to(logits.dtype))


def _thresholds(name: str, pair: Sequence[float]) -> Tuple[float, float]:
    if len(pair) != 2 or not 0.0 <= pair[1] <= pair[0] <= 1.0:
        raise ValueError(f'{name} must be (high, low) with 0 <= low <= high '
                         f'<= 1, got {pair}')
    return float(pair[0]), float(pair[1])


@MODELS.register_module()
class SPGHead(CAMHead):
    """Self-produced guidance head (Zhang et al., ECCV 2018).

    The classifier is :class:`CAMHead`'s (GAP + FC on the last feature
    map), and so is the test-time map: the classifier's class activation
    map only. Training adds three 1-channel guidance maps and their losses
    (pixel-wise BCE on labelled pixels, see :func:`spg_guidance_mask`):

    * ``B2`` on the late features learns from the classifier's min-max
      normalised map of the ground-truth class (detached),
      thresholds ``b2_thresholds``;
    * ``B1`` on the middle features learns from ``sigmoid(B2)``,
      thresholds ``b1_thresholds``;
    * ``C`` on the last features learns from
      ``(sigmoid(B1) + sigmoid(B2)) / 2``, thresholds ``c_thresholds``.

    ``B1`` and ``B2`` each start with their own conv3x3 + ReLU and share a
    conv3x3 + ReLU + conv1x1 tail; ``C`` is conv3x3 + ReLU + conv1x1. The
    losses' gradients reach the backbone, which is SPG's point: earlier
    layers learn where the object is. Every map is upsampled (bilinear) to
    ``guidance_size`` before the masks and the losses, as the reference
    computes them at the 224 x 224 input.

    Feature levels: the head takes the backbone's **last three** outputs
    ``(middle, late, last)`` with ``in_channels=(c_mid, c_late, c_last)``.
    Backbone settings (224 x 224 input):

    * VGG16 (:class:`WSOLVGG`, ``extra_channels=(1024, )``):
      ``out_indices=(3, 4, 5)``, ``conv4_3`` + pool4, ``conv5_3``, the
      extra conv: ``in_channels=(512, 512, 1024)``, all 14 x 14.
    * ResNet50 (mmpretrain ``ResNet``, ``strides=(1, 2, 2, 1)``):
      ``out_indices=(1, 2, 3)``, ``layer2`` (28 x 28), ``layer3``,
      ``layer4`` (14 x 14): ``in_channels=(512, 1024, 2048)``;
      wsolevaluation's side branches are 1024 wide there
      (``guide_channels=1024``) and its B1 reads ``layer3.0``, which is no
      stage output.
    * InceptionV3 (:class:`WSOLInceptionV3`, ``mixed_6a_stride=1``):
      ``out_indices=(1, 2, 3)``, ``Mixed_5d``, ``Mixed_6e``, the extra
      convs: ``in_channels=(288, 768, 1024)``, all 28 x 28.

    Args:
        num_classes (int): Number of categories.
        in_channels (Sequence[int]): ``(c_mid, c_late, c_last)``.
        guide_channels (int): Width of the guidance branches' 3x3 convs.
            Defaults to 512 (wsolevaluation's VGG16 and InceptionV3).
        b2_thresholds (tuple[float, float]): ``(high, low)`` of B2's mask
            from the class map. Defaults to ``(0.7, 0.01)``.
        b1_thresholds (tuple[float, float]): ``(high, low)`` of B1's mask
            from ``sigmoid(B2)``. Defaults to ``(0.5, 0.05)``.
        c_thresholds (tuple[float, float]): ``(high, low)`` of C's mask from
            the fused ``sigmoid(B1)``, ``sigmoid(B2)``. Defaults to
            ``(0.7, 0.1)``.
        min_pixels (int): Foreground pixels (at ``guidance_size``) below
            which a mask falls back to ``fallback_ratio * max``.
            Defaults to 30.
        fallback_ratio (float): Defaults to 0.7.
        guidance_size (tuple[int, int], optional): ``(H, W)`` of the masks
            and losses. Defaults to None: the network input (``img_shape``
            of the first data sample), else the largest feature map.
        loss_guide_weight (float): Weight of each guidance loss.
            Defaults to 1.0.
        init_cfg (dict | list[dict], optional): Defaults to CAMHead's
            Normal(0.01) FC and Xavier convs.
        **kwargs: :class:`CAMHead`'s ``cam_target``, ``loc_threshold``,
            ``upsample_mode``, ``loss``, ``topk``.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: Sequence[int],
                 guide_channels: int = 512,
                 b2_thresholds: Sequence[float] = (0.7, 0.01),
                 b1_thresholds: Sequence[float] = (0.5, 0.05),
                 c_thresholds: Sequence[float] = (0.7, 0.1),
                 min_pixels: int = 30,
                 fallback_ratio: float = 0.7,
                 guidance_size: Optional[Sequence[int]] = None,
                 loss_guide_weight: float = 1.0,
                 init_cfg=[
                     dict(type='Normal', layer='Linear', std=0.01),
                     dict(type='Xavier', layer='Conv2d'),
                 ],
                 **kwargs) -> None:
        if isinstance(in_channels, int) or len(in_channels) != 3:
            raise ValueError(
                'SPGHead needs in_channels=(c_mid, c_late, c_last) of the '
                f"backbone's last three outputs, got {in_channels!r}")
        levels = tuple(int(c) for c in in_channels)
        super().__init__(
            num_classes=num_classes,
            in_channels=levels[-1],
            init_cfg=init_cfg,
            **kwargs)
        self.in_channels = levels  # type: ignore[assignment]
        self.b2_thresholds = _thresholds('b2_thresholds', b2_thresholds)
        self.b1_thresholds = _thresholds('b1_thresholds', b1_thresholds)
        self.c_thresholds = _thresholds('c_thresholds', c_thresholds)
        self.min_pixels = min_pixels
        self.fallback_ratio = fallback_ratio
        self.guidance_size = None if guidance_size is None else (
            int(guidance_size[0]), int(guidance_size[1]))
        self.loss_guide_weight = loss_guide_weight
        c_mid, c_late, c_last = levels
        g = guide_channels
        self.side_b1 = nn.Sequential(
            nn.Conv2d(c_mid, g, 3, padding=1), nn.ReLU(inplace=True))
        self.side_b2 = nn.Sequential(
            nn.Conv2d(c_late, g, 3, padding=1), nn.ReLU(inplace=True))
        self.guide_shared = nn.Sequential(
            nn.Conv2d(g, g, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(g, 1, 1))
        self.guide_c = nn.Sequential(
            nn.Conv2d(c_last, g, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(g, 1, 1))

    def _levels(self, feats) -> Tuple[torch.Tensor, ...]:
        if not isinstance(feats, (tuple, list)) or len(feats) < 3:
            got = len(feats) if isinstance(feats, (tuple, list)) else 1
            raise ValueError(
                'SPGHead needs three feature maps (middle, late, last): give '
                'the backbone three out_indices (see the SPGHead docstring), '
                f'got {got}')
        levels = tuple(feats[-3:])
        channels = tuple(x.size(1) for x in levels)
        if channels != self.in_channels or any(x.dim() != 4 for x in levels):
            raise ValueError(
                f'SPGHead(in_channels={self.in_channels}) got feature maps '
                f'of shapes {[tuple(x.shape) for x in levels]}')
        return levels

    def guidance_logits(self, feats) -> Dict[str, torch.Tensor]:
        """Logits of the guidance maps at their features' resolution:
        ``b1``, ``b2``, ``c``, each ``(B, 1, h, w)``."""
        mid, late, last = self._levels(feats)
        return dict(
            b1=self.guide_shared(self.side_b1(mid)),
            b2=self.guide_shared(self.side_b2(late)),
            c=self.guide_c(last))

    def _guidance_size(self, data_samples: List[DataSample],
                       feats: Sequence[torch.Tensor]) -> Tuple[int, int]:
        if self.guidance_size is not None:
            return self.guidance_size
        if data_samples and 'img_shape' in data_samples[0]:
            height, width = data_samples[0].img_shape[:2]
            return int(height), int(width)
        largest = max(feats, key=lambda x: x.size(-2) * x.size(-1))
        return int(largest.size(-2)), int(largest.size(-1))

    def loss(self, feats, data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """``loss_cls`` and the guidance losses ``loss_spg_b1``,
        ``loss_spg_b2``, ``loss_spg_c``."""
        levels = self._levels(feats)
        losses = dict(loss_cls=self._cls_loss(self(feats), data_samples))
        size = self._guidance_size(data_samples, levels)

        def up(x: torch.Tensor) -> torch.Tensor:
            return F.interpolate(
                x, size=size, mode='bilinear', align_corners=False)

        logits = {k: up(v) for k, v in self.guidance_logits(feats).items()}
        with torch.no_grad():
            labels = self._gt_labels(data_samples).to(levels[-1].device)
            class_map = minmax_normalize(
                up(self.class_activation_maps(feats, labels)))
            prob_b1 = logits['b1'].sigmoid()
            prob_b2 = logits['b2'].sigmoid()
            guides = dict(
                b2=(class_map, self.b2_thresholds),
                b1=(prob_b2, self.b1_thresholds),
                c=((prob_b1 + prob_b2) / 2, self.c_thresholds))
        for name, (guide, (high, low)) in guides.items():
            mask = spg_guidance_mask(guide, high, low, self.min_pixels,
                                     self.fallback_ratio)
            losses[f'loss_spg_{name}'] = self.loss_guide_weight * \
                masked_bce_with_logits(logits[name], mask)
        return losses
