"""Loading of WSOL segmentation masks (PxAP ground truth)."""
import os.path as osp
from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS


def _read_mask(path: str, shape: Optional[tuple], what: str) -> np.ndarray:
    """A PNG mask as ``uint8`` ``(H, W)``; errors name the file."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} file not found: {path}')
    mask = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if mask is None:
        raise ValueError(f'cannot decode the {what} {path}')
    if shape is not None and mask.shape != tuple(shape):
        raise ValueError(f'{what} {path} has shape {mask.shape}, the image '
                         f'{tuple(shape)}')
    return mask


@TRANSFORMS.register_module()
class LoadWSOLMasks(BaseTransform):
    """Load the foreground mask (and ignore mask) of a WSOL sample.

    Reads ``mask_paths`` (a list of instance masks, OpenImages) or
    ``mask_path`` (one mask, e.g. the synthetic benchmark's instance-id
    PNG) and the optional ``ignore_path``; nonzero = foreground / ignored.
    Adds ``gt_masks`` (``uint8`` ``(H, W)``, 1 on the union of the
    instances) and, with an ignore path, ``ignore_mask`` (bool ``(H, W)``),
    both in the **original** frame (``ori_shape``; put this transform right
    after ``LoadImageFromFile``). ``PackWSOLInputs`` packs them and
    ``WSOLMetric`` computes PxAP from them. A sample without a mask path is
    passed through unchanged.

    With ``with_part_masks=True`` it also reads ``part_mask_path`` (the
    synthetic benchmark's part-label PNG: 0 background, ``1..P`` object
    parts, e.g. 1 body, 2 head, 3 tail, 4 legs, 5 crest) into
    ``gt_part_mask`` (``uint8`` ``(H, W)``, the labels unchanged, original
    frame), which ``PackWSOLInputs`` packs and ``FAMMapMetric`` turns into
    ``part_purity``, ``part_on_object`` and ``distinct_parts``. Like the
    other masks it stays in the original frame: the ``WSOL*`` transforms
    leave it alone and the metric warps it to the input frame (nearest)
    with ``homography_matrix``. A sample without ``part_mask_path`` gets no
    ``gt_part_mask``. To switch it on in a test pipeline, replace
    ``dict(type='LoadWSOLMasks')`` with
    ``dict(type='LoadWSOLMasks', with_part_masks=True)``.

    Args:
        with_part_masks (bool): Also load ``part_mask_path`` into
            ``gt_part_mask``. Defaults to False.
    """

    def __init__(self, with_part_masks: bool = False) -> None:
        super().__init__()
        self.with_part_masks = with_part_masks

    def transform(self, results: dict) -> dict:
        """Load the masks.

        Args:
            results (dict): Pipeline results with ``mask_paths`` or
                ``mask_path``, optionally ``ignore_path`` and (with
                ``with_part_masks``) ``part_mask_path``.

        Returns:
            dict: ``results`` with ``gt_masks`` (and ``ignore_mask``,
            ``gt_part_mask``).
        """
        shape = results.get('ori_shape')
        shape = None if shape is None else tuple(shape[:2])
        if self.with_part_masks and results.get('part_mask_path'):
            results['gt_part_mask'] = _read_mask(results['part_mask_path'],
                                                 shape, 'part mask')
            shape = results['gt_part_mask'].shape
        paths = results.get('mask_paths')
        if paths is None and results.get('mask_path') is not None:
            paths = [results['mask_path']]
        if not paths:
            return results
        masks = []
        for path in paths:
            masks.append(_read_mask(path, shape, 'mask') != 0)
            shape = masks[-1].shape
        results['gt_masks'] = np.any(masks, axis=0).astype(np.uint8)
        ignore = results.get('ignore_path')
        if ignore:
            results['ignore_mask'] = _read_mask(ignore, shape,
                                                'ignore mask') != 0
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}'
                f'(with_part_masks={self.with_part_masks})')
