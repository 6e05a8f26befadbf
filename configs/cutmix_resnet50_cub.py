# CutMix (Yun et al., "CutMix: Regularization Strategy to Train Strong
# Classifiers with Localizable Features", ICCV 2019) with a ResNet50 backbone
# on CUB-200-2011: the CAM config of this cell (ImageNet weights, data,
# wsolevaluation's recipe, min-max CAM evaluation) with mmpretrain's CutMix
# batch augment (lam ~ Beta(1, 1), every batch: wsolevaluation's cutmix_beta
# 1.0 and cutmix_prob 1.0; the loss mixed by lam); training only, so the test
# map is the CAM. wsolevaluation's MaxBoxAccV2 for this cell (their README):
# 62.8 (CAM 63.0, -0.2).
_base_ = ['./cam_resnet50_cub.py']

# merged into the dataset's data_preprocessor (normalisation, num_classes)
data_preprocessor = dict(
    batch_augments=dict(augments=[dict(type='CutMix', alpha=1.0)]))
