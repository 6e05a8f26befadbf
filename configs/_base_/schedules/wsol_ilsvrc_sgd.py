# ILSVRC schedule of clovaai/wsolevaluation (Choe et al., CVPR 2020), shared
# by every WSOL method here: SGD with Nesterov momentum 0.9, batch 32,
# 10 epochs, lr x0.1 every 3 epochs (after epochs 3, 6 and 9), the new layers
# (neck, head, the backbone's extra convs) at 10x the backbone's lr. Weight
# decay 5e-4 is theirs for VGG16 and InceptionV3; the ResNet50 configs set
# their 1e-4. wsolevaluation tunes the lr per method, backbone and dataset
# on train-fullsup (their results spreadsheet, not in their repository);
# 1e-3 is our default: search it on the val split (= train-fullsup).
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=1e-3, momentum=0.9, nesterov=True, weight_decay=5e-4),
    paramwise_cfg=dict(
        custom_keys={
            'neck': dict(lr_mult=10.0),
            'head': dict(lr_mult=10.0),
            'backbone.extra_convs': dict(lr_mult=10.0),
        }))

param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[3, 6, 9], gamma=0.1)

train_cfg = dict(
    type='ResumableEpochBasedTrainLoop', max_epochs=10, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# The lr above is for a TOTAL batch of 32 images per step (world size x
# train_dataloader.batch_size): 1 GPU x 32 as configured, or e.g. 8 GPUs x 4
# (`--cfg-options train_dataloader.batch_size=4`). tools/train.py prints the
# total batch and lr at start and warns when they differ from this recipe
# without --auto-scale-lr.
auto_scale_lr = dict(base_batch_size=32)
