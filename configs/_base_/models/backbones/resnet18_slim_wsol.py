# A slim ResNet18 (base width 32 instead of 64) with stride 1 in the last
# stage, trained from scratch on the synthetic benchmark on the CPU.
# Output (B, 256, 8, 8) at 128 input (stride 16, as the WSOL ResNet50).
backbone = dict(
    type='ResNet',
    depth=18,
    base_channels=32,
    num_stages=4,
    strides=(1, 2, 2, 1),
    out_indices=(3, ),
    style='pytorch')
feat_channels = 256
