# Fine-tuning schedule of the synthetic benchmark (FAM and CAM alike), from
# the backbone of configs/pretrain_resnet18_synthetic.py: the CUB recipe
# (SGD, momentum 0.9, 10x lr on the new layers) scaled to a short cosine run.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=5e-3, momentum=0.9, weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys={
        'neck': dict(lr_mult=10.0),
        'head': dict(lr_mult=10.0),
    }))

# The cosine spans the whole run: end = T_max = train_cfg.max_epochs. A
# child config that changes max_epochs overrides this list too (a list is
# replaced, not merged); tools that change it call
# fam_mm.utils.set_max_epochs, and tools/train.py warns when they differ.
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        by_epoch=True,
        begin=0,
        end=8,
        T_max=8,
        eta_min=1e-5),
]

train_cfg = dict(
    type='ResumableEpochBasedTrainLoop', max_epochs=8, val_interval=4)
val_cfg = dict()
test_cfg = dict()

auto_scale_lr = dict(base_batch_size=32)
