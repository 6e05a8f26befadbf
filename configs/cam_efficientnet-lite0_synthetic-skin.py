# CAM of cam_efficientnet-lite0_synthetic.py on the richer variant of the
# synthetic benchmark (class also on the skin; see
# _base_/datasets/synthetic_wsol_skin.py).
_base_ = [
    '_base_/models/cam.py',
    '_base_/models/backbones/efficientnet_lite0_wsol_synthetic.py',
    '_base_/datasets/synthetic_wsol_skin.py',
    '_base_/schedules/synthetic_finetune.py',
    '_base_/default_runtime.py',
]

model = dict(
    backbone={{_base_.backbone}},
    head=dict(num_classes=8, in_channels={{_base_.feat_channels}}))

data_preprocessor = dict(mean={{_base_.lite_mean}}, std={{_base_.lite_std}})
val_evaluator = dict(
    type='WSOLMetric', loc_threshold=0.2, loc_threshold_mode='minmax')
test_evaluator = val_evaluator
randomness = dict(seed=0)
