# CAM (Zhou et al., CVPR 2016) with an InceptionV3 backbone on ILSVRC, under
# clovaai/wsolevaluation's recipe (_base_/schedules/wsol_ilsvrc_sgd.py):
# GT-class CAM without the classifier bias, upsampled bicubically,
# min-max normalised (CAMHead, WSOLMetric 'minmax'). wsolevaluation's
# MaxBoxAccV2 for this cell (their README): 63.4.
_base_ = [
    '_base_/models/cam.py',
    '_base_/models/backbones/inception_v3_wsol.py',
    '_base_/datasets/ilsvrc_wsol.py',
    '_base_/schedules/wsol_ilsvrc_sgd.py',
    '_base_/default_runtime.py',
]

model = dict(
    backbone={{_base_.backbone}},
    head=dict(num_classes=1000, in_channels={{_base_.feat_channels}}))

# CAMs are min-max normalised; the box threshold is
# `model.head.loc_threshold` (0.2, a common CAM threshold, in
# _base_/models/cam.py; search it on the val split with
# tools/analysis_tools/search_threshold.py).
val_evaluator = dict(type='WSOLMetric', loc_threshold_mode='minmax')
test_evaluator = val_evaluator
