# The richer variant of the synthetic WSOL benchmark (SyntheticWSOL with
# skin_cue=True): the class is also written, faintly, on the creature's skin
# (spots in the crest's hue), as class evidence is spread over the whole
# object in real fine-grained data (CUB: plumage colour). Same generator,
# seed, sizes and splits as the reference benchmark (synthetic_wsol.py),
# which stays the reference; both are reported.
_base_ = ['./synthetic_wsol.py']
data_root = 'data/synthetic_wsol_skin'
train_dataloader = dict(dataset=dict(data_root=data_root, skin_cue=True))
val_dataloader = dict(dataset=dict(data_root=data_root, skin_cue=True))
test_dataloader = dict(dataset=dict(data_root=data_root, skin_cue=True))
