# Ablation of FAM-VGG16 on CUB-200-2011: the full object-aware attention
# module (sparsity loss and foreground memory) with neither part of the
# part-aware one: no diversity loss, no importance prediction (the parts are
# averaged). Paper Table 2, row 3 = Table 3, row 1: GT-known 82.53, Top-1 Cls
# 72.52.
_base_ = ['fam_vgg16_cub.py']

model = dict(head=dict(loss_div_weight=0.0, use_importance=False))
