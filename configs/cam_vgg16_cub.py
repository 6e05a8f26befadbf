# CAM baseline with the same VGG16 backbone on CUB-200-2011 (paper Table 1:
# Top-1 Loc 34.41, Top-1 Cls 67.55; clovaai/wsolevaluation's README:
# MaxBoxAccV2 63.7 under its recipe, _base_/schedules/wsol_cub_sgd.py).
_base_ = [
    '_base_/models/cam.py',
    '_base_/models/backbones/vgg16_wsol.py',
    '_base_/datasets/cub_wsol.py',
    '_base_/schedules/wsol_cub_sgd.py',
    '_base_/default_runtime.py',
]

model = dict(
    backbone={{_base_.backbone}},
    head=dict(num_classes=200, in_channels={{_base_.feat_channels}}))

# CAMs are min-max normalised; the box threshold is
# `model.head.loc_threshold` (0.2, a common CAM threshold, in
# _base_/models/cam.py; search it on the val split with
# tools/analysis_tools/search_threshold.py).
val_evaluator = dict(type='WSOLMetric', loc_threshold_mode='minmax')
test_evaluator = val_evaluator
