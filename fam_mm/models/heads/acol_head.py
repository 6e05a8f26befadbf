"""ACoL: adversarial complementary learning (Zhang et al., CVPR 2018)."""
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from .base_wsol_head import CAM_TARGETS, BaseWSOLHead, minmax_normalize


def erase_attention(feats: torch.Tensor, attention: torch.Tensor,
                    threshold: float) -> torch.Tensor:
    """Zero the features where the attention is at or above a threshold.

    Args:
        feats (Tensor): Features ``(B, C, H, W)``.
        attention (Tensor): Normalised maps ``(B, 1, H, W)`` (or
            ``(B, H, W)``) at the features' resolution.
        threshold (float): Positions with ``attention >= threshold`` are
            erased in every channel.

    Returns:
        Tensor: ``feats`` with the erased positions set to 0.
    """
    if attention.dim() == 3:
        attention = attention.unsqueeze(1)
    if attention.shape[-2:] != feats.shape[-2:]:
        raise ValueError(f'attention of shape {tuple(attention.shape)} does '
                         f'not match the features {tuple(feats.shape)}')
    keep = (attention < threshold).to(feats.dtype)
    return feats * keep


def _classifier_branch(in_channels: int, mid_channels: int,
                       num_classes: int) -> nn.Sequential:
    """conv3x3-mid, ReLU, conv3x3-mid, ReLU, conv1x1-num_classes."""
    return nn.Sequential(
        nn.Conv2d(in_channels, mid_channels, 3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(mid_channels, mid_channels, 3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(mid_channels, num_classes, 1),
    )


@MODELS.register_module()
class ACoLHead(BaseWSOLHead):
    """Adversarial complementary learning head (Zhang et al., CVPR 2018).

    Two parallel classifiers on the backbone's last feature map ``X``:

    * branch A, ``conv3x3-mid, ReLU, conv3x3-mid, ReLU, conv1x1-C``, gives
      class maps ``S_A`` ``(B, C, h, w)`` and logits ``GAP(S_A)``;
    * branch B, the same layers with their own weights, sees ``X`` with
      every position where A's map of the training class (detached, min-max
      normalised per sample) is ``>= erase_threshold`` zeroed (see
      :func:`erase_attention`), so B must find the object's other parts.

    Training loss: ``loss_cls = CE(A)`` and ``loss_cls_b = CE(B)`` (both
    with the ground-truth class, which also picks the map that erases).
    The class prediction is A's. The localization map is the element-wise
    maximum of A's and B's min-max normalised maps of the target class
    (B computed on the features erased by that class's A map), then
    upsampled (``upsample_mode``) and min-max normalised as
    :class:`CAMHead` does, with the same ``pred_label``, ``pred_score``,
    ``loc_map`` and ``pred_bbox`` fields.

    Args:
        num_classes (int): Number of categories ``C``.
        in_channels (int): Channels of the backbone's last feature map.
            wsolevaluation puts the branches on the trunk without extra
            convs: VGG16 ``conv5_3`` (512), ResNet50 ``layer4`` (2048),
            InceptionV3 ``Mixed_6e`` (768).
        mid_channels (int): Width of the branches' 3x3 convs. Defaults to
            1024 (the paper's and wsolevaluation's).
        erase_threshold (float): ``delta`` of the paper: A's normalised map
            at or above it is erased for B. Defaults to 0.7
            (wsolevaluation's ``acol_threshold``).
        cam_target (str): Which class's map becomes ``loc_map`` (and erases
            for B at test time): ``'pred'`` or ``'gt'`` as
            :class:`CAMHead`. Defaults to ``'pred'``.
        pre_avgpool (bool): Smooth ``X`` with a 3x3 stride-1 average pool
            before the branches (wsolevaluation's VGG16 ACoL does).
            Defaults to False.
        loss_b_weight (float): Weight of ``CE(B)``. Defaults to 1.0.
        loc_threshold (float): Box threshold on the min-max normalised map.
            Defaults to 0.2 (as :class:`CAMHead`; tune it on val).
        upsample_mode (str): ``'bicubic'`` (default) or ``'bilinear'``.
        init_cfg (dict, optional): Initialization config. Defaults to
            Xavier for the convs (wsolevaluation's choice for ACoL).
        **kwargs: ``loss``, ``topk``, ``cal_acc`` of ``ClsHead``.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 mid_channels: int = 1024,
                 erase_threshold: float = 0.7,
                 cam_target: str = 'pred',
                 pre_avgpool: bool = False,
                 loss_b_weight: float = 1.0,
                 loc_threshold: float = 0.2,
                 upsample_mode: str = 'bicubic',
                 init_cfg: Optional[dict] = dict(
                     type='Xavier', layer='Conv2d'),
                 **kwargs) -> None:
        super().__init__(
            loc_threshold=loc_threshold,
            upsample_mode=upsample_mode,
            init_cfg=init_cfg,
            **kwargs)
        if num_classes <= 0:
            raise ValueError(f'num_classes={num_classes} must be positive')
        if cam_target not in CAM_TARGETS:
            raise ValueError(f'cam_target must be one of {CAM_TARGETS}, '
                             f'got {cam_target!r}')
        if not 0.0 < erase_threshold <= 1.0:
            raise ValueError(
                f'erase_threshold must be in (0, 1], got {erase_threshold}')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.mid_channels = mid_channels
        self.erase_threshold = erase_threshold
        self.cam_target = cam_target
        self.pre_avgpool = pre_avgpool
        self.loss_b_weight = loss_b_weight
        self.branch_a = _classifier_branch(in_channels, mid_channels,
                                           num_classes)
        self.branch_b = _classifier_branch(in_channels, mid_channels,
                                           num_classes)

    def pre_logits(self, feats) -> torch.Tensor:
        """The features both branches see ``(B, C, H, W)`` (before B's
        erasing)."""
        x = feats[-1] if isinstance(feats, (tuple, list)) else feats
        if x.dim() != 4:
            raise ValueError('ACoLHead expects a (B, C, H, W) feature map '
                             f'(no pooling neck), got {tuple(x.shape)}')
        if self.pre_avgpool:
            x = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)
        return x

    def forward(self, feats) -> torch.Tensor:
        """Branch A's class logits ``(B, num_classes)``."""
        return self.branch_a(self.pre_logits(feats)).mean(dim=(2, 3))

    @staticmethod
    def _class_map(maps: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """``maps[b, labels[b]]`` as ``(B, 1, h, w)``."""
        index = labels.to(maps.device).view(-1, 1, 1, 1)
        index = index.expand(-1, 1, *maps.shape[-2:])
        return maps.gather(1, index)

    def erased_features(self, x: torch.Tensor, maps_a: torch.Tensor,
                        labels: torch.Tensor) -> torch.Tensor:
        """Branch B's input: ``x`` erased where A's normalised map of
        ``labels`` (detached) is ``>= erase_threshold``."""
        attention = minmax_normalize(self._class_map(maps_a.detach(), labels))
        return erase_attention(x, attention, self.erase_threshold)

    def _branches(
        self, feats, pick_labels: Callable[[torch.Tensor], torch.Tensor]
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """A's maps, B's maps and the labels that erased for B.

        ``pick_labels`` maps A's logits ``(B, num_classes)`` to one class
        per sample ``(B,)``.
        """
        x = self.pre_logits(feats)
        maps_a = self.branch_a(x)
        labels = pick_labels(maps_a.mean(dim=(2, 3)))
        maps_b = self.branch_b(self.erased_features(x, maps_a, labels))
        return maps_a, maps_b, labels

    def loss(self, feats, data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """``loss_cls`` (branch A) and ``loss_cls_b`` (branch B, on the
        features erased by A's map of the ground-truth class)."""
        maps_a, maps_b, _ = self._branches(
            feats, lambda _: self._gt_labels(data_samples))
        losses = dict(
            loss_cls=self._cls_loss(maps_a.mean(dim=(2, 3)), data_samples))
        losses['loss_cls_b'] = self.loss_b_weight * self._cls_loss(
            maps_b.mean(dim=(2, 3)), data_samples)
        return losses

    def localization_maps(self, maps_a: torch.Tensor, maps_b: torch.Tensor,
                          labels: torch.Tensor) -> torch.Tensor:
        """Element-wise max of A's and B's normalised maps of ``labels``,
        ``(B, 1, h, w)`` in ``[0, 1]``."""
        return torch.max(
            minmax_normalize(self._class_map(maps_a, labels)),
            minmax_normalize(self._class_map(maps_b, labels)))

    def predict(
        self,
        feats,
        data_samples: Optional[Sequence[Optional[DataSample]]] = None
    ) -> List[DataSample]:
        """Predict A's class scores, the fused map and its box (the fields
        of :class:`CAMHead`)."""
        maps_a, maps_b, labels = self._branches(
            feats, lambda score: self._target_labels(score, data_samples,
                                                     self.cam_target))
        cls_score = maps_a.mean(dim=(2, 3))
        loc_maps = self.localization_maps(maps_a, maps_b, labels)
        return self._get_wsol_predictions(
            cls_score, loc_maps, data_samples, minmax=True)
