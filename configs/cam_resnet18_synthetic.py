# CAM with a slim ResNet18 on the synthetic WSOL benchmark (the older pair;
# `make demo` now uses the EfficientNet-Lite0 pair with ImageNet weights).
# `python tools/train.py` trains it from scratch (data generated on first
# use). `python tools/demo.py --backbone resnet18` first trains the backbone
# as a plain classifier (configs/pretrain_resnet18_synthetic.py) and starts
# from it; by hand, with CKPT that pretraining's checkpoint:
#   --cfg-options model.backbone.init_cfg.type=Pretrained
#   model.backbone.init_cfg.checkpoint=CKPT
#   model.backbone.init_cfg.prefix=backbone
_base_ = [
    '_base_/models/cam.py',
    '_base_/models/backbones/resnet18_slim_wsol.py',
    '_base_/datasets/synthetic_wsol.py',
    '_base_/schedules/synthetic_finetune.py',
    '_base_/default_runtime.py',
]

model = dict(
    backbone={{_base_.backbone}},
    head=dict(num_classes=8, in_channels={{_base_.feat_channels}}))

val_evaluator = dict(
    type='WSOLMetric', loc_threshold=0.2, loc_threshold_mode='minmax')
test_evaluator = val_evaluator
randomness = dict(seed=0)
