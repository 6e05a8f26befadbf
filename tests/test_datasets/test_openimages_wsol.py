"""OpenImagesWSOL: the shared metadata parses whole; masks load for PxAP."""
import os.path as osp

import cv2
import numpy as np
import pytest

from fam_mm.datasets import AnnotationError, OpenImagesWSOL
from fam_mm.datasets.transforms import LoadWSOLMasks, PackWSOLInputs


@pytest.mark.parametrize('split,num,with_masks', [('train', 29819, False),
                                                  ('val', 2500, True),
                                                  ('test', 5000, True)])
def test_shared_metadata_parses_whole(metadata_root, split, num, with_masks):
    root = osp.join(metadata_root, 'OpenImages')
    dataset = OpenImagesWSOL(
        data_root='/nonexistent/OpenImages',
        metadata_root=root,
        split=split,
        annotation_only=True)
    assert len(dataset) == num
    labels = {dataset.get_data_info(i)['gt_label'] for i in range(num)}
    assert labels == set(range(100))
    lines = [line.rstrip('\n').split(',') for line in open(
        osp.join(root, split, 'localization.txt')) if line.strip()]
    infos = [dataset.get_data_info(i) for i in range(num)]
    if not with_masks:
        assert all('mask_paths' not in info for info in infos)
        return
    assert sum(len(info['mask_paths']) for info in infos) == len(lines)
    assert all(info['mask_paths'] for info in infos)
    assert all('gt_bboxes' not in info for info in infos)
    first = infos[0]
    row = [r for r in lines if r[0] == first['img_id']]
    assert first['mask_paths'] == [
        osp.join('/nonexistent/OpenImages', r[1]) for r in row]
    assert first['ignore_path'] == osp.join('/nonexistent/OpenImages',
                                            row[0][2])


def _layout(tmp_path, write_lines, write_image, loc_lines):
    meta = tmp_path / 'meta'
    write_lines(str(meta / 'val' / 'image_ids.txt'), ['val/a/1.jpg'])
    write_lines(str(meta / 'val' / 'class_labels.txt'), ['val/a/1.jpg,0'])
    write_lines(str(meta / 'val' / 'image_sizes.txt'), [])
    write_lines(str(meta / 'val' / 'localization.txt'), loc_lines)
    write_image(str(tmp_path / 'val' / 'a' / '1.jpg'), 8, 6)
    return str(meta)


def test_masks_load_and_pack(tmp_path, write_lines, write_image):
    meta = _layout(tmp_path, write_lines, write_image, [
        'val/a/1.jpg,val/a/1_m1.png,val/a/1_ignore.png',
        'val/a/1.jpg,val/a/1_m2.png,'
    ])
    m1 = np.zeros((6, 8), np.uint8)
    m1[0:2, 0:2] = 255
    m2 = np.zeros((6, 8), np.uint8)
    m2[4:6, 6:8] = 1
    ignore = np.zeros((6, 8), np.uint8)
    ignore[0:3, 0:3] = 255
    for name, mask in (('1_m1', m1), ('1_m2', m2), ('1_ignore', ignore)):
        cv2.imwrite(str(tmp_path / 'val' / 'a' / f'{name}.png'), mask)
    dataset = OpenImagesWSOL(
        data_root=str(tmp_path), metadata_root=meta, split='val')
    info = dataset.get_data_info(0)
    results = dict(info, ori_shape=(6, 8), img=np.zeros((6, 8, 3), np.uint8))
    results = LoadWSOLMasks()(results)
    np.testing.assert_array_equal(results['gt_masks'], (m1 > 0) | (m2 > 0))
    assert results['ignore_mask'].dtype == bool
    assert results['ignore_mask'].sum() == 9
    packed = PackWSOLInputs()(results)['data_samples']
    assert packed.gt_masks.shape == (6, 8)
    assert packed.ignore_mask.dtype.is_floating_point is False


def test_bad_metadata_names_file_and_line(tmp_path, write_lines, write_image):
    meta = _layout(tmp_path, write_lines, write_image,
                   ['val/a/1.jpg,val/a/1_m1.png,i.png', 'val/a/1.jpg,,'])
    with pytest.raises(AnnotationError, match=r'localization.txt, line 2'):
        OpenImagesWSOL(
            data_root=str(tmp_path), metadata_root=meta, split='val',
            annotation_only=True)
    meta = _layout(tmp_path, write_lines, write_image,
                   ['val/a/1.jpg,m1.png,i.png', 'val/a/1.jpg,m2.png,j.png'])
    with pytest.raises(AnnotationError, match='second ignore path'):
        OpenImagesWSOL(
            data_root=str(tmp_path), metadata_root=meta, split='val',
            annotation_only=True)


def test_missing_mask_file_is_named(tmp_path, write_lines, write_image):
    meta = _layout(tmp_path, write_lines, write_image,
                   ['val/a/1.jpg,val/a/missing.png,'])
    dataset = OpenImagesWSOL(
        data_root=str(tmp_path), metadata_root=meta, split='val')
    with pytest.raises(FileNotFoundError, match='missing.png'):
        LoadWSOLMasks()(dict(dataset.get_data_info(0), ori_shape=(6, 8)))
