import importlib.util
import math
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpretrain.structures import DataSample

from fam_mm.apis import WSOLInferencer
from fam_mm.evaluation.functional import extract_bbox
from fam_mm.utils.image_check import ImageFileError
from fam_mm.visualization import display_size


def _load_helpers():
    path = osp.join(osp.dirname(__file__), 'tiny_wsol.py')
    spec = importlib.util.spec_from_file_location('tiny_wsol', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tiny = _load_helpers()


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp('wsol_inferencer')
    out = dict(root=root, images=tiny.write_images(str(root)))
    for head in ('FAM', 'CAM'):
        out[f'{head}_cfg'] = tiny.write_config(
            str(root / f'{head.lower()}.py'), head)
        out[f'{head}_ckpt'] = tiny.write_checkpoint(
            str(root / f'{head.lower()}.pth'), head)
    out['plain_cfg'] = tiny.write_config(
        str(root / 'cam_plain.py'),
        'CAM',
        test_pipeline=tiny.PLAIN_TEST_PIPELINE)
    out['crop_cfg'] = tiny.write_config(
        str(root / 'cam_crop.py'),
        'CAM',
        test_pipeline=tiny.CROP_TEST_PIPELINE)
    return out


def _fam_inferencer(files, **kwargs):
    """FAM with a fixed blob as foreground map (see ``force_fam_map``)."""
    inferencer = WSOLInferencer(
        files['FAM_cfg'], pretrained=files['FAM_ckpt'], device='cpu', **kwargs)
    tiny.force_fam_map(inferencer.model)
    return inferencer


def _check_result(result, shape, classes=tiny.CLASSES):
    h, w = shape
    assert set(result) >= {
        'pred_label', 'pred_score', 'pred_scores', 'pred_bbox', 'loc_map'
    }
    scores = result['pred_scores']
    assert scores.shape == (len(classes), )
    assert scores.sum() == pytest.approx(1.0, abs=1e-4)
    assert result['pred_label'] == int(np.argmax(scores))
    assert result['pred_score'] == pytest.approx(
        float(scores[result['pred_label']]))
    assert result['pred_class'] == classes[result['pred_label']]
    loc_map = result['loc_map']
    assert loc_map.dtype == np.float32 and loc_map.shape == (h, w)
    assert loc_map.min() >= 0 and loc_map.max() <= 1
    box = result['pred_bbox']
    assert box.shape == (4, ) and box.dtype == np.float32
    x1, y1, x2, y2 = box.tolist()
    assert 0 <= x1 <= x2 <= w and 0 <= y1 <= y2 <= h


@pytest.mark.parametrize('head', ['FAM', 'CAM'])
def test_paths_and_arrays(files, head):
    if head == 'FAM':
        inferencer = _fam_inferencer(files)
    else:
        inferencer = WSOLInferencer(
            files['CAM_cfg'], pretrained=files['CAM_ckpt'], device='cpu')
    assert inferencer.classes == list(tiny.CLASSES)
    paths = files['images']
    arrays = [cv2.imread(p) for p in paths]  # BGR, as mmcv
    from_paths = inferencer(paths)
    from_arrays = inferencer(arrays)
    assert len(from_paths) == len(from_arrays) == len(paths)
    for shape, a, b in zip(tiny.IMAGE_SHAPES, from_paths, from_arrays):
        _check_result(a, shape)
        _check_result(b, shape)
        assert a['pred_label'] == b['pred_label']
        np.testing.assert_allclose(a['pred_bbox'], b['pred_bbox'])
        np.testing.assert_allclose(a['loc_map'], b['loc_map'], atol=1e-6)
    # a single input (not a list) and a grey array are accepted
    single = inferencer(paths[0])
    assert len(single) == 1
    grey = cv2.cvtColor(arrays[1], cv2.COLOR_BGR2GRAY)
    _check_result(inferencer(grey)[0], tiny.IMAGE_SHAPES[1])
    if head == 'FAM':  # the blob gives a proper box, not the whole image
        x1, y1, x2, y2 = from_paths[0]['pred_bbox']
        h, w = tiny.IMAGE_SHAPES[0]
        assert 0 < (x2 - x1) * (y2 - y1) < 0.5 * h * w


def test_folder_input(files, tmp_path):
    inferencer = WSOLInferencer(
        files['CAM_cfg'], pretrained=files['CAM_ckpt'], device='cpu')
    paths = tiny.write_images(str(tmp_path))
    (tmp_path / 'notes.txt').write_text('not an image')
    results = inferencer(str(tmp_path))
    assert len(results) == len(paths)


@pytest.mark.parametrize('case', ['FAM', 'CAM', 'CAM_plain'])
def test_box_matches_returned_map(files, case):
    """pred_bbox == extract_bbox(original-frame loc_map), within rounding."""
    if case == 'FAM':
        inferencer = _fam_inferencer(files)
    else:
        cfg = files['plain_cfg'] if case == 'CAM_plain' else files['CAM_cfg']
        inferencer = WSOLInferencer(
            cfg, pretrained=files['CAM_ckpt'], device='cpu')
    threshold = inferencer.model.head.loc_threshold
    for shape, result in zip(tiny.IMAGE_SHAPES, inferencer(files['images'])):
        expected = extract_bbox(result['loc_map'], threshold)[0]
        scale = max(s / tiny.INPUT_SIZE for s in shape)
        tol = math.ceil(scale) + 1
        np.testing.assert_allclose(result['pred_bbox'], expected, atol=tol)


def test_fam_blob_box_in_original_pixels(files):
    """The blob's box, computed by hand, lands in the image's own pixels."""
    inferencer = _fam_inferencer(files)
    # feature map 12x12 for a 48x48 input: blob at (4, 5) with sigma 2;
    # blob > 0.5 where d < 2 * sqrt(2 ln 2) ~ 2.355 feature pixels
    radius = 2 * math.sqrt(2 * math.log(2)) * tiny.INPUT_SIZE / 12
    cx, cy = 4.0 * 4, 5.0 * 4  # input-frame centre
    for (h, w), result in zip(tiny.IMAGE_SHAPES, inferencer(files['images'])):
        sx, sy = w / tiny.INPUT_SIZE, h / tiny.INPUT_SIZE
        expected = np.array([(cx - radius) * sx, (cy - radius) * sy,
                             (cx + radius) * sx, (cy + radius) * sy])
        np.testing.assert_allclose(
            result['pred_bbox'], expected, atol=4 * max(sx, sy) + 1)


def test_center_crop_pipeline_maps_back(files):
    """With a crop the map is warped back; cropped-away pixels are 0."""
    inferencer = WSOLInferencer(
        files['crop_cfg'], pretrained=files['CAM_ckpt'], device='cpu')
    threshold = inferencer.model.head.loc_threshold
    samples = inferencer(files['images'], return_datasamples=True)
    results = inferencer(files['images'])
    for (h, w), sample, result in zip(tiny.IMAGE_SHAPES, samples, results):
        assert tuple(sample.loc_map.shape) == (tiny.INPUT_SIZE, ) * 2
        loc_map = result['loc_map']
        assert loc_map.shape == (h, w)
        # resize to 60 then centre crop 48: 6/60 of each side is cut away
        border_x = int(w * 6 / 60) - 1
        border_y = int(h * 6 / 60) - 1
        if border_x > 0:
            assert loc_map[:, :border_x].max() == 0
            assert loc_map[:, w - border_x:].max() == 0
        if border_y > 0:
            assert loc_map[:border_y].max() == 0
        x1, y1, x2, y2 = result['pred_bbox'].tolist()
        assert x1 >= w * 6 / 60 - 1 and x2 <= w * 54 / 60 + 1
        assert y1 >= h * 6 / 60 - 1 and y2 <= h * 54 / 60 + 1
        expected = extract_bbox(loc_map, threshold)[0]
        np.testing.assert_allclose(result['pred_bbox'], expected, atol=3)


def test_return_datasamples_and_batches(files):
    inferencer = _fam_inferencer(files)
    samples = inferencer(files['images'], return_datasamples=True)
    assert all(isinstance(s, DataSample) for s in samples)
    for (h, w), sample in zip(tiny.IMAGE_SHAPES, samples):
        assert tuple(sample.ori_shape) == (h, w)
        assert tuple(sample.loc_map.shape) == (tiny.INPUT_SIZE, ) * 2
        assert sample.pred_bbox.shape == (4, )
    batched = inferencer(files['images'], batch_size=2)
    single = inferencer(files['images'], batch_size=1)
    for a, b in zip(batched, single):
        assert a['pred_label'] == b['pred_label']
        np.testing.assert_allclose(
            a['pred_scores'], b['pred_scores'], atol=1e-5)
        np.testing.assert_allclose(a['pred_bbox'], b['pred_bbox'])
    with pytest.raises(ValueError, match='batch_size'):
        inferencer(files['images'], batch_size=0)


def test_part_maps(files):
    inferencer = _fam_inferencer(files)
    results = inferencer(files['images'], return_part_maps=True)
    for (h, w), result in zip(tiny.IMAGE_SHAPES, results):
        parts = result['part_maps']
        assert parts.shape == (3, h, w) and parts.dtype == np.float32
        assert parts.min() >= 0 and parts.max() <= 1
    assert 'part_maps' not in inferencer(files['images'][0])[0]
    cam = WSOLInferencer(
        files['CAM_cfg'], pretrained=files['CAM_ckpt'], device='cpu')
    with pytest.warns(UserWarning, match='no part maps'):
        result = cam(files['images'][0], return_part_maps=True)[0]
    assert 'part_maps' not in result


def test_show_dir_writes_pngs(files, tmp_path):
    inferencer = _fam_inferencer(files)
    images = files['images']
    out = tmp_path / 'vis'
    inferencer(images + [cv2.imread(images[0])], show_dir=str(out))
    sizes = []
    for path, (h, w) in zip(images, tiny.IMAGE_SHAPES):
        drawn = cv2.imread(
            str(out / (osp.splitext(osp.basename(path))[0] + '.png')))
        # the image upsampled for display, plus title, legend, colour bar
        disp_h, disp_w = display_size((h, w))
        assert drawn is not None and drawn.ndim == 3
        assert disp_h < drawn.shape[0] < disp_h + 80
        assert disp_w < drawn.shape[1] < 2 * disp_w
        sizes.append(drawn.shape)
    # arrays are named by their position in the call
    assert cv2.imread(str(out / '000003.png')).shape == sizes[0]
    # with part maps: main panel + 3 part panels side by side
    out_parts = tmp_path / 'vis_parts'
    inferencer(images[:1], show_dir=str(out_parts), draw_part_maps=True)
    drawn = cv2.imread(str(out_parts / 'img_0.png'))
    assert drawn.shape[0] == sizes[0][0]
    assert drawn.shape[1] > 4 * display_size(tiny.IMAGE_SHAPES[0])[1]


def test_built_model_and_config_object(files):
    model = tiny.build_model('CAM')
    with pytest.raises(ValueError, match='config'):
        WSOLInferencer(model, device='cpu')
    cfg = Config.fromfile(files['CAM_cfg'])
    by_model = WSOLInferencer(
        model, pretrained=files['CAM_ckpt'], device='cpu', config=cfg)
    by_config = WSOLInferencer(
        cfg,
        pretrained=files['CAM_ckpt'],
        device='cpu',
        classes=['a', 'b', 'c'])
    assert by_model.classes == list(tiny.CLASSES)
    assert by_config.classes == ['a', 'b', 'c']
    a = by_model(files['images'][0])[0]
    b = by_config(files['images'][0])[0]
    assert b['pred_class'] == ['a', 'b', 'c'][b['pred_label']]
    np.testing.assert_allclose(a['pred_scores'], b['pred_scores'], atol=1e-6)
    np.testing.assert_allclose(a['pred_bbox'], b['pred_bbox'])


def test_without_classes_and_bad_inputs(files, tmp_path):
    ckpt = str(tmp_path / 'no_meta.pth')
    torch.save(dict(state_dict=tiny.build_model('CAM').state_dict()), ckpt)
    inferencer = WSOLInferencer(
        files['CAM_cfg'], pretrained=ckpt, device='cpu')
    assert inferencer.classes is None
    result = inferencer(files['images'][0])[0]
    assert 'pred_class' not in result
    # one line naming the file (tests/test_tools/test_bad_image_inputs.py)
    with pytest.raises(ImageFileError, match='missing.jpg: no such file$'):
        inferencer(str(tmp_path / 'missing.jpg'))
    with pytest.raises(ValueError, match='BGR image'):
        inferencer(np.zeros((4, 4, 4), dtype=np.uint8))
    with pytest.raises(TypeError):
        inferencer(3)
    with pytest.raises(FileNotFoundError):
        WSOLInferencer(str(tmp_path / 'missing.py'))
