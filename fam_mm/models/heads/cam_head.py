"""The CAM baseline (Zhou et al., CVPR 2016) as an mmpretrain head."""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from .base_wsol_head import CAM_TARGETS, BaseWSOLHead


@MODELS.register_module()
class CAMHead(BaseWSOLHead):
    """Class activation mapping head: global average pooling + FC.

    The localization map of class ``c`` is ``CAM_c = sum_k w_ck X_k`` (the
    classifier's weights applied at every pixel, without the bias),
    upsampled bicubically to the network input (as the WSOL-evaluation
    reference, clovaai/wsolevaluation, resizes its CAMs) and min-max
    normalised.

    Args:
        num_classes (int): Number of categories.
        in_channels (int): Channels of the backbone's last feature map.
        cam_target (str): Which class's CAM becomes ``loc_map``:
            ``'pred'`` (default, the top-1 prediction) or ``'gt'`` (the
            ground-truth class, as GT-known localization needs; samples
            without ``gt_label`` fall back to the prediction).
        loc_threshold (float): Threshold of ``pred_bbox`` on the min-max
            normalised CAM. Defaults to 0.2 (a common CAM choice; tune it on
            the val split with ``tools/analysis_tools/search_threshold.py``).
        upsample_mode (str): ``'bicubic'`` (default, the reference's) or
            ``'bilinear'``.
        loss (dict): Classification loss config.
        topk (int | tuple[int]): Top-k accuracy for ``cal_acc``.
        cal_acc (bool): Log training accuracy. Defaults to False.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 cam_target: str = 'pred',
                 loc_threshold: float = 0.2,
                 upsample_mode: str = 'bicubic',
                 init_cfg: Optional[dict] = dict(
                     type='Normal', layer='Linear', std=0.01),
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
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.cam_target = cam_target
        self.fc = nn.Linear(in_channels, num_classes)

    @staticmethod
    def _last(feats) -> torch.Tensor:
        x = feats[-1] if isinstance(feats, (tuple, list)) else feats
        if x.dim() != 4:
            raise ValueError('CAMHead expects a (B, C, H, W) feature map '
                             f'(no pooling neck), got {tuple(x.shape)}')
        return x

    def pre_logits(self, feats) -> torch.Tensor:
        """Globally average pooled features ``(B, C)``."""
        return self._last(feats).mean(dim=(2, 3))

    def forward(self, feats) -> torch.Tensor:
        """Class logits ``(B, num_classes)``."""
        return self.fc(self.pre_logits(feats))

    def class_activation_maps(self, feats,
                              labels: torch.Tensor) -> torch.Tensor:
        """Raw CAMs of the given classes.

        Args:
            feats (tuple[Tensor]): Backbone features; last is
                ``(B, C, H, W)``.
            labels (Tensor): One class index per image, shape ``(B,)``.

        Returns:
            Tensor: ``(B, 1, H, W)`` un-normalised CAMs.
        """
        x = self._last(feats)
        weights = self.fc.weight[labels]  # (B, C)
        return torch.einsum('bchw,bc->bhw', x, weights).unsqueeze(1)

    def loss(self, feats, data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """Classification loss ``loss_cls``."""
        return dict(loss_cls=self._cls_loss(self(feats), data_samples))

    def predict(
        self,
        feats,
        data_samples: Optional[Sequence[Optional[DataSample]]] = None
    ) -> List[DataSample]:
        """Predict class, CAM and box (same fields as :class:`FAMHead`)."""
        cls_score = self(feats)
        labels = self._target_labels(cls_score, data_samples, self.cam_target)
        cams = self.class_activation_maps(feats, labels)
        return self._get_wsol_predictions(
            cls_score, cams, data_samples, minmax=True)
