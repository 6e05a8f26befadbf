from .dump_results import DumpWSOLResults
from .fam_map_metric import FAMMapMetric
from .pseudo_boxes import (
    DumpCocoPseudoBoxes,
    boxes_to_coco,
    pseudo_boxes_to_coco,
)
from .wsol_metric import WSOLMetric

__all__ = [
    'DumpCocoPseudoBoxes', 'DumpWSOLResults', 'FAMMapMetric', 'WSOLMetric',
    'pseudo_boxes_to_coco', 'boxes_to_coco'
]
