# FAM with a InceptionV3 backbone on ILSVRC (paper Table 1: Top-1 Loc 55.24,
# Top-1 Cls 77.63, GT-known 68.62).
_base_ = [
    '_base_/models/fam.py',
    '_base_/models/backbones/inception_v3_wsol.py',
    '_base_/datasets/ilsvrc_wsol.py',
    '_base_/schedules/wsol_ilsvrc_sgd.py',
    '_base_/default_runtime.py',
]

model = dict(
    backbone={{_base_.backbone}},
    neck=dict(in_channels={{_base_.feat_channels}}),
    head=dict(num_classes=1000, in_channels={{_base_.feat_channels}}))

# FAM's map is a sigmoid: the paper thresholds it at 0.5 as it is. The box
# threshold is `model.head.loc_threshold` (0.5, _base_/models/fam.py): the
# metrics, pred_bbox, --out records and --show-dir pictures all use it.
val_evaluator = dict(type='WSOLMetric', loc_threshold_mode='absolute')
test_evaluator = val_evaluator
