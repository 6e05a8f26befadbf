"""VGG trunk for weakly supervised object localization."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmpretrain.models.backbones import VGG
from mmpretrain.registry import MODELS

from .extra_convs import make_extra_convs


@MODELS.register_module()
class WSOLVGG(VGG):
    """VGG without ``pool5``, followed by extra convs, for WSOL.

    The WSOL variant of VGG used by CAM and the WSOL evaluation benchmark
    (Choe et al., CVPR 2020): the five conv stages of the ImageNet VGG are
    kept, the last max-pool (``pool5``) is dropped so a 224 x 224 input gives
    a 14 x 14 map (stride 16), and new convolutions are appended before the
    neck/head. The fully connected classifier is never built.

    Default extra convs: one 3x3 conv 512 -> 1024 with ReLU
    (``extra_channels=(1024, )``). This is the ``conv6`` of the CAM VGG16
    (Zhou et al., CVPR 2016) and of the benchmark's CAM VGG16, the setting
    most later WSOL methods report VGG16 results under. ACoL and SPG style
    heads use two 1024-wide layers instead, and
    ``extra_channels=()`` outputs ``conv5_3`` directly (512 channels).
    The extra convs share ``conv_cfg``, ``norm_cfg`` and ``act_cfg`` with
    the trunk (so they get BN when the trunk is VGG16-BN) and are He
    initialised (see :func:`make_extra_convs`).

    Parameter names are those of mmpretrain's :class:`VGG` (``features.*``),
    so mmpretrain's ImageNet checkpoints load with
    ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone')``;
    their ``classifier.*`` weights are ignored and the extra convs
    (``extra_convs.*``) keep their own initialisation.

    Args:
        depth (int): Depth of VGG, one of {11, 13, 16, 19}. Defaults to 16.
        extra_channels (Sequence[int]): Output channels of each extra conv
            after the last conv stage. Defaults to ``(1024, )``.
        extra_kernel_size (int): Kernel size of the extra convs.
            Defaults to 3.
        out_indices (Sequence[int], optional): Which outputs to return:
            0-4 are the five conv stages (stages 0-3 end with their max-pool,
            stage 4 is ``conv5_*`` without ``pool5``), 5 is the extra conv
            block. Defaults to None: ``(5, )`` with extra convs, else
            ``(4, )``.
        frozen_stages (int): Number of conv stages (from the input side) to
            freeze, as in :class:`VGG`. -1 freezes nothing. Defaults to -1.
        conv_cfg (dict, optional): Convolution config. Defaults to None.
        norm_cfg (dict, optional): Normalization config, e.g.
            ``dict(type='BN')`` for VGG-BN. Defaults to None.
        act_cfg (dict): Activation config. Defaults to
            ``dict(type='ReLU')``.
        norm_eval (bool): Keep norm layers in eval mode during training.
            Defaults to False.
        ceil_mode (bool): ``ceil_mode`` of the max-pools. Defaults to False.
        init_cfg (dict | list[dict], optional): Initialization config.
            Defaults to mmpretrain VGG's (Kaiming convs, constant-1 norms).

    Example:
        >>> import torch
        >>> from fam_mm.models.backbones import WSOLVGG
        >>> model = WSOLVGG(depth=16).eval()
        >>> outs = model(torch.rand(1, 3, 224, 224))
        >>> print(tuple(outs[0].shape))
        (1, 1024, 14, 14)
    """

    def __init__(
        self,
        depth: int = 16,
        extra_channels: Sequence[int] = (1024, ),
        extra_kernel_size: int = 3,
        out_indices: Optional[Sequence[int]] = None,
        frozen_stages: int = -1,
        conv_cfg: Optional[dict] = None,
        norm_cfg: Optional[dict] = None,
        act_cfg: dict = dict(type='ReLU'),
        norm_eval: bool = False,
        ceil_mode: bool = False,
        init_cfg: Optional[Union[dict, List[dict]]] = [
            dict(type='Kaiming', layer=['Conv2d']),
            dict(type='Constant', val=1., layer=['_BatchNorm']),
        ]
    ) -> None:
        super().__init__(
            depth=depth,
            num_classes=-1,
            num_stages=5,
            dilations=(1, 1, 1, 1, 1),
            out_indices=(4, ),
            frozen_stages=frozen_stages,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            norm_eval=norm_eval,
            ceil_mode=ceil_mode,
            with_last_pool=False,
            init_cfg=init_cfg)
        self.extra_channels = tuple(extra_channels)
        self.extra_convs = make_extra_convs(
            self.in_channels,
            self.extra_channels,
            kernel_size=extra_kernel_size,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        num_outs = 6 if self.extra_convs is not None else 5
        if out_indices is None:
            out_indices = (num_outs - 1, )
        for index in out_indices:
            if index not in range(num_outs):
                raise ValueError(f'out_indices must be in range({num_outs}) '
                                 f'but got {index}')
        self.out_indices = tuple(out_indices)
        self.out_channels = (
            self.extra_channels[-1]
            if self.extra_convs is not None else self.in_channels)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Forward computation.

        Args:
            x (Tensor): Images, shape ``(B, 3, H, W)``.

        Returns:
            tuple[Tensor]: One map per ``out_indices`` entry; the default
            output has shape ``(B, extra_channels[-1], H / 16, W / 16)``,
            i.e. ``(B, 1024, 14, 14)`` for a 224 x 224 input.
        """
        outs = []
        vgg_layers = getattr(self, self.module_name)
        for i, (start, end) in enumerate(self.range_sub_modules):
            for j in range(start, end):
                x = vgg_layers[j](x)
            if i in self.out_indices:
                outs.append(x)
        if self.extra_convs is not None:
            x = self.extra_convs(x)
            if len(self.range_sub_modules) in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def train(self, mode: bool = True) -> 'WSOLVGG':
        """Set train mode as :class:`VGG` does (frozen stages and, with
        ``norm_eval``, norm layers stay in eval mode) and return ``self``
        so that ``model.eval()`` chains (``VGG.train`` returns None)."""
        super().train(mode)
        return self
