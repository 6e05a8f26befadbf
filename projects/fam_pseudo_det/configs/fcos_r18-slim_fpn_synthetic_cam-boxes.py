# FCOS trained on CAM pseudo boxes (tools/export_pseudo_boxes.py with a CAM
# checkpoint).
# Evaluated on the GT boxes of the test split.
_base_ = ['./_base_/fcos_r18-slim_fpn_synthetic.py']
train_ann_file = 'work_dirs/fam_pseudo_det/annotations/train_cam_pseudo.json'
train_dataloader = dict(dataset=dict(ann_file=train_ann_file))
