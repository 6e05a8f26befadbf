# CAM with a DeiT-S backbone (mmpretrain's VisionTransformer, 14 x 14 patch
# tokens at 224) on CUB-200-2011: GT-class CAM of a GAP + FC head on the
# patch-token map, as the CNN CAM configs. The recipe is the CNN configs'
# (wsolevaluation's SGD schedule, the head at 10x lr), not tuned for a
# transformer; search the lr on the val split (= train-fullsup).
_base_ = [
    '_base_/models/cam.py',
    '_base_/models/backbones/deit_small_wsol.py',
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
