# Backbone "pretraining" for the synthetic benchmark: a plain classifier
# (slim ResNet18 + GAP + linear) trained from scratch on the train split with
# image-level labels only. It stands in for the ImageNet weights every WSOL
# method (FAM and CAM alike) is fine-tuned from, which cannot be downloaded
# on the development machine. `make demo` trains it first; the FAM and CAM
# synthetic configs load its backbone.
_base_ = [
    '_base_/models/backbones/resnet18_slim_wsol.py',
    '_base_/datasets/synthetic_wsol.py',
    '_base_/default_runtime.py',
]

model = dict(
    type='ImageClassifier',
    backbone={{_base_.backbone}},
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=8,
        in_channels={{_base_.feat_channels}},
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, )))

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4))
# 50 warm-up iterations, and a cosine over the whole run (end = T_max =
# train_cfg.max_epochs). The cosine begins at 0, not after the warm-up: its
# first step comes after epoch 0 (38 iterations of 32 of the 1200 train
# images), while the warm-up's last 12 iterations still run; mmengine chains
# the two.
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=20, T_max=20,
         eta_min=1e-5),
]
train_cfg = dict(
    type='ResumableEpochBasedTrainLoop', max_epochs=20, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32)

val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator
default_hooks = dict(
    checkpoint=dict(save_best='accuracy/top1', rule='greater'))
randomness = dict(seed=0)
