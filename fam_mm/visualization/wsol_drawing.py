"""Draw WSOL predictions: map overlays, boxes, class names, legend, colours.

One implementation used by the visualization hook, the inferencer (and so
``demo/image_demo.py`` and ``tools/visualization/vis_fam.py``) and the
report of ``tools/demo.py``. Every picture explains its colours:

- panels are titled (``part 1`` .. ``part K`` for FAM's part maps);
- a legend names the box colours (GT green, prediction yellow; further
  methods of a comparison grid get their own colours);
- a colour bar gives the scale of the JET heat maps (all maps are in
  ``[0, 1]``: FAM's sigmoid maps, CAM's min-max normalised map);
- small images are upsampled for display (to ``min_size`` pixels on the
  short side by default), boxes and maps with them; the long side is at
  most :data:`DISPLAY_MAX_SIZE` pixels (a 50 x 10000 image is drawn
  1024 px wide, not 38400).

Boxes and maps are drawn in the **original** image frame (scaled for
display). Shapes are laid out with numpy / OpenCV, texts are written by an
mmengine :class:`Visualizer` (matplotlib fonts).
"""
from dataclasses import dataclass, field
from typing import List, Mapping, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.visualization import Visualizer

from fam_mm.utils.misc import to_numpy

Color = Tuple[int, int, int]

PRED_COLOR: Color = (255, 215, 0)  # yellow, as in the paper's figures
GT_COLOR: Color = (0, 200, 0)  # green
#: Box colours of the methods of a comparison grid, in order (the first is
#: the paper's yellow).
METHOD_COLORS: Tuple[Color, ...] = (PRED_COLOR, (255, 0, 255), (0, 230, 255),
                                    (255, 128, 0))
#: Short side of a displayed image: smaller images are upsampled.
DISPLAY_MIN_SIZE = 192
#: Long side of a displayed image at most: larger (or very elongated)
#: images are scaled down to it.
DISPLAY_MAX_SIZE = 1024

_MARGIN = 6
_GAP = 6
_TITLE_H = 18
_LEGEND_H = 22
_FONT = 8  # points; the visualizer draws at 100 dpi (~11 px)
_CHAR_W = 7  # generous width of one character at _FONT, for the layout
_BAR_W = 14
_BAR_LABEL_W = 30
_BACKGROUND = 255


def fit_title(title: str, width: int) -> str:
    """``title`` cut (with ``'...'``) to what a panel ``width`` px wide
    holds, so that long class names do not run over the next panel."""
    room = max(4, width // _CHAR_W)
    if len(title) <= room:
        return title
    return title[:room - 3] + '...'


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


def colorize(heat: np.ndarray) -> np.ndarray:
    """A ``[0, 1]`` map as an RGB uint8 JET image (values are clipped)."""
    heat_u8 = np.round(np.clip(heat, 0, 1) * 255).astype(np.uint8)
    return cv2.applyColorMap(heat_u8, cv2.COLORMAP_JET)[..., ::-1].copy()


def overlay_heatmap(image: np.ndarray, heat: np.ndarray,
                    alpha: float = 0.5) -> np.ndarray:
    """Blend a ``[0, 1]`` map as a JET heat-map over an RGB uint8 image."""
    out = image.astype(np.float32) * (1 - alpha) + colorize(heat) * alpha
    return out.clip(0, 255).astype(np.uint8)


def display_size(shape: Sequence[int],
                 min_size: int = DISPLAY_MIN_SIZE,
                 max_size: int = DISPLAY_MAX_SIZE) -> Tuple[int, int]:
    """``(h, w)`` at which an image of ``shape`` is drawn.

    Images whose short side is below ``min_size`` are upsampled to it,
    unless their long side would then exceed ``max_size``: the long side is
    capped at ``max_size`` (larger images are scaled down to it), so that a
    very elongated image gives a picture of sane size. The aspect ratio is
    kept (up to rounding; each side is at least 1 pixel).

    Args:
        shape (Sequence[int]): ``(h, w)`` of the image.
        min_size (int): Short side to upsample small images to.
        max_size (int): Long side at most.

    Returns:
        tuple[int, int]: The display ``(h, w)``.
    """
    if max_size < 1:
        raise ValueError(f'max_size must be >= 1, got {max_size}')
    h, w = int(shape[0]), int(shape[1])
    scale = max(1.0, min_size / max(1, min(h, w)))
    scale = min(scale, max_size / max(1, h, w))
    return max(1, round(h * scale)), max(1, round(w * scale))


@dataclass
class Panel:
    """One picture of a figure.

    Args:
        image (np.ndarray): RGB uint8 ``(h, w, 3)``, already at display size.
        title (str): Written above the panel.
        boxes (list): ``(boxes, color)`` pairs, boxes ``(n, 4)`` in the
            panel's pixels (pixel-edge ``x1, y1, x2, y2``).
        caption (str): Written in the panel's top-left corner on a dark
            background (e.g. class names).
    """

    image: np.ndarray
    title: str = ''
    boxes: List[Tuple[np.ndarray, Color]] = field(default_factory=list)
    caption: str = ''


def _draw_box(canvas: np.ndarray, box: np.ndarray, color: Color,
              offset: Tuple[int, int], size: Tuple[int, int],
              width: int) -> None:
    """A box outline clipped to its panel (``offset`` ``(x, y)``)."""
    x0, y0 = offset
    h, w = size
    x1, y1, x2, y2 = (float(v) for v in box)
    if not (x2 > x1 and y2 > y1):
        return  # an empty box: nothing to draw
    # pixel-edge -> the last covered pixel; clip to the panel
    left = int(np.clip(np.floor(x1), 0, w - 1))
    top = int(np.clip(np.floor(y1), 0, h - 1))
    right = int(np.clip(np.ceil(x2) - 1, 0, w - 1))
    bottom = int(np.clip(np.ceil(y2) - 1, 0, h - 1))
    cv2.rectangle(canvas, (x0 + left, y0 + top), (x0 + right, y0 + bottom),
                  tuple(int(c) for c in color), width)


def compose_figure(visualizer: Visualizer,
                   rows: Sequence[Sequence[Panel]],
                   legend: Sequence[Tuple[str, Color]] = (),
                   colorbar: Optional[str] = None
                   ) -> Tuple[np.ndarray, List[dict]]:
    """Lay panels out in rows, with titles, a legend and a colour bar.

    Args:
        visualizer (Visualizer): Writes the texts (its image is replaced;
            its backends are not touched).
        rows (Sequence[Sequence[Panel]]): Panels, row by row.
        legend (Sequence[tuple]): ``(label, box colour)`` entries, drawn
            below the panels.
        colorbar (str, optional): Title of a JET colour bar from 0 to 1 on
            the right of the panels; None for no colour bar.

    Returns:
        tuple: The RGB uint8 picture and the layout: one dict per panel with
        ``row``, ``col``, ``title`` and its rectangle ``x``, ``y``, ``w``,
        ``h`` in the picture.
    """
    if not rows or not all(rows):
        raise ValueError('compose_figure needs at least one panel per row')
    row_heights, row_widths = [], []
    for row in rows:
        row_heights.append(max(p.image.shape[0] for p in row))
        row_widths.append(
            sum(p.image.shape[1] for p in row) + _GAP * (len(row) - 1))
    title_h = _TITLE_H if any(p.title for row in rows for p in row) or \
        colorbar else 0
    panels_w = max(row_widths)
    bar_w = _GAP + _BAR_W + _BAR_LABEL_W if colorbar is not None else 0
    legend_w = sum(_legend_entry_width(label) for label, _ in legend)
    width = 2 * _MARGIN + max(panels_w + bar_w, legend_w)
    height = 2 * _MARGIN + sum(title_h + h for h in row_heights) + \
        _GAP * (len(rows) - 1) + (_GAP + _LEGEND_H if legend else 0)
    canvas = np.full((height, width, 3), _BACKGROUND, dtype=np.uint8)

    texts: List[dict] = []
    layout = []
    line_width = 2
    y = _MARGIN
    for r, row in enumerate(rows):
        x = _MARGIN
        for c, panel in enumerate(row):
            ph, pw = panel.image.shape[:2]
            top = y + title_h
            canvas[top:top + ph, x:x + pw] = panel.image
            for boxes, color in panel.boxes:
                for box in np.asarray(boxes, dtype=np.float64).reshape(-1, 4):
                    _draw_box(canvas, box, color, (x, top), (ph, pw),
                              line_width)
            if panel.title:
                texts.append(dict(text=fit_title(panel.title, pw),
                                  pos=(x + pw / 2, y + 2), align='center',
                                  color='black'))
            if panel.caption:
                texts.append(dict(text=panel.caption, pos=(x + 2, top + 2),
                                  align='left', color='white', box=True))
            layout.append(dict(row=r, col=c, title=panel.title, x=x, y=top,
                               w=pw, h=ph))
            x += pw + _GAP
        y += title_h + row_heights[r] + _GAP
    panels_bottom = y - _GAP

    if colorbar is not None:
        bar_x = _MARGIN + panels_w + _GAP
        bar_top = _MARGIN + title_h
        bar_h = panels_bottom - bar_top
        ramp = np.linspace(1, 0, bar_h, dtype=np.float32)[:, None]
        canvas[bar_top:bar_top + bar_h, bar_x:bar_x + _BAR_W] = colorize(
            np.repeat(ramp, _BAR_W, axis=1))
        cv2.rectangle(canvas, (bar_x, bar_top),
                      (bar_x + _BAR_W - 1, bar_top + bar_h - 1), (0, 0, 0), 1)
        texts.append(dict(text=colorbar, pos=(bar_x + _BAR_W / 2, _MARGIN + 2),
                          align='center', color='black'))
        for value in (1.0, 0.5, 0.0):
            ty = bar_top + (1 - value) * (bar_h - 1)
            cv2.line(canvas, (bar_x + _BAR_W, round(ty)),
                     (bar_x + _BAR_W + 3, round(ty)), (0, 0, 0), 1)
            # keep the labels inside the bar's extent
            ty = min(max(ty - 6, bar_top), bar_top + bar_h - 13)
            texts.append(dict(text=f'{value:.1f}',
                              pos=(bar_x + _BAR_W + 5, ty), align='left',
                              color='black'))

    if legend:
        ly = panels_bottom + _GAP + _LEGEND_H // 2
        lx = _MARGIN
        for label, color in legend:
            cv2.rectangle(canvas, (lx, ly - 6), (lx + 20, ly + 6),
                          tuple(int(c) for c in color), 2)
            texts.append(dict(text=label, pos=(lx + 26, ly - 7),
                              align='left', color='black'))
            lx += _legend_entry_width(label)

    return _write_texts(visualizer, canvas, texts), layout


def _legend_entry_width(label: str) -> int:
    return 26 + _CHAR_W * len(label) + 16


def _write_texts(visualizer: Visualizer, canvas: np.ndarray,
                 texts: List[dict]) -> np.ndarray:
    if not texts:
        return canvas
    visualizer.set_image(canvas)
    for item in texts:
        kwargs = {}
        if item.get('box'):
            kwargs['bboxes'] = dict(facecolor='black', alpha=0.6, pad=1,
                                    edgecolor='none')
        visualizer.draw_texts(
            item['text'], np.array(item['pos'], dtype=np.float64),
            colors=item['color'], font_sizes=_FONT,
            vertical_alignments='top',
            horizontal_alignments=item['align'], **kwargs)
    return visualizer.get_image()


def _class_name(idx: int, classes: Optional[Sequence[str]]) -> str:
    if classes is not None and 0 <= idx < len(classes):
        return str(classes[idx])
    return str(idx)


def _label(sample, key: str) -> Optional[int]:
    if key not in sample:
        return None
    return int(to_numpy(getattr(sample, key)).reshape(-1)[0])


def _label_text(sample, classes: Optional[Sequence[str]]) -> str:
    parts = []
    label = _label(sample, 'pred_label')
    if label is not None:
        text = f'pred: {_class_name(label, classes)}'
        if 'pred_score' in sample:
            score = float(to_numpy(sample.pred_score).reshape(-1)[label])
            text += f' ({score:.2f})'
        parts.append(text)
    label = _label(sample, 'gt_label')
    if label is not None:
        parts.append(f'gt: {_class_name(label, classes)}')
    return '\n'.join(parts)


class _Display:
    """An original image and its display-size version (boxes, maps)."""

    def __init__(self, image: np.ndarray, min_size: int) -> None:
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(
                f'expected an RGB image (h, w, 3), got {image.shape}')
        self.ori_shape = image.shape[:2]
        self.shape = display_size(self.ori_shape, min_size)
        h, w = self.ori_shape
        self.scale = np.array([self.shape[1] / w, self.shape[0] / h] * 2)
        self.image = image if self.shape == tuple(self.ori_shape) else \
            cv2.resize(image, self.shape[::-1],
                       interpolation=cv2.INTER_LINEAR)

    def boxes(self, boxes) -> np.ndarray:
        """Original-frame boxes ``(n, 4)`` in display pixels."""
        return to_numpy(boxes).astype(np.float64).reshape(-1, 4) * self.scale

    def heat(self, input_map, sample) -> np.ndarray:
        """A map of the network-input frame warped to the display."""
        homography = sample.get('homography_matrix', None)
        if homography is not None:
            # original -> input, composed with display -> original
            to_ori = np.diag([1 / self.scale[0], 1 / self.scale[1], 1.0])
            homography = np.asarray(homography, np.float64) @ to_ori
        return np.clip(map_to_original(input_map, self.shape, homography), 0,
                       1)


def draw_wsol_sample(visualizer: Visualizer,
                     image: np.ndarray,
                     sample,
                     classes: Optional[Sequence[str]] = None,
                     draw_part_maps: bool = False,
                     alpha: float = 0.5,
                     min_size: int = DISPLAY_MIN_SIZE,
                     map_title: str = 'localization map') -> np.ndarray:
    """Draw one prediction on its original image.

    The main panel shows the localization map as a heat map with the
    predicted box (yellow), the GT box(es) (green) and the predicted / GT
    classes; with ``draw_part_maps`` the part maps follow on the right,
    titled ``part 1`` .. ``part K`` (paper Fig. 5). A legend names the box
    colours and a colour bar gives the heat-map scale.

    Args:
        visualizer (Visualizer): Any mmengine visualizer (writes the texts;
            its backends are not touched: call ``add_image`` with the
            result).
        image (np.ndarray): The original image, RGB uint8 ``(h, w, 3)``.
        sample (DataSample): Prediction with ``loc_map`` (input frame),
            ``pred_bbox`` (original frame) and optionally ``gt_bboxes``
            (original frame), ``pred_label``, ``pred_score``, ``gt_label``,
            ``part_maps`` and metainfo ``homography_matrix``.
        classes (Sequence[str], optional): Class names.
        draw_part_maps (bool): Add the part maps when ``part_maps`` is
            present.
        alpha (float): Heat-map opacity.
        min_size (int): Images whose short side is smaller are upsampled to
            it for display. Defaults to :data:`DISPLAY_MIN_SIZE`.
        map_title (str): Title of the main panel.

    Returns:
        np.ndarray: The drawn RGB uint8 picture.
    """
    picture, _ = _draw_sample(visualizer, image, sample, classes,
                              draw_part_maps, alpha, min_size, map_title)
    return picture


def _draw_sample(visualizer, image, sample, classes, draw_part_maps, alpha,
                 min_size, map_title) -> Tuple[np.ndarray, List[dict]]:
    disp = _Display(image, min_size)
    has_map = 'loc_map' in sample
    main = Panel(
        overlay_heatmap(disp.image, disp.heat(sample.loc_map, sample), alpha)
        if has_map else disp.image.copy(),
        title=map_title if has_map else 'prediction',
        caption=_label_text(sample, classes))
    legend = []
    if 'gt_bboxes' in sample and len(sample.gt_bboxes) > 0:
        main.boxes.append((disp.boxes(sample.gt_bboxes), GT_COLOR))
        legend.append(('GT box', GT_COLOR))
    if 'pred_bbox' in sample:
        main.boxes.append((disp.boxes(sample.pred_bbox), PRED_COLOR))
        legend.append(('predicted box', PRED_COLOR))
    row = [main]
    if draw_part_maps and 'part_maps' in sample:
        for k, part in enumerate(to_numpy(sample.part_maps)):
            row.append(
                Panel(
                    overlay_heatmap(disp.image, disp.heat(part, sample),
                                    alpha),
                    title=f'part {k + 1}'))
    has_heat = has_map or len(row) > 1
    return compose_figure(
        visualizer, [row],
        legend=legend,
        colorbar='value' if has_heat else None)


def draw_wsol_grid(visualizer: Visualizer,
                   images: Sequence[np.ndarray],
                   predictions: Mapping[str, Sequence],
                   classes: Optional[Sequence[str]] = None,
                   titles: Optional[Sequence[str]] = None,
                   colors: Optional[Mapping[str, Color]] = None,
                   alpha: float = 0.5,
                   min_size: int = DISPLAY_MIN_SIZE
                   ) -> Tuple[np.ndarray, List[dict]]:
    """Compare methods on the same images: one row per image.

    Each row holds the image with its GT box(es) and every method's box,
    then every method's localization map, then the part maps of the methods
    that have them (``part 1`` .. ``part K``, prefixed with the method's
    name when more than one method has parts). A legend names the box
    colours and one colour bar gives the scale of all maps.

    Args:
        visualizer (Visualizer): Writes the texts.
        images (Sequence[np.ndarray]): Original RGB uint8 images.
        predictions (Mapping[str, Sequence[DataSample]]): Per method name
            (e.g. ``'FAM'``), one prediction per image, as
            :func:`draw_wsol_sample` takes them; the GT boxes and label are
            read from the first method's.
        classes (Sequence[str], optional): Class names.
        titles (Sequence[str], optional): One title per image (e.g. its
            name), written above the image panel.
        colors (Mapping[str, tuple], optional): Box colour per method.
            Defaults to :data:`METHOD_COLORS` in order.
        alpha (float): Heat-map opacity.
        min_size (int): Display size of the images' short side.

    Returns:
        tuple: The RGB uint8 picture and its layout (see
        :func:`compose_figure`).
    """
    methods = list(predictions)
    if not methods:
        raise ValueError('draw_wsol_grid needs at least one method')
    for method in methods:
        if len(predictions[method]) != len(images):
            raise ValueError(
                f'{method}: {len(predictions[method])} predictions for '
                f'{len(images)} images')
    if titles is not None and len(titles) != len(images):
        raise ValueError(f'{len(titles)} titles for {len(images)} images')
    colors = dict(colors or {})
    for i, method in enumerate(methods):
        colors.setdefault(method, METHOD_COLORS[i % len(METHOD_COLORS)])
    with_parts = [
        m for m in methods
        if all('part_maps' in s for s in predictions[m])
    ]
    rows = []
    for i, image in enumerate(images):
        disp = _Display(image, min_size)
        first = predictions[methods[0]][i]
        title = titles[i] if titles is not None else ''
        gt_label = _label(first, 'gt_label')
        if gt_label is not None:
            gt_text = f'gt: {_class_name(gt_label, classes)}'
            title = f'{title}, {gt_text}' if title else gt_text
        main = Panel(disp.image.copy(), title=title)
        if 'gt_bboxes' in first and len(first.gt_bboxes) > 0:
            main.boxes.append((disp.boxes(first.gt_bboxes), GT_COLOR))
        row = [main]
        for method in methods:
            sample = predictions[method][i]
            if 'pred_bbox' in sample:
                main.boxes.append((disp.boxes(sample.pred_bbox),
                                   colors[method]))
            map_title = f'{method} map'
            pred = _label(sample, 'pred_label')
            if pred is not None:
                map_title += f', pred: {_class_name(pred, classes)}'
            row.append(
                Panel(
                    overlay_heatmap(disp.image,
                                    disp.heat(sample.loc_map, sample),
                                    alpha),
                    title=map_title))
        for method in with_parts:
            sample = predictions[method][i]
            prefix = f'{method} ' if len(with_parts) > 1 else ''
            for k, part in enumerate(to_numpy(sample.part_maps)):
                row.append(
                    Panel(
                        overlay_heatmap(disp.image, disp.heat(part, sample),
                                        alpha),
                        title=f'{prefix}part {k + 1}'))
        rows.append(row)
    legend = [('GT box', GT_COLOR)] + [(f'{m} box', colors[m])
                                       for m in methods]
    return compose_figure(visualizer, rows, legend=legend, colorbar='value')



def draw_method_rows(visualizer: Visualizer,
                     images: Sequence[np.ndarray],
                     predictions: Mapping[str, Sequence],
                     titles: Optional[Sequence[str]] = None,
                     alpha: float = 0.5,
                     min_size: int = DISPLAY_MIN_SIZE
                     ) -> Tuple[np.ndarray, List[dict]]:
    """Compare methods on the same images: one row of maps per method.

    Row ``r`` holds method ``r``'s localization map on every image (one
    column per image, in order), each panel with the GT box(es) (green) and
    the method's predicted box (yellow), titled with the method's name and
    the image's title. A layout for many methods (a leaderboard), where
    :func:`draw_wsol_grid` (one row per image) would grow too wide.

    Args:
        visualizer (Visualizer): Writes the texts.
        images (Sequence[np.ndarray]): Original RGB uint8 images.
        predictions (Mapping[str, Sequence[DataSample]]): Per method name,
            one prediction per image with ``loc_map`` (input frame) and
            optionally ``pred_bbox`` / ``gt_bboxes`` (original frame).
        titles (Sequence[str], optional): One title per image.
        alpha (float): Heat-map opacity.
        min_size (int): Display size of the images' short side.

    Returns:
        tuple: The RGB uint8 picture and its layout (see
        :func:`compose_figure`; ``row`` is the method's index).
    """
    methods = list(predictions)
    if not methods:
        raise ValueError('draw_method_rows needs at least one method')
    if not images:
        raise ValueError('draw_method_rows needs at least one image')
    for method in methods:
        if len(predictions[method]) != len(images):
            raise ValueError(
                f'{method}: {len(predictions[method])} predictions for '
                f'{len(images)} images')
    if titles is not None and len(titles) != len(images):
        raise ValueError(f'{len(titles)} titles for {len(images)} images')
    displays = [_Display(image, min_size) for image in images]
    rows = []
    for method in methods:
        row = []
        for i, disp in enumerate(displays):
            sample = predictions[method][i]
            panel = Panel(
                overlay_heatmap(disp.image, disp.heat(sample.loc_map, sample),
                                alpha),
                title=f'{method} {titles[i]}' if titles else method)
            if 'gt_bboxes' in sample and len(sample.gt_bboxes) > 0:
                panel.boxes.append((disp.boxes(sample.gt_bboxes), GT_COLOR))
            if 'pred_bbox' in sample:
                panel.boxes.append((disp.boxes(sample.pred_bbox), PRED_COLOR))
            row.append(panel)
        rows.append(row)
    legend = [('GT box', GT_COLOR), ('predicted box', PRED_COLOR)]
    return compose_figure(visualizer, rows, legend=legend, colorbar='value')
