# dataset settings: CUB-200-2011 with boxes (fam_mm.datasets.CUBWSOL), read
# from the official layout (images/, images.txt, image_class_labels.txt,
# train_test_split.txt, bounding_boxes.txt). Pipelines follow the FAM paper:
# train on 256x256 resized images with 224 random crops and flips.
#
# For the WSOL-evaluation protocol (train / val = train-fullsup / test from
# the metadata files) use instead, e.g. for validation:
#   dict(type='WSOLMetadataDataset', data_root='data/CUB',
#        metadata_root='data/wsolevaluation_metadata/CUB', split='val',
#        pipeline=test_pipeline)
# (its val images come from the CUBV2 set; see
# tools/dataset_converters/prepare_cub.py to write CUB metadata).
dataset_type = 'CUBWSOL'
data_root = 'data/CUB_200_2011'
num_classes = 200
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
    num_workers=4,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)

val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='WSOLMetric')

test_dataloader = val_dataloader
test_evaluator = val_evaluator
