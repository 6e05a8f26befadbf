# MobileNetV1 (width 1.0) for WSOL: the last stride-2 block (first of
# layer5) at stride 1. Output (B, 1024, 14, 14) at 224 input.
# OpenMMLab publishes no MobileNetV1 weights: convert ImageNet weights to
# this class's parameter names, store them under a `backbone.` prefix at the
# path below (or override `backbone.init_cfg.checkpoint`).
backbone = dict(
    type='MobileNetV1',
    widen_factor=1.0,
    strides=(1, 2, 2, 2, 1),
    out_indices=(4, ),
    init_cfg=dict(
        type='Pretrained',
        checkpoint='checkpoints/mobilenet_v1_in1k.pth',
        prefix='backbone'))
feat_channels = 1024
