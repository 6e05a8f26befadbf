"""Draw WSOL predictions: map overlay, predicted and GT boxes, class names.

One implementation used by the visualization hook, ``tools/visualization``
and the demo. Boxes and the map are drawn in the **original** image frame.
"""
from typing import Optional, Sequence

import cv2
import numpy as np
from mmengine.visualization import Visualizer

from fam_mm.evaluation.functional import normalize_map
from fam_mm.utils.misc import to_numpy

PRED_COLOR = (255, 215, 0)  # yellow, as in the paper's figures
GT_COLOR = (0, 200, 0)  # green


def map_to_original(loc_map, ori_shape: Sequence[int],
                    homography_matrix: Optional[np.ndarray] = None
                    ) -> np.ndarray:
    """Warp a map from the network-input frame to the original image.

    Args:
        loc_map (np.ndarray | Tensor): ``(H_in, W_in)`` map.
        ori_shape (Sequence[int]): ``(h, w)`` of the original image.
        homography_matrix (np.ndarray, optional): Original -> input ``3x3``
            matrix (pixel-edge coordinates). A plain resize when None.

    Returns:
        np.ndarray: float32 ``(h, w)`` map; pixels that fall outside the
        network input (e.g. cropped away) are 0.
    """
    m = to_numpy(loc_map).astype(np.float32)
    h, w = int(ori_shape[0]), int(ori_shape[1])
    if homography_matrix is None:
        return cv2.resize(m, (w, h), interpolation=cv2.INTER_LINEAR)
    hm = np.asarray(homography_matrix, dtype=np.float64)
    # pixel-centre coordinates: c = edge - 0.5 in both frames
    shift = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    unshift = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]])
    centre_h = unshift @ hm @ shift  # original centre -> input centre
    return cv2.warpPerspective(
        m, centre_h, (w, h),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def overlay_heatmap(image: np.ndarray, heat: np.ndarray,
                    alpha: float = 0.5) -> np.ndarray:
    """Blend a ``[0, 1]`` map as a JET heat-map over an RGB uint8 image."""
    heat_u8 = (np.clip(heat, 0, 1) * 255).astype(np.uint8)
    color = cv2.applyColorMap(heat_u8, cv2.COLORMAP_JET)[..., ::-1]
    out = image.astype(np.float32) * (1 - alpha) + color * alpha
    return out.clip(0, 255).astype(np.uint8)


def _label_text(sample, classes: Optional[Sequence[str]]) -> str:
    def name(idx: int) -> str:
        if classes is not None and 0 <= idx < len(classes):
            return str(classes[idx])
        return str(idx)

    parts = []
    if 'pred_label' in sample:
        label = int(to_numpy(sample.pred_label).reshape(-1)[0])
        text = f'pred: {name(label)}'
        if 'pred_score' in sample:
            score = float(to_numpy(sample.pred_score).reshape(-1)[label])
            text += f' ({score:.2f})'
        parts.append(text)
    if 'gt_label' in sample:
        label = int(to_numpy(sample.gt_label).reshape(-1)[0])
        parts.append(f'gt: {name(label)}')
    return '\n'.join(parts)


def draw_wsol_sample(visualizer: Visualizer,
                     image: np.ndarray,
                     sample,
                     classes: Optional[Sequence[str]] = None,
                     draw_part_maps: bool = False,
                     alpha: float = 0.5) -> np.ndarray:
    """Draw one prediction on its original image.

    Args:
        visualizer (Visualizer): Any mmengine visualizer (its backends are
            not touched here; call ``add_image`` with the result).
        image (np.ndarray): The original image, RGB uint8 ``(h, w, 3)``.
        sample (DataSample): Prediction with ``loc_map`` (input frame),
            ``pred_bbox`` (original frame) and optionally ``gt_bboxes``
            (original frame), ``pred_label``, ``pred_score``, ``gt_label``,
            ``part_maps`` and metainfo ``homography_matrix``.
        classes (Sequence[str], optional): Class names.
        draw_part_maps (bool): Append the part maps (Fig. 5 style) to the
            right of the main panel when ``part_maps`` is present.
        alpha (float): Heat-map opacity.

    Returns:
        np.ndarray: The drawn RGB uint8 image.
    """
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(
            f'expected an RGB image (h, w, 3), got {image.shape}')
    ori_shape = image.shape[:2]
    homography = sample.get('homography_matrix', None)
    panels = []
    if 'loc_map' in sample:
        heat = map_to_original(sample.loc_map, ori_shape, homography)
        base = overlay_heatmap(image, normalize_map(heat, 'absolute'), alpha)
    else:
        base = image.copy()
    visualizer.set_image(base)
    line_width = max(1, round(max(ori_shape) / 150))
    if 'gt_bboxes' in sample and len(sample.gt_bboxes) > 0:
        visualizer.draw_bboxes(
            to_numpy(sample.gt_bboxes).reshape(-1, 4),
            edge_colors=GT_COLOR, line_widths=line_width)
    if 'pred_bbox' in sample:
        visualizer.draw_bboxes(
            to_numpy(sample.pred_bbox).reshape(-1, 4),
            edge_colors=PRED_COLOR, line_widths=line_width)
    text = _label_text(sample, classes)
    if text:
        visualizer.draw_texts(
            text, np.array([2, 2]), colors='white',
            font_sizes=max(7, min(ori_shape) // 20),
            vertical_alignments='top',
            bboxes=dict(facecolor='black', alpha=0.6, pad=1,
                        edgecolor='none'))
    panels.append(visualizer.get_image())
    if draw_part_maps and 'part_maps' in sample:
        for part in to_numpy(sample.part_maps):
            heat = map_to_original(part, ori_shape, homography)
            panels.append(overlay_heatmap(image, np.clip(heat, 0, 1), alpha))
    if len(panels) == 1:
        return panels[0]
    gap = np.full((ori_shape[0], 4, 3), 255, dtype=np.uint8)
    row = [panels[0]]
    for p in panels[1:]:
        row += [gap, p]
    return np.concatenate(row, axis=1)
