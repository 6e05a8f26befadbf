# dataset settings: the synthetic WSOL benchmark (SyntheticWSOL in fam_mm)
# It is generated under `data_root` on first use (a few seconds) and
# regenerated when the generator version or its parameters change. Images
# are 96-160 px, so the input size is scaled down from the paper's 256 -> 224
# to 146 -> 128 to keep CPU training short.
dataset_type = 'SyntheticWSOL'
data_root = 'data/synthetic_wsol'
num_classes = 8
resize_size = 146
input_size = 128

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

# wsolevaluation protocol: resize the whole image to the input size. The
# exact instance masks are loaded too, so WSOLMetric also reports PxAP, and
# the part masks, so FAMMapMetric reports the part maps' purity.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWSOLMasks', with_part_masks=True),
    dict(type='WSOLResize', scale=(input_size, input_size)),
    dict(type='PackWSOLInputs'),
]

# older WSOL papers: resize, then center crop
test_pipeline_center_crop = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWSOLMasks', with_part_masks=True),
    dict(type='WSOLResize', scale=(resize_size, resize_size)),
    dict(type='WSOLCenterCrop', crop_size=input_size),
    dict(type='PackWSOLInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        num_classes=num_classes,
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)

val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        num_classes=num_classes,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='WSOLMetric')

test_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        num_classes=num_classes,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_evaluator = val_evaluator
