"""Inference API of fam-mm and the helpers of the tools built on it."""
from .pipeline_utils import (find_pipeline_dataset, get_test_pipeline_cfg,
                             split_loading_transform)
from .pseudo_boxes import DumpCocoPseudoBoxes, pseudo_boxes_to_coco
from .wsol_inferencer import WSOLInferencer

__all__ = [
    'WSOLInferencer', 'DumpCocoPseudoBoxes', 'pseudo_boxes_to_coco',
    'find_pipeline_dataset', 'get_test_pipeline_cfg', 'split_loading_transform'
]
