# ADL (Choe and Shim, "Attention-based Dropout Layer for Weakly Supervised
# Object Localization", CVPR 2019) with an InceptionV3 backbone on ILSVRC: the
# CAM config of this cell (ImageNet weights, data, wsolevaluation's recipe,
# min-max CAM evaluation) with ADL after Mixed_5d, Mixed_6e and the head's
# second conv (wsolevaluation's places, docs/methods.md), inserted by
# PluginBackbone; the identity at test time, so the test map is the CAM. As
# wsolevaluation's ADL InceptionV3, no dropout around the extra convs (its CAM
# InceptionV3 has 0.5). wsolevaluation's MaxBoxAccV2 for this cell (their
# README): 61.4 (CAM 63.4, -2.0).
_base_ = ['./cam_inceptionv3_ilsvrc.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='PluginBackbone',
        backbone={{_base_.backbone_without_dropout}},
        plugins=[
            dict(type='ADL', after='Mixed_5d', drop_rate=0.75, gamma=0.9),
            dict(type='ADL', after='Mixed_6e', drop_rate=0.75, gamma=0.9),
            dict(type='ADL', after='extra_convs.1', drop_rate=0.75, gamma=0.9),
        ]))
