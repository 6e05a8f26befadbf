# VGG16 for WSOL: conv1_1-conv5_3 without pool5, plus one 3x3 conv
# 512 -> 1024 + ReLU (CAM's conv6). Output (B, 1024, 14, 14) at 224 input.
backbone = dict(
    type='WSOLVGG',
    depth=16,
    extra_channels=(1024, ),
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://download.openmmlab.com/mmclassification/v0/vgg/'
        'vgg16_batch256_imagenet_20210208-db26f1a5.pth',
        prefix='backbone'))
feat_channels = 1024
