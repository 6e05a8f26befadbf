# FAM: any backbone + FAMNeck (object-aware attention) + FAMHead (part-aware
# attention). Inheriting configs set `backbone`, `neck.in_channels`,
# `head.in_channels` and `head.num_classes`. Paper values: N=3 memory
# entries, K=5 parts, lambda_spa=0.04, lambda_div=0.01, box threshold 0.5.
# One departure, measured (docs/design.md, "What makes FAM's map cover the
# object"): the part features pool the foreground features X~ = X * M
# (part_pooling='foreground'). With eq. 7 as written ('feature', pooling X)
# fine-tuned ImageNet weights gave a map that was no foreground map (as high
# on the background as on the object, GT-known 6.5-13 on val); it stays
# available as head.part_pooling='feature'.
model = dict(
    type='ImageClassifier',
    neck=dict(
        type='FAMNeck',
        in_channels=None,
        num_memory=3,
        num_encoder_layers=2,
        similarity='softmax',
        use_memory=True),
    head=dict(
        type='FAMHead',
        num_classes=None,
        in_channels=None,
        num_parts=5,
        use_importance=True,
        part_pooling='foreground',
        loss_spa_weight=0.04,
        loss_div_weight=0.01,
        loc_threshold=0.5,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))

# Collapse guard (FAM only: a CAM model has no foreground map): every 50
# iterations it logs mean(M), the share of M above the head's box threshold
# and the part-map diversity, and warns once, loudly and with the likely
# fixes, if M collapses (boxes would all be empty): at 2 checks in a row, or
# on the last batch of the run (so that a short run is warned too).
custom_hooks = [
    dict(
        type='ForegroundCollapseHook',
        interval=50,
        min_mean=0.01,
        min_fg_ratio=0.01,
        patience=2)
]
