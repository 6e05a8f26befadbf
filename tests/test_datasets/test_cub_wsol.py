import os
import os.path as osp

import numpy as np
import pytest

from fam_mm.datasets import CUBWSOL, AnnotationError

IMAGES = [
    # id, path, class (1-based), is_train, (w, h), box x y w h
    (1, '001.Albatross/a_1.jpg', 1, 1, (60, 40), '2.0 3.0 40.0 30.0'),
    (2, '001.Albatross/a_2.jpg', 1, 0, (50, 50), '0.0 0.0 50.0 50.0'),
    (3, '002.Auklet/b_1.jpg', 2, 1, (40, 64), '10.5 20.0 20.0 40.0'),
    (4, '002.Auklet/b_2.jpg', 2, 0, (30, 30), '1.0 1.0 5.0 6.0'),
]


@pytest.fixture
def cub_root(tmp_path, write_image, write_lines):
    root = str(tmp_path / 'CUB_200_2011')
    write_lines(
        osp.join(root, 'images.txt'), [f'{i} {p}' for i, p, *_ in IMAGES])
    write_lines(
        osp.join(root, 'image_class_labels.txt'),
        [f'{i} {c}' for i, _, c, *_ in IMAGES])
    write_lines(
        osp.join(root, 'train_test_split.txt'),
        [f'{i} {t}' for i, _, _, t, *_ in IMAGES])
    write_lines(
        osp.join(root, 'bounding_boxes.txt'),
        [f'{i} {b}' for i, *_, b in IMAGES])
    write_lines(
        osp.join(root, 'classes.txt'), ['1 001.Albatross', '2 002.Auklet'])
    for _, path, _, _, (w, h), _ in IMAGES:
        write_image(osp.join(root, 'images', path), w, h)
    return root


def test_cub_splits(cub_root):
    train = CUBWSOL(cub_root, split='train')
    test = CUBWSOL(cub_root, split='test')
    assert len(train) == 2 and len(test) == 2
    assert train.CLASSES == ('001.Albatross', '002.Auklet')
    info = train.get_data_info(1)
    assert info['img_id'] == '002.Auklet/b_1.jpg'
    assert info['img_path'] == osp.join(cub_root, 'images',
                                        '002.Auklet/b_1.jpg')
    assert info['gt_label'] == 1
    assert info['ori_shape'] == (64, 40)
    np.testing.assert_allclose(info['gt_bboxes'], [[10.5, 20, 30.5, 60]])
    assert test.get_data_info(0)['gt_label'] == 0


def test_cub_pipeline(cub_root):
    ds = CUBWSOL(
        cub_root,
        split='train',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='WSOLResize', scale=(30, 20)),
            dict(type='PackWSOLInputs')
        ])
    sample = ds[0]['data_samples']
    np.testing.assert_allclose(sample.gt_bboxes.numpy(), [[2, 3, 42, 33]])
    np.testing.assert_allclose(sample.img_gt_bboxes.numpy(),
                               [[1, 1.5, 21, 16.5]])


def test_cub_annotation_only(cub_root):
    for _, path, *_ in IMAGES:
        os.remove(osp.join(cub_root, 'images', path))
    with pytest.raises(
            FileNotFoundError, match=r'a_1.jpg.*images.txt, line 1'):
        CUBWSOL(cub_root, split='train')
    ds = CUBWSOL(cub_root, split='test', annotation_only=True)
    assert len(ds) == 2 and ds.get_data_info(0)['ori_shape'] is None


@pytest.mark.parametrize('file,line,match', [
    ('bounding_boxes.txt', '3 10.5 20.0 35.0 40.0',
     r'bounding_boxes.txt, line 3: box .* outside its 40x64'),
    ('bounding_boxes.txt', '3 10.5 20.0 0.0 40.0',
     r'bounding_boxes.txt, line 3: empty box'),
    ('bounding_boxes.txt', '3 10.5 20.0 4.0',
     r'bounding_boxes.txt, line 3: malformed line'),
    ('bounding_boxes.txt', '7 10.5 20.0 4.0 4.0',
     r"bounding_boxes.txt, line 3: unknown image id '7'"),
    ('image_class_labels.txt', '3 two',
     r"image_class_labels.txt, line 3: cannot parse 'two'"),
    ('train_test_split.txt', '3 2',
     r'train_test_split.txt, line 3: is_training_image must be 0 or 1'),
])
def test_cub_errors(cub_root, file, line, match):
    path = osp.join(cub_root, file)
    lines = open(path).read().splitlines()
    lines[2] = line
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with pytest.raises(AnnotationError, match=match):
        CUBWSOL(cub_root, split='train')


def test_cub_missing_entry(cub_root):
    path = osp.join(cub_root, 'bounding_boxes.txt')
    lines = open(path).read().splitlines()
    with open(path, 'w') as f:
        f.write('\n'.join(lines[:3]) + '\n')
    with pytest.raises(
            AnnotationError,
            match=r"images.txt, line 4: image id '4' has no entry"):
        CUBWSOL(cub_root, split='test')


def test_cub_label_out_of_range_names_the_line(cub_root):
    path = osp.join(cub_root, 'image_class_labels.txt')
    lines = open(path).read().splitlines()
    lines[2] = '3 3'  # 3 classes, classes.txt lists 2
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with pytest.raises(
            AnnotationError,
            match=r'image_class_labels.txt, line 3: class id 3 is out of '
            r'range for 2 classes'):
        CUBWSOL(cub_root, split='train')


def test_cub_without_classes_txt(cub_root):
    """Without classes.txt, a CUB-layout dataset of 2 classes fails instead
    of silently taking CUB-200-2011's 200 bird names; with classes given it
    loads."""
    os.remove(osp.join(cub_root, 'classes.txt'))
    with pytest.raises(
            AnnotationError,
            match=r"classes.txt: no classes.txt, and the train split uses 2 "
            r"class ids \(up to 2\), not CUB-200-2011's 200"):
        CUBWSOL(cub_root, split='train')
    ds = CUBWSOL(cub_root, split='train', classes=['a', 'b'])
    assert ds.CLASSES == ('a', 'b')


def test_cub_empty_split(cub_root):
    path = osp.join(cub_root, 'train_test_split.txt')
    with open(path, 'w') as f:
        f.write('\n'.join(f'{i} 0' for i, *_ in IMAGES) + '\n')
    with pytest.raises(
            AnnotationError,
            match=r"images.txt: no image in split 'train' \(train_test_split"
            r".txt marks no image as train\)"):
        CUBWSOL(cub_root, split='train')
