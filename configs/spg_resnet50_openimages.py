# SPG (Zhang et al., "Self-produced Guidance for Weakly-supervised Object
# Localization", ECCV 2018) with a ResNet50 backbone on OpenImages30k: the CAM
# config of this cell (ImageNet weights, data, wsolevaluation's recipe, min-max
# CAM evaluation) with SPGHead on the backbone's last three outputs
# (docs/methods_acol_spg.md); the test map is the classifier's CAM.
# wsolevaluation's PxAP for this cell (their README): 56.7 (CAM 58.5, -1.8).
_base_ = ['./cam_resnet50_openimages.py']

model = dict(
    # (middle, late, last): layer2 (28 x 28), layer3, layer4 (14 x 14)
    backbone=dict(out_indices=(1, 2, 3)),
    head=dict(
        _delete_=True,
        type='SPGHead',
        num_classes={{_base_.num_classes}},
        in_channels=(512, 1024, 2048),
        guide_channels=1024,
        b2_thresholds=(0.7, 0.01),
        b1_thresholds=(0.5, 0.05),
        c_thresholds=(0.7, 0.1),
        cam_target='gt',
        loc_threshold=0.2,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
