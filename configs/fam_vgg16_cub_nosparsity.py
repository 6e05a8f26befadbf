# Ablation of FAM-VGG16 on CUB-200-2011: Table 2, no sparsity loss (GT-known
# 51.81 without memory either).
_base_ = ['fam_vgg16_cub.py']

model = dict(head=dict(loss_spa_weight=0.0))
