# CAM baseline (Zhou et al. 2016): any backbone + GAP + FC (CAMHead).
# Inheriting configs set `backbone`, `head.in_channels`, `head.num_classes`.
model = dict(
    type='ImageClassifier',
    head=dict(
        type='CAMHead',
        num_classes=None,
        in_channels=None,
        # GT-class CAM at test time: GT-known Loc needs it, and Top-1 Loc is
        # unchanged (it counts only correctly classified images).
        cam_target='gt',
        loc_threshold=0.2,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
