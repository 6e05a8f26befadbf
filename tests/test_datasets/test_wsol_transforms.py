import copy

import numpy as np
import pytest
from mmcv.transforms import CenterCrop, RandomFlip, Resize
from mmpretrain.datasets.transforms import RandomCrop, RandomResizedCrop
from mmpretrain.registry import TRANSFORMS

from fam_mm.datasets.synthetic_generator import draw_sample
from fam_mm.datasets.transforms import flip_matrix
from fam_mm.evaluation.functional import transform_boxes

# (type, kwargs) of one step; images are 96-160 px
STEPS = {
    'resize':
    dict(type='WSOLResize', scale=(128, 96)),
    'resize_factor':
    dict(type='WSOLResize', scale_factor=0.75),
    'resize_keep_ratio':
    dict(type='WSOLResize', scale=(200, 120), keep_ratio=True),
    'rrc':
    dict(type='WSOLRandomResizedCrop', scale=64),
    'rrc_rect':
    dict(
        type='WSOLRandomResizedCrop',
        scale=(48, 80),
        crop_ratio_range=(0.1, 0.5)),
    'random_crop':
    dict(type='WSOLRandomCrop', crop_size=72),
    'random_crop_pad':
    dict(
        type='WSOLRandomCrop',
        crop_size=(90, 100),
        padding=(4, 6, 2, 8),
        pad_if_needed=True),
    'center_crop':
    dict(type='WSOLCenterCrop', crop_size=(80, 60)),
    'center_crop_pad':
    dict(type='WSOLCenterCrop', crop_size=200, auto_pad=True),
    'flip_h':
    dict(type='WSOLRandomFlip', prob=1.0),
    'flip_v':
    dict(type='WSOLRandomFlip', prob=1.0, direction='vertical'),
    'flip_d':
    dict(type='WSOLRandomFlip', prob=1.0, direction='diagonal'),
    'flip_random':
    dict(type='WSOLRandomFlip', prob=0.5),
}
CHAINS = {
    'paper_train': ['resize', 'random_crop', 'flip_random'],
    'old_test': ['resize', 'center_crop'],
    'rrc_flip': ['rrc', 'flip_h'],
    'everything': [
        'resize_keep_ratio', 'flip_v', 'random_crop_pad', 'rrc_rect', 'flip_d',
        'center_crop', 'resize_factor'
    ],
}
CASES = [[name] for name in STEPS] + list(CHAINS.values())
IDS = list(STEPS) + list(CHAINS)


def sample_results(index, as_mask=False):
    """Pipeline results of a synthetic image (or of its instance mask)."""
    sample = draw_sample(11, 'test', index, index % 8, multi_object_prob=0.5)
    img = sample['img']
    if as_mask:
        img = np.repeat((sample['instance_mask'] > 0)[..., None] * 255, 3,
                        -1).astype(np.uint8)
    results = dict(
        img=img,
        img_path=f'synthetic_{index}.png',
        gt_label=index % 8,
        gt_bboxes=sample['boxes'].copy(),
        ori_shape=img.shape[:2],
        img_shape=img.shape[:2])
    return results, sample


def build(names, nearest=False, clip=True):
    transforms = []
    for name in names:
        cfg = copy.deepcopy(STEPS[name])
        if nearest and 'Resize' in cfg['type']:
            cfg['interpolation'] = 'nearest'
        cfg['clip_object_border'] = clip
        transforms.append(TRANSFORMS.build(cfg))
    return transforms


def run(transforms, results):
    for t in transforms:
        results = t(results)
    return results


@pytest.mark.parametrize('names', CASES, ids=IDS)
@pytest.mark.parametrize('clip', [True, False])
def test_boxes_follow_homography(names, clip):
    for index in range(4):
        np.random.seed(index)
        results, _ = sample_results(index)
        ori = results['gt_bboxes'].copy()
        results = run(build(names, clip=clip), results)
        h, w = results['img'].shape[:2]
        assert results['img_shape'] == (h, w)
        matrix = results['homography_matrix']
        assert matrix.shape == (3, 3) and matrix.dtype == np.float32
        np.testing.assert_array_equal(results['ori_gt_bboxes'], ori)
        expected = transform_boxes(ori, matrix)
        if clip:
            expected[:, 0::2] = np.clip(expected[:, 0::2], 0, w)
            expected[:, 1::2] = np.clip(expected[:, 1::2], 0, h)
        assert results['gt_bboxes'].dtype == np.float32
        assert results['gt_bboxes'].shape == ori.shape
        np.testing.assert_allclose(results['gt_bboxes'], expected, atol=1e-3)


@pytest.mark.parametrize('names', CASES, ids=IDS)
def test_homography_matches_image(names):
    """Object pixels of the synthetic masks land where the matrix says."""
    for index in range(4):
        np.random.seed(100 + index)
        results, sample = sample_results(index, as_mask=True)
        results = run(build(names, nearest=True), results)
        out = results['img'][..., 0] > 127
        h, w = out.shape
        matrix = results['homography_matrix'].astype(np.float64)
        boxes = results['gt_bboxes']
        unclipped = transform_boxes(results['ori_gt_bboxes'], matrix)
        # interior object pixels (far from any edge of the mask)
        inst = sample['instance_mask']
        interior = (inst > 0)
        for dy in (-3, 0, 3):
            for dx in (-3, 0, 3):
                interior &= np.roll(np.roll(inst, dy, 0), dx, 1) == inst
        ys, xs = np.nonzero(interior)
        assert len(ys) > 20
        pts = np.stack([xs + 0.5, ys + 0.5, np.ones_like(xs)], 1) @ matrix.T
        owner = inst[ys, xs] - 1
        # every object pixel is inside its (unclipped) transformed box
        ub = unclipped[owner]
        assert ((pts[:, 0] >= ub[:, 0]) & (pts[:, 0] <= ub[:, 2]) &
                (pts[:, 1] >= ub[:, 1]) & (pts[:, 1] <= ub[:, 3])).all()
        inside = ((pts[:, 0] >= 1) & (pts[:, 0] < w - 1) & (pts[:, 1] >= 1) &
                  (pts[:, 1] < h - 1))
        if not inside.any():
            continue
        p, o = pts[inside], owner[inside]
        # ... and the transformed image shows the object there
        assert out[p[:, 1].astype(int), p[:, 0].astype(int)].mean() > 0.99
        b = boxes[o]
        assert ((p[:, 0] >= b[:, 0]) & (p[:, 0] <= b[:, 2]) &
                (p[:, 1] >= b[:, 1]) & (p[:, 1] <= b[:, 3])).all()
        # the extent of a fully visible object matches its tracked box
        visible = (unclipped[0, :2] >= 0).all() and \
            unclipped[0, 2] <= w and unclipped[0, 3] <= h
        if len(boxes) == 1 and visible:
            ys2, xs2 = np.nonzero(out)
            found = [xs2.min(), ys2.min(), xs2.max() + 1, ys2.max() + 1]
            np.testing.assert_allclose(found, boxes[0], atol=2.0)


@pytest.mark.parametrize('ours,theirs', [
    (dict(type='WSOLResize', scale=(50, 70)), Resize(scale=(50, 70))),
    (dict(type='WSOLResize', scale=(200, 90),
          keep_ratio=True), Resize(scale=(200, 90), keep_ratio=True)),
    (dict(type='WSOLRandomResizedCrop',
          scale=(40, 60)), RandomResizedCrop(scale=(40, 60))),
    (dict(type='WSOLRandomCrop', crop_size=(70, 50),
          padding=5), RandomCrop(crop_size=(70, 50), padding=5)),
    (dict(type='WSOLRandomCrop', crop_size=300,
          pad_if_needed=True), RandomCrop(crop_size=300, pad_if_needed=True)),
    (dict(type='WSOLCenterCrop',
          crop_size=(64, 40)), CenterCrop(crop_size=(64, 40))),
    (dict(type='WSOLCenterCrop', crop_size=500), CenterCrop(crop_size=500)),
    (dict(
        type='WSOLRandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
     RandomFlip(prob=0.5, direction=['horizontal', 'vertical'])),
])
def test_same_images_as_mmcv_and_mmpretrain(ours, theirs):
    ours = TRANSFORMS.build(ours)
    for index in range(3):
        a, _ = sample_results(index)
        b = copy.deepcopy(a)
        np.random.seed(index)
        a = ours(a)
        np.random.seed(index)
        b = theirs(b)
        np.testing.assert_array_equal(a['img'], b['img'])
        if isinstance(theirs, (Resize, CenterCrop, RandomFlip)):
            # mmcv moves boxes itself: same result
            np.testing.assert_allclose(
                a['gt_bboxes'], b['gt_bboxes'], atol=1e-3)
            assert a['img_shape'] == tuple(b['img_shape'][:2])
        for key in ('flip', 'flip_direction', 'scale', 'keep_ratio'):
            if key in b:
                assert a[key] == b[key]


def test_vanishing_boxes_are_kept_as_zero_area():
    img = np.zeros((100, 100, 3), np.uint8)
    results = dict(
        img=img,
        gt_bboxes=np.array([[0, 0, 10, 10], [40, 45, 60, 55]], np.float32),
        ori_shape=(100, 100))
    results = TRANSFORMS.build(dict(type='WSOLCenterCrop', crop_size=40))(
        results)
    np.testing.assert_allclose(results['gt_bboxes'],
                               [[0, 0, 0, 0], [10, 15, 30, 25]])
    np.testing.assert_allclose(results['ori_gt_bboxes'],
                               [[0, 0, 10, 10], [40, 45, 60, 55]])


def test_scale_factor_flip_and_matrix():
    results = dict(
        img=np.zeros((50, 80, 3), np.uint8),
        gt_bboxes=np.array([[10, 5, 30, 45]], np.float32))
    pipeline = [
        TRANSFORMS.build(dict(type='WSOLResize', scale=(160, 150))),
        TRANSFORMS.build(dict(type='WSOLCenterCrop', crop_size=100)),
        TRANSFORMS.build(dict(type='WSOLRandomFlip', prob=1.0)),
    ]
    results = run(pipeline, results)
    assert results['scale_factor'] == pytest.approx((2.0, 3.0))
    assert results['flip'] is True
    assert results['flip_direction'] == 'horizontal'
    assert results['img_shape'] == (100, 100)
    # x: 2x - 30 then flipped in a 100 px image; y: 3y - 25
    expected = np.array([[-2, 0, 130], [0, 3, -25], [0, 0, 1]], np.float32)
    np.testing.assert_allclose(
        results['homography_matrix'], expected, atol=1e-5)
    np.testing.assert_allclose(results['gt_bboxes'], [[70, 0, 100, 100]])
    twice = flip_matrix('diagonal', (7, 9)) @ flip_matrix('diagonal', (7, 9))
    np.testing.assert_allclose(twice, np.eye(3))


def test_no_boxes_and_no_flip():
    results = dict(img=np.zeros((20, 30, 3), np.uint8))
    flip = TRANSFORMS.build(dict(type='WSOLRandomFlip', prob=0.0))
    results = flip(results)
    assert results['flip'] is False
    np.testing.assert_array_equal(results['homography_matrix'], np.eye(3))
    results = TRANSFORMS.build(dict(type='WSOLResize', scale=15))(results)
    assert 'gt_bboxes' not in results
    np.testing.assert_allclose(results['homography_matrix'],
                               np.diag([0.5, 0.75, 1]))


def test_boxes_must_fit_the_loaded_image():
    results = dict(
        img=np.zeros((20, 30, 3), np.uint8),
        img_path='x.jpg',
        gt_bboxes=np.array([[0, 0, 40, 10]], np.float32))
    with pytest.raises(ValueError, match=r'x.jpg: gt box .* 30x20'):
        TRANSFORMS.build(dict(type='WSOLResize', scale=10))(results)


def test_repr():
    for cfg in STEPS.values():
        assert TRANSFORMS.build(cfg).__class__.__name__ in repr(
            TRANSFORMS.build(cfg))
    assert 'clip_object_border=True' in repr(
        TRANSFORMS.build(STEPS['random_crop']))
