# EfficientNet-Lite0 (ImageNet weights) cut for the synthetic benchmark's
# CPU budget: the network ends after stage5 (112 channels, stride 16, 8 x 8
# at 128 input) and the stem and stages 1-2 stay frozen (no backward through
# the high-resolution layers).
_base_ = ['./efficientnet_lite0_wsol.py']
backbone = dict(out_indices=(4, ), frozen_stages=2)
feat_channels = 112
