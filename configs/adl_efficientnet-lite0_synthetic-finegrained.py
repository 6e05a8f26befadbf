# ADL (Attention-based Dropout Layer; Choe & Shim, CVPR 2019) on the
# fine-grained variant of the synthetic benchmark: the CAM recipe of the
# fine-grained pair (cam_efficientnet-lite0_synthetic-finegrained.py) with
# parameter-free ADL layers inserted by PluginBackbone after the first block
# of stage4 and the first and last blocks of stage5 (the analogues of
# wsolevaluation's ResNet50 places layer3.0, layer4.0, layer4.2; identity in
# eval, so the test network is CAM). drop_rate 0.75, gamma 0.9:
# wsolevaluation's defaults; tools/analysis_tools/wsol_leaderboard.py
# chooses them on val.
_base_ = ['./cam_efficientnet-lite0_synthetic-finegrained.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='PluginBackbone',
        backbone={{_base_.backbone}},
        plugins=[
            dict(type='ADL', after='stages.3.0', drop_rate=0.75, gamma=0.9),
            dict(type='ADL', after='stages.4.0', drop_rate=0.75, gamma=0.9),
            dict(type='ADL', after='stages.4.2', drop_rate=0.75, gamma=0.9),
        ]))
