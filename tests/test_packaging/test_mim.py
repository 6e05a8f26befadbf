"""OpenMMLab packaging: the model index and ``mim`` (openmim) commands.

* ``model-index.yml`` imports one metafile per config family; every model
  names an existing config, every top-level config is indexed, and no
  checkpoint URL is published (we have none).
* ``mim list / search / run / train / test`` find fam_mm through
  ``fam_mm/.mim`` (symbolic links made by the editable install of
  ``make setup``). With an editable (PEP 660) install the package's metadata
  lives in site-packages while the code stays here, so mim finds ``.mim``
  only through the ``fam_mm.egg-info`` of the repository: these runs use
  ``python -m mim`` from the repository root (as the README says).
* A wheel carries copies of ``configs/``, ``tools/`` and the model index in
  ``fam_mm/.mim``, and the plain ``mim`` command finds them from anywhere.

Every subprocess runs with one OpenMP thread (shared 2-core machine).
"""
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import zipfile

import pytest
import yaml

from fam_mm.datasets.synthetic_wsol import generate_synthetic_wsol

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TIMEOUT = 600
DATA = dict(
    num_classes=4,
    num_train=8,
    num_val=4,
    num_test=4,
    min_size=48,
    max_size=64)


def _env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ('PYTHONPATH', 'RANK', 'WORLD_SIZE', 'LOCAL_RANK')
    }
    env['OMP_NUM_THREADS'] = '1'
    env.update(extra)
    return env


def _mim(args, cwd=REPO, env=None, module=True):
    """Run mim (``python -m mim`` or the ``mim`` script next to python)."""
    if module:
        cmd = [sys.executable, '-m', 'mim']
    else:
        cmd = [osp.join(osp.dirname(sys.executable), 'mim')]
    proc = subprocess.run(
        cmd + list(args),
        cwd=cwd,
        env=env or _env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stdout[-6000:]
    # setuptools < 80.9 (requirements/tests.txt): mim's imports of
    # pkg_resources printed three UserWarnings on every command
    assert 'pkg_resources is deprecated' not in proc.stdout, proc.stdout
    return proc.stdout


def _load_yaml(path):
    with open(path, encoding='utf-8') as f:
        return yaml.safe_load(f)


# ---------------------------------------------------------------------------
# model index
# ---------------------------------------------------------------------------
def _models():
    index = _load_yaml(osp.join(REPO, 'model-index.yml'))
    models = []
    for rel in index['Import']:
        path = osp.join(REPO, rel)
        assert osp.isfile(path), rel
        meta = _load_yaml(path)
        collections = {c['Name'] for c in meta.get('Collections', [])}
        for model in meta['Models']:
            assert model['In Collection'] in collections, (rel, model['Name'])
            models.append((rel, model))
    return models


def test_model_index_configs_exist_and_are_all_indexed():
    models = _models()
    names = [m['Name'] for _, m in models]
    assert len(names) == len(set(names)), 'duplicate model names'
    indexed = set()
    for rel, model in models:
        config = model['Config']
        assert osp.isfile(osp.join(REPO, config)), (rel, config)
        assert model['Name'] == osp.splitext(osp.basename(config))[0]
        indexed.add(config)
    configs = {
        f'configs/{name}'
        for name in os.listdir(osp.join(REPO, 'configs'))
        if name.endswith('.py')
    }
    missing = sorted(configs - indexed)
    assert not missing, f'configs missing from the metafiles: {missing}'


def test_model_index_results_are_labelled_and_no_weights():
    """Paper numbers say "(paper)", clovaai/wsolevaluation's published ones
    "(wsolevaluation)"; only the synthetic family (measured by us) has
    unlabelled numbers; no checkpoint URLs anywhere."""
    for rel, model in _models():
        assert 'Weights' not in model, (rel, model['Name'])
        for result in model.get('Results', []):
            for key, value in result['Metrics'].items():
                assert isinstance(value, (int, float)) and 0 <= value <= 100
                if not rel.endswith('synthetic.yml'):
                    assert key.endswith(('(paper)', '(wsolevaluation)')), (
                        rel, model['Name'], key)


# ---------------------------------------------------------------------------
# mim with the editable install
# ---------------------------------------------------------------------------
def test_mim_links_in_editable_install():
    mim_dir = osp.join(REPO, 'fam_mm', '.mim')
    for name in ('configs', 'tools', 'model-index.yml'):
        path = osp.join(mim_dir, name)
        assert osp.islink(path), f'{path}: run `make setup` (pip install -e .)'
        assert osp.samefile(path, osp.join(REPO, name))


def test_mim_list_search_run(tmp_path):
    assert re.search(r'^fam[-_]mm\s+\S+\s+\S*', _mim(['list']), re.M)
    out = _mim(['search', 'fam_mm'])
    for name in ('fam_vgg16_cub', 'fam_resnet50_ilsvrc', 'cam_vgg16_cub',
                 'fam_resnet18_synthetic'):
        assert name in out, out[-3000:]
    assert '69.26' in out  # the paper's Top-1 Loc of FAM-VGG16 on CUB
    # `mim run` finds tools/dataset_converters/generate_synthetic.py
    out_dir = str(tmp_path / 'synthetic')
    options = [f'--{k.replace("_", "-")}={v}' for k, v in DATA.items()]
    out = _mim(['run', 'fam_mm', 'generate_synthetic', '--out-dir', out_dir] +
               options)
    assert f'{out_dir}: 4 classes; train 8 images' in out, out[-3000:]


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('mim') / 'synthetic')
    generate_synthetic_wsol(root, **DATA)
    return root


def _options(data_root):
    opts = [f'model.head.num_classes={DATA["num_classes"]}']
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [
            f'{loader}.batch_size=4', f'{loader}.num_workers=0',
            f'{loader}.persistent_workers=False'
        ] + [f'{loader}.dataset.{k}={v}' for k, v in DATA.items()]
    return opts


def test_mim_train_and_test(tiny_data, tmp_path):
    """``mim train fam_mm CONFIG`` / ``mim test fam_mm CONFIG --checkpoint``
    run fam_mm's tools (through ``.mim/tools``) on a tiny benchmark."""
    work_dir = str(tmp_path / 'work')
    config = 'configs/fam_resnet18_synthetic.py'
    _mim([
        'train', 'fam_mm', config, '--work-dir', work_dir, '--data-root',
        tiny_data, '--cfg-options', 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=1', 'model.backbone.init_cfg=None',
        *_options(tiny_data)
    ])
    ckpt = osp.join(work_dir, 'epoch_1.pth')
    assert osp.isfile(ckpt)
    out = _mim([
        'test', 'fam_mm', config, '--checkpoint', ckpt, '--work-dir',
        str(tmp_path / 'test'), '--data-root', tiny_data, '--cfg-options',
        *_options(tiny_data)
    ])
    assert re.search(r'wsol/gt_known_loc: \d', out), out[-3000:]


# ---------------------------------------------------------------------------
# wheel
# ---------------------------------------------------------------------------
def test_wheel_carries_mim_copies(tmp_path):
    """A wheel built from (a copy of) the repository holds copies of the
    configs, tools and model index, and the ``mim`` command finds them from
    any directory once the wheel is installed."""
    src = str(tmp_path / 'src')
    shutil.copytree(
        REPO,
        src,
        symlinks=True,
        ignore=shutil.ignore_patterns('.venv', '.git', 'work_dirs', 'data',
                                      'build', 'dist', '*.egg-info',
                                      '__pycache__', '.mim', '.*_cache'))
    dist = str(tmp_path / 'dist')
    subprocess.run(
        [
            sys.executable, '-m', 'pip', 'wheel', '--quiet', '--no-deps',
            '--no-build-isolation', '-w', dist, src
        ],
        check=True,
        env=_env(),
        timeout=TIMEOUT,
        capture_output=True)
    wheel, = [osp.join(dist, n) for n in os.listdir(dist)]
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for name in ('fam_mm/.mim/model-index.yml',
                 'fam_mm/.mim/configs/fam_vgg16_cub.py',
                 'fam_mm/.mim/configs/_base_/default_runtime.py',
                 'fam_mm/.mim/configs/metafiles/fam_cub.yml',
                 'fam_mm/.mim/tools/train.py', 'fam_mm/.mim/tools/test.py',
                 'fam_mm/.mim/tools/dist_train.sh'):
        assert name in names, name

    target = str(tmp_path / 'site')
    subprocess.run(
        [
            sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
            '--target', target, wheel
        ],
        check=True,
        env=_env(),
        timeout=TIMEOUT,
        capture_output=True)
    out = _mim(['search', 'fam_mm'],
               cwd=str(tmp_path),
               env=_env(PYTHONPATH=target),
               module=False)
    assert 'fam_vgg16_cub' in out and '69.26' in out, out[-3000:]
