"""Inference API of fam-mm and the helpers of the tools built on it."""
from .pipeline_utils import (
    find_pipeline_dataset,
    get_test_pipeline_cfg,
    split_loading_transform,
)
from .wsol_inferencer import WSOLInferencer

__all__ = [
    'WSOLInferencer',
    'find_pipeline_dataset', 'get_test_pipeline_cfg', 'split_loading_transform'
]
