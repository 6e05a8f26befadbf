# The fine-grained pair's CAM recipe (EfficientNet-Lite0 at stride 8, 16x16
# maps at 128 px, the 6-epoch schedule) on the crest-only
# reference variant of the synthetic benchmark: issue 18's "same recipe"
# report of the stress test. The box threshold is chosen on val by
# tools/analysis_tools/synthetic_study.py; the inherited loc_threshold is the
# fine-grained variant's.
_base_ = ['./cam_efficientnet-lite0_synthetic-finegrained.py']

data_root = 'data/synthetic_wsol'
_data = dict(dataset=dict(data_root=data_root, fine_grained=False))
train_dataloader = _data
val_dataloader = _data
test_dataloader = _data
