# Ablation of FAM-VGG16 on CUB-200-2011: Table 3, without importance prediction
# (the paper only reports it together
# with no diversity loss: Top-1 Cls 72.52, GT-known 82.53).
_base_ = ['fam_vgg16_cub.py']

model = dict(head=dict(use_importance=False))
