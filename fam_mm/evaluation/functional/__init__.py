"""Pure functions for WSOL localization maths (box extraction, IoU).

One implementation of each thing: the head's ``pred_bbox``, the
``WSOLMetric``, the visualization hook and the tools all call these.
"""
from .localization import (box_iou, boxes_to_original, extract_bbox,
                           normalize_map, transform_boxes)

__all__ = [
    'box_iou', 'boxes_to_original', 'extract_bbox', 'normalize_map',
    'transform_boxes'
]
