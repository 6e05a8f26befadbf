# ADL (Choe and Shim, "Attention-based Dropout Layer for Weakly Supervised
# Object Localization", CVPR 2019) with a VGG16 backbone on OpenImages30k: the
# CAM config of this cell (ImageNet weights, data, wsolevaluation's recipe,
# min-max CAM evaluation) with ADL after pool3, conv4_3 and conv5_3
# (wsolevaluation's places, docs/methods.md), inserted by PluginBackbone; the
# identity at test time, so the test map is the CAM. wsolevaluation's PxAP for
# this cell (their README): 58.7 (CAM 58.3, +0.4).
_base_ = ['./cam_vgg16_openimages.py']

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
