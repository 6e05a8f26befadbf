# Ablation of FAM-VGG16 on CUB-200-2011: Table 2, sparsity loss without the
# foreground memory: GT-known 73.95, Top-1 Cls 72.36.
_base_ = ['fam_vgg16_cub.py']

model = dict(neck=dict(use_memory=False))
