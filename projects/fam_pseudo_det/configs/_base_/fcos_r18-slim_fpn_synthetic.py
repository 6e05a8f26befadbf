# FCOS with a slim ResNet18 + FPN on the synthetic WSOL benchmark (mmdet).
#
# The detector is trained on a COCO json of boxes (`train_ann_file`: pseudo
# boxes from tools/export_pseudo_boxes.py, or the GT boxes from
# tools/dataset_converters/wsol_to_coco.py) and evaluated with mmdet's
# CocoMetric on the GT boxes of the test split. The backbone starts from the
# same synthetic "ImageNet stand-in" classifier that FAM and CAM start from
# (`make demo` writes it), so the three detectors differ only in their boxes.
#
# Needs mmdet and compiled mmcv ops: `make setup-det`.
default_scope = 'mmdet'
custom_imports = dict(imports=['mmdet.models'], allow_failed_imports=False)

data_root = 'data/synthetic_wsol/'
ann_root = 'work_dirs/fam_pseudo_det/annotations/'
train_ann_file = ann_root + 'train_gt.json'  # set by each config
test_ann_file = ann_root + 'test_gt.json'
pretrained = 'work_dirs/demo/pretrain/backbone_pretrain.pth'
# the classes of SyntheticWSOL(num_classes=8), in class-index order
classes = ('blue_spike', 'green_spike', 'magenta_spike', 'white_spike',
           'blue_knob', 'green_knob', 'magenta_knob', 'white_knob')
num_classes = len(classes)
img_scale = (192, 192)  # images are 96-160 px
max_epochs = 12

model = dict(
    type='FCOS',
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        type='ResNet',
        depth=18,
        stem_channels=64,  # as mmpretrain's ResNet (the pretraining)
        base_channels=32,  # slim: 32-64-128-256 channels
        num_stages=4,
        out_indices=(1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone')),
    neck=dict(
        type='FPN',
        in_channels=[64, 128, 256],
        out_channels=128,
        start_level=0,
        add_extra_convs='on_output',
        num_outs=3,
        relu_before_extra_convs=True),
    bbox_head=dict(
        type='FCOSHead',
        num_classes=num_classes,
        in_channels=128,
        stacked_convs=2,
        feat_channels=128,
        strides=[8, 16, 32],
        regress_ranges=((-1, 48), (48, 96), (96, 1e8)),
        norm_on_bbox=True,
        centerness_on_reg=True,
        center_sampling=True,
        conv_bias=True,
        loss_cls=dict(
            type='FocalLoss',
            use_sigmoid=True,
            gamma=2.0,
            alpha=0.25,
            loss_weight=1.0),
        loss_bbox=dict(type='GIoULoss', loss_weight=1.0),
        loss_centerness=dict(
            type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)),
    test_cfg=dict(
        nms_pre=1000,
        min_bbox_size=0,
        score_thr=0.05,
        nms=dict(type='nms', iou_threshold=0.5),
        max_per_img=100))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor')),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type='CocoDataset',
        data_root=data_root,
        ann_file=train_ann_file,
        data_prefix=dict(img=''),
        metainfo=dict(classes=classes),
        # images whose pseudo box was empty have no annotation
        filter_cfg=dict(filter_empty_gt=True, min_size=2),
        pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CocoDataset',
        data_root=data_root,
        ann_file=test_ann_file,
        data_prefix=dict(img=''),
        metainfo=dict(classes=classes),
        test_mode=True,
        pipeline=test_pipeline))
test_evaluator = dict(
    type='CocoMetric',
    ann_file=test_ann_file,
    metric='bbox',
    format_only=False)

# No validation while training: nothing is tuned on the test split, which is
# evaluated once at the end (`runner.test()`, as run_synthetic.py does).
val_dataloader = None
val_evaluator = None
val_cfg = None

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
    paramwise_cfg=dict(bias_lr_mult=2., bias_decay_mult=0.),
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=200),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[8, 11],
        gamma=0.1)
]

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=25),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=-1, save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='DetVisualizationHook'))
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='DetLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
