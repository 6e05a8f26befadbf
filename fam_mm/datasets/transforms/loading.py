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
    """

    def transform(self, results: dict) -> dict:
        """Load the masks.

        Args:
            results (dict): Pipeline results with ``mask_paths`` or
                ``mask_path`` and optionally ``ignore_path``.

        Returns:
            dict: ``results`` with ``gt_masks`` (and ``ignore_mask``).
        """
        paths = results.get('mask_paths')
        if paths is None and results.get('mask_path') is not None:
            paths = [results['mask_path']]
        if not paths:
            return results
        shape = results.get('ori_shape')
        shape = None if shape is None else tuple(shape[:2])
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
