"""Box extraction from localization maps, IoU and frame mapping.

Conventions used across fam-mm:

* A localization map is a 2-D float array in ``[0, 1]`` of shape ``(H, W)``.
* Boxes are ``(x1, y1, x2, y2)`` in continuous pixel-edge coordinates: a
  region covering pixel columns ``x0 .. x0 + w - 1`` gives ``x1 = x0`` and
  ``x2 = x0 + w``. This makes rescaling between frames exact. The metric's
  reference semantics (inclusive ``+1`` IoU and boxes clipped to
  ``width - 1``) are applied by the metric on top of these functions.
"""
from typing import TYPE_CHECKING, Optional, Sequence, Union

import cv2
import numpy as np
from numba import njit

from fam_mm.utils.misc import to_numpy

if TYPE_CHECKING:
    import torch

ArrayLike = Union[np.ndarray, 'torch.Tensor']


def normalize_map(loc_map: ArrayLike, mode: str = 'absolute') -> np.ndarray:
    """Validate a localization map and bring it to ``[0, 1]``.

    Args:
        loc_map (np.ndarray | Tensor): The map, shape ``(H, W)`` (a leading
            singleton channel ``(1, H, W)`` is accepted).
        mode (str): ``'absolute'`` keeps the values (they must already be in
            ``[0, 1]``, e.g. FAM's sigmoid foreground map), ``'minmax'``
            rescales to ``[0, 1]`` by min-max normalisation (CAM practice;
            a constant map becomes all zeros).

    Returns:
        np.ndarray: float32 map of shape ``(H, W)`` (the input's own memory
        when it is already a float32 map in ``[0, 1]``: do not write to it).

    Raises:
        ValueError: for an empty map, a map that is not 2-D, a map with NaN
            or inf values, an ``absolute`` map outside ``[0, 1]`` or an
            unknown ``mode``.
    """
    arr = to_numpy(loc_map).astype(np.float32, copy=False)
    if arr.ndim == 3 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 2:
        raise ValueError(
            f'a localization map must be 2-D (H, W), got shape {arr.shape}')
    if arr.size == 0:
        raise ValueError(f'empty localization map of shape {arr.shape}')
    # min and max are NaN or inf exactly when some value is
    lo, hi = float(arr.min()), float(arr.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError('localization map contains NaN or inf values')
    if mode == 'absolute':
        if lo < -1e-6 or hi > 1 + 1e-6:
            raise ValueError(
                'an absolute localization map must lie in [0, 1], got values '
                f'in [{lo:.4g}, {hi:.4g}]; use mode="minmax" for raw maps')
        return np.clip(arr, 0, 1) if lo < 0 or hi > 1 else arr
    if mode == 'minmax':
        if hi - lo <= 0:
            return np.zeros_like(arr)
        return (arr - lo) / (hi - lo)
    raise ValueError(
        f"unknown normalisation mode {mode!r}: use 'absolute' or 'minmax'")


def extract_bbox(loc_map: ArrayLike,
                 threshold: float = 0.5,
                 mode: str = 'absolute',
                 multi_contour: bool = False) -> np.ndarray:
    """Boxes around the foreground of ``loc_map > threshold``.

    The foreground is binarised with a strict ``>``; connected regions are
    the external contours found by OpenCV and the largest is chosen by
    ``cv2.contourArea`` (the WSOL reference's choice).

    Args:
        loc_map (np.ndarray | Tensor): Map of shape ``(H, W)``.
        threshold (float): Threshold in ``[0, 1]`` applied after
            :func:`normalize_map`.
        mode (str): See :func:`normalize_map`.
        multi_contour (bool): Return a box for every region instead of the
            largest only.

    Returns:
        np.ndarray: float32 boxes of shape ``(n, 4)`` as
        ``(x1, y1, x2, y2)`` pixel-edge coordinates of the map; ``n == 1``
        unless ``multi_contour``. When nothing exceeds the threshold a
        single all-zero box is returned.
    """
    arr = normalize_map(loc_map, mode)
    return boxes_of_foreground(arr > threshold, multi_contour)


def boxes_of_foreground(foreground: np.ndarray,
                        multi_contour: bool = False) -> np.ndarray:
    """Boxes of the external contours of a binary map (see
    :func:`extract_bbox`, which thresholds a map and calls this).

    Args:
        foreground (np.ndarray): bool or ``uint8`` map ``(H, W)``.
        multi_contour (bool): A box for every region instead of the
            largest (by ``cv2.contourArea``) only.

    Returns:
        np.ndarray: float32 ``(n, 4)`` pixel-edge boxes; one all-zero box
        when the map is empty.
    """
    binary = np.ascontiguousarray(foreground).view(np.uint8) \
        if foreground.dtype == np.bool_ else foreground.astype(np.uint8)
    contours = cv2.findContours(binary, cv2.RETR_EXTERNAL,
                                cv2.CHAIN_APPROX_SIMPLE)[-2]
    if len(contours) == 0:
        return np.zeros((1, 4), dtype=np.float32)
    if not multi_contour:
        contours = [max(contours, key=cv2.contourArea)]
    boxes = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        boxes.append((x, y, x + w, y + h))
    return np.asarray(boxes, dtype=np.float32)


def box_iou(boxes1: ArrayLike,
            boxes2: ArrayLike,
            inclusive: bool = False) -> np.ndarray:
    """Pairwise IoU between two sets of boxes.

    Args:
        boxes1 (np.ndarray | Tensor): ``(n, 4)`` boxes ``(x1, y1, x2, y2)``.
        boxes2 (np.ndarray | Tensor): ``(m, 4)`` boxes.
        inclusive (bool): Use the inclusive pixel convention of the WSOL
            reference (``width = x2 - x1 + 1``). Defaults to False
            (pixel-edge coordinates).

    Returns:
        np.ndarray: float64 IoU matrix of shape ``(n, m)``.
    """
    a = np.ascontiguousarray(to_numpy(boxes1), dtype=np.float64)
    b = np.ascontiguousarray(to_numpy(boxes2), dtype=np.float64)
    return _iou_matrix(
        a.reshape(-1, 4), b.reshape(-1, 4), 1.0 if inclusive else 0.0)


@njit(cache=True, nogil=True)
def pair_iou(ax1, ay1, ax2, ay2, bx1, by1, bx2, by2, one):
    """IoU of two boxes (``one``: 1 for the inclusive convention, else 0);
    0 when the union is empty. The one IoU formula of fam-mm (compiled:
    :func:`box_iou` and the MaxBoxAcc kernels call it)."""
    iw = min(ax2, bx2) - max(ax1, bx1) + one
    ih = min(ay2, by2) - max(ay1, by1) + one
    inter = max(iw, 0.0) * max(ih, 0.0)
    union = (ax2 - ax1 + one) * (ay2 - ay1 + one) + (bx2 - bx1 + one) * (
        by2 - by1 + one) - inter
    return inter / union if union > 0 else 0.0


@njit(cache=True, nogil=True)
def _iou_matrix(a, b, one):
    """:func:`pair_iou` of every pair, ``(n, m)``."""
    out = np.empty((a.shape[0], b.shape[0]), dtype=np.float64)
    for i in range(a.shape[0]):
        for j in range(b.shape[0]):
            out[i, j] = pair_iou(a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[j, 0],
                                 b[j, 1], b[j, 2], b[j, 3], one)
    return out


def transform_boxes(boxes: ArrayLike, matrix: np.ndarray) -> np.ndarray:
    """Apply a ``3x3`` homography (affine in practice) to boxes.

    The four corners of each box are mapped and their axis-aligned bounding
    box is returned, so flips (which swap ``x1`` and ``x2``) stay valid.

    Args:
        boxes (np.ndarray | Tensor): ``(n, 4)`` boxes ``(x1, y1, x2, y2)``.
        matrix (np.ndarray): ``3x3`` matrix acting on ``(x, y, 1)``.

    Returns:
        np.ndarray: float32 ``(n, 4)`` transformed boxes (not clipped).
    """
    return _transform_boxes64(boxes, matrix).astype(np.float32)


def _transform_boxes64(boxes: ArrayLike, matrix: np.ndarray) -> np.ndarray:
    """float64 version of :func:`transform_boxes` (shared body)."""
    b = to_numpy(boxes).astype(np.float64).reshape(-1, 4)
    m = np.asarray(matrix, dtype=np.float64)
    xs = b[:, [0, 2, 0, 2]]
    ys = b[:, [1, 1, 3, 3]]
    pts = np.stack([xs, ys, np.ones_like(xs)], -1) @ m.T  # (n, 4, 3)
    pts = pts[..., :2] / pts[..., 2:3]
    return np.concatenate([pts.min(1), pts.max(1)], -1)


def boxes_to_original(boxes: ArrayLike,
                      img_shape: Sequence[int],
                      ori_shape: Sequence[int],
                      homography_matrix: Optional[np.ndarray] = None,
                      clip: bool = True) -> np.ndarray:
    """Map boxes from the network-input frame to the original image.

    Args:
        boxes (np.ndarray | Tensor): ``(n, 4)`` boxes in the input frame.
        img_shape (Sequence[int]): ``(h, w)`` of the network input.
        ori_shape (Sequence[int]): ``(h, w)`` of the original image.
        homography_matrix (np.ndarray, optional): ``3x3`` matrix mapping
            original-image points to the input frame, as recorded by
            fam-mm's box-aware transforms (resize, crop, flip). When given
            it is inverted; otherwise a pure resize from ``ori_shape`` to
            ``img_shape`` is assumed.
        clip (bool): Clip to the original image. Defaults to True.

    Returns:
        np.ndarray: float32 ``(n, 4)`` boxes in original-image pixels.
    """
    ori_h, ori_w = int(ori_shape[0]), int(ori_shape[1])
    if homography_matrix is None:
        img_h, img_w = int(img_shape[0]), int(img_shape[1])
        homography_matrix = np.diag([img_w / ori_w, img_h / ori_h, 1.0])
    inverse = np.linalg.inv(np.asarray(homography_matrix, dtype=np.float64))
    out = transform_boxes(boxes, inverse).astype(np.float64)
    if clip:
        out[:, 0::2] = np.clip(out[:, 0::2], 0, ori_w)
        out[:, 1::2] = np.clip(out[:, 1::2], 0, ori_h)
    return out.astype(np.float32)


def original_box(loc_map: ArrayLike,
                 threshold: float,
                 img_shape: Sequence[int],
                 ori_shape: Sequence[int],
                 homography_matrix: Optional[np.ndarray] = None
                 ) -> np.ndarray:
    """The box of a network-input map, in original-image pixels.

    What a WSOL head predicts as ``pred_bbox``: the largest region of
    ``loc_map > threshold`` (:func:`extract_bbox`, absolute mode) mapped back
    with :func:`boxes_to_original`. The web demo calls it to redraw the box
    at another threshold from the cached map.

    Args:
        loc_map (np.ndarray | Tensor): ``(H_in, W_in)`` map in ``[0, 1]``
            (the head's ``loc_map``).
        threshold (float): Box threshold in ``[0, 1]``.
        img_shape (Sequence[int]): ``(h, w)`` of the network input.
        ori_shape (Sequence[int]): ``(h, w)`` of the original image.
        homography_matrix (np.ndarray, optional): Original -> input ``3x3``
            matrix recorded by the pipeline; a plain resize when None.

    Returns:
        np.ndarray: float32 ``(4,)`` box ``(x1, y1, x2, y2)`` clipped to the
        original image; all zeros when nothing exceeds ``threshold``.
    """
    box = extract_bbox(loc_map, threshold=threshold, mode='absolute')
    return boxes_to_original(box, img_shape, ori_shape, homography_matrix)[0]


def boxes_to_input(boxes: ArrayLike,
                   ori_shape: Sequence[int],
                   img_shape: Sequence[int],
                   homography_matrix: Optional[np.ndarray] = None
                   ) -> np.ndarray:
    """Map boxes from the original image to the network-input frame.

    The inverse of :func:`boxes_to_original`. Without a homography the boxes
    are rescaled from ``ori_shape`` to ``img_shape`` with the WSOL
    reference's arithmetic (``x * img_w / ori_w``), so that truncating the
    result reproduces its integer GT boxes exactly.

    Args:
        boxes (np.ndarray | Tensor): ``(n, 4)`` boxes in original pixels.
        ori_shape (Sequence[int]): ``(h, w)`` of the original image.
        img_shape (Sequence[int]): ``(h, w)`` of the network input.
        homography_matrix (np.ndarray, optional): ``3x3`` matrix mapping
            original-image points to the input frame.

    Returns:
        np.ndarray: float64 ``(n, 4)`` boxes in the input frame, not
        clipped.
    """
    b = to_numpy(boxes).astype(np.float64).reshape(-1, 4)
    if homography_matrix is not None:
        return _transform_boxes64(b, homography_matrix)
    ori_h, ori_w = float(ori_shape[0]), float(ori_shape[1])
    img_h, img_w = float(img_shape[0]), float(img_shape[1])
    # (x * img_w) / ori_w, in this order, per coordinate
    return b * (img_w, img_h, img_w, img_h) / (ori_w, ori_h, ori_w, ori_h)
