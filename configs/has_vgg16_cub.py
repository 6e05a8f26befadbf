# HaS (Singh and Lee, "Hide-and-Seek: Forcing a Network to be Meticulous for
# Weakly-supervised Object and Action Localization", ICCV 2017) with a VGG16
# backbone on CUB-200-2011: the CAM config of this cell (ImageNet weights,
# data, wsolevaluation's recipe, min-max CAM evaluation) with HideAndSeek
# hiding every 4 x 4 pixel patch of a training image with probability 0.5
# (wsolevaluation's defaults; the HaS paper used 16-56 px patches), after the
# normalisation (hidden = the mean colour); training only, so the test map is
# the CAM. wsolevaluation's MaxBoxAccV2 for this cell (their README): 63.7 (CAM
# 63.7, +0.0).
_base_ = ['./cam_vgg16_cub.py']

# merged into the dataset's data_preprocessor (normalisation, num_classes)
data_preprocessor = dict(
    batch_augments=dict(
        augments=[dict(type='HideAndSeek', grid_size=4, hide_prob=0.5)]))
