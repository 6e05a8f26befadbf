"""Geometric transforms that keep WSOL boxes and the frame mapping in sync.

Each transform changes the image with mmcv's image ops like its mmcv /
mmpretrain namesake (same arguments, same random draws) and additionally

* composes ``homography_matrix`` (float32 ``3x3``, original -> current
  frame, pixel-edge coordinates) with the matrix of its own step,
* recomputes ``gt_bboxes`` (current frame) as
  ``transform_boxes(ori_gt_bboxes, homography_matrix)``, clipped to the new
  image when ``clip_object_border`` (the default),
* updates ``img_shape`` and ``scale_factor`` (the *cumulative*
  ``(w_scale, h_scale)`` from the original image, which equals mmcv's value
  for pipelines with a single resize); the flip also sets ``flip`` and
  ``flip_direction`` like mmcv.

``ori_gt_bboxes`` is recorded by the first of these transforms (from
``gt_bboxes``, which must then still be in the original frame: that
transform checks they fit the loaded image) and never changes afterwards.

A box that leaves the image entirely after a crop is kept, clipped to a
zero-area box on the border, so ``gt_bboxes`` stays row-aligned with
``ori_gt_bboxes``; the evaluation uses the original-frame boxes, so nothing
is lost.
"""
import math
from typing import Optional, Tuple

import mmcv
import numpy as np
from mmcv.transforms import CenterCrop, RandomFlip, Resize
from mmpretrain.datasets.transforms import RandomCrop, RandomResizedCrop
from mmpretrain.registry import TRANSFORMS

from fam_mm.evaluation.functional import transform_boxes


def _translation(dx: float, dy: float) -> np.ndarray:
    return np.array([[1, 0, dx], [0, 1, dy], [0, 0, 1]], dtype=np.float64)


def _scaling(sx: float, sy: float) -> np.ndarray:
    return np.diag([sx, sy, 1.0])


def flip_matrix(direction: str, img_shape: Tuple[int, int]) -> np.ndarray:
    """Matrix of an image flip in pixel-edge coordinates.

    Args:
        direction (str): ``'horizontal'``, ``'vertical'`` or ``'diagonal'``.
        img_shape (tuple[int, int]): ``(h, w)`` of the flipped image.

    Returns:
        np.ndarray: float64 ``3x3`` matrix (``x -> w - x`` and/or
        ``y -> h - y``).
    """
    h, w = img_shape[:2]
    m = np.eye(3)
    if direction in ('horizontal', 'diagonal'):
        m[0, 0], m[0, 2] = -1.0, w
    if direction in ('vertical', 'diagonal'):
        m[1, 1], m[1, 2] = -1.0, h
    if direction not in ('horizontal', 'vertical', 'diagonal'):
        raise ValueError(f'unknown flip direction {direction!r}')
    return m


def init_wsol_geometry(results: dict, tolerance: float = 1.0) -> None:
    """Add ``homography_matrix`` and ``ori_gt_bboxes`` when missing.

    Without a ``homography_matrix`` the image is taken to be in its original
    frame; ``gt_bboxes`` are then checked against the loaded image (so an
    ``image_sizes.txt`` that does not match the image file is caught) and
    copied to ``ori_gt_bboxes``.

    Args:
        results (dict): The pipeline results.
        tolerance (float): Pixels a box may exceed the image. Defaults to 1.
    """
    matrix = results.get('homography_matrix')
    fresh = matrix is None
    if fresh:
        matrix = np.eye(3, dtype=np.float32)
        results['homography_matrix'] = matrix
    if results.get('gt_bboxes') is None or 'ori_gt_bboxes' in results:
        return
    boxes = np.asarray(results['gt_bboxes'], dtype=np.float32).reshape(-1, 4)
    if fresh:
        h, w = results['img'].shape[:2]
        bad = ((boxes[:, 0] < -tolerance) | (boxes[:, 1] < -tolerance) |
               (boxes[:, 2] > w + tolerance) | (boxes[:, 3] > h + tolerance))
        if bad.any():
            box = boxes[np.flatnonzero(bad)[0]].tolist()
            raise ValueError(
                f'{results.get("img_path", "<image>")}: gt box {box} lies '
                f'outside the loaded {w}x{h} (w x h) image: the annotated '
                'image size does not match the image file, or the image was '
                'resized by a transform that does not track boxes (use the '
                'WSOL* transforms)')
        ori = boxes.copy()
    else:
        ori = transform_boxes(
            boxes, np.linalg.inv(np.asarray(matrix, dtype=np.float64)))
    results['ori_gt_bboxes'] = ori
    results['gt_bboxes'] = boxes


def apply_wsol_geometry(results: dict,
                        step: np.ndarray,
                        clip_object_border: bool = True) -> None:
    """Compose ``step`` into the results after the image has changed.

    Args:
        results (dict): Results whose ``img`` is already transformed.
        step (np.ndarray): ``3x3`` matrix from the previous frame to the
            new one.
        clip_object_border (bool): Clip ``gt_bboxes`` to the new image.
    """
    matrix = np.asarray(
        step, dtype=np.float64) @ np.asarray(
            results['homography_matrix'], dtype=np.float64)
    results['homography_matrix'] = matrix.astype(np.float32)
    h, w = results['img'].shape[:2]
    results['img_shape'] = (h, w)
    results['scale_factor'] = (float(math.hypot(matrix[0, 0], matrix[1, 0])),
                               float(math.hypot(matrix[0, 1], matrix[1, 1])))
    if results.get('ori_gt_bboxes') is not None:
        boxes = transform_boxes(results['ori_gt_bboxes'], matrix)
        if clip_object_border:
            boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, w)
            boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, h)
        results['gt_bboxes'] = boxes.astype(np.float32)


def _crop(img: np.ndarray, x: int, y: int, w: int, h: int) -> np.ndarray:
    return mmcv.imcrop(img, np.array([x, y, x + w - 1, y + h - 1]))


@TRANSFORMS.register_module()
class WSOLResize(Resize):
    """Box-aware :class:`mmcv.transforms.Resize`.

    **Required Keys:** ``img``, ``gt_bboxes`` (optional),
    ``homography_matrix`` (optional).

    **Modified Keys:** ``img``, ``img_shape``, ``gt_bboxes``,
    ``homography_matrix``, ``scale_factor`` (cumulative).

    **Added Keys:** ``scale``, ``keep_ratio``, ``ori_gt_bboxes``.

    Args:
        scale (int | tuple[int, int], optional): Target ``(w, h)``; an int
            gives a square. Defaults to None.
        scale_factor (float | tuple[float, float], optional): Used when
            ``scale`` is None. Defaults to None.
        keep_ratio (bool): Keep the aspect ratio (``scale`` is then the
            bound of mmcv's ``imrescale``). Defaults to False.
        clip_object_border (bool): Clip boxes to the image. Defaults to
            True.
        backend (str): ``'cv2'`` or ``'pillow'``. Defaults to ``'cv2'``.
        interpolation (str): Interpolation method. Defaults to
            ``'bilinear'``.
    """

    def transform(self, results: dict) -> dict:
        """Resize the image and update boxes and frame.

        Args:
            results (dict): Pipeline results.

        Returns:
            dict: The updated results.
        """
        init_wsol_geometry(results)
        h, w = results['img'].shape[:2]
        if self.scale:
            results['scale'] = self.scale
        else:
            sx, sy = self.scale_factor
            results['scale'] = (int(w * float(sx) + 0.5),
                                int(h * float(sy) + 0.5))
        self._resize_img(results)
        self._resize_seg(results)
        new_h, new_w = results['img'].shape[:2]
        apply_wsol_geometry(results, _scaling(new_w / w, new_h / h),
                            self.clip_object_border)
        return results


@TRANSFORMS.register_module()
class WSOLRandomResizedCrop(RandomResizedCrop):
    """Box-aware :class:`mmpretrain.datasets.RandomResizedCrop`.

    Crops a random area and aspect ratio, then resizes the crop to
    ``scale``. Boxes outside the crop become zero-area boxes (see the module
    docstring).

    **Required Keys:** ``img``, ``gt_bboxes`` (optional).

    **Modified Keys:** ``img``, ``img_shape``, ``gt_bboxes``,
    ``homography_matrix``, ``scale_factor``.

    Args:
        scale (int | Sequence[int]): Output size, an int or ``(h, w)`` (as
            mmpretrain's ``RandomResizedCrop``).
        crop_ratio_range (tuple[float, float]): Range of the crop area
            relative to the image. Defaults to ``(0.08, 1.0)``.
        aspect_ratio_range (tuple[float, float]): Range of the crop aspect
            ratio. Defaults to ``(3/4, 4/3)``.
        max_attempts (int): Attempts before falling back to a central crop.
            Defaults to 10.
        interpolation (str): Interpolation method. Defaults to
            ``'bilinear'``.
        backend (str): ``'cv2'`` or ``'pillow'``. Defaults to ``'cv2'``.
        clip_object_border (bool): Clip boxes to the image. Defaults to
            True.
    """

    def __init__(self,
                 *args,
                 clip_object_border: bool = True,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.clip_object_border = clip_object_border

    def transform(self, results: dict) -> dict:
        """Crop, resize and update boxes and frame.

        Args:
            results (dict): Pipeline results.

        Returns:
            dict: The updated results.
        """
        init_wsol_geometry(results)
        img = results['img']
        offset_h, offset_w, crop_h, crop_w = self.rand_crop_params(img)
        img = _crop(img, offset_w, offset_h, crop_w, crop_h)
        out_h, out_w = self.scale
        results['img'] = mmcv.imresize(
            img, (out_w, out_h),
            interpolation=self.interpolation,
            backend=self.backend)
        step = _scaling(out_w / crop_w, out_h / crop_h) @ _translation(
            -offset_w, -offset_h)
        apply_wsol_geometry(results, step, self.clip_object_border)
        return results

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + \
            f', clip_object_border={self.clip_object_border})'


def _padding_left_top(padding) -> Tuple[int, int]:
    """Left and top padding of mmcv's ``impad`` ``padding`` argument."""
    if isinstance(padding, (int, float)):
        return int(padding), int(padding)
    padding = tuple(padding)
    if len(padding) in (2, 4):
        return int(padding[0]), int(padding[1])
    raise ValueError(f'padding must be an int or have 2 or 4 values, got '
                     f'{padding}')


@TRANSFORMS.register_module()
class WSOLRandomCrop(RandomCrop):
    """Box-aware :class:`mmpretrain.datasets.RandomCrop`.

    Padding (``padding`` / ``pad_if_needed``) shifts the frame like the
    image. Boxes outside the crop become zero-area boxes.

    **Required Keys:** ``img``, ``gt_bboxes`` (optional).

    **Modified Keys:** ``img``, ``img_shape``, ``gt_bboxes``,
    ``homography_matrix``, ``scale_factor``.

    Args:
        crop_size (int | Sequence[int]): An int or ``(h, w)`` (as
            mmpretrain's ``RandomCrop``).
        padding (int | Sequence[int], optional): Border padding (mmcv
            ``impad``: int, ``(lr, tb)`` or ``(l, t, r, b)``).
            Defaults to None.
        pad_if_needed (bool): Pad images smaller than the crop. Defaults to
            False.
        pad_val (Number | Sequence[Number]): Padding value. Defaults to 0.
        padding_mode (str): Padding mode. Defaults to ``'constant'``.
        clip_object_border (bool): Clip boxes to the image. Defaults to
            True.
    """

    def __init__(self,
                 *args,
                 clip_object_border: bool = True,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.clip_object_border = clip_object_border

    def transform(self, results: dict) -> dict:
        """Pad, crop and update boxes and frame.

        Args:
            results (dict): Pipeline results.

        Returns:
            dict: The updated results.
        """
        init_wsol_geometry(results)
        img = results['img']
        left = top = 0
        if self.padding is not None:
            img = mmcv.impad(img, padding=self.padding, pad_val=self.pad_val)
            left, top = _padding_left_top(self.padding)
        if self.pad_if_needed:
            h_pad = math.ceil(max(0, self.crop_size[0] - img.shape[0]) / 2)
            w_pad = math.ceil(max(0, self.crop_size[1] - img.shape[1]) / 2)
            img = mmcv.impad(
                img,
                padding=(w_pad, h_pad, w_pad, h_pad),
                pad_val=self.pad_val,
                padding_mode=self.padding_mode)
            left, top = left + w_pad, top + h_pad
        offset_h, offset_w, crop_h, crop_w = self.rand_crop_params(img)
        results['img'] = _crop(img, offset_w, offset_h, crop_w, crop_h)
        step = _translation(left - offset_w, top - offset_h)
        apply_wsol_geometry(results, step, self.clip_object_border)
        return results

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + \
            f', clip_object_border={self.clip_object_border})'


@TRANSFORMS.register_module()
class WSOLCenterCrop(CenterCrop):
    """Box-aware :class:`mmcv.transforms.CenterCrop`.

    Same crop window as mmcv (a crop larger than the image is clamped to it
    unless ``auto_pad``, which pads bottom and right). Boxes outside the crop
    become zero-area boxes.

    **Required Keys:** ``img``, ``gt_bboxes`` (optional).

    **Modified Keys:** ``img``, ``img_shape``, ``gt_bboxes``,
    ``homography_matrix``, ``scale_factor``.

    Args:
        crop_size (int | tuple[int, int]): An int or ``(w, h)`` (as mmcv's
            ``CenterCrop``).
        auto_pad (bool): Pad images smaller than the crop. Defaults to
            False.
        pad_cfg (dict): Padding config (mmcv ``Pad``). Defaults to
            ``dict(type='Pad')``.
        clip_object_border (bool): Clip boxes to the image. Defaults to
            True.
    """

    def transform(self, results: dict) -> dict:
        """Crop the centre and update boxes and frame.

        Args:
            results (dict): Pipeline results.

        Returns:
            dict: The updated results.
        """
        init_wsol_geometry(results)
        crop_w, crop_h = self.crop_size
        img_h, img_w = results['img'].shape[:2]
        if crop_h > img_h or crop_w > img_w:
            if self.auto_pad:
                pad_cfg = dict(self.pad_cfg)
                pad_cfg['size'] = (max(img_w, crop_w), max(img_h, crop_h))
                results = TRANSFORMS.build(pad_cfg)(results)
                img_h, img_w = results['img'].shape[:2]
            else:
                crop_h, crop_w = min(crop_h, img_h), min(crop_w, img_w)
        y1 = max(0, int(round((img_h - crop_h) / 2.)))
        x1 = max(0, int(round((img_w - crop_w) / 2.)))
        crop_w, crop_h = min(img_w - x1, crop_w), min(img_h - y1, crop_h)
        results['img'] = _crop(results['img'], x1, y1, crop_w, crop_h)
        self._crop_seg_map(
            results, np.array([x1, y1, x1 + crop_w - 1, y1 + crop_h - 1]))
        apply_wsol_geometry(results, _translation(-x1, -y1),
                            self.clip_object_border)
        return results


@TRANSFORMS.register_module()
class WSOLRandomFlip(RandomFlip):
    """Box-aware :class:`mmcv.transforms.RandomFlip`.

    **Required Keys:** ``img``, ``gt_bboxes`` (optional).

    **Modified Keys:** ``img``, ``gt_bboxes``, ``homography_matrix``.

    **Added Keys:** ``flip``, ``flip_direction``.

    Args:
        prob (float | list[float]): Flip probability (per direction when a
            list).
        direction (str | list[str]): ``'horizontal'``, ``'vertical'``,
            ``'diagonal'`` or a list of them. Defaults to ``'horizontal'``.
        clip_object_border (bool): Clip boxes to the image (a flip keeps
            them inside anyway). Defaults to True.
    """

    def __init__(self,
                 prob: Optional[float] = None,
                 direction='horizontal',
                 clip_object_border: bool = True,
                 **kwargs) -> None:
        super().__init__(prob=prob, direction=direction, **kwargs)
        self.clip_object_border = clip_object_border

    def _flip(self, results: dict) -> None:
        """Flip the image and update boxes and frame."""
        direction = results['flip_direction']
        shape = results['img'].shape[:2]
        results['img'] = mmcv.imflip(results['img'], direction=direction)
        if results.get('gt_seg_map', None) is not None:
            results['gt_seg_map'] = self._flip_seg_map(
                results['gt_seg_map'], direction=direction)
            results['swap_seg_labels'] = self.swap_seg_labels
        apply_wsol_geometry(results, flip_matrix(direction, shape),
                            self.clip_object_border)

    def transform(self, results: dict) -> dict:
        """Flip (or not) and update boxes and frame.

        Args:
            results (dict): Pipeline results.

        Returns:
            dict: The updated results.
        """
        init_wsol_geometry(results)
        return super().transform(results)
