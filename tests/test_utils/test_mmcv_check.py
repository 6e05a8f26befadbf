import sys

import mmcv
import pytest

from fam_mm.utils.mmcv_check import MMCV_RANGE, check_mmcv


def test_check_mmcv_accepts_the_installed_mmcv():
    assert check_mmcv() == mmcv.__version__


@pytest.mark.parametrize('version', ['1.7.1', '2.3.0', '3.0.0rc1'])
def test_check_mmcv_rejects_versions_out_of_range(monkeypatch, version):
    monkeypatch.setattr(mmcv, '__version__', version)
    with pytest.raises(ImportError, match=f'found {version}') as err:
        check_mmcv()
    assert f'{MMCV_RANGE[0]} <= version < {MMCV_RANGE[1]}' in str(err.value)
    assert 'mmcv-lite' in str(err.value) and 'make setup-det' in str(err.value)


@pytest.mark.parametrize('version', ['2.0.0', '2.1.0', '2.2.0', '2.0.0rc4'])
def test_check_mmcv_accepts_versions_in_range(monkeypatch, version):
    monkeypatch.setattr(mmcv, '__version__', version)
    assert check_mmcv() == version


def test_check_mmcv_names_what_to_install_when_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, 'mmcv', None)  # import mmcv fails
    with pytest.raises(ImportError, match='fam-mm needs mmcv') as err:
        check_mmcv()
    assert 'pip install "fam_mm[lite]"' in str(err.value)
