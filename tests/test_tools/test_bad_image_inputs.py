"""Bad images given to demo/image_demo.py and vis_fam.py: one line
``<tool>: error: <path>: <reason>`` and exit status 2 before the model loads;
in a folder the bad ones are skipped, listed at the end (exit status 1) and
the good ones still drawn. The inferencer raises the same one-line error."""
import importlib.util
import os
import os.path as osp
import shutil

import cv2
import pytest

from fam_mm.apis import WSOLInferencer
from fam_mm.utils.image_check import ImageFileError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load(rel_path: str, name: str):
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(REPO, rel_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tiny = _load('tests/test_apis/tiny_wsol.py', 'tiny_wsol')
bad_images = _load('tests/test_utils/test_image_check.py', 'image_check_t')
DEMO = _load('demo/image_demo.py', 'image_demo_bad_inputs')
VIS = _load('tools/visualization/vis_fam.py', 'vis_fam_bad_inputs')


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp('bad_inputs')
    (root / 'good').mkdir()
    good = tiny.write_images(str(root / 'good'))
    bad_dir = root / 'bad'
    bad_dir.mkdir()
    bad = bad_images.write_bad_images(bad_dir)
    (bad_dir / 'a_folder.png').mkdir()
    cfg = tiny.write_config(str(root / 'cam.py'), 'CAM')
    ckpt = tiny.write_checkpoint(str(root / 'cam.pth'), 'CAM')
    return dict(root=root, good=good, bad=bad, cfg=cfg, ckpt=ckpt,
                bad_dir=str(bad_dir))


def _error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def _bad_cases(files):
    cases = dict(files['bad'])
    cases[osp.join(files['bad_dir'], 'a_folder.png')] = \
        'is a directory, not an image file'
    cases[osp.join(files['bad_dir'], 'missing.jpg')] = \
        'no such file or folder'
    return cases


def test_image_demo_bad_image_one_line_exit_2(files, capsys):
    # the config does not exist: the image is checked before anything loads
    for path, message in _bad_cases(files).items():
        if message.startswith('is a directory'):
            continue  # a folder is image_demo's folder mode
        with pytest.raises(SystemExit) as e:
            DEMO.main([path, 'no_such_config.py', '--checkpoint', 'x.pth'])
        assert e.value.code == 2
        line = _error_line(capsys)
        assert line.startswith(f'demo/image_demo.py: error: {path}: '
                               f'{message}'), line


def test_vis_fam_bad_image_one_line_exit_2(files, capsys, tmp_path):
    for path, message in _bad_cases(files).items():
        with pytest.raises(SystemExit) as e:
            VIS.main(['no_such_config.py', 'x.pth', path, '--out-dir',
                      str(tmp_path)])
        assert e.value.code == 2
        line = _error_line(capsys)
        expected = f'tools/visualization/vis_fam.py: error: {path}: '
        if message.startswith('is a directory'):
            # vis_fam takes folders: this one has no images
            message = 'no image file in this folder'
        assert line.startswith(expected + message), line
    assert not os.listdir(tmp_path)


def _mixed_folder(files, tmp_path):
    folder = tmp_path / 'mixed'
    shutil.copytree(files['bad_dir'], folder)
    good = []
    for path in files['good']:
        shutil.copy(path, folder)
        good.append(str(folder / osp.basename(path)))
    bad = sorted(str(folder / osp.basename(p)) for p in files['bad'])
    return str(folder), sorted(good), bad


def _check_skipped(err, bad, total):
    lines = err.strip().splitlines()
    header = f'{len(bad)} of {total} image(s) skipped (not readable):'
    assert header in lines
    listed = lines[lines.index(header) + 1:]
    assert [line.split(': ')[0].strip() for line in listed] == bad


def test_image_demo_folder_skips_bad_images(files, tmp_path, capsys):
    folder, good, bad = _mixed_folder(files, tmp_path)
    show_dir = tmp_path / 'show'
    with pytest.raises(SystemExit) as e:
        DEMO.main([folder, files['cfg'], '--checkpoint', files['ckpt'],
                   '--device', 'cpu', '--show-dir', str(show_dir)])
    assert e.value.code == 1
    out, err = capsys.readouterr()
    # the good images were predicted and drawn
    predicted = [line.split(':')[0] for line in out.splitlines()
                 if 'score' in line]
    assert predicted == good
    assert sorted(os.listdir(show_dir)) == sorted(
        osp.splitext(osp.basename(p))[0] + '.png' for p in good)
    _check_skipped(err, bad, len(good) + len(bad))


def test_vis_fam_files_and_folder_skip_bad_images(files, tmp_path, capsys):
    folder, good, bad = _mixed_folder(files, tmp_path)
    out_dir = tmp_path / 'vis'
    # a folder and one more bad file given by name
    extra = bad[0]
    with pytest.raises(SystemExit) as e:
        VIS.main([files['cfg'], files['ckpt'], folder, extra, '--out-dir',
                  str(out_dir), '--device', 'cpu'])
    assert e.value.code == 1
    out, err = capsys.readouterr()
    assert f'{len(good)} visualization(s) written' in out
    assert len(os.listdir(out_dir)) == len(good)
    _check_skipped(err, bad + [extra], len(good) + len(bad) + 1)


def test_folder_of_bad_images_only(files, capsys):
    with pytest.raises(SystemExit) as e:
        DEMO.main([files['bad_dir'], 'no_such_config.py', '--checkpoint',
                   'x.pth'])
    assert e.value.code == 1  # listed, nothing to run (no model loaded)
    _check_skipped(capsys.readouterr().err, sorted(files['bad']),
                   len(files['bad']))


def test_inferencer_bad_image_one_line(files):
    inferencer = WSOLInferencer(files['cfg'], pretrained=files['ckpt'],
                                device='cpu')
    for path, message in files['bad'].items():
        with pytest.raises(ImageFileError) as e:
            inferencer(path)
        assert str(e.value).startswith(f'{path}: {message}')
    missing = osp.join(files['bad_dir'], 'missing.jpg')
    with pytest.raises(ImageFileError, match='missing.jpg: no such file$'):
        inferencer(missing)
    # a good image still works after the failures
    assert len(inferencer(files['good'][0])) == 1
    assert cv2.imread(files['good'][0]) is not None
