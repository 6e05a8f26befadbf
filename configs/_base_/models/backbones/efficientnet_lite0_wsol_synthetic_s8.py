# EfficientNet-Lite0 (ImageNet weights) for the fine-grained synthetic
# benchmark: stride 8 instead of 16 (stage4 at stride 1, so stages 4-5 run
# at 16 x 16 for a 128 px input: room for the parts, like the paper's
# 14 x 14 at 224), cut after stage5 (112 channels), stem and stages 1-2
# frozen. Stage5 ends on a linear projection (signed features). A new
# 3x3 conv + ReLU on top (`extra_channels=(256, )`, post-activation features
# as the paper's backbones give) was measured on val and not kept: FAM's
# classifier stayed near chance (docs/design.md, "The fine-grained
# variant").
_base_ = ['./efficientnet_lite0_wsol.py']
backbone = dict(
    strides=(1, 2, 2, 1, 1, 1, 1), out_indices=(4, ), frozen_stages=2)
feat_channels = 112
