# ACoL (Zhang et al., "Adversarial Complementary Learning for Weakly Supervised
# Object Localization", CVPR 2018) with a ResNet50 backbone on CUB-200-2011:
# the CAM config of this cell (ImageNet weights, data, wsolevaluation's recipe,
# min-max CAM evaluation) with ACoLHead on layer4 (2048 channels, 14 x 14 at
# 224) (docs/methods_acol_spg.md). wsolevaluation's MaxBoxAccV2 for this cell
# (their README): 66.5 (CAM 63.0, +3.5).
_base_ = ['./cam_resnet50_cub.py']

model = dict(
    head=dict(
        _delete_=True,
        type='ACoLHead',
        num_classes={{_base_.num_classes}},
        in_channels=2048,
        mid_channels=1024,
        erase_threshold=0.7,
        cam_target='gt',
        loc_threshold=0.2,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
