# ACoL (Zhang et al., "Adversarial Complementary Learning for Weakly Supervised
# Object Localization", CVPR 2018) with a VGG16 backbone on ILSVRC: the CAM
# config of this cell (ImageNet weights, data, wsolevaluation's recipe, min-max
# CAM evaluation) with ACoLHead on conv5_3 (512 channels, 14 x 14 at 224): its
# two branches replace conv6 (docs/methods_acol_spg.md). wsolevaluation's
# MaxBoxAccV2 for this cell (their README): 57.4 (CAM 60.0, -2.6).
_base_ = ['./cam_vgg16_ilsvrc.py']

model = dict(
    backbone=dict(extra_channels=()),
    head=dict(
        _delete_=True,
        type='ACoLHead',
        num_classes={{_base_.num_classes}},
        in_channels=512,
        mid_channels=1024,
        erase_threshold=0.7,
        pre_avgpool=True,  # wsolevaluation's VGG16 ACoL smooths conv5_3
        cam_target='gt',
        loc_threshold=0.2,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
