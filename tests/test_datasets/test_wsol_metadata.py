import os.path as osp
import time

import numpy as np
import pytest

from fam_mm.datasets import (
    AnnotationError,
    WSOLMetadataDataset,
    load_wsol_metadata,
)


@pytest.mark.parametrize('split,num', [('train', 5994), ('val', 1000),
                                       ('test', 5794)])
def test_real_cub_metadata(metadata_root, split, num):
    ds = WSOLMetadataDataset(
        data_root='data/CUB',
        metadata_root=osp.join(metadata_root, 'CUB'),
        split=split,
        annotation_only=True)
    assert len(ds) == num
    labels = ds.get_gt_labels()
    assert labels.min() == 0 and labels.max() == 199
    info = ds.get_data_info(0)
    assert info['gt_bboxes'].shape == (1, 4)
    assert info['gt_bboxes'].dtype == np.float32
    assert info['img_path'].startswith(osp.join('data', 'CUB'))
    if split == 'test':
        # 001.Black_footed_Albatross/Black_Footed_Albatross_0046_18.jpg
        assert info['img_id'].endswith('Black_Footed_Albatross_0046_18.jpg')
        assert info['ori_shape'] == (335, 500)
        np.testing.assert_array_equal(info['gt_bboxes'], [[60, 27, 385, 331]])


def test_real_ilsvrc_metadata(metadata_root):
    root = osp.join(metadata_root, 'ILSVRC')
    start = time.time()
    test = WSOLMetadataDataset(
        data_root='data/imagenet',
        metadata_root=root,
        split='test',
        annotation_only=True)
    elapsed = time.time() - start
    assert len(test) == 50000
    assert elapsed < 20, f'parsing 50k images took {elapsed:.1f} s'
    counts = [len(test.get_data_info(i)['gt_bboxes']) for i in range(2000)]
    assert max(counts) > 1  # several boxes per image
    info = test.get_data_info(1)
    assert info['img_id'] == 'val/ILSVRC2012_val_00000002.JPEG'
    assert info['gt_label'] == 970
    assert info['ori_shape'] == (375, 500)
    np.testing.assert_array_equal(info['gt_bboxes'],
                                  [[45, 49, 499, 162], [2, 69, 437, 207]])

    records = load_wsol_metadata(osp.join(root, 'test'))
    assert sum(len(r['gt_bboxes']) for r in records) == 80477
    val = load_wsol_metadata(osp.join(root, 'val'))
    assert len(val) == 10000
    assert sum(len(r['gt_bboxes']) for r in val) == 18532
    assert max(len(r['gt_bboxes']) for r in val) > 1


@pytest.fixture
def make_split(write_image, write_lines):
    """``make_split(root, ...)`` writes a 3-image metadata split."""

    def make(root, images=True, boxes=None, sizes=None):
        return _make_split(write_image, write_lines, root, images, boxes,
                           sizes)

    return make


def _make_split(write_image, write_lines, root, images, boxes, sizes):
    data = osp.join(root, 'images')
    meta = osp.join(root, 'meta')
    ids = ['a/1.png', 'a/2.png', 'b/3.png']
    sizes = sizes or {
        'a/1.png': (40, 30),
        'a/2.png': (50, 20),
        'b/3.png': (32, 32)
    }
    boxes = boxes or [
        'a/1.png,1,2,30,25', 'a/2.png,0,0,50,20', 'a/2.png,5,5,10,10',
        'b/3.png,3,4,20,31'
    ]
    write_lines(osp.join(meta, 'test', 'image_ids.txt'), ids)
    write_lines(
        osp.join(meta, 'test', 'class_labels.txt'),
        ['a/1.png,0', 'a/2.png,0', 'b/3.png,1'])
    write_lines(
        osp.join(meta, 'test', 'image_sizes.txt'),
        [f'{i},{w},{h}' for i, (w, h) in sizes.items()])
    write_lines(osp.join(meta, 'test', 'localization.txt'), boxes)
    if images:
        for image_id, (w, h) in sizes.items():
            write_image(osp.join(data, image_id), w, h)
    return data, meta


def test_tiny_split_with_pipeline(tmp_path, make_split):
    data, meta = make_split(str(tmp_path))
    ds = WSOLMetadataDataset(
        data_root=data,
        metadata_root=meta,
        classes=['cat', 'dog'],
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='WSOLResize', scale=(16, 8)),
            dict(type='PackWSOLInputs')
        ])
    assert len(ds) == 3 and ds.CLASSES == ('cat', 'dog')
    out = ds[1]
    assert tuple(out['inputs'].shape) == (3, 8, 16)
    sample = out['data_samples']
    assert sample.ori_shape == (20, 50)
    assert sample.img_shape == (8, 16)
    np.testing.assert_allclose(sample.gt_bboxes.numpy(),
                               [[0, 0, 50, 20], [5, 5, 10, 10]])
    np.testing.assert_allclose(
        sample.img_gt_bboxes.numpy(), [[0, 0, 16, 8], [1.6, 2, 3.2, 4]],
        rtol=1e-5)
    assert sample.img_id == 'a/2.png'
    assert ds.get_data_info(0)['ori_shape'] == (30, 40)


def test_optional_files(tmp_path, make_split):
    data, meta = make_split(str(tmp_path))
    import os
    os.remove(osp.join(meta, 'test', 'localization.txt'))
    os.remove(osp.join(meta, 'test', 'image_sizes.txt'))
    ds = WSOLMetadataDataset(data_root=data, metadata_root=meta)
    info = ds.get_data_info(0)
    assert info['gt_bboxes'].shape == (0, 4) and info['ori_shape'] is None


@pytest.mark.parametrize('file,lines,match', [
    ('class_labels.txt', ['a/1.png,0', 'a/2.png;0', 'b/3.png,1'
                          ], r'class_labels.txt, line 2: malformed line'),
    ('class_labels.txt', ['a/1.png,0', 'a/2.png,x', 'b/3.png,1'
                          ], r'class_labels.txt, line 2: cannot parse'),
    ('class_labels.txt', ['a/1.png,0', 'a/9.png,0', 'b/3.png,1'],
     r"class_labels.txt, line 2: unknown image id 'a/9.png'"),
    ('class_labels.txt', ['a/1.png,0', 'b/3.png,1'],
     r"image_ids.txt, line 2: image 'a/2.png' has no class label"),
    ('image_ids.txt', ['a/1.png', 'a/2.png', 'a/1.png'
                       ], r'image_ids.txt, line 3: duplicate image id'),
    ('image_sizes.txt', ['a/1.png,40,30', 'a/2.png,50', 'b/3.png,32,32'
                         ], r'image_sizes.txt, line 2: malformed'),
    ('localization.txt', [
        'a/1.png,1,2,30,25', 'a/2.png,0,0,50,20', 'b/3.png,3,4,20,34'
    ], r'localization.txt, line 3: box \(3, 4, 20, 34\) lies outside its '
     r'32x32'),
    ('localization.txt', [
        'a/1.png,1,2,30,25', 'a/2.png,9,0,9,20', 'b/3.png,3,4,20,31'
    ], r'localization.txt, line 2: empty box'),
    ('localization.txt', ['a/1.png,1,2,30,25', 'b/3.png,3,4,20,31'],
     r"image_ids.txt, line 2: image 'a/2.png' has no box"),
    ('localization.txt', [
        'a/1.png,1,2,30,25', 'a/2.png,0,0,50,20', 'c/3.png,3,4,20,31'
    ], r"localization.txt, line 3: unknown image id 'c/3.png'"),
])
def test_annotation_errors(tmp_path, make_split, write_lines, file, lines,
                           match):
    data, meta = make_split(str(tmp_path), images=False)
    write_lines(osp.join(meta, 'test', file), lines)
    with pytest.raises(AnnotationError, match=match):
        WSOLMetadataDataset(
            data_root=data, metadata_root=meta, annotation_only=True)


def test_box_tolerance(tmp_path, make_split):
    # one pixel beyond the image (inclusive conventions) is accepted
    data, meta = make_split(
        str(tmp_path),
        images=False,
        boxes=['a/1.png,-1,0,41,31', 'a/2.png,0,0,50,20', 'b/3.png,0,0,1,1'])
    ds = WSOLMetadataDataset(
        data_root=data, metadata_root=meta, annotation_only=True)
    assert len(ds) == 3


def test_missing_image_and_split(tmp_path, make_split):
    data, meta = make_split(str(tmp_path))
    import os
    os.remove(osp.join(data, 'a', '2.png'))
    with pytest.raises(
            FileNotFoundError, match=r'2.png.*image_ids.txt, line 2.*1 of 3'):
        WSOLMetadataDataset(data_root=data, metadata_root=meta)
    ds = WSOLMetadataDataset(
        data_root=data, metadata_root=meta, annotation_only=True)
    assert len(ds) == 3
    with pytest.raises(FileNotFoundError, match=r"split 'val'.*\['test'\]"):
        WSOLMetadataDataset(data_root=data, metadata_root=meta, split='val')


def test_label_out_of_range(tmp_path, make_split):
    data, meta = make_split(str(tmp_path), images=False)
    with pytest.raises(
            AnnotationError,
            match=r'class_labels.txt, line 3: .* out of range for 1 classes'):
        WSOLMetadataDataset(
            data_root=data,
            metadata_root=meta,
            annotation_only=True,
            classes=['only'])


def test_empty_split(tmp_path, make_split):
    """A split that lists no image fails naming image_ids.txt (mmengine
    would fail later with "need at least one array to concatenate")."""
    data, meta = make_split(str(tmp_path), images=False)
    for name in ('image_ids.txt', 'class_labels.txt', 'image_sizes.txt',
                 'localization.txt'):
        open(osp.join(meta, 'test', name), 'w').close()
    with pytest.raises(
            AnnotationError, match=r"test/image_ids.txt: no image in split "
            r"'test'$"):
        WSOLMetadataDataset(
            data_root=data, metadata_root=meta, annotation_only=True)
