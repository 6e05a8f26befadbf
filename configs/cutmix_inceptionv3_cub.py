# CutMix (Yun et al., "CutMix: Regularization Strategy to Train Strong
# Classifiers with Localizable Features", ICCV 2019) with an InceptionV3
# backbone on CUB-200-2011: the CAM config of this cell (ImageNet weights,
# data, wsolevaluation's recipe, min-max CAM evaluation) with mmpretrain's
# CutMix batch augment (lam ~ Beta(1, 1), every batch: wsolevaluation's
# cutmix_beta 1.0 and cutmix_prob 1.0; the loss mixed by lam); training only,
# so the test map is the CAM. wsolevaluation's MaxBoxAccV2 for this cell (their
# README): 57.5 (CAM 56.7, +0.8).
_base_ = ['./cam_inceptionv3_cub.py']

# merged into the dataset's data_preprocessor (normalisation, num_classes)
data_preprocessor = dict(
    batch_augments=dict(augments=[dict(type='CutMix', alpha=1.0)]))
