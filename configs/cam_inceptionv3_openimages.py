# CAM (Zhou et al., CVPR 2016) with an InceptionV3 backbone on OpenImages30k,
# under clovaai/wsolevaluation's recipe
# (_base_/schedules/wsol_openimages_sgd.py):
# GT-class CAM without the classifier bias, upsampled bicubically,
# min-max normalised (CAMHead, WSOLMetric 'minmax'). wsolevaluation's
# PxAP for this cell (their README): 63.2.
_base_ = [
    '_base_/models/cam.py',
    '_base_/models/backbones/inception_v3_wsol.py',
    '_base_/datasets/openimages_wsol.py',
    '_base_/schedules/wsol_openimages_sgd.py',
    '_base_/default_runtime.py',
]

model = dict(
    backbone={{_base_.backbone}},
    head=dict(num_classes=100, in_channels={{_base_.feat_channels}}))

# OpenImages has masks, not boxes: WSOLMetric reports PxAP (no MaxBoxAccV2),
# so the best checkpoint on train-fullsup is the best PxAP.
default_hooks = dict(checkpoint=dict(save_best='wsol/pxap'))

# CAMs are min-max normalised (as the reference normalises every map).
val_evaluator = dict(type='WSOLMetric', loc_threshold_mode='minmax')
test_evaluator = val_evaluator
