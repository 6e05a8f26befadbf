# The fine-grained variant of the synthetic WSOL benchmark (SyntheticWSOL
# with fine_grained=True): a class is a combination of part attributes
# (crest colour, body pattern, tail bands, leg colour) over the whole
# creature, as CUB's species differ by combinations of part attributes; no
# single part names the class. Creatures keep a margin from the borders.
_base_ = ['./synthetic_wsol.py']
data_root = 'data/synthetic_wsol_finegrained'
train_dataloader = dict(dataset=dict(data_root=data_root, fine_grained=True))
val_dataloader = dict(dataset=dict(data_root=data_root, fine_grained=True))
test_dataloader = dict(dataset=dict(data_root=data_root, fine_grained=True))
