# dataset settings: ILSVRC 2012 under the WSOL-evaluation protocol (Choe et
# al., CVPR 2020; the FAM paper, section 4.1, tunes on train-fullsup):
#   train: data_root/train/<wnid>/*.JPEG, image labels only (ImageNetWSOL);
#   val:   train-fullsup, the 10,000 ImageNetV2 (threshold-0.7) images with
#          boxes listed by the wsolevaluation metadata
#          (`<metadata>/ILSVRC/val`, image ids `val2/<class>/<n>.jpeg` under
#          data_root): model selection (`save_best`) and the box-threshold
#          search happen here only;
#   test:  the ILSVRC 2012 validation set (50,000 images) with the official
#          per-image box XML files (ILSVRC2012_bbox_val) in data_root/val,
#          evaluated once at the end.
# ImageNetV2 is not part of ILSVRC 2012: download
# imagenetv2-threshold0.7.tar.gz (github.com/modestyachts/ImageNetV2) and
# unpack it as data_root/val2, as clovaai/wsolevaluation's download script
# does;
# `tools/dataset_converters/prepare_imagenet_boxes.py data/imagenet
# --check-only --wsol-metadata data/wsolevaluation_metadata/ILSVRC` checks it.
# Class indices follow the sorted wnids (as the WSOL-evaluation metadata).
dataset_type = 'ImageNetWSOL'
data_root = 'data/imagenet'
# a copy of clovaai/wsolevaluation's metadata/ folder
metadata_root = 'data/wsolevaluation_metadata/ILSVRC'
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

# batch 32 on one GPU is the recipe's total batch (wsolevaluation's;
# auto_scale_lr in the schedule); with N GPUs pass
# train_dataloader.batch_size=32/N (8 x 4)
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

# train-fullsup (ImageNetV2): model selection and threshold search
val_dataloader = dict(
    batch_size=32,
    num_workers=5,
    dataset=dict(
        type='WSOLMetadataDataset',
        data_root=data_root,
        metadata_root=metadata_root,
        split='val',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
# the box threshold is the model's (`model.head.loc_threshold`, see
# WSOLMetric); the evaluator only chooses how the map is normalised
val_evaluator = dict(type='WSOLMetric')

# the ILSVRC 2012 validation set, evaluated once with the selected checkpoint
test_dataloader = dict(
    batch_size=32,
    num_workers=5,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_evaluator = val_evaluator
