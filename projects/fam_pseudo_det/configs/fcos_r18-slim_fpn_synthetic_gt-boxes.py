# FCOS trained on the GT boxes
# (tools/dataset_converters/wsol_to_coco.py): the fully supervised reference.
# Evaluated on the GT boxes of the test split.
_base_ = ['./_base_/fcos_r18-slim_fpn_synthetic.py']
train_ann_file = 'work_dirs/fam_pseudo_det/annotations/train_gt.json'
train_dataloader = dict(dataset=dict(ann_file=train_ann_file))
