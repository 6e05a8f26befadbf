# Schedule of the synthetic benchmark: the backbone is trained from scratch
# on the CPU, so an adaptive optimizer and a short cosine schedule are used
# (no ImageNet weights, no lr multipliers: every layer is new).
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4))

param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=2, eta_min=1e-5),
]

train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=10)
val_cfg = dict()
test_cfg = dict()

auto_scale_lr = dict(base_batch_size=32)
