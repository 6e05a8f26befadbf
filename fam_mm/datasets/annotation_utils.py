"""Reading and checking WSOL annotation files.

Shared by the WSOL datasets and the dataset converters in
``tools/dataset_converters``: line-oriented text files are read whole
(fast enough for the 80k boxes of ILSVRC), and every problem is reported with
the file and the 1-based line number it comes from.
"""
import os.path as osp
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np


class AnnotationError(ValueError):
    """A malformed or inconsistent annotation, located by file and line."""

    def __init__(self,
                 message: str,
                 path: str = '',
                 lineno: Optional[int] = None) -> None:
        where = path
        if lineno is not None:
            where = f'{path}, line {lineno}'
        super().__init__(f'{where}: {message}' if where else message)
        self.path = path
        self.lineno = lineno


def iter_lines(path: str) -> Iterator[Tuple[int, str]]:
    """Yield ``(line_number, stripped_line)`` for the non-empty lines.

    Args:
        path (str): A text file.

    Yields:
        tuple[int, str]: 1-based line number and the line without
        surrounding white space.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'annotation file not found: {path}')
    with open(path, encoding='utf-8') as f:
        text = f.read()
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line:
            yield lineno, line


def split_fields(line: str,
                 num: int,
                 path: str,
                 lineno: int,
                 sep: Optional[str] = ',',
                 what: str = '') -> List[str]:
    """Split ``line`` into exactly ``num`` fields.

    With ``sep=','`` the *last* ``num - 1`` commas separate the fields, so a
    first field (an image id) may itself contain commas.

    Args:
        line (str): The line.
        num (int): Number of fields expected.
        path (str): File name, for the error message.
        lineno (int): Line number, for the error message.
        sep (str, optional): Separator; ``None`` splits on white space.
        what (str): Human readable description of the expected format.

    Returns:
        list[str]: The fields.

    Raises:
        AnnotationError: When the number of fields is wrong.
    """
    if sep is None:
        fields = line.split()
    else:
        fields = line.rsplit(sep, num - 1)
    if len(fields) != num or any(f.strip() == '' for f in fields):
        expected = what or f'{num} fields'
        raise AnnotationError(f'malformed line {line!r}: expected {expected}',
                              path, lineno)
    return [f.strip() for f in fields]


def parse_number(text: str, path: str, lineno: int, kind=float):
    """Parse ``text`` as ``kind`` (``int`` or ``float``) or fail clearly."""
    try:
        value = kind(text)
    except ValueError:
        raise AnnotationError(f'cannot parse {text!r} as {kind.__name__}',
                              path, lineno) from None
    if kind is float and not np.isfinite(value):
        raise AnnotationError(f'non-finite number {text!r}', path, lineno)
    return value


def read_table(path: str,
               num: int,
               what: str = '',
               sep: Optional[str] = ',') -> Tuple[List[int], List[List[str]]]:
    """Read a text table with exactly ``num`` fields on every line.

    Args:
        path (str): The file.
        num (int): Number of fields per line.
        what (str): Human readable format, for error messages.
        sep (str, optional): See :func:`split_fields`.

    Returns:
        tuple[list[int], list[list[str]]]: The line numbers of the non-empty
        lines and their fields.
    """
    linenos, lines = [], []
    for lineno, line in iter_lines(path):
        linenos.append(lineno)
        lines.append(line)
    if sep is None:
        rows = [line.split() for line in lines]
    else:
        rows = [line.rsplit(sep, num - 1) for line in lines]
    for i, row in enumerate(rows):
        if len(row) != num or not all(row):
            split_fields(lines[i], num, path, linenos[i], sep, what)
            rows[i] = [f.strip() for f in row]
    return linenos, rows


def parse_column(values: Sequence[str],
                 path: str,
                 linenos: Sequence[int],
                 kind=float) -> np.ndarray:
    """Parse a column of numbers (vectorised), locating any bad value.

    Args:
        values (Sequence[str]): The text of the column.
        path (str): File name, for the error message.
        linenos (Sequence[int]): Line number of each value.
        kind: ``int`` or ``float``.

    Returns:
        np.ndarray: int64 or float64 array.
    """
    dtype = np.int64 if kind is int else np.float64
    try:
        out = np.array(values, dtype=dtype)
    except (ValueError, OverflowError):
        out = None
    if out is None or (kind is float and not np.isfinite(out).all()):
        for value, lineno in zip(values, linenos):
            parse_number(value, path, lineno, kind)
        raise AnnotationError('cannot parse a numeric column', path)
    return out.reshape(len(values))


def check_boxes(boxes: np.ndarray,
                sizes: Optional[np.ndarray],
                path: str,
                linenos: Sequence[int],
                tolerance: float = 1.0) -> None:
    """Check that boxes are well formed and lie inside their images.

    Args:
        boxes (np.ndarray): ``(n, 4)`` boxes ``(x1, y1, x2, y2)``.
        sizes (np.ndarray, optional): ``(n, 2)`` image sizes ``(w, h)`` of
            each box's image; rows with a non-positive size (unknown) and a
            ``None`` array skip the bound check.
        path (str): File the boxes come from, for the error message.
        linenos (Sequence[int]): Line number of each box.
        tolerance (float): How far (pixels) a box may exceed its image.
            Defaults to 1 (inclusive ``x2 = w`` conventions).

    Raises:
        AnnotationError: For the first box with ``x2 <= x1`` or
            ``y2 <= y1``, or outside its image beyond ``tolerance``.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if len(boxes) == 0:
        return
    empty = (boxes[:, 2] <= boxes[:, 0]) | (boxes[:, 3] <= boxes[:, 1])
    outside = np.zeros(len(boxes), dtype=bool)
    if sizes is not None:
        sizes = np.asarray(sizes, dtype=np.float64).reshape(-1, 2)
        known = (sizes[:, 0] > 0) & (sizes[:, 1] > 0)
        outside = known & ((boxes[:, 0] < -tolerance) |
                           (boxes[:, 1] < -tolerance) |
                           (boxes[:, 2] > sizes[:, 0] + tolerance) |
                           (boxes[:, 3] > sizes[:, 1] + tolerance))
    bad = np.flatnonzero(empty | outside)
    if len(bad) == 0:
        return
    i = int(bad[0])
    box = ', '.join(f'{v:g}' for v in boxes[i])
    if empty[i]:
        msg = f'empty box ({box}): needs x2 > x1 and y2 > y1'
    else:
        assert sizes is not None  # only boxes of known size are `outside`
        w, h = sizes[i]
        msg = (f'box ({box}) lies outside its {w:g}x{h:g} (w x h) image '
               f'by more than {tolerance:g} pixel(s)')
    raise AnnotationError(msg, path, int(linenos[i]))


def check_not_empty(records: Sequence, what: str, path: str) -> None:
    """Fail clearly on a split without images.

    mmengine would otherwise fail while serialising the empty list, deep
    inside ``BaseDataset.full_init`` ("need at least one array to
    concatenate").

    Args:
        records (Sequence): The split's records.
        what (str): The split, e.g. ``"split 'val'"``.
        path (str): The file or folder that lists the images.

    Raises:
        AnnotationError: When ``records`` is empty.
    """
    if len(records) == 0:
        raise AnnotationError(f'no image in {what}', path)


def index_by_id(path: str, ids: Sequence[str],
                linenos: Sequence[int]) -> Dict[str, int]:
    """Map image ids to their position, rejecting duplicates.

    Args:
        path (str): The file that lists ``ids`` (for error messages).
        ids (Sequence[str]): Image ids in file order.
        linenos (Sequence[int]): Line number of each id.

    Returns:
        dict[str, int]: ``id -> index``.
    """
    index: Dict[str, int] = {}
    for i, image_id in enumerate(ids):
        if image_id in index:
            raise AnnotationError(
                f'duplicate image id {image_id!r} (first on line '
                f'{linenos[index[image_id]]})', path, linenos[i])
        index[image_id] = i
    return index
