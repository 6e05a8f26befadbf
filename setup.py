"""Install fam-mm: ``pip install -e .`` (see the README and Makefile)."""
import os.path as osp
import re
from importlib import metadata

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name):
    """Requirement lines of ``requirements/<name>.txt`` (comments dropped)."""
    path = osp.join(HERE, 'requirements', f'{name}.txt')
    with open(path, encoding='utf-8') as f:
        lines = (re.sub(r'#.*', '', line).strip() for line in f)
        return [line for line in lines if line]


def mmcv_requirements():
    """Ask for mmcv-lite unless full mmcv (with compiled ops) is present.

    Installing mmcv-lite over mmcv would overwrite mmcv's files, so an
    existing full mmcv 2.x satisfies the requirement as it is.
    """
    try:
        version = metadata.version('mmcv')
    except metadata.PackageNotFoundError:
        return read_requirements('mmcv')
    return [f'mmcv>={version.split("+")[0]}'] if version.startswith('2.') \
        else read_requirements('mmcv')


def read_version():
    with open(osp.join(HERE, 'fam_mm', 'version.py'), encoding='utf-8') as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


setup(
    name='fam_mm',
    version=read_version(),
    description='Foreground Activation Maps (FAM, ICCV 2021) for weakly '
    'supervised object localization, as an OpenMMLab (mmpretrain) plugin',
    long_description=open(osp.join(HERE, 'README.md'), encoding='utf-8').read()
    if osp.exists(osp.join(HERE, 'README.md')) else '',
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(include=['fam_mm', 'fam_mm.*']),
    python_requires='>=3.8',
    install_requires=read_requirements('runtime') + mmcv_requirements(),
    extras_require={'tests': read_requirements('tests')},
    zip_safe=False,
)
