# ACoL (Zhang et al., "Adversarial Complementary Learning for Weakly Supervised
# Object Localization", CVPR 2018) with an InceptionV3 backbone on
# OpenImages30k: the CAM config of this cell (ImageNet weights, data,
# wsolevaluation's recipe, min-max CAM evaluation) with ACoLHead on Mixed_6e
# (768 channels, 28 x 28 at 224): its two branches replace the extra convs
# (docs/methods_acol_spg.md). wsolevaluation's PxAP for this cell (their
# README): 57.2 (CAM 63.2, -6.0).
_base_ = ['./cam_inceptionv3_openimages.py']

model = dict(
    backbone=dict(extra_channels=()),
    head=dict(
        _delete_=True,
        type='ACoLHead',
        num_classes={{_base_.num_classes}},
        in_channels=768,
        mid_channels=1024,
        erase_threshold=0.7,
        cam_target='gt',
        loc_threshold=0.2,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
