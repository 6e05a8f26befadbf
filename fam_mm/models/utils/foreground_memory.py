"""The key-value foreground memory of FAM's object-aware attention."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

SIMILARITIES = ('softmax', 'paper')


class ForegroundMemory(BaseModule):
    """Key-value foreground memory (FAM paper, section 3.1, eqs. 1-3).

    The memory holds ``N`` keys ``k_n`` (appearance templates, dimension
    ``C/16``) and ``N`` values ``v_n`` (foreground classifiers, ``1x1``
    convolution kernels of dimension ``C``). Each pixel query ``q_ij`` reads
    the memory by its similarity to the keys (eq. 1), blends the values into
    a pixel-wise classifier ``w_ij`` (eq. 2) and scores its own feature
    ``x_ij`` with it (eq. 3).

    Two similarity normalisations are available:

    * ``'softmax'`` (default): ``s^n = softmax_n(beta^n)``. The blend is a
      convex combination of the values for every pixel, whatever the signs of
      the dot products, which keeps training stable.
    * ``'paper'``: eq. 1 exactly as written, ``s^n = beta^n / sum_m beta^m``.
      ``beta`` is a signed dot product, so the denominator can be zero or
      negative and ``s`` is then unbounded (weights of either sign and any
      magnitude). We only keep the denominator away from exactly zero
      (``|sum| >= eps``, sign kept); everything else is literal.

    Args:
        in_channels (int): ``C``, channels of the feature map ``X``.
        key_channels (int): Dimension of queries and keys (``C/16`` in the
            paper).
        num_memory (int): ``N``, number of key-value pairs. Defaults to 3.
        similarity (str): ``'softmax'`` or ``'paper'``. Defaults to
            ``'softmax'``.
        eps (float): Smallest magnitude of the ``'paper'`` denominator.
            Defaults to 1e-6.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 key_channels: int,
                 num_memory: int = 3,
                 similarity: str = 'softmax',
                 eps: float = 1e-6,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if similarity not in SIMILARITIES:
            raise ValueError(f'similarity must be one of {SIMILARITIES}, '
                             f'got {similarity!r}')
        if num_memory < 1:
            raise ValueError(f'num_memory must be >= 1, got {num_memory}')
        self.in_channels = in_channels
        self.key_channels = key_channels
        self.num_memory = num_memory
        self.similarity = similarity
        self.eps = eps
        # keys k_n in R^{C/16}, values v_n in R^C (1x1 conv kernels, no bias)
        self.keys = nn.Parameter(torch.empty(num_memory, key_channels))
        self.values = nn.Parameter(torch.empty(num_memory, in_channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Keys ~ N(0, 1/d) (unit-scale dot products); small values, so the
        initial foreground map is ~0.5 everywhere."""
        nn.init.normal_(self.keys, std=1.0 / math.sqrt(self.key_channels))
        nn.init.normal_(self.values, std=0.01)

    def read(self, query: torch.Tensor) -> torch.Tensor:
        """Similarity of every pixel query to every key.

        Args:
            query (Tensor): Queries ``Q`` of shape ``(B, C/16, H, W)``.

        Returns:
            Tensor: ``s`` of shape ``(B, N, H, W)``.
        """
        # eq. 1: beta^n_ij = q_ij^T k_n / sqrt(C/16)
        # (a 1x1 convolution with the keys as kernels: no copy of the input)
        beta = F.conv2d(query, self.keys[:, :, None, None])
        beta = beta / math.sqrt(self.key_channels)
        if self.similarity == 'softmax':
            return beta.softmax(dim=1)
        # eq. 1 as written: s^n = beta^n / sum_m beta^m
        denom = beta.sum(dim=1, keepdim=True)
        sign = torch.where(denom < 0, -torch.ones_like(denom),
                           torch.ones_like(denom))
        denom = sign * denom.abs().clamp(min=self.eps)
        return beta / denom

    def forward(self, query: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Foreground logits ``M_ij = w_ij^T x_ij`` (before the sigmoid).

        Args:
            query (Tensor): Queries of shape ``(B, C/16, H, W)``.
            x (Tensor): Feature map ``X`` of shape ``(B, C, H, W)``.

        Returns:
            Tensor: Logits of shape ``(B, 1, H, W)``.
        """
        s = self.read(query)
        # eqs. 2-3: w_ij = sum_n s^n_ij v_n and M_ij = w_ij^T x_ij
        #           = sum_n s^n_ij (v_n^T x_ij), computed without forming w.
        value_scores = F.conv2d(x, self.values[:, :, None, None])
        return (s * value_scores).sum(dim=1, keepdim=True)

    def extra_repr(self) -> str:
        return (f'in_channels={self.in_channels}, '
                f'key_channels={self.key_channels}, '
                f'num_memory={self.num_memory}, '
                f'similarity={self.similarity!r}')
