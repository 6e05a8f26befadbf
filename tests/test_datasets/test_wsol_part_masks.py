"""GT part masks: LoadWSOLMasks(with_part_masks=True) -> WSOL* transforms
(which leave the mask in the original frame, like gt_masks) ->
PackWSOLInputs -> FAMMapMetric (which warps it to the input frame)."""
import cv2
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmpretrain.registry import TRANSFORMS

import fam_mm  # noqa: F401
from fam_mm.datasets import SyntheticWSOL
from fam_mm.datasets.transforms import LoadWSOLMasks, PackWSOLInputs
from fam_mm.evaluation.metrics import FAMMapMetric

# the parameters of conftest's synthetic_root
SMALL_SYNTHETIC = dict(num_train=16, num_val=8, num_test=8, seed=3)


def _compose(cfgs):
    """mmcv's Compose, the transforms built from mmpretrain's registry."""
    return Compose([TRANSFORMS.build(cfg) for cfg in cfgs])


def _write(tmp_path, name, mask):
    path = str(tmp_path / name)
    cv2.imwrite(path, mask)
    return path


def _labels(h=6, w=8):
    """A part-label image with labels up to 8 (not only the 5 of the
    synthetic generator)."""
    labels = np.zeros((h, w), np.uint8)
    labels[1:3, 1:4] = 1
    labels[3:5, 1:4] = 2
    labels[1:5, 5:7] = 8
    return labels


def test_part_masks_are_loaded_on_request(tmp_path):
    labels = _labels()
    results = dict(
        ori_shape=(6, 8),
        mask_path=_write(tmp_path, 'inst.png', (labels > 0).astype(np.uint8)),
        part_mask_path=_write(tmp_path, 'parts.png', labels))
    off = LoadWSOLMasks()(dict(results))
    assert 'gt_part_mask' not in off and 'gt_masks' in off
    on = LoadWSOLMasks(with_part_masks=True)(dict(results))
    assert on['gt_part_mask'].dtype == np.uint8
    np.testing.assert_array_equal(on['gt_part_mask'], labels)  # labels kept
    np.testing.assert_array_equal(on['gt_masks'], labels > 0)
    # a part mask without an instance mask is loaded too
    alone = LoadWSOLMasks(with_part_masks=True)(
        dict(ori_shape=(6, 8), part_mask_path=results['part_mask_path']))
    assert 'gt_masks' not in alone
    np.testing.assert_array_equal(alone['gt_part_mask'], labels)
    # no part mask path: nothing added
    assert 'gt_part_mask' not in LoadWSOLMasks(with_part_masks=True)(
        dict(ori_shape=(6, 8)))
    assert 'with_part_masks=True' in repr(LoadWSOLMasks(with_part_masks=True))


def test_part_mask_errors_name_the_file(tmp_path):
    path = _write(tmp_path, 'parts.png', _labels())
    with pytest.raises(ValueError, match='part mask .*parts.png has shape'):
        LoadWSOLMasks(with_part_masks=True)(
            dict(ori_shape=(7, 8), part_mask_path=path))
    with pytest.raises(FileNotFoundError, match='part mask file not found'):
        LoadWSOLMasks(with_part_masks=True)(
            dict(part_mask_path=str(tmp_path / 'missing.png')))


def test_transforms_leave_it_in_the_original_frame_and_pack_it(tmp_path):
    labels = _labels()
    results = dict(
        img=np.zeros((6, 8, 3), np.uint8),
        ori_shape=(6, 8),
        img_shape=(6, 8),
        gt_label=0,
        gt_bboxes=np.array([[1, 1, 7, 5]], np.float32),
        part_mask_path=_write(tmp_path, 'parts.png', labels))
    pipeline = _compose([
        dict(type='LoadWSOLMasks', with_part_masks=True),
        dict(type='WSOLResize', scale=(16, 12)),
        dict(type='WSOLCenterCrop', crop_size=(12, 10)),
        dict(type='WSOLRandomFlip', prob=1.0, direction='horizontal'),
        dict(type='PackWSOLInputs'),
    ])
    sample = pipeline(dict(results))['data_samples']
    assert sample.gt_part_mask.dtype == torch.uint8
    np.testing.assert_array_equal(sample.gt_part_mask.numpy(), labels)
    assert 'gt_part_mask' in sample.to_dict()
    # no part mask: no field
    plain = PackWSOLInputs()(dict(results, img=np.zeros((6, 8, 3), np.uint8)))
    assert 'gt_part_mask' not in plain['data_samples']


def _input_frame_labels(part_mask, matrix, shape):
    """The part label under the centre of each input pixel: the centre
    ``(x + 0.5, y + 0.5)`` (pixel-edge coordinates) mapped back to the
    original frame with ``matrix``."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w]
    centres = np.stack([xs + 0.5, ys + 0.5, np.ones((h, w))]).reshape(3, -1)
    src = np.linalg.inv(np.asarray(matrix, np.float64)) @ centres
    sx = np.floor(src[0] / src[2]).astype(np.int64)
    sy = np.floor(src[1] / src[2]).astype(np.int64)
    inside = (sx >= 0) & (sx < part_mask.shape[1]) & (sy >= 0) & (
        sy < part_mask.shape[0])
    out = np.zeros(h * w, np.uint8)
    out[inside] = part_mask[sy[inside], sx[inside]]
    return out.reshape(h, w)


def _purity_of_perfect_maps(synthetic_root, keep_matrix):
    dataset = SyntheticWSOL(synthetic_root, split='test', **SMALL_SYNTHETIC)
    pipeline = _compose([
        dict(type='LoadImageFromFile'),
        dict(type='LoadWSOLMasks', with_part_masks=True),
        dict(type='WSOLResize', scale=(146, 146)),
        dict(type='WSOLCenterCrop', crop_size=128),
        dict(type='PackWSOLInputs'),
    ])
    metric = FAMMapMetric()
    expected_parts = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        data_sample = pipeline(dict(info))['data_samples']
        part_mask = data_sample.gt_part_mask.numpy()
        assert part_mask.shape == tuple(info['ori_shape'])  # original frame
        assert part_mask.max() >= 1
        labels = _input_frame_labels(part_mask,
                                     data_sample.homography_matrix,
                                     (128, 128))
        present = [lab for lab in np.unique(labels) if lab > 0]
        expected_parts.append(len(present))
        # one part map per visible part, exactly on it
        maps = np.stack([(labels == lab) for lab in present]).astype(
            np.float32)
        sample = data_sample.to_dict()
        if not keep_matrix:
            sample.pop('homography_matrix')
        sample['loc_map'] = torch.from_numpy((labels > 0).astype(np.float32))
        sample['part_maps'] = torch.from_numpy(maps)
        metric.process(None, [sample])
    return metric.compute_metrics(metric.results), np.mean(expected_parts)


def test_metric_follows_the_crop_on_the_synthetic_benchmark(synthetic_root):
    """Part maps equal to the input-frame parts are pure (purity ~1, every
    visible part found) because the metric maps the original-frame part
    mask through resize and crop (``homography_matrix``)."""
    out, parts = _purity_of_perfect_maps(synthetic_root, keep_matrix=True)
    # nearest-neighbour warps differ by < 1 pixel on part borders
    assert out['part_purity'] > 0.95
    assert out['part_on_object'] > 0.95
    assert out['distinct_parts'] == pytest.approx(parts)
    assert out['fg_in'] > 0.95 and out['fg_out'] < 0.01
    assert {f'bg_row_{i}' for i in range(4)} <= set(out)
    # a plain resize of the mask to the map (the crop ignored) is worse
    blind, _ = _purity_of_perfect_maps(synthetic_root, keep_matrix=False)
    assert blind['part_purity'] < out['part_purity'] - 0.02
    assert blind['fg_in'] < out['fg_in'] - 0.02
