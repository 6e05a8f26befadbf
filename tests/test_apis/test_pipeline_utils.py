import pytest
from mmengine.config import Config

from fam_mm.apis import (
    find_pipeline_dataset,
    get_test_pipeline_cfg,
    split_loading_transform,
)

PIPELINE = [
    dict(type='mmcv.LoadImageFromFile', to_float32=True),
    dict(type='WSOLResize', scale=(8, 8)),
    dict(type='PackWSOLInputs'),
]


def test_pipeline_through_dataset_wrappers():
    inner = dict(type='CustomDataset', pipeline=PIPELINE)
    wrapped = dict(
        type='RepeatDataset',
        times=2,
        dataset=dict(type='ConcatDataset', datasets=[inner]))
    assert find_pipeline_dataset(wrapped) is inner
    assert find_pipeline_dataset(dict(type='Nothing')) is None
    cfg = Config(dict(test_dataloader=dict(dataset=wrapped)))
    pipeline = get_test_pipeline_cfg(cfg)
    assert pipeline == PIPELINE and pipeline is not PIPELINE


def test_pipeline_fallbacks():
    assert get_test_pipeline_cfg(Config(
        dict(test_pipeline=PIPELINE[1:]))) == PIPELINE[1:]
    cfg = Config(dict(val_dataloader=dict(dataset=dict(pipeline=PIPELINE))))
    assert get_test_pipeline_cfg(cfg) == PIPELINE
    with pytest.raises(ValueError, match='no test pipeline'):
        get_test_pipeline_cfg(Config(dict()))


def test_split_loading_transform():
    loader, rest = split_loading_transform(PIPELINE)
    assert loader == PIPELINE[0]
    assert [t['type'] for t in rest] == ['WSOLResize', 'PackWSOLInputs']
    loader, rest = split_loading_transform(PIPELINE[1:])
    assert loader is None and len(rest) == 2
