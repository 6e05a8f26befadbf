"""Check image files before they reach a model, and say in one line what is
wrong with a bad one.

OpenCV and mmcv report a bad image as ``AssertionError: failed to load
image`` (corrupt, truncated, not an image), ``cv2.error ... !buf.empty()``
(empty file) or a ``FileNotFoundError`` raised after the model has loaded.
:func:`check_image_file` names the file and the reason instead; the tools
(``demo/image_demo.py``, ``tools/visualization/vis_fam.py``) run it on every
input before the model loads, :class:`~fam_mm.apis.WSOLInferencer` and the
datasets run it when loading an image failed, to explain the failure.
"""
import os
import os.path as osp
import sys
from typing import List, NoReturn, Sequence, Tuple, Union

import mmcv

from .run_checks import InputError

__all__ = [
    'IMG_EXTENSIONS', 'ImageFileError', 'check_image_file', 'list_images',
    'split_readable', 'format_bad_images', 'exit_with_error',
    'readable_images', 'exit_if_skipped'
]

#: File name endings of the images a folder is searched for.
IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif',
                  '.tiff', '.webp')

# the first bytes of the formats OpenCV reads (and GIF, which it may not)
_SIGNATURES = (
    (b'\xff\xd8\xff', 'JPEG'),
    (b'\x89PNG\r\n\x1a\n', 'PNG'),
    (b'BM', 'BMP'),
    (b'GIF87a', 'GIF'),
    (b'GIF89a', 'GIF'),
    (b'II*\x00', 'TIFF'),
    (b'MM\x00*', 'TIFF'),
    (b'P1', 'PNM'),
    (b'P2', 'PNM'),
    (b'P3', 'PNM'),
    (b'P4', 'PNM'),
    (b'P5', 'PNM'),
    (b'P6', 'PNM'),
)
_WORKER_PREFIX = 'ImageFileError: '


class ImageFileError(InputError):
    """An image file that cannot be used: missing, a directory, empty,
    unreadable, corrupt, truncated or not an image.

    Its message is one line naming the file. Raised inside a DataLoader
    worker, torch re-raises it in the main process with the worker's
    traceback as the message: the constructor keeps only the original
    message, so that ``str(error)`` stays one line there too.
    """

    def __init__(self, message: str = '') -> None:
        if 'Traceback' in message and _WORKER_PREFIX in message:
            last = message.rstrip().splitlines()[-1]
            message = last[last.index(_WORKER_PREFIX) + len(_WORKER_PREFIX):]
        super().__init__(' '.join(message.split()))


def _is_url(path: str) -> bool:
    return path.startswith(('http://', 'https://', 's3://'))


def _image_format(data: bytes) -> Union[str, None]:
    """The image format of a file's first bytes, None when unknown."""
    for signature, name in _SIGNATURES:
        if data.startswith(signature):
            return name
    if data[:4] == b'RIFF' and data[8:12] == b'WEBP':
        return 'WebP'
    return None


def _looks_like_text(data: bytes) -> bool:
    head = data[:512]
    if b'\x00' in head:
        return False
    try:
        text = head.decode('utf-8')
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c.isspace() for c in text)


def _check_path(path: str) -> None:
    if not osp.exists(path):
        raise ImageFileError(f'{path}: no such file')
    if osp.isdir(path):
        raise ImageFileError(f'{path}: is a directory, not an image file')
    if osp.getsize(path) == 0:
        raise ImageFileError(f'{path}: empty file (0 bytes)')


def check_image_file(path: Union[str, os.PathLike],
                     decode: bool = True) -> None:
    """Check that ``path`` is an image file OpenCV (mmcv) can decode.

    Args:
        path (str | os.PathLike): The image file.
        decode (bool): Also read and decode the file (as mmcv's
            ``LoadImageFromFile`` does). With False only the cheap checks
            run (exists, not a directory, not empty). Defaults to True.

    Raises:
        ImageFileError: With a one-line message naming the file: no such
            file, a directory, an empty file, unreadable (permissions), a
            text file or unknown format, or a corrupt or truncated file of
            a known format.
    """
    path = os.fspath(path)
    _check_path(path)
    if not decode:
        return
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise ImageFileError(
            f'{path}: cannot read it ({e.strerror or e})') from None
    fmt = _image_format(data)
    if fmt is None:
        what = 'a text file' if _looks_like_text(data) else \
            'unknown format'
        raise ImageFileError(f'{path}: not an image ({what}, {len(data)} '
                             'bytes)')
    try:
        img = mmcv.imfrombytes(data, flag='color')
    except Exception:  # cv2.error, PIL errors: all mean "cannot decode"
        img = None
    if img is None or img.size == 0:
        raise ImageFileError(f'{path}: corrupt or truncated {fmt} file '
                             f'({len(data)} bytes): it cannot be decoded')


def list_images(inputs: Sequence[Union[str, os.PathLike]]
                ) -> Tuple[List[str], bool]:
    """Expand image paths and folders into image paths.

    A folder gives its files whose names end with :data:`IMG_EXTENSIONS`,
    sorted (not its sub-folders); a file or a URL is taken as it is.

    Args:
        inputs (Sequence[str]): Image files and folders, as given on the
            command line.

    Returns:
        tuple: The image paths, and whether they are one image named as a
        file (True) or a batch (a folder or several paths; False), for
        :func:`split_readable`'s callers to tell a bad argument from a bad
        member of a batch.

    Raises:
        ImageFileError: When an input does not exist, or a folder has no
            image file.
    """
    paths: List[str] = []
    for item in inputs:
        item = os.fspath(item)
        if _is_url(item):  # fetched (and checked) by the loader
            paths.append(item)
        elif osp.isdir(item):
            found = [
                osp.join(item, name) for name in sorted(os.listdir(item))
                if name.lower().endswith(IMG_EXTENSIONS)
                and not osp.isdir(osp.join(item, name))
            ]
            if not found:
                raise ImageFileError(
                    f'{item}: no image file in this folder (looked for '
                    f'{", ".join(IMG_EXTENSIONS)})')
            paths.extend(found)
        elif not osp.exists(item):
            raise ImageFileError(f'{item}: no such file or folder')
        else:
            paths.append(item)
    single = len(inputs) == 1 and len(paths) == 1 and not osp.isdir(
        os.fspath(inputs[0]))
    return paths, single


def split_readable(paths: Sequence[str]
                   ) -> Tuple[List[str], List[Tuple[str, str]]]:
    """Split image paths into the readable ones and the bad ones.

    Args:
        paths (Sequence[str]): Image files.

    Returns:
        tuple: The paths :func:`check_image_file` accepts (and URLs,
        left to the loader), in order, and ``(path, message)`` for the
        others.
    """
    good, bad = [], []
    for path in paths:
        if _is_url(path):
            good.append(path)
            continue
        try:
            check_image_file(path)
        except ImageFileError as e:
            bad.append((path, str(e)))
        else:
            good.append(path)
    return good, bad


def format_bad_images(bad: Sequence[Tuple[str, str]], total: int) -> str:
    """The list of skipped images a tool prints at the end of a batch."""
    lines = [f'{len(bad)} of {total} image(s) skipped (not readable):']
    lines += [f'  {message}' for _, message in bad]
    return '\n'.join(lines)


def exit_with_error(prog: str, error: Union[str, Exception],
                    code: int = 2) -> NoReturn:
    """Print ``<prog>: error: <message>`` (one line) to stderr and exit.

    The exit status defaults to 2, argparse's status for a bad command
    line (a bad image argument is one).
    """
    message = ' '.join(str(error).split())
    print(f'{prog}: error: {message}', file=sys.stderr)
    sys.stderr.flush()
    raise SystemExit(code)


def readable_images(inputs: Sequence[Union[str, os.PathLike]],
                    prog: str) -> Tuple[List[str], List[Tuple[str, str]]]:
    """Check a tool's image arguments before its model loads.

    * A missing path, a folder without images, or a bad image given alone
      stop the tool with ``<prog>: error: <path>: <reason>`` (exit status
      2, as argparse's errors).
    * Among several images (a folder, or several paths) the bad ones are
      returned to be skipped; when none is readable the list is printed and
      the tool exits with status 1.

    Args:
        inputs (Sequence[str]): Image files and folders (command line).
        prog (str): The tool's name, for the message.

    Returns:
        tuple: The readable images, in order, and ``(path, message)`` of
        the bad ones (for :func:`exit_if_skipped` at the end).
    """
    try:
        images, single = list_images(inputs)
    except ImageFileError as e:
        exit_with_error(prog, e)
    good, bad = split_readable(images)
    if single and bad:
        exit_with_error(prog, bad[0][1])
    if not good:
        exit_if_skipped(bad, len(images))
    return good, bad


def exit_if_skipped(bad: Sequence[Tuple[str, str]], total: int) -> None:
    """At the end of a batch: list the skipped images on stderr and exit
    with status 1 when there are any (the outputs of the others are
    written by then)."""
    if bad:
        print(format_bad_images(bad, total), file=sys.stderr)
        sys.stderr.flush()
        raise SystemExit(1)
