"""Which mmcv fam-mm runs on (mmcv-lite or full mmcv 2.x)."""
import warnings
from typing import Tuple

#: mmcv versions fam-mm works with: [min, max)
MMCV_RANGE: Tuple[str, str] = ('2.0.0', '2.3.0')


def _version_tuple(version: str) -> Tuple[int, ...]:
    parts = []
    for piece in version.split('+')[0].split('.')[:3]:
        digits = ''.join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def check_mmcv() -> str:
    """Check that an mmcv 2.x is importable (mmcv-lite or full mmcv).

    fam-mm's ``setup.py`` does not require either (a requirement on one
    would make pip install it over the other, as both are ``import mmcv``).

    Returns:
        str: The installed mmcv version.

    Raises:
        ImportError: No mmcv, or one outside :data:`MMCV_RANGE`.
    """
    low, high = MMCV_RANGE
    hint = (f'install mmcv-lite (pip install "fam_mm[lite]" or pip install '
            f'"mmcv-lite>={low},<{high}"), or a full mmcv with compiled ops '
            '(make setup-det)')
    try:
        import mmcv
    except ImportError as e:
        raise ImportError(f'fam-mm needs mmcv {low} <= version < {high}: '
                          f'{hint}') from e
    version = mmcv.__version__
    if not _version_tuple(low) <= _version_tuple(version) < \
            _version_tuple(high):
        raise ImportError(f'fam-mm needs mmcv {low} <= version < {high}, '
                          f'found {version}: {hint}')
    return version


def silence_mmcv_lite_warning() -> None:
    """Hide mmcv-lite's ``MultiScaleDeformableAttention`` import warning.

    mmpretrain's models import ``mmcv.cnn.bricks.transformer``, which warns
    (two lines on stderr, in every command, ``--help`` included) that
    mmcv-lite has no compiled ``MultiScaleDeformableAttention``. fam-mm uses
    no compiled op, so the warning says nothing about a fam-mm run; only
    this message is filtered, and only in processes that import fam_mm.
    """
    warnings.filterwarnings(
        'ignore',
        message='Fail to import ``MultiScaleDeformableAttention``',
        category=UserWarning)
