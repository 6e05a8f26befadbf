"""A corrupt or vanished image in the middle of a test set fails with one
line naming the dataset, the sample's index and the file, in the main
process and inside DataLoader workers (ImageCheckedDataset)."""
import os

import pytest
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

import fam_mm  # noqa: F401
from fam_mm.datasets import SyntheticWSOL
from fam_mm.utils.image_check import ImageFileError

TEST_PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='WSOLResize', scale=(32, 32)),
    dict(type='PackWSOLInputs'),
]


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('bad_images') / 'synthetic')
    # generates the benchmark on disk once
    SyntheticWSOL(data_root=root, split='test', num_classes=2, num_train=4,
                  num_val=2, num_test=8, min_size=40, max_size=48)
    return root


def _loader(data_root, num_workers):
    dataset = dict(type='SyntheticWSOL', data_root=data_root, split='test',
                   num_classes=2, num_train=4, num_val=2, num_test=8,
                   min_size=40, max_size=48, pipeline=TEST_PIPELINE)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return Runner.build_dataloader(
            dict(batch_size=2, num_workers=num_workers,
                 persistent_workers=False, dataset=dataset,
                 sampler=dict(type='DefaultSampler', shuffle=False),
                 collate_fn=dict(type='default_collate')))


@pytest.mark.parametrize('num_workers', [0, 2])
@pytest.mark.parametrize('content,reason', [
    (b'this is not a JPEG file', 'not an image (a text file, 23 bytes)'),
    (b'', 'empty file (0 bytes)'),
    (b'\xff\xd8\xff\xe0' + bytes(60), 'corrupt or truncated JPEG file'),
])
def test_corrupt_image_names_the_file(data_root, num_workers, content,
                                      reason):
    loader = _loader(data_root, num_workers)
    path = loader.dataset.get_data_info(5)['img_path']
    with open(path, 'rb') as f:
        original = f.read()
    try:
        with open(path, 'wb') as f:
            f.write(content)
        seen = 0
        with pytest.raises(ImageFileError) as e:
            for batch in loader:
                seen += len(batch['data_samples'])
        # one line, the worker's traceback cut off
        assert str(e.value).startswith(
            f'SyntheticWSOL image 5 of 8: {path}: {reason}'), str(e.value)
        assert '\n' not in str(e.value)
        # the images before the corrupt one's batch were loaded normally
        assert seen == 4
    finally:
        with open(path, 'wb') as f:
            f.write(original)


@pytest.mark.parametrize('num_workers', [0, 2])
def test_image_deleted_after_indexing_names_the_file(data_root, num_workers):
    loader = _loader(data_root, num_workers)
    path = loader.dataset.get_data_info(3)['img_path']
    moved = path + '.away'
    os.rename(path, moved)
    try:
        with pytest.raises(ImageFileError) as e:
            for _ in loader:
                pass
        assert str(e.value) == f'SyntheticWSOL image 3 of 8: {path}: no ' \
            'such file'
    finally:
        os.rename(moved, path)


def test_tools_print_the_worker_error_as_one_line(data_root, capsys):
    """tools/train.py and tools/test.py run under run_tool: the error a
    DataLoader worker raised is printed as one line, exit status 1."""
    from fam_mm.utils import run_tool
    loader = _loader(data_root, num_workers=2)
    path = loader.dataset.get_data_info(2)['img_path']
    with open(path, 'rb') as f:
        original = f.read()
    try:
        open(path, 'wb').close()

        def main():
            for _ in loader:
                pass

        with pytest.raises(SystemExit) as e:
            run_tool(main, 'tools/test.py')
        assert e.value.code == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f'tools/test.py: error: SyntheticWSOL image 2 of 8: '
                       f'{path}: empty file (0 bytes)']
    finally:
        with open(path, 'wb') as f:
            f.write(original)
