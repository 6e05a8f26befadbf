# ACoL (Adversarial Complementary Learning; Zhang et al., CVPR 2018) on the
# fine-grained variant of the synthetic benchmark: the backbone, data and
# schedule of the fine-grained pair
# (cam_efficientnet-lite0_synthetic-finegrained.py) with ACoLHead: two
# classifier branches (conv3x3, ReLU, conv3x3, ReLU, conv1x1, GAP); B sees
# the features where A's GT-class map is >= erase_threshold zeroed; test map
# the max of both normalised maps. erase_threshold 0.7: wsolevaluation's
# default; tools/analysis_tools/wsol_leaderboard.py chooses it on val.
# Branch width 224: wsolevaluation's 1024 is twice VGG16's 512 channels,
# here twice the 112 channels of the cut EfficientNet (1024 would cost the
# CPU many times the backbone).
_base_ = ['./cam_efficientnet-lite0_synthetic-finegrained.py']

model = dict(
    head=dict(type='ACoLHead', mid_channels=224, erase_threshold=0.7))
