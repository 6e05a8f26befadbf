import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from fam_mm.datasets import (
    SYNTHETIC_WSOL_VERSION,
    SyntheticWSOL,
    generate_synthetic_wsol,
)
from fam_mm.datasets.synthetic_generator import (
    PART_LABELS,
    class_names,
    split_labels,
)
from fam_mm.datasets.synthetic_wsol import DEFAULT_PARAMS
from fam_mm.evaluation.functional import box_iou

TINY = dict(num_train=6, num_val=3, num_test=3, seed=5)


def read_tree(root):
    files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                files[osp.relpath(path, root)] = f.read()
    return files


def test_deterministic(tmp_path):
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    generate_synthetic_wsol(a, **TINY)
    generate_synthetic_wsol(b, **TINY)
    files_a, files_b = read_tree(a), read_tree(b)
    assert len(files_a) == 4 * 3 + 1 + 1 + 3 * 12  # metadata, json, images
    assert files_a == files_b
    c = str(tmp_path / 'c')
    generate_synthetic_wsol(c, **dict(TINY, seed=6))
    assert read_tree(c)['images/train/train_00000.jpg'] != \
        files_a['images/train/train_00000.jpg']


def test_regenerates_when_stale(tmp_path):
    root = str(tmp_path / 'synth')
    meta = generate_synthetic_wsol(root, **TINY)
    assert meta['version'] == SYNTHETIC_WSOL_VERSION
    assert meta['params']['num_train'] == 6
    stamp = os.stat(osp.join(root, 'meta.json')).st_mtime_ns
    generate_synthetic_wsol(root, **TINY)  # up to date: untouched
    assert os.stat(osp.join(root, 'meta.json')).st_mtime_ns == stamp
    meta = generate_synthetic_wsol(root, **dict(TINY, num_train=4))
    assert len(os.listdir(osp.join(root, 'images', 'train'))) == 4
    # another generator version on disk is regenerated too
    with open(osp.join(root, 'meta.json')) as f:
        meta = json.load(f)
    meta['version'] = -1
    with open(osp.join(root, 'meta.json'), 'w') as f:
        json.dump(meta, f)
    assert generate_synthetic_wsol(root, **dict(
        TINY, num_train=4))['version'] == SYNTHETIC_WSOL_VERSION
    assert not [n for n in os.listdir(tmp_path) if '.tmp-' in n]


def test_refuses_foreign_folder(tmp_path):
    root = tmp_path / 'mine'
    root.mkdir()
    (root / 'precious.txt').write_text('keep me')
    with pytest.raises(FileExistsError, match='refusing to overwrite'):
        generate_synthetic_wsol(str(root), **TINY)
    assert (root / 'precious.txt').read_text() == 'keep me'


def test_defaults():
    assert DEFAULT_PARAMS['num_classes'] == 8
    assert (DEFAULT_PARAMS['num_train'], DEFAULT_PARAMS['num_val'],
            DEFAULT_PARAMS['num_test']) == (1200, 200, 400)
    labels = split_labels(0, 'train', 1200, 8)
    assert np.bincount(labels).tolist() == [150] * 8
    assert class_names(8)[:2] == ['blue_spike', 'green_spike']
    with pytest.raises(ValueError):
        class_names(13)


def test_dataset(synthetic_root):
    train = SyntheticWSOL(
        synthetic_root,
        split='train',
        num_train=16,
        num_val=8,
        num_test=8,
        seed=3)
    test = SyntheticWSOL(
        synthetic_root,
        split='test',
        num_train=16,
        num_val=8,
        num_test=8,
        seed=3)
    assert len(train) == 16 and len(test) == 8
    assert train.CLASSES == tuple(class_names(8))
    sizes, num_boxes = set(), 0
    for i in range(len(train)):
        info = train.get_data_info(i)
        img = cv2.imread(info['img_path'])
        assert img.shape[:2] == info['ori_shape']
        sizes.add(info['ori_shape'])
        h, w = info['ori_shape']
        assert 96 <= h <= 160 and 96 <= w <= 160
        inst = cv2.imread(info['mask_path'], cv2.IMREAD_UNCHANGED)
        parts = cv2.imread(info['part_mask_path'], cv2.IMREAD_UNCHANGED)
        boxes = info['gt_bboxes']
        num_boxes += len(boxes)
        assert inst.max() == len(boxes)
        for k, box in enumerate(boxes, 1):
            ys, xs = np.nonzero(inst == k)
            # exact boxes: pixel-edge extent of the mask
            np.testing.assert_array_equal(
                box,
                [xs.min(), ys.min(),
                 xs.max() + 1, ys.max() + 1])
            obj = inst == k
            crest = obj & (parts == PART_LABELS['crest'])
            # the discriminative part is small and far from the object box
            assert 0.01 < crest.sum() / obj.sum() < 0.10
            cy, cx = np.nonzero(crest)
            crest_box = [[cx.min(), cy.min(), cx.max() + 1, cy.max() + 1]]
            assert box_iou(crest_box, [box])[0, 0] < 0.2
            for part in ('body', 'head', 'tail', 'legs'):
                assert (obj & (parts == PART_LABELS[part])).any()
        # the skin is orange, the background is not
        hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
        orange = (hsv[..., 0] >= 4) & (hsv[..., 0] <= 18) & \
            (hsv[..., 1] > 120) & (hsv[..., 2] > 120)
        body = parts == PART_LABELS['body']
        assert orange[body].mean() > 0.5
        assert orange[inst == 0].mean() < 0.02
    assert len(sizes) > 8  # varied, non-square sizes
    assert any(h != w for h, w in sizes)
    assert num_boxes >= len(train)


def test_dataset_pipeline(synthetic_root):
    ds = SyntheticWSOL(
        synthetic_root,
        split='val',
        num_train=16,
        num_val=8,
        num_test=8,
        seed=3,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='WSOLResize', scale=(146, 146)),
            dict(type='WSOLRandomCrop', crop_size=128),
            dict(type='WSOLRandomFlip', prob=0.5),
            dict(type='PackWSOLInputs')
        ])
    out = ds[0]
    assert tuple(out['inputs'].shape) == (3, 128, 128)
    sample = out['data_samples']
    info = ds.get_data_info(0)
    np.testing.assert_array_equal(sample.gt_bboxes.numpy(), info['gt_bboxes'])
    assert sample.ori_shape == info['ori_shape']


def test_skin_cue_variant(tmp_path):
    """The richer variant writes the class on the skin and nothing else:
    the same geometry, crest and background as the reference, different
    spot colours only, and the reference's meta stays as it was."""
    from fam_mm.datasets.synthetic_generator import draw_sample
    ref = draw_sample(0, 'val', 7, 2)
    skin = draw_sample(0, 'val', 7, 2, skin_cue=True)
    assert np.array_equal(ref['instance_mask'], skin['instance_mask'])
    assert np.array_equal(ref['part_mask'], skin['part_mask'])
    changed = np.abs(ref['img'].astype(int) - skin['img']).max(-1) > 12
    parts = skin['part_mask'][changed]
    assert changed.sum() > 20
    # only spots of the body, head and tail changed (noise aside)
    body_like = {PART_LABELS[k] for k in ('body', 'head', 'tail')}
    assert np.isin(parts, list(body_like)).mean() > 0.98
    # two classes with another crest colour get other spot colours
    other = draw_sample(0, 'val', 7, 3, skin_cue=True)
    assert not np.array_equal(other['img'][changed], skin['img'][changed])
    ref_meta = generate_synthetic_wsol(str(tmp_path / 'ref'), **TINY)
    assert 'skin_cue' not in ref_meta['params']
    skin_meta = generate_synthetic_wsol(str(tmp_path / 'skin'),
                                        **dict(TINY, skin_cue=True))
    assert skin_meta['params']['skin_cue'] is True
