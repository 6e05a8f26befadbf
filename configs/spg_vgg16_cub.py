# SPG (Zhang et al., "Self-produced Guidance for Weakly-supervised Object
# Localization", ECCV 2018) with a VGG16 backbone on CUB-200-2011: the CAM
# config of this cell (ImageNet weights, data, wsolevaluation's recipe, min-max
# CAM evaluation) with SPGHead on the backbone's last three outputs
# (docs/methods_acol_spg.md); the test map is the classifier's CAM.
# wsolevaluation's MaxBoxAccV2 for this cell (their README): 56.3 (CAM 63.7,
# -7.4).
_base_ = ['./cam_vgg16_cub.py']

model = dict(
    # (middle, late, last): pool4, conv5_3, conv6; all 14 x 14
    backbone=dict(out_indices=(3, 4, 5)),
    head=dict(
        _delete_=True,
        type='SPGHead',
        num_classes={{_base_.num_classes}},
        in_channels=(512, 512, 1024),
        guide_channels=512,
        b2_thresholds=(0.7, 0.01),
        b1_thresholds=(0.5, 0.05),
        c_thresholds=(0.7, 0.1),
        cam_target='gt',
        loc_threshold=0.2,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
