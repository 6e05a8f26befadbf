"""MobileNetV1 backbone (Howard et al., 2017)."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmengine.utils.dl_utils.parrots_wrapper import _BatchNorm
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.models.utils import make_divisible
from mmpretrain.registry import MODELS


@MODELS.register_module()
class MobileNetV1(BaseBackbone):
    """MobileNetV1 backbone.

    `MobileNets: Efficient Convolutional Neural Networks for Mobile Vision
    Applications <https://arxiv.org/abs/1704.04861>`_: a 3x3 stride-2 conv
    stem (32 channels) and 13 depthwise-separable blocks (3x3 depthwise conv
    + BN + ReLU, then 1x1 pointwise conv + BN + ReLU). The blocks are grouped
    into five stages that end at the resolutions of the paper's Table 1; the
    first block of each stage carries the stage's stride:

    ======  ========  ======  =========================  ================
    stage   channels  blocks  default stride             size at 224 in
    ======  ========  ======  =========================  ================
    conv1   32        (stem)  2                          112
    layer1  64        1       1                          112
    layer2  128       2       2                          56
    layer3  256       2       2                          28
    layer4  512       6       2                          14
    layer5  1024      2       2 (WSOL: 1)                7 (WSOL: 14)
    ======  ========  ======  =========================  ================

    WSOL practice sets the last stride-2 block (first of ``layer5``) to
    stride 1, i.e. ``strides=(1, 2, 2, 2, 1)``, for a 14 x 14 x 1024 map at
    224 input; the default ``strides`` is the original network.

    With ``widen_factor=1.0`` the network has 3,206,976 learnable parameters
    (convs without bias, BN weight and bias), the paper's 4.2M minus the
    1024 x 1000 + 1000 classifier. Layer names (``conv1``,
    ``layer{i}.{j}.depthwise_conv``/``pointwise_conv``, each a ``ConvModule``
    with ``conv`` and ``bn``) are this class's own: there is no mmpretrain
    MobileNetV1 checkpoint, so ImageNet weights from elsewhere must be
    converted to these names (and saved under a ``backbone.`` prefix to load
    through ``init_cfg=dict(type='Pretrained', ..., prefix='backbone')``).

    Args:
        widen_factor (float): Width multiplier (the paper's alpha): every
            layer's channels are multiplied by it and rounded to a multiple
            of 8. Defaults to 1.0.
        strides (Sequence[int]): Stride of the first block of each of the
            five stages. Defaults to ``(1, 2, 2, 2, 2)``.
        out_indices (Sequence[int]): Output from which stages, 0-4 for
            ``layer1``-``layer5``. Defaults to ``(4, )``.
        frozen_stages (int): Stages to freeze (parameters fixed, norm layers
            in eval mode): 0 freezes ``conv1``, ``i`` freezes ``conv1`` and
            ``layer1``-``layer{i}``. -1 freezes nothing. Defaults to -1.
        conv_cfg (dict, optional): Convolution config. Defaults to None.
        norm_cfg (dict): Normalization config. Defaults to
            ``dict(type='BN')``.
        act_cfg (dict): Activation config. Defaults to ``dict(type='ReLU')``.
        norm_eval (bool): Keep norm layers in eval mode during training (their
            running statistics frozen). Only affects BN and its variants.
            Defaults to False.
        init_cfg (dict | list[dict], optional): Initialization config.
            Defaults to Kaiming convs and constant-1 norms.

    Example:
        >>> import torch
        >>> from fam_mm.models.backbones import MobileNetV1
        >>> model = MobileNetV1(strides=(1, 2, 2, 2, 1)).eval()
        >>> outs = model(torch.rand(1, 3, 224, 224))
        >>> print(tuple(outs[0].shape))
        (1, 1024, 14, 14)
    """

    # Each stage: (output channels, number of depthwise-separable blocks).
    arch_settings = [(64, 1), (128, 2), (256, 2), (512, 6), (1024, 2)]
    stem_channels = 32

    def __init__(
        self,
        widen_factor: float = 1.0,
        strides: Sequence[int] = (1, 2, 2, 2, 2),
        out_indices: Sequence[int] = (4, ),
        frozen_stages: int = -1,
        conv_cfg: Optional[dict] = None,
        norm_cfg: dict = dict(type='BN'),
        act_cfg: dict = dict(type='ReLU'),
        norm_eval: bool = False,
        init_cfg: Optional[Union[dict, List[dict]]] = [
            dict(type='Kaiming', layer=['Conv2d']),
            dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
        ]
    ) -> None:
        super().__init__(init_cfg)
        num_stages = len(self.arch_settings)
        if len(strides) != num_stages:
            raise ValueError(f'strides must have {num_stages} items but got '
                             f'{strides}')
        for index in out_indices:
            if index not in range(num_stages):
                raise ValueError(f'out_indices must be in range({num_stages})'
                                 f' but got {index}')
        if frozen_stages not in range(-1, num_stages + 1):
            raise ValueError(f'frozen_stages must be in range(-1, '
                             f'{num_stages + 1}) but got {frozen_stages}')
        self.widen_factor = widen_factor
        self.strides = tuple(strides)
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        in_channels = make_divisible(self.stem_channels * widen_factor, 8)
        self.conv1 = ConvModule(
            3,
            in_channels,
            kernel_size=3,
            stride=2,
            padding=1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)

        self.layers = []
        self.stage_channels = []
        for i, ((channels, num_blocks),
                stride) in enumerate(zip(self.arch_settings, self.strides)):
            out_channels = make_divisible(channels * widen_factor, 8)
            blocks = []
            for j in range(num_blocks):
                blocks.append(
                    DepthwiseSeparableConvModule(
                        in_channels,
                        out_channels,
                        kernel_size=3,
                        stride=stride if j == 0 else 1,
                        padding=1,
                        conv_cfg=conv_cfg,
                        norm_cfg=norm_cfg,
                        act_cfg=act_cfg))
                in_channels = out_channels
            layer_name = f'layer{i + 1}'
            self.add_module(layer_name, nn.Sequential(*blocks))
            self.layers.append(layer_name)
            self.stage_channels.append(out_channels)
        self.out_channels = self.stage_channels[-1]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Forward computation.

        Args:
            x (Tensor): Images, shape ``(B, 3, H, W)``.

        Returns:
            tuple[Tensor]: One map per ``out_indices`` entry, stage ``i``
            shaped ``(B, stage_channels[i], h_i, w_i)``; with
            ``strides=(1, 2, 2, 2, 1)`` and a 224 x 224 input the last stage
            gives ``(B, 1024, 14, 14)``.
        """
        x = self.conv1(x)
        outs = []
        for i, layer_name in enumerate(self.layers):
            x = getattr(self, layer_name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _freeze_stages(self) -> None:
        """Freeze ``conv1`` and the first ``frozen_stages`` stages."""
        if self.frozen_stages < 0:
            return
        modules = [self.conv1] + [
            getattr(self, name) for name in self.layers[:self.frozen_stages]
        ]
        for module in modules:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'MobileNetV1':
        """Set train mode, keeping frozen stages (and norms if
        ``norm_eval``) in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
