# FAM with a ResNet50 backbone on OpenImages30k, evaluated by PxAP (the FAM
# paper does not report OpenImages; wsolevaluation's protocol is followed:
# select on val = train-fullsup, test once).
_base_ = [
    '_base_/models/fam.py',
    '_base_/models/backbones/resnet50_wsol.py',
    '_base_/datasets/openimages_wsol.py',
    '_base_/schedules/wsol_cub_sgd.py',
    '_base_/default_runtime.py',
]

model = dict(
    backbone={{_base_.backbone}},
    neck=dict(in_channels={{_base_.feat_channels}}),
    head=dict(num_classes=100, in_channels={{_base_.feat_channels}}))

# As clovaai/wsolevaluation, ResNet50's layer4 at the new layers' 10x lr.
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'backbone.layer4': dict(lr_mult=10.0)}))

# 29,819 train images (5x CUB): 10 epochs, lr x0.1 after 3 and 6 (our
# choice; wsolevaluation tunes epochs and lr per method on train-fullsup).
train_cfg = dict(max_epochs=10, val_interval=1)
param_scheduler = dict(milestones=[3, 6])

# FAM's map is a sigmoid, used as it is (PxAP needs no box threshold).
val_evaluator = dict(type='WSOLMetric', loc_threshold_mode='absolute')
test_evaluator = val_evaluator
