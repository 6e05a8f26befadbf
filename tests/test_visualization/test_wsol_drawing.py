"""The one WSOL drawing: panels, legend, colour bar, display size."""
import warnings

import numpy as np
import pytest
import torch
from mmengine.visualization import Visualizer
from mmpretrain.structures import DataSample

from fam_mm.visualization import (
    DISPLAY_MAX_SIZE,
    DISPLAY_MIN_SIZE,
    GT_COLOR,
    METHOD_COLORS,
    PRED_COLOR,
    Panel,
    colorize,
    compose_figure,
    display_size,
    draw_method_rows,
    draw_wsol_grid,
    draw_wsol_sample,
)

CLASSES = ('gull', 'wren', 'sparrow')


@pytest.fixture(scope='module')
def visualizer():
    return Visualizer(name='test_wsol_drawing')


def _image(h, w):
    # mid grey: none of the drawing's colours
    return np.full((h, w, 3), 128, dtype=np.uint8)


def _sample(h, w, num_parts=0, box=(4., 6., 30., 24.), gt_label=1,
            pred_label=2):
    sample = DataSample(metainfo=dict(ori_shape=(h, w), img_shape=(16, 16)))
    yy, xx = np.mgrid[0:16, 0:16]
    peak = np.exp(-((xx - 5.)**2 + (yy - 8.)**2) / 8.).astype(np.float32)
    sample.loc_map = torch.from_numpy(peak)
    if num_parts:
        sample.part_maps = torch.from_numpy(
            np.stack([np.roll(peak, 3 * k, axis=1)
                      for k in range(num_parts)]))
    sample.pred_bbox = torch.tensor(box)
    sample.gt_bboxes = torch.tensor([[0., 0., w / 2, h / 2]])
    sample.set_gt_label(gt_label)
    sample.set_pred_label(pred_label)
    sample.set_pred_score(torch.tensor([0.2, 0.3, 0.5]))
    return sample


def _has_color(region, color, tol=40):
    diff = np.abs(region.astype(int) - np.array(color)[None, None]).sum(-1)
    return bool((diff <= tol).any())


def _crop(picture, panel):
    return picture[panel['y']:panel['y'] + panel['h'],
                   panel['x']:panel['x'] + panel['w']]


def test_display_size_upsamples_small_images_only():
    assert display_size((96, 160)) == (192, 320)
    assert display_size((40, 64)) == (192, 307)
    assert display_size((300, 400)) == (300, 400)
    assert display_size((96, 160), min_size=96) == (96, 160)


def test_display_size_caps_the_long_side():
    assert DISPLAY_MAX_SIZE == 1024
    # elongated: upsampling the short side to 192 would give 38400 px
    assert display_size((50, 10000)) == (5, 1024)
    assert display_size((10000, 50)) == (1024, 5)
    # large photos are scaled down to the cap, the aspect ratio kept
    assert display_size((3000, 4000)) == (768, 1024)
    # small but long: upsampled only as far as the cap allows
    assert display_size((100, 800)) == (128, 1024)
    assert display_size((1, 100000)) == (1, 1024)
    assert display_size((50, 10000), max_size=2000) == (10, 2000)
    with pytest.raises(ValueError, match='max_size'):
        display_size((10, 10), max_size=0)


@pytest.mark.parametrize('shape', [(50, 10000), (10000, 50)])
def test_elongated_image_is_drawn_at_a_sane_size(visualizer, shape):
    h, w = shape
    # a box over the middle fifth of the long side
    if w > h:
        box = (0.4 * w, 10., 0.6 * w, 40.)
    else:
        box = (10., 0.4 * h, 40., 0.6 * h)
    picture = draw_wsol_sample(visualizer, _image(h, w),
                               _sample(h, w, num_parts=3, box=box),
                               classes=CLASSES, draw_part_maps=True)
    # was 38462 x 250 for 50 x 10000 (16 MB as PNG)
    if w > h:
        # 4 panels of 1024 x 5 side by side, titles, legend, colour bar
        assert picture.shape[1] < 4 * (DISPLAY_MAX_SIZE + 10) + 100
        assert picture.shape[0] < 100
    else:
        assert picture.shape[0] < DISPLAY_MAX_SIZE + 100
        assert picture.shape[1] < 400
    assert _has_color(picture, PRED_COLOR, tol=0)


def test_colorize_is_jet_from_blue_to_red():
    ramp = colorize(np.array([[0.0, 1.0]], dtype=np.float32))[0]
    low, high = ramp[0].astype(int), ramp[1].astype(int)
    assert low[2] > 100 and low[0] < 50  # blue
    assert high[0] > 100 and high[2] < 50  # red


def test_sample_picture_explains_its_colours(visualizer):
    h, w = 40, 64
    picture = draw_wsol_sample(visualizer, _image(h, w),
                               _sample(h, w, num_parts=3), classes=CLASSES,
                               draw_part_maps=True)
    disp_h, disp_w = display_size((h, w))
    assert disp_h == DISPLAY_MIN_SIZE
    # upsampled main panel + 3 part panels side by side, plus the colour bar
    assert picture.shape[0] > disp_h
    assert picture.shape[1] > 4 * disp_w
    # boxes and their legend: GT green, prediction yellow
    assert _has_color(picture, GT_COLOR, tol=0)
    assert _has_color(picture, PRED_COLOR, tol=0)
    without_parts = draw_wsol_sample(visualizer, _image(h, w),
                                     _sample(h, w, num_parts=3))
    assert without_parts.shape[1] < 2 * disp_w
    assert without_parts.shape[0] == picture.shape[0]


def test_grid_layout_titles_and_colours(visualizer):
    shapes = [(40, 64), (200, 240)]
    images = [_image(h, w) for h, w in shapes]
    fam = [_sample(h, w, num_parts=3) for h, w in shapes]
    cam = [_sample(h, w, box=(20., 2., 60., 30.)) for h, w in shapes]
    picture, layout = draw_wsol_grid(
        visualizer, images, {'FAM': fam, 'CAM': cam}, classes=CLASSES,
        titles=['first', 'second'])
    # per row: image, FAM map, CAM map, 3 part maps
    assert len(layout) == 2 * 6
    row0 = [p for p in layout if p['row'] == 0]
    assert [p['title'] for p in row0] == [
        'first, gt: wren', 'FAM map, pred: sparrow', 'CAM map, pred: sparrow',
        'part 1', 'part 2', 'part 3'
    ]
    # small images are shown at the display size, larger ones as they are
    assert {(p['h'], p['w']) for p in row0} == {display_size(shapes[0])}
    row1 = [p for p in layout if p['row'] == 1]
    assert {(p['h'], p['w']) for p in row1} == {shapes[1]}
    # panels do not overlap and lie inside the picture
    for a in layout:
        assert a['x'] + a['w'] <= picture.shape[1]
        assert a['y'] + a['h'] <= picture.shape[0]
        for b in layout:
            if a is not b:
                assert (a['x'] + a['w'] <= b['x'] or b['x'] + b['w'] <= a['x']
                        or a['y'] + a['h'] <= b['y']
                        or b['y'] + b['h'] <= a['y'])
    # GT, FAM (yellow) and CAM (second colour) boxes on the image panel only
    image_panel = _crop(picture, row0[0])
    for color in (GT_COLOR, METHOD_COLORS[0], METHOD_COLORS[1]):
        assert _has_color(image_panel, color, tol=0)
    assert not _has_color(_crop(picture, row0[1]), GT_COLOR, tol=0)
    # the map panels are heat maps: red at the peak, blue far from it
    fam_map = _crop(picture, row0[1])
    assert fam_map[..., 0].max() > 180 and fam_map[..., 2].max() > 180


def test_grid_with_two_part_methods_prefixes_the_parts(visualizer):
    image = _image(40, 64)
    _, layout = draw_wsol_grid(
        visualizer, [image], {
            'A': [_sample(40, 64, num_parts=2)],
            'B': [_sample(40, 64, num_parts=2)]
        })
    titles = [p['title'] for p in layout]
    assert titles[3:] == ['A part 1', 'A part 2', 'B part 1', 'B part 2']
    assert titles[0] == 'gt: 1'  # no class names: the index


def test_grid_checks_its_inputs(visualizer):
    image = _image(40, 64)
    with pytest.raises(ValueError, match='2 predictions for 1 images'):
        draw_wsol_grid(visualizer, [image],
                       {'FAM': [_sample(40, 64), _sample(40, 64)]})
    with pytest.raises(ValueError, match='at least one method'):
        draw_wsol_grid(visualizer, [image], {})
    with pytest.raises(ValueError, match='titles'):
        draw_wsol_grid(visualizer, [image], {'FAM': [_sample(40, 64)]},
                       titles=['a', 'b'])
    with pytest.raises(ValueError, match='at least one panel'):
        compose_figure(visualizer, [[]])
    with pytest.raises(ValueError, match='RGB image'):
        draw_wsol_sample(visualizer, np.zeros((4, 4), np.uint8),
                         _sample(4, 4))


def test_boxes_at_the_image_edge_draw_without_warnings(visualizer):
    h, w = 40, 64
    sample = _sample(h, w, box=(0., 0., float(w), float(h)))
    sample.gt_bboxes = torch.tensor([[0., 0., float(w), float(h)]])
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        picture = draw_wsol_sample(visualizer, _image(h, w), sample)
    assert _has_color(picture, PRED_COLOR, tol=0)


def test_empty_box_is_not_drawn(visualizer):
    panel = Panel(_image(20, 20), boxes=[(np.zeros((1, 4)), PRED_COLOR)])
    picture, layout = compose_figure(visualizer, [[panel]])
    assert len(layout) == 1
    assert not _has_color(picture, PRED_COLOR, tol=0)


def test_colour_bar_runs_from_red_to_blue(visualizer):
    panel = Panel(_image(100, 50), title='map')
    picture, layout = compose_figure(visualizer, [[panel]], colorbar='value')
    right = picture[:, layout[0]['x'] + layout[0]['w']:]
    top = layout[0]['y'] + 2
    bottom = layout[0]['y'] + layout[0]['h'] - 3
    reds = right[top][:, 0].astype(int) - right[top][:, 2].astype(int)
    blues = right[bottom][:, 2].astype(int) - right[bottom][:, 0].astype(int)
    assert reds.max() > 80 and blues.max() > 80


def test_fit_title_cuts_long_titles_to_the_panel():
    from fam_mm.visualization.wsol_drawing import fit_title
    assert fit_title('part 1', 200) == 'part 1'
    long = 'gt: blue_spotted_black-tail_dark-legs, pred: x' * 2
    cut = fit_title(long, 192)
    assert cut.endswith('...') and len(cut) <= 192 // 7
    assert long.startswith(cut[:-3])


def test_method_rows_one_row_of_maps_per_method(visualizer):
    shapes = [(40, 64), (200, 240), (50, 50)]
    images = [_image(h, w) for h, w in shapes]
    methods = {
        name: [_sample(h, w, box=box) for h, w in shapes]
        for name, box in (('CAM', (4., 6., 30., 24.)),
                          ('HAS', (20., 2., 60., 30.)))
    }
    picture, layout = draw_method_rows(visualizer, images, methods,
                                       titles=['#0', '#5', '#9'])
    # a row per method, a column per image, in order
    assert [(p['row'], p['col']) for p in layout] == [
        (r, c) for r in range(2) for c in range(3)]
    assert [p['title'] for p in layout if p['row'] == 1] == [
        'HAS #0', 'HAS #5', 'HAS #9']
    # the columns hold the same image in every row (same size, same x)
    for c, shape in enumerate(shapes):
        column = [p for p in layout if p['col'] == c]
        assert {(p['x'], p['h'], p['w']) for p in column} == {
            (column[0]['x'], ) + display_size(shape)}
    # each map panel: the heat map, the GT box and the method's box
    panel = _crop(picture, layout[0])
    assert _has_color(panel, GT_COLOR, tol=0)
    assert _has_color(panel, PRED_COLOR, tol=0)
    assert panel[..., 0].max() > 180 and panel[..., 2].max() > 180
    with pytest.raises(ValueError, match='1 predictions for 3 images'):
        draw_method_rows(visualizer, images, {'CAM': methods['CAM'][:1]})
    with pytest.raises(ValueError, match='at least one method'):
        draw_method_rows(visualizer, images, {})
    with pytest.raises(ValueError, match='titles'):
        draw_method_rows(visualizer, images, methods, titles=['a'])
