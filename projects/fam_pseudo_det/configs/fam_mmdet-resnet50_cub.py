# FAM on CUB-200-2011 with mmdet's ResNet50 as the backbone.
#
# The model is still mmpretrain's ImageClassifier + FAMNeck + FAMHead (all in
# mmpretrain's registry, registered by `import fam_mm`); only the backbone
# comes from mmdet's registry through its scope prefix. Any mmdet backbone
# that returns a tuple of feature maps works: FAMNeck uses the last one, so
# `out_indices` names the stage FAM reads. Here: stride 1 in the last stage,
# as the paper's ResNet50 (B, 2048, 14, 14 at 224), with torchvision's
# ImageNet weights, mmdet's usual initialisation.
#
# Needs mmdet (and so compiled mmcv ops): `make setup-det`.
_base_ = ['../../../configs/fam_resnet50_cub.py']

custom_imports = dict(
    imports=['fam_mm', 'mmdet.models'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmdet.ResNet',
        depth=50,
        num_stages=4,
        strides=(1, 2, 2, 1),
        out_indices=(3, ),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')))
