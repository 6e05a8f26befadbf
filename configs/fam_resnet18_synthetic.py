# FAM with a slim ResNet18 on the synthetic WSOL benchmark: the embedded
# default of `make demo`, trains in minutes on 2 CPU cores.
_base_ = [
    '_base_/models/fam.py',
    '_base_/models/backbones/resnet18_slim_wsol.py',
    '_base_/datasets/synthetic_wsol.py',
    '_base_/schedules/synthetic_adamw.py',
    '_base_/default_runtime.py',
]

model = dict(
    backbone={{_base_.backbone}},
    neck=dict(in_channels={{_base_.feat_channels}}),
    head=dict(num_classes=8, in_channels={{_base_.feat_channels}}))

val_evaluator = dict(
    type='WSOLMetric', loc_threshold=0.5, loc_threshold_mode='absolute')
test_evaluator = val_evaluator
randomness = dict(seed=0)
