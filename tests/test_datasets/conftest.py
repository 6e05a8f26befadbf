"""Shared fixtures of the dataset tests: tiny layouts written to tmp dirs."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METADATA_ROOT = osp.join(REPO, '..', 'shared', 'data',
                         'wsolevaluation_metadata')

SMALL_SYNTHETIC = dict(num_train=16, num_val=8, num_test=8, seed=3)


@pytest.fixture(scope='session')
def metadata_root():
    """The real WSOL-evaluation metadata (CUB, ILSVRC), next to the repo."""
    if not osp.isdir(METADATA_ROOT):
        pytest.skip(f'WSOL-evaluation metadata not found at {METADATA_ROOT} '
                    '(expected <repo>/../shared/data/wsolevaluation_metadata)')
    return METADATA_ROOT


@pytest.fixture(scope='session')
def synthetic_root(tmp_path_factory):
    """A small synthetic WSOL benchmark (24 + 8 + 8 images)."""
    from fam_mm.datasets import generate_synthetic_wsol
    root = str(tmp_path_factory.mktemp('synthetic') / 'synthetic_wsol')
    generate_synthetic_wsol(root, **SMALL_SYNTHETIC)
    return root


def _write_image(path, w, h, value=128):
    """Write a ``w`` x ``h`` gradient image (PNG or JPEG by extension)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    img = np.full((h, w, 3), value, dtype=np.uint8)
    img[..., 0] = np.linspace(0, 255, w, dtype=np.uint8)[None]
    cv2.imwrite(path, img)


def _write_lines(path, lines):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


@pytest.fixture
def write_image():
    """``write_image(path, w, h)`` writes a small gradient image."""
    return _write_image


@pytest.fixture
def write_lines():
    """``write_lines(path, lines)`` writes a text file (folders created)."""
    return _write_lines
