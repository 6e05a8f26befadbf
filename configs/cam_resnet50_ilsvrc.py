# CAM (Zhou et al., CVPR 2016) with a ResNet50 backbone on ILSVRC, under
# clovaai/wsolevaluation's recipe (_base_/schedules/wsol_ilsvrc_sgd.py):
# GT-class CAM without the classifier bias, upsampled bicubically,
# min-max normalised (CAMHead, WSOLMetric 'minmax'). wsolevaluation's
# MaxBoxAccV2 for this cell (their README): 63.7.
_base_ = [
    '_base_/models/cam.py',
    '_base_/models/backbones/resnet50_wsol.py',
    '_base_/datasets/ilsvrc_wsol.py',
    '_base_/schedules/wsol_ilsvrc_sgd.py',
    '_base_/default_runtime.py',
]

model = dict(
    backbone={{_base_.backbone}},
    head=dict(num_classes=1000, in_channels={{_base_.feat_channels}}))

# As clovaai/wsolevaluation for ResNet50: weight decay 1e-4 (5e-4 in the
# schedule is theirs for VGG16 / InceptionV3), and layer4 trained at the new
# layers' 10x lr (the schedule's custom_keys give it to neck, head and extra
# convs).
optim_wrapper = dict(
    optimizer=dict(weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys={'backbone.layer4': dict(lr_mult=10.0)}))

# CAMs are min-max normalised; the box threshold is
# `model.head.loc_threshold` (0.2, a common CAM threshold, in
# _base_/models/cam.py; search it on the val split with
# tools/analysis_tools/search_threshold.py).
val_evaluator = dict(type='WSOLMetric', loc_threshold_mode='minmax')
test_evaluator = val_evaluator
