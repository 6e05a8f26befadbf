# Ablation of FAM-VGG16 on CUB-200-2011, paper Table 2, row 2: sparsity loss
# on, no foreground memory (three 1x1 convs make M instead), and, as every row
# of Table 2, no diversity loss and no importance prediction.
# Paper: GT-known 73.95, Top-1 Cls 72.36.
_base_ = ['fam_vgg16_cub.py']

model = dict(
    neck=dict(use_memory=False),
    head=dict(loss_div_weight=0.0, use_importance=False))
