# dataset settings: OpenImages30k of the WSOL evaluation protocol (Choe et
# al., CVPR 2020; fam_mm.datasets.OpenImagesWSOL). 100 classes; train =
# train-weaksup (29,819 images, labels only), val = train-fullsup (2,500
# images with masks: select hyper-parameters and the box threshold here),
# test (5,000 images with masks: evaluate once). Images and masks share one
# root (the wsolevaluation layout: <split>/<class>/<id>.jpg next to
# <id>_m<class>_<n>.png and <id>_ignore.png); check it with
# tools/dataset_converters/prepare_openimages.py. Localization is measured
# by PxAP (WSOLMetric reports `pxap`; there are no boxes).
dataset_type = 'OpenImagesWSOL'
data_root = 'data/OpenImages'
metadata_root = 'data/wsolevaluation_metadata/OpenImages'
num_classes = 100
resize_size = 256
input_size = 224

data_preprocessor = dict(
    num_classes=num_classes,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    # convert image from BGR to RGB
    to_rgb=True,
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='WSOLResize', scale=(resize_size, resize_size)),
    dict(type='WSOLRandomCrop', crop_size=input_size),
    dict(type='WSOLRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackWSOLInputs'),
]

# wsolevaluation protocol: resize the whole image (and, nearest, its masks)
# to 224x224
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWSOLMasks'),
    dict(type='WSOLResize', scale=(input_size, input_size)),
    dict(type='PackWSOLInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metadata_root=metadata_root,
        split='train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)

# model selection on train-fullsup (wsolevaluation's `val`), never on test
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metadata_root=metadata_root,
        split='val',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='WSOLMetric')

test_dataloader = dict(
    batch_size=32,
    num_workers=4,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        metadata_root=metadata_root,
        split='test',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_evaluator = val_evaluator
