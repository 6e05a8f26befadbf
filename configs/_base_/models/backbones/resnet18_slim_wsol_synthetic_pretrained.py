# The slim ResNet18 initialised from the synthetic "pretraining" classifier
# (configs/pretrain_resnet18_synthetic.py; `make demo` trains it first and
# saves its weights here). The stand-in for ImageNet weights on this
# benchmark.
_base_ = ['./resnet18_slim_wsol.py']
backbone = dict(
    init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/demo/pretrain/backbone_pretrain.pth',
        prefix='backbone'))
