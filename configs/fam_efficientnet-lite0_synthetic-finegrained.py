# FAM fine-tuned from ImageNet EfficientNet-Lite0 weights on the fine-grained
# variant of the synthetic benchmark: the headline pair of `make demo`
# (with cam_efficientnet-lite0_synthetic-finegrained.py: same backbone, data
# and schedule).
_base_ = [
    '_base_/models/fam.py',
    '_base_/models/backbones/efficientnet_lite0_wsol_synthetic_s8.py',
    '_base_/datasets/synthetic_wsol_finegrained.py',
    '_base_/schedules/synthetic_finetune_6e.py',
    '_base_/default_runtime.py',
]

model = dict(
    backbone={{_base_.backbone}},
    neck=dict(in_channels={{_base_.feat_channels}}),
    head=dict(
        num_classes=8,
        in_channels={{_base_.feat_channels}},
        loss_div_weight=0.1,
        # box threshold on the sigmoid map, chosen on val by `make demo`
        # (seed 0; val GT-known 83.5)
        loc_threshold=0.75))
data_preprocessor = dict(mean={{_base_.lite_mean}}, std={{_base_.lite_std}})
# the box threshold is the head's (model.head.loc_threshold, chosen on val)
val_evaluator = dict(type='WSOLMetric', loc_threshold_mode='absolute')
test_evaluator = val_evaluator
# as `make demo` (which also pins 2 threads and AVX2 kernels)
randomness = dict(seed=0, deterministic=True)
