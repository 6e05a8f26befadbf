# FAM with a DeiT-S backbone (mmpretrain's VisionTransformer, 14 x 14 patch
# tokens at 224, as the CNN backbones' 14 x 14 maps) on CUB-200-2011: the FAM
# neck and head on the patch-token map. Not in the FAM paper. The recipe is
# the CNN configs' (wsolevaluation's SGD schedule, neck and head at 10x lr),
# not tuned for a transformer; search the lr on the val split
# (= train-fullsup).
_base_ = [
    '_base_/models/fam.py',
    '_base_/models/backbones/deit_small_wsol.py',
    '_base_/datasets/cub_wsol.py',
    '_base_/schedules/wsol_cub_sgd.py',
    '_base_/default_runtime.py',
]

model = dict(
    backbone={{_base_.backbone}},
    neck=dict(in_channels={{_base_.feat_channels}}),
    head=dict(num_classes=200, in_channels={{_base_.feat_channels}}))

# FAM's map is a sigmoid: the paper thresholds it at 0.5 as it is. The box
# threshold is `model.head.loc_threshold` (0.5, _base_/models/fam.py): the
# metrics, pred_bbox, --out records and --show-dir pictures all use it.
val_evaluator = dict(type='WSOLMetric', loc_threshold_mode='absolute')
test_evaluator = val_evaluator
