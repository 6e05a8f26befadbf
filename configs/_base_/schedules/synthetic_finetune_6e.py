# The synthetic fine-tuning schedule over 6 epochs: the EfficientNet-Lite0
# pairs (`make demo` trains four models in about 10 minutes on 2 CPU cores).
# The cosine list is replaced as a whole (mmengine merges dicts, not lists).
_base_ = ['./synthetic_finetune.py']
train_cfg = dict(max_epochs=6)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        by_epoch=True,
        begin=0,
        end=6,
        T_max=6,
        eta_min=1e-5),
]
