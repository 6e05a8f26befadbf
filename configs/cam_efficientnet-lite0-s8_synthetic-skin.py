# cam_efficientnet-lite0-s8_synthetic.py (the fine-grained pair's recipe) on
# the skin variant of the synthetic benchmark: the class is also written on
# the creature's skin (SyntheticWSOL with skin_cue=True).
_base_ = ['./cam_efficientnet-lite0-s8_synthetic.py']

data_root = 'data/synthetic_wsol_skin'
_data = dict(dataset=dict(data_root=data_root, skin_cue=True))
train_dataloader = _data
val_dataloader = _data
test_dataloader = _data
