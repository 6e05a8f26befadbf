# Ablation of FAM-VGG16 on CUB-200-2011, paper Table 2, row 1: no sparsity
# loss, no foreground memory (three 1x1 convs make M instead). Every row of
# Table 2 is without the diversity loss and without importance prediction
# (its last row is Table 3's first). Paper: GT-known 51.81, Top-1 Cls 71.97.
_base_ = ['fam_vgg16_cub.py']

model = dict(
    neck=dict(use_memory=False),
    head=dict(loss_spa_weight=0.0, loss_div_weight=0.0, use_importance=False))
