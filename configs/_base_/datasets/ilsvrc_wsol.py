# dataset settings: ILSVRC 2012 with boxes (fam_mm.datasets.ImageNetWSOL):
# data_root/train/<wnid>/*.JPEG (labels only) and data_root/val/*.JPEG with
# the official per-image box XML files (ILSVRC2012_bbox_val) in data_root/val.
# Class indices follow the sorted wnids (as the WSOL-evaluation metadata).
#
# For the WSOL-evaluation protocol use WSOLMetadataDataset, e.g.
#   val  (train-fullsup, ImageNetV2 images under data_root/val2):
#   dict(type='WSOLMetadataDataset', data_root=data_root,
#        metadata_root='data/wsolevaluation_metadata/ILSVRC', split='val',
#        pipeline=test_pipeline)
#   test (the ILSVRC 2012 validation set): the same with split='test'.
dataset_type = 'ImageNetWSOL'
data_root = 'data/imagenet'
num_classes = 1000
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

# wsolevaluation protocol: resize the whole image to 224x224
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='WSOLResize', scale=(input_size, input_size)),
    dict(type='PackWSOLInputs'),
]

# older WSOL papers: resize to 256x256, then center crop 224
test_pipeline_center_crop = [
    dict(type='LoadImageFromFile'),
    dict(type='WSOLResize', scale=(resize_size, resize_size)),
    dict(type='WSOLCenterCrop', crop_size=input_size),
    dict(type='PackWSOLInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=5,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)

val_dataloader = dict(
    batch_size=32,
    num_workers=5,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='WSOLMetric')

test_dataloader = val_dataloader
test_evaluator = val_evaluator
