# OpenImages30k schedule of clovaai/wsolevaluation: the ILSVRC one (SGD,
# Nesterov momentum 0.9, batch 32, 10 epochs, lr x0.1 every 3, new layers at
# 10x, weight decay 5e-4 for VGG16 / InceptionV3 and 1e-4 for ResNet50).
_base_ = ['./wsol_ilsvrc_sgd.py']
