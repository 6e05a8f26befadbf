import copy
import os.path as osp

import pytest
from mmengine.config import Config
from mmpretrain.registry import DATASETS, TRANSFORMS

import fam_mm  # noqa: F401  (registers the modules)

CONFIG_DIR = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    '_base_', 'datasets')


@pytest.mark.parametrize('name,dataset_type,num_classes',
                         [('cub_wsol.py', 'CUBWSOL', 200),
                          ('ilsvrc_wsol.py', 'ImageNetWSOL', 1000),
                          ('synthetic_wsol.py', 'SyntheticWSOL', 8)])
def test_config_snippet(name, dataset_type, num_classes):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    assert cfg.dataset_type == dataset_type
    assert cfg.data_preprocessor['num_classes'] == num_classes
    assert cfg.val_evaluator == dict(type='WSOLMetric')
    assert cfg.test_evaluator == dict(type='WSOLMetric')
    for key in ('train_pipeline', 'test_pipeline',
                'test_pipeline_center_crop'):
        pipeline = cfg[key]
        assert pipeline[0]['type'] == 'LoadImageFromFile'
        assert pipeline[-1]['type'] == 'PackWSOLInputs'
        for step in pipeline:
            TRANSFORMS.build(copy.deepcopy(step))
    for loader in ('train_dataloader', 'test_dataloader'):
        assert cfg[loader]['dataset']['type'] == dataset_type
    # model selection on train-fullsup: the wsolevaluation `val` split,
    # read from its metadata, for the real datasets
    assert cfg.val_dataloader['dataset']['type'] == (
        dataset_type if dataset_type == 'SyntheticWSOL' else
        'WSOLMetadataDataset')
    assert cfg.val_dataloader['dataset']['split'] == 'val'
    assert [s['type'] for s in cfg.train_pipeline[1:-1]
            ] == ['WSOLResize', 'WSOLRandomCrop', 'WSOLRandomFlip']
    # the synthetic benchmark's test pipelines also load its exact masks
    # (PxAP); the geometric steps are the same everywhere
    masks = ['LoadWSOLMasks'] if dataset_type == 'SyntheticWSOL' else []
    assert [s['type'] for s in cfg.test_pipeline[1:-1]
            ] == masks + ['WSOLResize']
    assert [s['type'] for s in cfg.test_pipeline_center_crop[1:-1]
            ] == masks + ['WSOLResize', 'WSOLCenterCrop']


def test_synthetic_config_builds(tmp_path):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, 'synthetic_wsol.py'))
    dataset = copy.deepcopy(cfg.train_dataloader['dataset'])
    dataset.update(
        data_root=str(tmp_path / 'synthetic'),
        num_train=8,
        num_val=4,
        num_test=4)
    ds = DATASETS.build(dataset)
    out = ds[0]
    assert tuple(out['inputs'].shape) == (3, 128, 128)
    assert out['data_samples'].gt_bboxes.shape[-1] == 4
