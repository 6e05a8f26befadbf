# VGG16-BN for WSOL: as vgg16_wsol.py with BN after every conv (extra conv
# included). Output (B, 1024, 14, 14) at 224 input.
backbone = dict(
    type='WSOLVGG',
    depth=16,
    norm_cfg=dict(type='BN'),
    extra_channels=(1024, ),
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://download.openmmlab.com/mmclassification/v0/vgg/'
        'vgg16_bn_batch256_imagenet_20210208-7e55cd29.pth',
        prefix='backbone'))
feat_channels = 1024
