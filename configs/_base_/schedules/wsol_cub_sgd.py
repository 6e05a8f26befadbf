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

# The lr above is for a TOTAL batch of 32 images per step (world size x
# train_dataloader.batch_size): 1 GPU x 32 as configured, or e.g. 8 GPUs x 4
# (`--cfg-options train_dataloader.batch_size=4`). tools/train.py prints the
# total batch and lr at start and warns when they differ from this recipe
# without --auto-scale-lr (which rescales the lr linearly: think twice before
# using it on a VGG16 without BN at 8x the batch).
auto_scale_lr = dict(base_batch_size=32)
