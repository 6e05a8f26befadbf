"""check_train_fullsup: the wsolevaluation val split's images, and the
dataset-preparation tools' ``--wsol-metadata`` check."""
import importlib.util
import os
import os.path as osp

import pytest

from fam_mm.datasets.train_fullsup import check_train_fullsup


def _converter_tests():
    path = osp.join(osp.dirname(__file__), 'test_dataset_converters.py')
    spec = importlib.util.spec_from_file_location('_converter_tests', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_conv = _converter_tests()
# the tiny CUB / ILSVRC layouts of the converter tests
cub_root = _conv.cub_root
imagenet_root = _conv.imagenet_root


def _metadata(root, ids):
    split = osp.join(root, 'val')
    os.makedirs(split)
    with open(osp.join(split, 'image_ids.txt'), 'w') as f:
        f.write('\n'.join(ids) + '\n')
    with open(osp.join(split, 'class_labels.txt'), 'w') as f:
        f.write('\n'.join(f'{i},0' for i in ids) + '\n')


def test_all_present_some_missing_and_no_metadata(tmp_path):
    meta, images = str(tmp_path / 'meta'), str(tmp_path / 'images')
    ids = ['001.A/1.jpg', '001.A/2.jpg', '002.B/3.jpg']
    _metadata(meta, ids)
    for i in ids[:2]:
        os.makedirs(osp.dirname(osp.join(images, i)), exist_ok=True)
        open(osp.join(images, i), 'wb').close()
    num, problems = check_train_fullsup(meta, images, 'CUB')
    assert num == 3 and len(problems) == 1
    assert '1 of 3 train-fullsup (val) images' in problems[0]
    assert osp.join(images, '002.B/3.jpg') in problems[0]
    assert 'CUBV2' in problems[0]
    os.makedirs(osp.join(images, '002.B'))
    open(osp.join(images, '002.B', '3.jpg'), 'wb').close()
    assert check_train_fullsup(meta, images, 'CUB') == (3, [])
    num, problems = check_train_fullsup(str(tmp_path / 'none'), images,
                                        'ILSVRC')
    assert num == 0 and 'wsolevaluation' in problems[0]
    with pytest.raises(ValueError, match='dataset'):
        check_train_fullsup(meta, images, 'VOC')


def test_bad_metadata_names_the_line(tmp_path):
    meta = str(tmp_path / 'meta')
    _metadata(meta, ['a.jpg'])
    with open(osp.join(meta, 'val', 'class_labels.txt'), 'w') as f:
        f.write('a.jpg,x\n')
    num, problems = check_train_fullsup(meta, str(tmp_path), 'ILSVRC')
    assert num == 0 and 'class_labels.txt' in problems[0]


SHARED = '/work/shared/data/wsolevaluation_metadata'


@pytest.mark.skipif(not osp.isdir(SHARED), reason='no shared metadata')
def test_real_metadata_without_images_says_how_to_get_them(tmp_path):
    num, problems = check_train_fullsup(
        osp.join(SHARED, 'ILSVRC'), str(tmp_path), 'ILSVRC')
    assert num == 10000
    assert '10000 of 10000' in problems[0] and 'val2' in problems[0]


@pytest.mark.parametrize('tool_name,dataset,image_id', [
    ('prepare_cub', 'CUB', '003.C/30107316117.jpg'),
    ('prepare_imagenet_boxes', 'ILSVRC', 'val2/0/0.jpeg'),
])
def test_tools_check_the_val_split(tool_name, dataset, image_id, request,
                                   tmp_path, capsys, write_image):
    root = request.getfixturevalue(
        'cub_root' if dataset == 'CUB' else 'imagenet_root')
    images_root = osp.join(root, 'images') if dataset == 'CUB' else root
    tool = _conv.load_tool(tool_name)
    assert tool.main([root, '--check-only']) == 0
    assert '--wsol-metadata' in capsys.readouterr().out  # how to check
    meta = str(tmp_path / 'meta')
    _metadata(meta, [image_id])
    assert tool.main([root, '--check-only', '--wsol-metadata', meta]) == 1
    out = capsys.readouterr().out
    assert 'train-fullsup (val): 1 images listed' in out
    assert 'error: 1 of 1 train-fullsup (val) images' in out
    assert ('CUBV2' if dataset == 'CUB' else 'imagenetv2-threshold0.7') in out
    write_image(osp.join(images_root, image_id), 20, 20)
    assert tool.main([root, '--check-only', '--wsol-metadata', meta]) == 0
