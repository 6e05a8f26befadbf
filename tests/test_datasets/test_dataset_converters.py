"""The scripts in tools/dataset_converters, run on tiny generated layouts."""
import importlib.util
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from fam_mm.datasets import WSOLMetadataDataset

TOOLS = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools',
    'dataset_converters')


def load_tool(name):
    spec = importlib.util.spec_from_file_location(
        f'_tool_{name}', osp.join(TOOLS, f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def cub_root(tmp_path, write_image, write_lines):
    root = str(tmp_path / 'CUB_200_2011')
    images = [(1, '001.A/a1.jpg', 1, 1, (60, 40), '2 3 40 30'),
              (2, '001.A/a2.jpg', 1, 0, (50, 50), '0 0 50 50'),
              (3, '002.B/b1.jpg', 2, 0, (40, 64), '10.5 20 20 40')]
    write_lines(
        osp.join(root, 'images.txt'), [f'{i} {p}' for i, p, *_ in images])
    write_lines(
        osp.join(root, 'image_class_labels.txt'),
        [f'{i} {c}' for i, _, c, *_ in images])
    write_lines(
        osp.join(root, 'train_test_split.txt'),
        [f'{i} {t}' for i, _, _, t, *_ in images])
    write_lines(
        osp.join(root, 'bounding_boxes.txt'),
        [f'{i} {b}' for i, *_, b in images])
    write_lines(osp.join(root, 'classes.txt'), ['1 001.A', '2 002.B'])
    for _, path, _, _, (w, h), _ in images:
        write_image(osp.join(root, 'images', path), w, h)
    return root


def test_prepare_cub(cub_root, tmp_path, capsys):
    tool = load_tool('prepare_cub')
    out = str(tmp_path / 'meta')
    assert tool.main([cub_root, '--out-dir', out]) == 0
    ds = WSOLMetadataDataset(
        data_root=osp.join(cub_root, 'images'),
        metadata_root=out,
        split='test')
    assert ds.CLASSES == ('001.A', '002.B')
    assert len(ds) == 2
    info = ds.get_data_info(1)
    assert info['img_id'] == '002.B/b1.jpg' and info['gt_label'] == 1
    assert info['ori_shape'] == (64, 40)
    np.testing.assert_allclose(info['gt_bboxes'], [[10.5, 20, 30.5, 60]])
    assert len(
        WSOLMetadataDataset(
            data_root=osp.join(cub_root, 'images'),
            metadata_root=out,
            split='train')) == 1


def test_prepare_cub_reports_missing(cub_root, tmp_path, capsys):
    tool = load_tool('prepare_cub')
    os.remove(osp.join(cub_root, 'images', '001.A', 'a2.jpg'))
    assert tool.main([cub_root, '--check-only']) == 1
    out = capsys.readouterr().out
    assert 'error: 1 of 3 image files are missing' in out and 'a2.jpg' in out
    meta = str(tmp_path / 'meta')
    assert tool.main([cub_root, '--skip-missing', '--out-dir', meta]) == 0
    assert len(
        WSOLMetadataDataset(
            data_root=osp.join(cub_root, 'images'),
            metadata_root=meta,
            split='test')) == 1
    os.remove(osp.join(cub_root, 'bounding_boxes.txt'))
    assert tool.main([cub_root, '--check-only']) == 1
    assert 'missing annotation file' in capsys.readouterr().out


def test_prepare_cub_reports_bad_box(cub_root, capsys):
    tool = load_tool('prepare_cub')
    with open(osp.join(cub_root, 'bounding_boxes.txt'), 'a') as f:
        f.write('3 1 1 1\n')
    assert tool.main([cub_root, '--check-only']) == 1
    assert 'bounding_boxes.txt, line 4: malformed line' in \
        capsys.readouterr().out


def test_prepare_cub_check_only_decodes_images(cub_root, capsys):
    """A truncated JPEG (valid header) fails --check-only; reading the
    headers alone (--header-only) would let it through to training."""
    tool = load_tool('prepare_cub')
    path = osp.join(cub_root, 'images', '002.B', 'b1.jpg')
    # noise: the header is a small part of the file, the cut keeps it whole
    noise = np.random.default_rng(0).integers(0, 255, (64, 40, 3), np.uint8)
    assert cv2.imwrite(path, noise)
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) * 3 // 4])
    assert tool.main([cub_root, '--check-only']) == 1
    out = capsys.readouterr().out
    assert 'error: 1 image files cannot be read' in out and 'b1.jpg' in out
    assert 'truncated' in out.lower()
    assert tool.main([cub_root, '--check-only', '--header-only']) == 0
    assert 'layout OK' in capsys.readouterr().out


XML = ('<annotation><filename>{stem}</filename>\n<size><width>{w}</width>'
       '<height>{h}</height></size>\n{objects}</annotation>\n')
OBJECT = ('<object><name>{name}</name>\n<bndbox><xmin>{b[0]}</xmin>'
          '<ymin>{b[1]}</ymin><xmax>{b[2]}</xmax><ymax>{b[3]}</ymax>'
          '</bndbox></object>\n')


@pytest.fixture
def imagenet_root(tmp_path, write_image):
    root = str(tmp_path / 'imagenet')
    for wnid in ('n02', 'n01'):
        write_image(osp.join(root, 'train', wnid, f'{wnid}_1.JPEG'), 20, 16)
    val = [('ILSVRC2012_val_00000001', 40, 30, [('n02', (1, 2, 30, 25)),
                                                ('n02', (0, 0, 39, 29))]),
           ('ILSVRC2012_val_00000002', 24, 32, [('n01', (3, 4, 20, 31))])]
    for stem, w, h, objects in val:
        write_image(osp.join(root, 'val', stem + '.JPEG'), w, h)
        with open(osp.join(root, 'val', stem + '.xml'), 'w') as f:
            f.write(
                XML.format(
                    stem=stem,
                    w=w,
                    h=h,
                    objects=''.join(
                        OBJECT.format(name=n, b=b) for n, b in objects)))
    return root


def test_prepare_imagenet_boxes(imagenet_root, tmp_path, capsys):
    tool = load_tool('prepare_imagenet_boxes')
    out = str(tmp_path / 'meta')
    assert tool.main([imagenet_root, '--out-dir', out, '--train-sizes']) == 0
    assert '2 classes, 2 training images, 2 validation images with 3 ' \
        'boxes' in capsys.readouterr().out
    test = WSOLMetadataDataset(
        data_root=imagenet_root, metadata_root=out, split='test')
    assert test.CLASSES == ('n01', 'n02')
    info = test.get_data_info(0)
    assert info['img_id'] == 'val/ILSVRC2012_val_00000001.JPEG'
    assert info['gt_label'] == 1 and info['ori_shape'] == (30, 40)
    np.testing.assert_array_equal(info['gt_bboxes'],
                                  [[1, 2, 30, 25], [0, 0, 39, 29]])
    train = WSOLMetadataDataset(
        data_root=imagenet_root, metadata_root=out, split='train')
    assert train.get_gt_labels().tolist() == [0, 1]
    assert train.get_data_info(0)['ori_shape'] == (16, 20)


def test_prepare_imagenet_boxes_reports_problems(imagenet_root, capsys):
    tool = load_tool('prepare_imagenet_boxes')
    os.remove(osp.join(imagenet_root, 'val', 'ILSVRC2012_val_00000002.JPEG'))
    os.remove(osp.join(imagenet_root, 'val', 'ILSVRC2012_val_00000001.xml'))
    assert tool.main([imagenet_root, '--check-only']) == 1
    out = capsys.readouterr().out
    assert 'error: 1 box file(s) without an image' in out
    assert 'warning: 1 validation image(s) without a box file' in out
    with open(
            osp.join(imagenet_root, 'val', 'ILSVRC2012_val_00000002.xml'),
            'w') as f:
        f.write('<annotation>\n<object>\n')
    assert tool.main([imagenet_root, '--check-only']) == 1
    assert 'malformed XML' in capsys.readouterr().out
    assert tool.main([str(imagenet_root) + '_nothing', '--check-only']) == 1
    assert 'missing train folder' in capsys.readouterr().out


def test_generate_synthetic(tmp_path, capsys):
    tool = load_tool('generate_synthetic')
    out = str(tmp_path / 'synth')
    preview = str(tmp_path / 'preview.png')
    args = [
        '--out-dir', out, '--num-train', '8', '--num-val', '2', '--num-test',
        '2', '--num-classes', '4', '--preview', preview
    ]
    assert tool.main(args) == 0
    assert 'train 8 images' in capsys.readouterr().out
    assert osp.getsize(preview) > 0
    assert tool.main(args[:-2]) == 0
    assert 'already up to date' in capsys.readouterr().out
    ds = WSOLMetadataDataset(
        data_root=osp.join(out, 'images'),
        metadata_root=osp.join(out, 'metadata'),
        split='val')
    assert len(ds) == 2 and len(ds.CLASSES) == 4
