# CAM baseline with the same slim ResNet18 and schedule on the synthetic
# WSOL benchmark (the other half of `make demo`), fine-tuned from the same
# backbone as FAM (configs/pretrain_resnet18_synthetic.py).
_base_ = [
    '_base_/models/cam.py',
    '_base_/models/backbones/resnet18_slim_wsol_synthetic_pretrained.py',
    '_base_/datasets/synthetic_wsol.py',
    '_base_/schedules/synthetic_finetune.py',
    '_base_/default_runtime.py',
]

model = dict(
    backbone={{_base_.backbone}},
    head=dict(num_classes=8, in_channels={{_base_.feat_channels}}))

val_evaluator = dict(
    type='WSOLMetric', loc_threshold=0.2, loc_threshold_mode='minmax')
test_evaluator = val_evaluator
randomness = dict(seed=0)
