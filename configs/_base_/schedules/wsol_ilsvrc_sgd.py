# ILSVRC schedule (common WSOL practice; the FAM paper gives none):
# SGD, momentum 0.9, weight decay 1e-4, lr 1e-3 for the pretrained backbone
# and 10x for the new layers, batch 256, 10 epochs, lr x0.1 at epochs 6 and 9.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=1e-4),
    paramwise_cfg=dict(
        custom_keys={
            'neck': dict(lr_mult=10.0),
            'head': dict(lr_mult=10.0),
            'backbone.extra_convs': dict(lr_mult=10.0),
        }))

param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[6, 9], gamma=0.1)

train_cfg = dict(
    type='ResumableEpochBasedTrainLoop', max_epochs=10, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# The lr above is for a TOTAL batch of 256 images per step (world size x
# train_dataloader.batch_size): 1 GPU x 256 as configured, or 8 GPUs x 32
# (`--cfg-options train_dataloader.batch_size=32`). tools/train.py prints the
# total batch and lr at start and warns when they differ from this recipe
# without --auto-scale-lr.
auto_scale_lr = dict(base_batch_size=256)
