# HaS (Hide-and-Seek; Singh & Lee, ICCV 2017) on the fine-grained variant of
# the synthetic benchmark: the CAM recipe of the fine-grained pair
# (cam_efficientnet-lite0_synthetic-finegrained.py: EfficientNet-Lite0 at
# stride 8, 16x16 maps at 128 px, 6 epochs) with every g x g pixel patch of
# each training image hidden with probability p (the HideAndSeek batch
# augment, after normalisation: hidden = the mean colour; training only, the
# test network is CAM). g = 4 px, p = 0.5: wsolevaluation's defaults (the HaS
# paper used 16-56 px patches at 224 px);
# tools/analysis_tools/wsol_leaderboard.py chooses g on val. The box
# threshold is chosen on val by the leaderboard; the inherited
# loc_threshold is CAM's.
_base_ = ['./cam_efficientnet-lite0_synthetic-finegrained.py']

model = dict(
    train_cfg=dict(
        augments=[dict(type='HideAndSeek', grid_size=4, hide_prob=0.5)]))
