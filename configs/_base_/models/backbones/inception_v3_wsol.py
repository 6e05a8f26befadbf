# Inception-v3 for WSOL: padded stem and stride-1 Mixed_6a, cut after
# Mixed_6e, plus two 3x3 convs -> 1024 + ReLU, with dropout 0.5 before each
# extra conv and after the last in training (as clovaai/wsolevaluation's
# InceptionV3). Output (B, 1024, 28, 28) at 224 input.
backbone = dict(
    type='WSOLInceptionV3',
    mixed_6a_stride=1,
    extra_channels=(1024, 1024),
    extra_dropout=0.5,
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://download.openmmlab.com/mmclassification/v0/'
        'inception-v3/inception-v3_3rdparty_8xb32_in1k_20220615-dcd4d910.pth',
        prefix='backbone'))
feat_channels = 1024
# wsolevaluation's InceptionV3 for ADL has no dropout around its extra convs
# (configs/adl_inceptionv3_*.py)
backbone_without_dropout = dict(backbone, extra_dropout=0.0)
