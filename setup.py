"""Install fam-mm: ``pip install -e .`` (see the README and Makefile)."""
import os
import os.path as osp
import re
import shutil
import sys

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


# What `mim` (openmim) looks for in an OpenMMLab package: `mim train/test/
# run fam_mm ...` run fam_mm/.mim/tools/*.py with configs found in
# fam_mm/.mim/configs, and `mim search fam_mm` reads the model index.
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def add_mim_extension():
    """Put ``configs/``, ``tools/`` and ``model-index.yml`` in
    ``fam_mm/.mim``: relative symbolic links for an editable install (new
    configs show up at once), copies for a wheel or an sdist."""
    if any(cmd in sys.argv for cmd in ('develop', 'editable_wheel')):
        mode = 'symlink'
    elif any(cmd in sys.argv for cmd in ('sdist', 'bdist_wheel', 'build')):
        mode = 'copy'
    else:
        return
    mim_path = osp.join(HERE, 'fam_mm', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(HERE, name)
        dst = osp.join(mim_path, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_path), dst)
        elif osp.isdir(src):
            shutil.copytree(
                src, dst, ignore=shutil.ignore_patterns('__pycache__'))
        else:
            shutil.copyfile(src, dst)


add_mim_extension()

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
    # the .mim copies (see add_mim_extension) travel in the wheel
    include_package_data=True,
    package_data={
        'fam_mm': [
            '.mim/model-index.yml', '.mim/configs/**/*', '.mim/tools/**/*'
        ]
    },
    python_requires='>=3.8',
    # mmcv is not a hard requirement (as in OpenMMLab's own packages): either
    # mmcv-lite or a full mmcv 2.x provides `import mmcv`, and a requirement
    # on one would make pip write it over the other. `pip install
    # fam_mm[lite]` adds mmcv-lite; `import fam_mm` says what is missing.
    install_requires=read_requirements('runtime'),
    extras_require={
        'tests': read_requirements('tests'),
        'lite': read_requirements('mmcv'),
        'web': read_requirements('web'),
    },
    zip_safe=False,
)
