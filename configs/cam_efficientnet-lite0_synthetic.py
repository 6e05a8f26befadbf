# CAM fine-tuned from ImageNet EfficientNet-Lite0 weights on the synthetic
# WSOL benchmark: the baseline half of `make demo`, with the same backbone,
# data and schedule as fam_efficientnet-lite0_synthetic.py.
_base_ = [
    '_base_/models/cam.py',
    '_base_/models/backbones/efficientnet_lite0_wsol_synthetic.py',
    '_base_/datasets/synthetic_wsol.py',
    '_base_/schedules/synthetic_finetune_6e.py',
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
