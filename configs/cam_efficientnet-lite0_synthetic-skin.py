# CAM of cam_efficientnet-lite0_synthetic.py (same model, weights and
# schedule) on the richer variant of the synthetic benchmark: the class is
# also written on the creature's skin (see
# _base_/datasets/synthetic_wsol_skin.py).
_base_ = ['./cam_efficientnet-lite0_synthetic.py']

data_root = 'data/synthetic_wsol_skin'
train_dataloader = dict(dataset=dict(data_root=data_root, skin_cue=True))
val_dataloader = dict(dataset=dict(data_root=data_root, skin_cue=True))
test_dataloader = dict(dataset=dict(data_root=data_root, skin_cue=True))
