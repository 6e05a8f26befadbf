# ADL (Choe and Shim, "Attention-based Dropout Layer for Weakly Supervised
# Object Localization", CVPR 2019) with a ResNet50 backbone on ILSVRC: the CAM
# config of this cell (ImageNet weights, data, wsolevaluation's recipe, min-max
# CAM evaluation) with ADL after layer3.0, layer4.0 and layer4.2
# (wsolevaluation's places, docs/methods.md), inserted by PluginBackbone; the
# identity at test time, so the test map is the CAM. wsolevaluation's
# MaxBoxAccV2 for this cell (their README): 63.7 (CAM 63.7, +0.0).
_base_ = ['./cam_resnet50_ilsvrc.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='PluginBackbone',
        backbone={{_base_.backbone}},
        plugins=[
            dict(type='ADL', after='layer3.0', drop_rate=0.75, gamma=0.9),
            dict(type='ADL', after='layer4.0', drop_rate=0.75, gamma=0.9),
            dict(type='ADL', after='layer4.2', drop_rate=0.75, gamma=0.9),
        ]))
