# MobileNetV1 (width 1.0) for WSOL: the last stride-2 block (first of
# layer5) at stride 1. Output (B, 1024, 14, 14) at 224 input.
# NO IMAGENET CHECKPOINT IS AVAILABLE for this backbone here: OpenMMLab
# publishes no MobileNetV1 weights and fam-mm ships no converter for another
# layout. Training starts from the file below, which you must provide: ImageNet
# weights renamed to this class's parameter names under a `backbone.` prefix
# (layout in _base_/models/backbones/README.md; or override
# `backbone.init_cfg.checkpoint`). Without it training stops when the weights
# are initialised (file not found); training from
# scratch (`backbone.init_cfg=None`) is not the paper's setting.
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
