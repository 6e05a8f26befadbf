# dataset settings: CUB-200-2011 with boxes under the WSOL-evaluation protocol
# (Choe et al., CVPR 2020; the FAM paper, section 4.1, tunes on train-fullsup):
#   train: the official train split (5,994 images, image labels only) read by
#          CUBWSOL from the official layout (images/, images.txt,
#          image_class_labels.txt, train_test_split.txt, bounding_boxes.txt);
#   val:   train-fullsup, the 1,000 CUBV2 images with boxes listed by the
#          wsolevaluation metadata (`<metadata>/CUB/val`): model selection
#          (`save_best`) and the box-threshold search happen here only;
#   test:  the official test split (5,794 images), evaluated once at the end.
# The CUBV2 images are not part of CUB_200_2011.tgz: get them with
# clovaai/wsolevaluation's download script (CUBV2.tar) and unpack them into
# data/CUB_200_2011/images so that `<metadata>/CUB/val/image_ids.txt` resolves
# there; `tools/dataset_converters/prepare_cub.py data/CUB_200_2011
# --check-only --wsol-metadata data/wsolevaluation_metadata/CUB` checks it.
# Pipelines follow the FAM paper: train on 256x256 resized images with 224
# random crops and flips.
dataset_type = 'CUBWSOL'
data_root = 'data/CUB_200_2011'
# a copy of clovaai/wsolevaluation's metadata/ folder
metadata_root = 'data/wsolevaluation_metadata/CUB'
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

# batch 32 on one GPU is the recipe's total batch (auto_scale_lr in the
# schedule); with N GPUs pass train_dataloader.batch_size=32/N
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

# train-fullsup (CUBV2): model selection and threshold search
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    dataset=dict(
        type='WSOLMetadataDataset',
        data_root=data_root + '/images',
        metadata_root=metadata_root,
        split='val',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
# the box threshold is the model's (`model.head.loc_threshold`, see
# WSOLMetric); the evaluator only chooses how the map is normalised
val_evaluator = dict(type='WSOLMetric')

# the test split, evaluated once with the selected checkpoint
test_dataloader = dict(
    batch_size=32,
    num_workers=4,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_evaluator = val_evaluator
