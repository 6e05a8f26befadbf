# ResNet50 for WSOL: mmpretrain's ResNet with stride 1 in the last stage.
# Output (B, 2048, 14, 14) at 224 input.
backbone = dict(
    type='ResNet',
    depth=50,
    num_stages=4,
    strides=(1, 2, 2, 1),
    out_indices=(3, ),
    style='pytorch',
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://download.openmmlab.com/mmclassification/v0/'
        'resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth',
        prefix='backbone'))
feat_channels = 2048
