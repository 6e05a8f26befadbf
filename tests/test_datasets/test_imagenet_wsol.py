import os.path as osp

import numpy as np
import pytest

from fam_mm.datasets import AnnotationError, ImageNetWSOL

XML = """<annotation>
  <folder>val</folder>
  <filename>{stem}</filename>
  <size>
    <width>{w}</width>
    <height>{h}</height>
    <depth>3</depth>
  </size>
{objects}</annotation>
"""
OBJECT = """  <object>
    <name>{name}</name>
    <bndbox>
      <xmin>{box[0]}</xmin>
      <ymin>{box[1]}</ymin>
      <xmax>{box[2]}</xmax>
      <ymax>{box[3]}</ymax>
    </bndbox>
  </object>
"""


def write_xml(path, stem, w, h, objects):
    with open(path, 'w') as f:
        f.write(
            XML.format(
                stem=stem,
                w=w,
                h=h,
                objects=''.join(
                    OBJECT.format(name=n, box=b) for n, b in objects)))


@pytest.fixture
def imagenet_root(tmp_path, write_image):
    root = str(tmp_path / 'imagenet')
    for wnid, n in (('n01440764', 2), ('n01443537', 1), ('n01484850', 1)):
        for k in range(n):
            write_image(
                osp.join(root, 'train', wnid, f'{wnid}_{k}.JPEG'), 20, 16)
    val = [
        ('ILSVRC2012_val_00000001', 40, 30, [('n01484850', (1, 2, 30, 25)),
                                             ('n01484850', (0, 0, 39, 29))]),
        ('ILSVRC2012_val_00000002', 24, 32, [('n01440764', (3, 4, 20, 31))]),
    ]
    for stem, w, h, objects in val:
        write_image(osp.join(root, 'val', stem + '.JPEG'), w, h)
        write_xml(osp.join(root, 'val', stem + '.xml'), stem, w, h, objects)
    return root


def test_imagenet_train(imagenet_root):
    ds = ImageNetWSOL(imagenet_root, split='train')
    assert ds.CLASSES == ('n01440764', 'n01443537', 'n01484850')
    assert len(ds) == 4
    assert ds.get_gt_labels().tolist() == [0, 0, 1, 2]
    info = ds.get_data_info(0)
    assert info['img_id'] == 'train/n01440764/n01440764_0.JPEG'
    assert info['gt_bboxes'].shape == (0, 4)


def test_imagenet_val(imagenet_root):
    ds = ImageNetWSOL(
        imagenet_root,
        split='val',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='WSOLResize', scale=(20, 15)),
            dict(type='PackWSOLInputs')
        ])
    assert len(ds) == 2
    info = ds.get_data_info(0)
    assert info['img_id'] == 'val/ILSVRC2012_val_00000001.JPEG'
    assert info['gt_label'] == 2
    assert info['ori_shape'] == (30, 40)
    np.testing.assert_array_equal(info['gt_bboxes'],
                                  [[1, 2, 30, 25], [0, 0, 39, 29]])
    sample = ds[0]['data_samples']
    np.testing.assert_allclose(sample.img_gt_bboxes.numpy()[0],
                               [0.5, 1, 15, 12.5])
    assert ds.get_data_info(1)['gt_label'] == 0


def test_imagenet_classes_file_and_val_only(imagenet_root, tmp_path,
                                            write_lines):
    classes = str(tmp_path / 'wnids.txt')
    write_lines(classes, ['n01484850 great white shark', 'n01440764 tench'])
    ds = ImageNetWSOL(imagenet_root, split='val', classes=classes)
    assert ds.get_gt_labels().tolist() == [0, 1]
    # val only: the class order comes from the XML files
    import shutil
    shutil.rmtree(osp.join(imagenet_root, 'train'))
    ds = ImageNetWSOL(imagenet_root, split='val')
    assert ds.CLASSES == ('n01440764', 'n01484850')


def test_imagenet_errors(imagenet_root):
    path = osp.join(imagenet_root, 'val', 'ILSVRC2012_val_00000002.xml')
    write_xml(path, 'x', 24, 32, [('n01440764', (3, 4, 26, 31))])
    with pytest.raises(
            AnnotationError, match=r'00000002.xml, line 11: box .* outside'):
        ImageNetWSOL(imagenet_root, split='val')
    write_xml(path, 'x', 24, 32, [('n09999999', (3, 4, 20, 31))])
    with pytest.raises(
            AnnotationError, match=r"00000002.xml, line 10: unknown class"):
        ImageNetWSOL(imagenet_root, split='val')
    with open(path, 'w') as f:
        f.write('<annotation>\n<object>\n</annotation>\n')
    with pytest.raises(
            AnnotationError, match=r'00000002.xml, line 3: '
            'malformed XML'):
        ImageNetWSOL(imagenet_root, split='val')
    write_xml(path, 'x', 24, 32, [('n01440764', (3, 4, 'abc', 31))])
    with pytest.raises(AnnotationError, match=r"line 14: <xmax> is 'abc'"):
        ImageNetWSOL(imagenet_root, split='val')


def test_imagenet_missing_image(imagenet_root):
    import os
    os.remove(osp.join(imagenet_root, 'val', 'ILSVRC2012_val_00000002.JPEG'))
    with pytest.raises(FileNotFoundError, match=r'00000002.*00000002.xml'):
        ImageNetWSOL(imagenet_root, split='val')
    ds = ImageNetWSOL(imagenet_root, split='val', annotation_only=True)
    assert ds.get_data_info(1)['img_id'] == 'val/ILSVRC2012_val_00000002.JPEG'
