"""Inception-v3 trunk with a large (28 x 28 at 224) output map for WSOL."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.utils.dl_utils.parrots_wrapper import _BatchNorm
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.models.backbones.inception_v3 import (
    BasicConv2d,
    InceptionA,
    InceptionB,
    InceptionC,
)
from mmpretrain.registry import MODELS

from .extra_convs import make_extra_convs


class PaddedInceptionB(InceptionB):
    """mmpretrain's ``InceptionB`` (Mixed_6a) with padded, strided branches.

    The two 3x3 convs that downsample and the max-pool branch get padding 1
    and a configurable stride, so stride 1 keeps the spatial size and stride
    2 gives ``ceil(H / 2)``. Parameter names and shapes are unchanged.

    Args:
        in_channels (int): Input channels.
        stride (int): Stride of the reduction branches. Defaults to 1.
        conv_cfg (dict, optional): Convolution config. Defaults to None.
        init_cfg (dict, optional): Initialization config. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 stride: int = 1,
                 conv_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(in_channels, conv_cfg=conv_cfg, init_cfg=init_cfg)
        self.branch3x3 = BasicConv2d(
            in_channels,
            384,
            kernel_size=3,
            stride=stride,
            padding=1,
            conv_cfg=conv_cfg)
        self.branch3x3dbl_3 = BasicConv2d(
            96, 96, kernel_size=3, stride=stride, padding=1, conv_cfg=conv_cfg)
        self.branch_pool = nn.MaxPool2d(
            kernel_size=3, stride=stride, padding=1)


@MODELS.register_module()
class WSOLInceptionV3(BaseBackbone):
    """Inception-v3 up to Mixed_6e with a 28 x 28 map at 224 input, for WSOL.

    The WSOL Inception-v3 of SPG (Zhang et al., ECCV 2018) and of the WSOL
    evaluation benchmark (Choe et al., CVPR 2020, ``large_feature_map``),
    built from mmpretrain's Inception blocks. Compared with mmpretrain's
    :class:`~mmpretrain.models.InceptionV3`:

    1. ``Conv2d_1a_3x3`` (stride 2) gets padding 1 (mmpretrain: 0).
    2. ``maxpool1`` and ``maxpool2`` (3x3, stride 2) get padding 1 and
       ``ceil_mode=True`` (mmpretrain: no padding, floor).
    3. ``Mixed_6a`` (the 35 -> 17 reduction block) runs with stride
       ``mixed_6a_stride`` = 1 and padding 1 in its two 3x3 reduction convs
       and its max-pool branch, so it keeps the size.
    4. Everything after ``Mixed_6e`` (``AuxLogits``, ``Mixed_7a-c``, pooling,
       dropout, ``fc``) is removed.
    5. Extra convs (default two 3x3 convs to 1024 channels with ReLU, no
       norm, as the benchmark's CAM Inception-v3 and SPG/ACoL put before
       their classifiers) are appended. ``extra_channels=()`` returns
       ``Mixed_6e`` (768 channels).

    Sizes at 224 x 224: ``Conv2d_1a`` 112, ``Conv2d_2a/2b`` 110, ``maxpool1``
    56, ``Conv2d_4a`` 54, ``maxpool2`` 28, ``Mixed_5b``-``Mixed_6e`` 28
    (stride 8). ``mixed_6a_stride=2`` gives 14 x 14 (stride 16) instead.

    Padding and stride changes leave every parameter shape unchanged and the
    kept modules have mmpretrain's names, so mmpretrain's ImageNet
    checkpoint (``inception-v3_3rdparty_8xb32_in1k``) loads through
    ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone')``;
    its ``Mixed_7*``/``fc`` weights are ignored. That checkpoint was
    evaluated with mmpretrain's standard ImageNet mean/std normalisation.

    Args:
        mixed_6a_stride (int): Stride of ``Mixed_6a``: 1 for the 28 x 28 WSOL
            map, 2 for 14 x 14. Defaults to 1.
        extra_channels (Sequence[int]): Output channels of each extra conv
            after ``Mixed_6e``. Defaults to ``(1024, 1024)``.
        extra_kernel_size (int): Kernel size of the extra convs.
            Defaults to 3.
        extra_norm_cfg (dict, optional): Norm config of the extra convs.
            Defaults to None (conv with bias + ReLU).
        extra_dropout (float): Dropout probability before each extra conv
            and after the last one, in training only. The WSOL-evaluation
            reference's InceptionV3 (clovaai/wsolevaluation) drops out 0.5
            there (``configs/_base_/models/backbones/inception_v3_wsol.py``
            sets it); 0 disables it. Defaults to 0.
        out_indices (Sequence[int], optional): Which outputs to return:
            0 the stem (after ``maxpool2``, 192 ch), 1 ``Mixed_5d`` (288 ch),
            2 ``Mixed_6e`` (768 ch), 3 the extra convs. Defaults to None:
            the last one (3 with extra convs, else 2).
        frozen_stages (int): Number of stages (0: stem, 1: Mixed_5*,
            2: Mixed_6*) to freeze, parameters and norm statistics.
            -1 freezes nothing. Defaults to -1.
        norm_eval (bool): Keep BN layers in eval mode during training.
            Defaults to False.
        conv_cfg (dict, optional): Convolution config of the Inception
            blocks and extra convs. Defaults to None.
        init_cfg (dict | list[dict], optional): Initialization config.
            Defaults to mmpretrain InceptionV3's (truncated normal convs,
            constant-1 BN); the extra convs are He initialised.

    Example:
        >>> import torch
        >>> from fam_mm.models.backbones import WSOLInceptionV3
        >>> model = WSOLInceptionV3().eval()
        >>> outs = model(torch.rand(1, 3, 224, 224))
        >>> print(tuple(outs[0].shape))
        (1, 1024, 28, 28)
    """

    stage_names = (
        ('Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3', 'maxpool1',
         'Conv2d_3b_1x1', 'Conv2d_4a_3x3', 'maxpool2'),
        ('Mixed_5b', 'Mixed_5c', 'Mixed_5d'),
        ('Mixed_6a', 'Mixed_6b', 'Mixed_6c', 'Mixed_6d', 'Mixed_6e'),
    )

    def __init__(
        self,
        mixed_6a_stride: int = 1,
        extra_channels: Sequence[int] = (1024, 1024),
        extra_kernel_size: int = 3,
        extra_norm_cfg: Optional[dict] = None,
        extra_dropout: float = 0.0,
        out_indices: Optional[Sequence[int]] = None,
        frozen_stages: int = -1,
        norm_eval: bool = False,
        conv_cfg: Optional[dict] = None,
        init_cfg: Optional[Union[dict, List[dict]]] = [
            dict(type='TruncNormal', layer='Conv2d', std=0.1),
            dict(type='Constant', layer='BatchNorm2d', val=1)
        ]
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        assert mixed_6a_stride in (1, 2)
        self.mixed_6a_stride = mixed_6a_stride
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        self.Conv2d_1a_3x3 = BasicConv2d(
            3, 32, kernel_size=3, stride=2, padding=1, conv_cfg=conv_cfg)
        self.Conv2d_2a_3x3 = BasicConv2d(
            32, 32, kernel_size=3, conv_cfg=conv_cfg)
        self.Conv2d_2b_3x3 = BasicConv2d(
            32, 64, kernel_size=3, padding=1, conv_cfg=conv_cfg)
        self.maxpool1 = nn.MaxPool2d(
            kernel_size=3, stride=2, padding=1, ceil_mode=True)
        self.Conv2d_3b_1x1 = BasicConv2d(
            64, 80, kernel_size=1, conv_cfg=conv_cfg)
        self.Conv2d_4a_3x3 = BasicConv2d(
            80, 192, kernel_size=3, conv_cfg=conv_cfg)
        self.maxpool2 = nn.MaxPool2d(
            kernel_size=3, stride=2, padding=1, ceil_mode=True)
        self.Mixed_5b = InceptionA(192, pool_features=32, conv_cfg=conv_cfg)
        self.Mixed_5c = InceptionA(256, pool_features=64, conv_cfg=conv_cfg)
        self.Mixed_5d = InceptionA(288, pool_features=64, conv_cfg=conv_cfg)
        self.Mixed_6a = PaddedInceptionB(
            288, stride=mixed_6a_stride, conv_cfg=conv_cfg)
        self.Mixed_6b = InceptionC(768, channels_7x7=128, conv_cfg=conv_cfg)
        self.Mixed_6c = InceptionC(768, channels_7x7=160, conv_cfg=conv_cfg)
        self.Mixed_6d = InceptionC(768, channels_7x7=160, conv_cfg=conv_cfg)
        self.Mixed_6e = InceptionC(768, channels_7x7=192, conv_cfg=conv_cfg)

        if not 0.0 <= extra_dropout < 1.0:
            raise ValueError(
                f'extra_dropout must be in [0, 1), got {extra_dropout}')
        self.extra_dropout = extra_dropout
        self.extra_channels = tuple(extra_channels)
        self.extra_convs = make_extra_convs(
            768,
            self.extra_channels,
            kernel_size=extra_kernel_size,
            conv_cfg=conv_cfg,
            norm_cfg=extra_norm_cfg,
            act_cfg=dict(type='ReLU'))
        self.out_channels = (
            self.extra_channels[-1] if self.extra_convs is not None else 768)

        num_outs = len(self.stage_names) + int(self.extra_convs is not None)
        if out_indices is None:
            out_indices = (num_outs - 1, )
        for index in out_indices:
            if index not in range(num_outs):
                raise ValueError(f'out_indices must be in range({num_outs}) '
                                 f'but got {index}')
        self.out_indices = tuple(out_indices)
        if frozen_stages not in range(-1, len(self.stage_names) + 1):
            raise ValueError('frozen_stages must be in range(-1, '
                             f'{len(self.stage_names) + 1}) but got '
                             f'{frozen_stages}')

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Forward computation.

        Args:
            x (Tensor): Images, shape ``(B, 3, H, W)``.

        Returns:
            tuple[Tensor]: One map per ``out_indices`` entry; the default
            output has shape ``(B, 1024, 28, 28)`` for a 224 x 224 input.
        """
        outs = []
        for i, names in enumerate(self.stage_names):
            for name in names:
                x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        if self.extra_convs is not None:
            for conv in self.extra_convs:
                x = F.dropout(x, self.extra_dropout, self.training)
                x = conv(x)
            x = F.dropout(x, self.extra_dropout, self.training)
            if len(self.stage_names) in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _freeze_stages(self) -> None:
        """Freeze the first ``frozen_stages`` stages."""
        for names in self.stage_names[:max(self.frozen_stages, 0)]:
            for name in names:
                module = getattr(self, name)
                module.eval()
                for param in module.parameters():
                    param.requires_grad = False

    def train(self, mode: bool = True) -> 'WSOLInceptionV3':
        """Set train mode, keeping frozen stages (and BN if ``norm_eval``)
        in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
