"""The real-data recipes: protocol, batch, threshold, ablations, hooks.

* CUB/ILSVRC configs select (``save_best``) on train-fullsup (the
  wsolevaluation ``val`` split via ``WSOLMetadataDataset``) and test on the
  test split;
* the train batch of every recipe is the total batch its lr is for;
* the box threshold has one source (``model.head.loc_threshold``);
* the five distinct rows of Tables 2-3 (and the text-only variant) have
  configs with the paper's switches;
* FAM configs run the collapse guard, CAM configs cannot.
"""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

import fam_mm  # noqa: F401
from fam_mm.datasets import WSOLMetadataDataset

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
REAL = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '*.py'))
    if (osp.splitext(osp.basename(p))[0].split('_') + ['', '', ''])[2] in (
        'cub', 'ilsvrc'))
METADATA = '/work/shared/data/wsolevaluation_metadata'

# config -> (use_memory, loss_spa_weight > 0, loss_div_weight > 0,
#            use_importance, paper numbers quoted in the file)
ABLATIONS = {
    'fam_vgg16_cub_nospa-nomem-nodiv-noimp.py':
    (False, False, False, False, ('51.81', '71.97')),
    'fam_vgg16_cub_nomem-nodiv-noimp.py':
    (False, True, False, False, ('73.95', '72.36')),
    'fam_vgg16_cub_nodiv-noimp.py': (True, True, False, False,
                                     ('82.53', '72.52')),
    'fam_vgg16_cub_nodiv.py': (True, True, False, True, ('75.63', '86.82')),
    'fam_vgg16_cub.py': (True, True, True, True, ('77.26', '89.26')),
    'fam_vgg16_cub_noimp.py': (True, True, True, False, ('74.13', )),
}


def test_real_configs_found():
    names = {osp.basename(p) for p in REAL}
    assert {'fam_vgg16_cub.py', 'fam_resnet50_ilsvrc.py',
            'cam_vgg16_cub.py'} <= names
    assert set(ABLATIONS) <= names


@pytest.mark.parametrize('path', REAL, ids=osp.basename)
def test_selects_on_train_fullsup_and_tests_on_test(path):
    cfg = Config.fromfile(path)
    val = cfg.val_dataloader.dataset
    assert val.type == 'WSOLMetadataDataset' and val.split == 'val'
    dataset = 'CUB' if '_cub' in osp.basename(path) else 'ILSVRC'
    assert val.metadata_root.endswith(dataset)
    test = cfg.test_dataloader.dataset
    # CUBWSOL's official test split / the ILSVRC 2012 validation set
    assert (test.type, test.split) in (('CUBWSOL', 'test'),
                                       ('ImageNetWSOL', 'val'))
    assert cfg.default_hooks.checkpoint.save_best == 'wsol/maxboxaccv2'


@pytest.mark.parametrize('path', REAL, ids=osp.basename)
def test_batch_is_the_recipes_total_batch(path):
    cfg = Config.fromfile(path)
    assert cfg.train_dataloader.batch_size == \
        cfg.auto_scale_lr.base_batch_size
    # wsolevaluation's recipe: batch 32 on CUB and ILSVRC alike
    assert cfg.auto_scale_lr.base_batch_size == 32


@pytest.mark.parametrize('path', REAL, ids=osp.basename)
def test_one_box_threshold_and_the_collapse_guard(path):
    cfg = Config.fromfile(path)
    for key in ('val_evaluator', 'test_evaluator'):
        assert 'loc_threshold' not in cfg[key], \
            f'{key}.loc_threshold: the head is the one source'
    hooks = [h['type'] for h in cfg.get('custom_hooks', [])]
    if cfg.model.head.type == 'FAMHead':
        assert hooks == ['ForegroundCollapseHook']
        assert cfg.model.head.loc_threshold == 0.5
    else:
        assert 'ForegroundCollapseHook' not in hooks
        assert cfg.model.head.loc_threshold == 0.2


def test_resnet50_layer4_at_10x_and_inception_dropout():
    for name in ('fam_resnet50_cub.py', 'fam_resnet50_ilsvrc.py',
                 'cam_resnet50_cub.py'):
        cfg = Config.fromfile(osp.join(REPO, 'configs', name))
        keys = cfg.optim_wrapper.paramwise_cfg.custom_keys
        assert keys['backbone.layer4'] == dict(lr_mult=10.0)
        assert keys['head'] == dict(lr_mult=10.0)  # kept from the schedule
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'fam_inceptionv3_cub.py'))
    assert cfg.model.backbone.extra_dropout == 0.5


@pytest.mark.parametrize('name', sorted(ABLATIONS))
def test_ablation_rows(name):
    path = osp.join(REPO, 'configs', name)
    cfg = Config.fromfile(path)
    memory, spa, div, importance, numbers = ABLATIONS[name]
    assert cfg.model.neck.use_memory is memory
    assert (cfg.model.head.loss_spa_weight > 0) is spa
    assert (cfg.model.head.loss_div_weight > 0) is div
    assert cfg.model.head.use_importance is importance
    with open(path, encoding='utf-8') as f:
        text = f.read()
    for number in numbers:
        assert number in text, f'{name} does not quote {number}'
    with open(osp.join(REPO, 'configs', 'README.md'), encoding='utf-8') as f:
        readme = f.read()
    row = next(line for line in readme.splitlines()
               if line.startswith(f'| `{name}`') and '|' in line[2:])
    for number in numbers:
        assert number in row, f'configs/README.md row of {name}: {row}'


@pytest.mark.skipif(not osp.isdir(METADATA), reason='no shared metadata')
@pytest.mark.parametrize('dataset,num', [('CUB', 1000), ('ILSVRC', 10000)])
def test_val_split_is_train_fullsup(dataset, num):
    """The configs' val split is the real wsolevaluation train-fullsup."""
    ds = WSOLMetadataDataset(
        data_root='unused', metadata_root=osp.join(METADATA, dataset),
        split='val', annotation_only=True, lazy_init=False)
    assert len(ds) == num
