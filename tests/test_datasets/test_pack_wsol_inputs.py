import numpy as np
import pytest
import torch
from mmpretrain.registry import TRANSFORMS
from mmpretrain.structures import DataSample


def results_with_boxes(h=40, w=60):
    return dict(
        img=np.zeros((h, w, 3), np.uint8),
        img_path='a.jpg',
        img_id='a.jpg',
        sample_idx=3,
        gt_label=2,
        gt_bboxes=np.array([[10, 5, 30, 35], [0, 0, 60, 40]], np.float32),
        ori_shape=(h, w),
        img_shape=(h, w))


def test_pack_after_wsol_transforms():
    results = results_with_boxes()
    for cfg in (dict(type='WSOLResize',
                     scale=(30, 80)), dict(type='WSOLRandomFlip', prob=1.0)):
        results = TRANSFORMS.build(cfg)(results)
    packed = TRANSFORMS.build(dict(type='PackWSOLInputs'))(results)
    assert tuple(packed['inputs'].shape) == (3, 80, 30)
    sample = packed['data_samples']
    assert isinstance(sample, DataSample)
    assert sample.gt_label.tolist() == [2]
    assert sample.gt_bboxes.dtype == torch.float32
    np.testing.assert_allclose(sample.gt_bboxes.numpy(),
                               [[10, 5, 30, 35], [0, 0, 60, 40]])
    np.testing.assert_allclose(sample.img_gt_bboxes.numpy(),
                               [[15, 10, 25, 70], [0, 0, 30, 80]])
    meta = sample.metainfo
    assert meta['ori_shape'] == (40, 60) and meta['img_shape'] == (80, 30)
    assert meta['img_path'] == 'a.jpg' and meta['img_id'] == 'a.jpg'
    assert meta['sample_idx'] == 3 and meta['flip'] is True
    assert meta['homography_matrix'].dtype == np.float32
    np.testing.assert_allclose(meta['homography_matrix'],
                               [[-0.5, 0, 30], [0, 2, 0], [0, 0, 1]])
    assert sample.to_dict()['homography_matrix'].shape == (3, 3)


def test_pack_without_geometric_transform():
    packed = TRANSFORMS.build(dict(type='PackWSOLInputs'))(
        results_with_boxes())
    sample = packed['data_samples']
    np.testing.assert_array_equal(sample.homography_matrix, np.eye(3))
    np.testing.assert_array_equal(sample.gt_bboxes.numpy(),
                                  sample.img_gt_bboxes.numpy())


def test_pack_rejects_untracked_resize():
    results = TRANSFORMS.build(dict(type='Resize', scale=(30, 20)))(
        results_with_boxes())
    with pytest.raises(ValueError, match='a.jpg: the image changed'):
        TRANSFORMS.build(dict(type='PackWSOLInputs'))(results)
    # without boxes the contract's pure-resize fallback is recorded
    results.pop('gt_bboxes')
    sample = TRANSFORMS.build(
        dict(type='PackWSOLInputs'))(results)['data_samples']
    np.testing.assert_allclose(sample.homography_matrix, np.diag([0.5, 0.5,
                                                                  1]))
    assert 'gt_bboxes' not in sample


def test_pack_empty_boxes_and_custom_meta_keys():
    results = results_with_boxes()
    results['gt_bboxes'] = np.zeros((0, 4), np.float32)
    results = TRANSFORMS.build(dict(type='WSOLResize', scale=10))(results)
    pack = TRANSFORMS.build(
        dict(type='PackWSOLInputs', meta_keys=('img_path', )))
    sample = pack(results)['data_samples']
    assert tuple(sample.gt_bboxes.shape) == (0, 4)
    assert tuple(sample.img_gt_bboxes.shape) == (0, 4)
    assert sample.homography_matrix.shape == (3, 3)
    assert 'PackWSOLInputs' in repr(pack)
