"""FAM's object-aware attention module as an mmpretrain neck."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from ..utils import ForegroundMemory


@MODELS.register_module()
class FAMNeck(BaseModule):
    """Object-aware attention module (FAM paper, section 3.1).

    Turns the backbone feature map ``X`` into a class-agnostic foreground
    map ``M = sigmoid(w^T x)`` (eqs. 1-3) read from a key-value
    :class:`ForegroundMemory`, and hands both ``X`` and ``M`` to the head
    (:class:`FAMHead`), which applies the sparsity loss (eq. 4) and the
    part-aware attention.

    The query encoder has ``num_encoder_layers`` ``1x1`` convolutions
    (default 2: ``C -> C/16`` with ReLU, then a linear ``C/16 -> C/16``). The
    paper only says "an encoder". Even behind a single linear layer, reading
    the memory is not a linear classifier: the dot products
    ``q^T k_n = x^T (W^T k_n)`` are linear in ``x``, but the read
    normalises them (a softmax over the ``N`` entries by default), so
    ``M = sigmoid(sum_n s_n(x) v_n^T x)`` is a gated mixture of ``N`` linear
    foreground classifiers whose gates depend on ``x``. The default adds a
    ReLU layer so that the gates (which template a pixel resembles) can use
    non-linear combinations of the features; ``num_encoder_layers=1`` is the
    linear-encoder variant. The last layer stays linear so queries (and so
    eq. 1's dot products) can take either sign. It is ``1x1`` to keep the
    neck cheap (under 1% of a VGG16's FLOPs).

    With ``use_memory=False`` (the Table 2 ablation) the memory is replaced
    by three ``1x1`` convolutions of similar size
    (``C -> C/16 -> C/16 -> 1`` with ReLUs).

    Args:
        in_channels (int): ``C``, channels of the backbone's last feature map.
        num_memory (int): ``N``, memory size. Defaults to 3.
        key_channels (int, optional): Query/key dimension. Defaults to
            ``max(in_channels // 16, 1)``.
        num_encoder_layers (int): ``1x1`` conv layers of the query encoder.
            Defaults to 2.
        similarity (str): Eq. 1 normalisation, ``'softmax'`` (default) or
            ``'paper'``; see :class:`ForegroundMemory`.
        use_memory (bool): Use the foreground memory. Defaults to True.
        init_cfg (dict | list[dict], optional): Initialization config.

    Inputs:
        A tuple of backbone feature maps; the last one, ``(B, C, H, W)``, is
        used.

    Returns:
        tuple[Tensor, Tensor]: ``(X, M)``, the feature map ``(B, C, H, W)``
        and the foreground map ``(B, 1, H, W)`` with values in ``[0, 1]``.
    """

    def __init__(self,
                 in_channels: int,
                 num_memory: int = 3,
                 key_channels: Optional[int] = None,
                 num_encoder_layers: int = 2,
                 similarity: str = 'softmax',
                 use_memory: bool = True,
                 init_cfg: Optional[Union[dict, Sequence[dict]]] = dict(
                     type='Kaiming', layer='Conv2d')) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_encoder_layers < 1:
            raise ValueError(
                f'num_encoder_layers must be >= 1, got {num_encoder_layers}')
        self.in_channels = in_channels
        self.key_channels = key_channels or max(in_channels // 16, 1)
        self.use_memory = use_memory
        d = self.key_channels
        if use_memory:
            layers = []
            for i in range(num_encoder_layers):
                last = i == num_encoder_layers - 1
                layers.append(
                    ConvModule(
                        in_channels if i == 0 else d,
                        d,
                        kernel_size=1,
                        act_cfg=None if last else dict(type='ReLU')))
            self.encoder = nn.Sequential(*layers)
            self.memory = ForegroundMemory(
                in_channels, d, num_memory=num_memory, similarity=similarity)
        else:
            # Table 2: "three 1x1 convolution layers ... with similar
            # parameters" instead of the memory.
            self.fg_convs = nn.Sequential(
                ConvModule(in_channels, d, 1),
                ConvModule(d, d, 1),
                ConvModule(d, 1, 1, act_cfg=None),
            )

    def init_weights(self) -> None:
        super().init_weights()
        if self.use_memory:
            self.memory.reset_parameters()
        else:
            # Start from M ~ 0.5 everywhere, as the memory does.
            last = self.fg_convs[-1].conv
            assert isinstance(last, nn.Conv2d) and last.bias is not None
            nn.init.normal_(last.weight, std=0.01)
            nn.init.zeros_(last.bias)

    def foreground_logits(self, x: torch.Tensor) -> torch.Tensor:
        """Pre-sigmoid foreground map ``w^T x`` of shape ``(B, 1, H, W)``."""
        if self.use_memory:
            return self.memory(self.encoder(x), x)
        return self.fg_convs(x)

    def forward(
        self, inputs: Union[torch.Tensor, Tuple[torch.Tensor, ...]]
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        x = inputs[-1] if isinstance(inputs, (tuple, list)) else inputs
        if x.dim() != 4:
            raise ValueError('FAMNeck expects a (B, C, H, W) feature map, '
                             f'got shape {tuple(x.shape)}')
        # eq. 3, normalised by a sigmoid
        fg_map = self.foreground_logits(x).sigmoid()
        return x, fg_map
