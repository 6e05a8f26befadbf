"""check_image_file names the file and what is wrong with it, in one line."""
import os

import cv2
import numpy as np
import pytest

from fam_mm.utils import InputError, image_check
from fam_mm.utils.image_check import (
    ImageFileError,
    check_image_file,
    format_bad_images,
    list_images,
    split_readable,
)


def _image(h=30, w=40):
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (h, w, 3), dtype=np.uint8)


def write_bad_images(folder) -> dict:
    """One file per kind of bad input, with the message each must give."""
    jpg = cv2.imencode('.jpg', _image())[1].tobytes()
    png = cv2.imencode('.png', _image())[1].tobytes()
    files = {
        'truncated.jpg': (jpg[:len(jpg) // 2],
                          'corrupt or truncated JPEG file'),
        'header_only.jpg': (jpg[:100], 'corrupt or truncated JPEG file'),
        'truncated.png': (png[:len(png) // 2],
                          'corrupt or truncated PNG file'),
        'random.jpg': (np.random.default_rng(1).bytes(500),
                       'not an image (unknown format, 500 bytes)'),
        'text.png': (b'this is a text file\n',
                     'not an image (a text file, 20 bytes)'),
        'empty.jpg': (b'', 'empty file (0 bytes)'),
    }
    out = {}
    for name, (data, message) in files.items():
        path = os.path.join(str(folder), name)
        with open(path, 'wb') as f:
            f.write(data)
        out[path] = message
    return out


def test_good_images_pass(tmp_path):
    for ext in ('.jpg', '.png', '.bmp'):
        path = str(tmp_path / f'good{ext}')
        cv2.imwrite(path, _image())
        check_image_file(path)
    # grey images are fine too (the loader converts them to colour)
    path = str(tmp_path / 'grey.png')
    cv2.imwrite(path, _image()[..., 0])
    check_image_file(path)


def test_each_bad_file_has_its_one_line_message(tmp_path):
    for path, message in write_bad_images(tmp_path).items():
        with pytest.raises(ImageFileError) as e:
            check_image_file(path)
        assert str(e.value).startswith(f'{path}: {message}')
        assert '\n' not in str(e.value)
        # the tools' run_tool prints bad input as one line
        assert isinstance(e.value, InputError)


def test_missing_and_directory(tmp_path):
    missing = str(tmp_path / 'nope.jpg')
    with pytest.raises(ImageFileError, match='nope.jpg: no such file$'):
        check_image_file(missing)
    folder = tmp_path / 'a.jpg'
    folder.mkdir()
    with pytest.raises(ImageFileError,
                       match='a.jpg: is a directory, not an image file$'):
        check_image_file(str(folder))


def test_unreadable(tmp_path, monkeypatch):
    path = str(tmp_path / 'locked.jpg')
    cv2.imwrite(path, _image())

    def refuse(*args, **kwargs):
        raise PermissionError(13, 'Permission denied')

    # the tests may run as root, which chmod cannot lock out
    monkeypatch.setattr(image_check, 'open', refuse, raising=False)
    with pytest.raises(ImageFileError,
                       match=r'locked.jpg: cannot read it \(Permission '
                       r'denied\)$'):
        check_image_file(path)


def test_decode_false_runs_the_cheap_checks_only(tmp_path):
    path = str(tmp_path / 'text.png')
    with open(path, 'w') as f:
        f.write('not an image')
    check_image_file(path, decode=False)
    with pytest.raises(ImageFileError, match='empty file'):
        open(str(tmp_path / 'e.png'), 'wb').close()
        check_image_file(str(tmp_path / 'e.png'), decode=False)


def test_worker_traceback_is_cut_to_the_message():
    """torch re-raises a worker's exception as ``type(msg)`` with the
    worker's traceback as ``msg``: the message stays one line."""
    wrapped = ('Caught ImageFileError in DataLoader worker process 0.\n'
               'Original Traceback (most recent call last):\n'
               '  File "x.py", line 1, in f\n'
               'fam_mm.utils.image_check.ImageFileError: image 5 of '
               'SyntheticWSOL (a.jpg): bad\n')
    assert str(ImageFileError(wrapped)) == \
        'image 5 of SyntheticWSOL (a.jpg): bad'


def test_list_images_and_split(tmp_path):
    bad = write_bad_images(tmp_path)
    good = str(tmp_path / 'zz_good.jpg')
    cv2.imwrite(good, _image())
    (tmp_path / 'notes.txt').write_text('ignored: not an image name')
    (tmp_path / 'sub.png').mkdir()  # a folder named like an image
    paths, single = list_images([str(tmp_path)])
    assert not single
    assert paths == sorted(list(bad) + [good])
    readable, skipped = split_readable(paths)
    assert readable == [good]
    assert [p for p, _ in skipped] == sorted(bad)
    for path, message in skipped:
        assert message.startswith(f'{path}: {bad[path]}')
    text = format_bad_images(skipped, len(paths))
    assert text.splitlines()[0] == \
        f'{len(bad)} of {len(paths)} image(s) skipped (not readable):'
    assert len(text.splitlines()) == len(bad) + 1

    assert list_images([good]) == ([good], True)
    url = 'https://example.com/bird.jpg'  # left to the loader
    assert list_images([url]) == ([url], True)
    assert split_readable([url, good]) == ([url, good], [])
    assert list_images([good, good]) == ([good, good], False)
    with pytest.raises(ImageFileError, match='missing: no such file or '
                       'folder$'):
        list_images([str(tmp_path / 'missing')])
    empty = tmp_path / 'empty_dir'
    empty.mkdir()
    with pytest.raises(ImageFileError, match='empty_dir: no image file in '
                       'this folder'):
        list_images([str(empty)])
