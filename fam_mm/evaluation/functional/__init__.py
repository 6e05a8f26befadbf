"""Pure functions for WSOL localization maths (box extraction, IoU) and
statistics of FAM's foreground and part maps.

One implementation of each thing: the head's ``pred_bbox``, the
``WSOLMetric``, the visualization hook and the tools all call these.
"""
from .box_accuracy import (
    box_accuracy_hits,
    boxes_at_level,
    cam_threshold_levels,
    max_box_iou,
    max_box_iou_naive,
    quantize_map,
)
from .level_sets import level_set_best_ious, upper_level_set_boxes
from .localization import (
    box_iou,
    boxes_of_foreground,
    boxes_to_input,
    boxes_to_original,
    extract_bbox,
    normalize_map,
    original_box,
    transform_boxes,
)
from .part_maps import (
    PART_COSINE_MODES,
    PartPurity,
    background_rows,
    foreground_stats,
    part_map_cosine,
    part_purity,
)
from .pxap import pxap_bin_edges, pxap_from_histograms, pxap_histograms
from .threshold_search import select_loc_threshold

__all__ = [
    'box_iou', 'boxes_to_input', 'boxes_to_original', 'extract_bbox',
    'boxes_of_foreground', 'normalize_map', 'original_box',
    'transform_boxes', 'quantize_map',
    'cam_threshold_levels', 'boxes_at_level', 'max_box_iou',
    'max_box_iou_naive', 'box_accuracy_hits', 'upper_level_set_boxes',
    'level_set_best_ious', 'pxap_bin_edges', 'pxap_histograms',
    'pxap_from_histograms', 'select_loc_threshold', 'foreground_stats',
    'part_map_cosine', 'PART_COSINE_MODES', 'PartPurity', 'part_purity',
    'background_rows'
]
