# ADL (Choe and Shim, "Attention-based Dropout Layer for Weakly Supervised
# Object Localization", CVPR 2019) with a VGG16 backbone on CUB-200-2011: the
# CAM config of this cell (ImageNet weights, data, wsolevaluation's recipe,
# min-max CAM evaluation) with ADL after pool3, conv4_3 and conv5_3
# (wsolevaluation's places, docs/methods.md), inserted by PluginBackbone; the
# identity at test time, so the test map is the CAM. wsolevaluation's
# MaxBoxAccV2 for this cell (their README): 66.3 (CAM 63.7, +2.6).
_base_ = ['./cam_vgg16_cub.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='PluginBackbone',
        backbone={{_base_.backbone}},
        plugins=[
            dict(type='ADL', after='features.9', drop_rate=0.75, gamma=0.9),
            dict(type='ADL', after='features.12', drop_rate=0.75, gamma=0.9),
            dict(type='ADL', after='features.16', drop_rate=0.75, gamma=0.9),
        ]))
