"""Hide-and-Seek (HaS; Singh & Lee, ICCV 2017) as a batch augment."""
import math
from typing import Tuple

import torch
from mmpretrain.registry import BATCH_AUGMENTS


def hide_and_seek_mask(batch_size: int,
                       height: int,
                       width: int,
                       grid_size: int,
                       hide_prob: float,
                       device=None) -> torch.Tensor:
    """Random keep mask of Hide-and-Seek.

    The image plane is cut into ``grid_size x grid_size`` pixel patches from
    the top-left corner (the last row and column of patches are cut by the
    border when the size is no multiple of ``grid_size``); each patch of
    each image is hidden independently with probability ``hide_prob``.

    Args:
        batch_size (int): Number of images ``B``.
        height (int): Image height ``H``.
        width (int): Image width ``W``.
        grid_size (int): Patch side in pixels.
        hide_prob (float): Probability of hiding a patch.
        device (torch.device, optional): Device of the mask.

    Returns:
        Tensor: ``(B, 1, H, W)`` float mask, 0 on hidden pixels, else 1.
    """
    rows, cols = math.ceil(height / grid_size), math.ceil(width / grid_size)
    hidden = torch.rand(batch_size, 1, rows, cols, device=device) < hide_prob
    keep = (~hidden).float()
    keep = keep.repeat_interleave(grid_size, dim=2)
    keep = keep.repeat_interleave(grid_size, dim=3)
    return keep[:, :, :height, :width]


@BATCH_AUGMENTS.register_module()
class HideAndSeek:
    """Hide-and-Seek: hide random patches of every training image.

    Singh & Lee, "Hide-and-Seek: Forcing a Network to be Meticulous for
    Weakly-supervised Object and Action Localization", ICCV 2017. Every
    ``grid_size x grid_size`` pixel patch of every training image is hidden
    with probability ``hide_prob`` (all channels; the labels are unchanged),
    so the classifier cannot rely on the most discriminative part alone.
    The test network is the plain CAM network.

    Hidden pixels are set to 0 *after* the data preprocessor's
    normalisation, i.e. to the normalisation mean (the dataset's mean colour
    with ImageNet statistics), the paper's choice, which keeps the
    activation statistics of training and test images alike.

    A batch augment of mmpretrain's :class:`ClsDataPreprocessor`, which runs
    it in training only (``training=True``: ``train_step``), after the
    normalisation; the test and val batches are untouched. Enable it with::

        model = dict(train_cfg=dict(augments=[
            dict(type='HideAndSeek', grid_size=4, hide_prob=0.5)]))

    (``train_cfg.augments`` becomes the preprocessor's ``batch_augments``;
    the preprocessor then sends one-hot ``gt_score`` targets to the head,
    whose cross-entropy is the same as on the hard labels.)

    Args:
        grid_size (int): Patch side in input pixels. Defaults to 4
            (clovaai/wsolevaluation's; the HaS paper used 16-56 px patches
            for 224 px inputs).
        hide_prob (float): Probability of hiding a patch. Defaults to 0.5.
    """

    def __init__(self, grid_size: int = 4, hide_prob: float = 0.5) -> None:
        if not isinstance(grid_size, int) or grid_size < 1:
            raise ValueError(f'HideAndSeek grid_size must be a positive '
                             f'int, got {grid_size!r}')
        if not 0.0 <= hide_prob <= 1.0:
            raise ValueError(f'HideAndSeek hide_prob must be in [0, 1], '
                             f'got {hide_prob}')
        self.grid_size = grid_size
        self.hide_prob = hide_prob

    def __call__(self, batch_inputs: torch.Tensor,
                 batch_score: torch.Tensor
                 ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Hide patches of a normalised batch.

        Args:
            batch_inputs (Tensor): Normalised images ``(B, C, H, W)``.
            batch_score (Tensor): One-hot (or soft) labels
                ``(B, num_classes)``, returned unchanged (as float).

        Returns:
            tuple[Tensor, Tensor]: The images with the hidden patches at 0,
            and the labels.
        """
        if batch_inputs.dim() != 4:
            raise ValueError('HideAndSeek expects images (B, C, H, W), got '
                             f'{tuple(batch_inputs.shape)}')
        batch_size, _, height, width = batch_inputs.shape
        keep = hide_and_seek_mask(batch_size, height, width, self.grid_size,
                                  self.hide_prob, batch_inputs.device)
        return batch_inputs * keep.to(batch_inputs.dtype), batch_score.float()

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(grid_size={self.grid_size}, '
                f'hide_prob={self.hide_prob})')
