# CUB-200-2011 schedule (common WSOL practice; the FAM paper gives none):
# SGD, momentum 0.9, weight decay 5e-4, lr 1e-3 for the pretrained backbone
# and 10x for the new layers (FAM neck and head), batch 32, 100 epochs,
# lr x0.1 at epochs 60 and 90.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(
        custom_keys={
            'neck': dict(lr_mult=10.0),
            'head': dict(lr_mult=10.0),
            'backbone.extra_convs': dict(lr_mult=10.0),
        }))

param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[60, 90], gamma=0.1)

train_cfg = dict(
    type='ResumableEpochBasedTrainLoop', max_epochs=100, val_interval=5)
val_cfg = dict()
test_cfg = dict()

# lr above is for a total batch of 32 (e.g. 1 GPU x 32 or 4 GPUs x 8).
auto_scale_lr = dict(base_batch_size=32)
