"""Install fam-mm: ``pip install -e .`` (see the README and Makefile)."""
import os.path as osp
import re

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name):
    """Requirement lines of ``requirements/<name>.txt`` (comments dropped)."""
    path = osp.join(HERE, 'requirements', f'{name}.txt')
    with open(path, encoding='utf-8') as f:
        lines = (re.sub(r'#.*', '', line).strip() for line in f)
        return [line for line in lines if line]


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
    # mmcv is not a hard requirement (as in OpenMMLab's own packages): either
    # mmcv-lite or a full mmcv 2.x provides `import mmcv`, and a requirement
    # on one would make pip write it over the other. `pip install
    # fam_mm[lite]` adds mmcv-lite; `import fam_mm` says what is missing.
    install_requires=read_requirements('runtime'),
    extras_require={
        'tests': read_requirements('tests'),
        'lite': read_requirements('mmcv'),
    },
    zip_safe=False,
)
