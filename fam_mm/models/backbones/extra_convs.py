"""Extra convolutions appended to a truncated ImageNet backbone for WSOL."""
from typing import Optional, Sequence

from mmcv.cnn import ConvModule
from mmengine.model import Sequential


def make_extra_convs(
    in_channels: int,
    channels: Sequence[int],
    kernel_size: int = 3,
    conv_cfg: Optional[dict] = None,
    norm_cfg: Optional[dict] = None,
    act_cfg: Optional[dict] = dict(type='ReLU')
) -> Optional[Sequential]:
    """Build a stack of stride-1, size-preserving conv layers.

    WSOL methods drop the last downsampling layers of an ImageNet network and
    put one or two freshly initialised convolutions (e.g. ``conv6`` of the
    CAM VGG16) between the pretrained trunk and the localization head, so the
    high-resolution map gets features that are trained for the target data.

    Each layer is an mmcv ``ConvModule`` (conv, optional norm, activation).
    The stack is an mmengine :class:`~mmengine.model.Sequential`, so
    ``init_weights`` reaches the ``ConvModule`` s and gives them He (Kaiming
    normal, ``fan_out``) weights and zero biases even when the backbone's
    ``init_cfg`` is only ``Pretrained`` (whose checkpoint lacks these layers
    and is loaded after, so it still wins for layers it does contain).

    Args:
        in_channels (int): Channels of the input feature map.
        channels (Sequence[int]): Output channels of each layer, in order.
            An empty sequence builds nothing.
        kernel_size (int): Square kernel size of every layer; padding keeps
            the spatial size. Defaults to 3.
        conv_cfg (dict, optional): Convolution config. Defaults to None
            (``nn.Conv2d``).
        norm_cfg (dict, optional): Normalization config. Defaults to None
            (no norm, conv with bias).
        act_cfg (dict, optional): Activation config. Defaults to
            ``dict(type='ReLU')``.

    Returns:
        Sequential | None: The layers, mapping ``(B, in_channels, H, W)`` to
        ``(B, channels[-1], H, W)``, or None when ``channels`` is empty.
    """
    assert kernel_size % 2 == 1, 'kernel_size must be odd to keep the size'
    if len(channels) == 0:
        return None
    layers = []
    for out_channels in channels:
        layers.append(
            ConvModule(
                in_channels,
                out_channels,
                kernel_size,
                padding=kernel_size // 2,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg))
        in_channels = out_channels
    return Sequential(*layers)
