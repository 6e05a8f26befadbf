# CutMix (Yun et al., ICCV 2019) on the fine-grained variant of the synthetic
# benchmark: the CAM recipe of the fine-grained pair
# (cam_efficientnet-lite0_synthetic-finegrained.py) with mmpretrain's CutMix
# batch augment: lam ~ Beta(alpha, alpha), a box of area 1 - lam pasted from
# a permuted batch, lam recomputed from the clipped box, the loss mixed by
# lam; applied to a batch with probability `probs`. alpha = 1.0, prob 1.0:
# wsolevaluation's defaults; tools/analysis_tools/wsol_leaderboard.py
# chooses them on val. Test network: CAM.
_base_ = ['./cam_efficientnet-lite0_synthetic-finegrained.py']

model = dict(
    train_cfg=dict(augments=[dict(type='CutMix', alpha=1.0)], probs=1.0))
