# DeiT-S (Touvron et al., ICML 2021) for WSOL, the backbone of the recent
# transformer WSOL methods (TS-CAM, SCM, SAT): mmpretrain's VisionTransformer,
# arch 'deit-small' (384 channels, 12 layers, 6 heads), patch 16 at 224 input.
# out_type='featmap' returns the last layer's (normalised) patch tokens as a
# (B, 384, 14, 14) map; the class token is computed and attended to, but is
# not part of the map. Weights: mmpretrain's DeiT-S ImageNet-1k checkpoint
# (deit-small_4xb256_in1k, top-1 80.69), whose keys carry the `backbone.`
# prefix like the CNN checkpoints.
backbone = dict(
    type='VisionTransformer',
    arch='deit-small',
    img_size=224,
    patch_size=16,
    out_type='featmap',
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://download.openmmlab.com/mmclassification/v0/deit/'
        'deit-small_pt-4xb256_in1k_20220218-9425b9bb.pth',
        prefix='backbone'))
feat_channels = 384
