# CAM baseline with a ResNet50 backbone on OpenImages30k, evaluated by PxAP
# (wsolevaluation's protocol: select on val = train-fullsup, test once).
_base_ = [
    '_base_/models/cam.py',
    '_base_/models/backbones/resnet50_wsol.py',
    '_base_/datasets/openimages_wsol.py',
    '_base_/schedules/wsol_cub_sgd.py',
    '_base_/default_runtime.py',
]

model = dict(
    backbone={{_base_.backbone}},
    head=dict(num_classes=100, in_channels={{_base_.feat_channels}}))

# As clovaai/wsolevaluation, ResNet50's layer4 at the new layers' 10x lr.
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'backbone.layer4': dict(lr_mult=10.0)}))

# Same schedule as configs/fam_resnet50_openimages.py.
train_cfg = dict(max_epochs=10, val_interval=1)
param_scheduler = dict(milestones=[3, 6])

# CAMs are min-max normalised (as the reference normalises every map).
val_evaluator = dict(type='WSOLMetric', loc_threshold_mode='minmax')
test_evaluator = val_evaluator
