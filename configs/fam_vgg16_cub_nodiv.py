# Ablation of FAM-VGG16 on CUB-200-2011, paper Table 3, row 2: importance
# prediction on, no diversity loss. Paper: Top-1 Cls 75.63, GT-known 86.82.
_base_ = ['fam_vgg16_cub.py']

model = dict(head=dict(loss_div_weight=0.0))
