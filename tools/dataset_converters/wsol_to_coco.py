"""Write the ground-truth boxes of a WSOL split as a COCO-format json.

The counterpart of ``tools/export_pseudo_boxes.py`` (same conventions, same
writer: :func:`fam_mm.evaluation.metrics.boxes_to_coco`): image ids are the
dataset index + 1 and ``file_name`` is relative to the data root, so a GT
file and a pseudo-box file of the same split describe the same images with
the same ids. Every GT box of an image is written (multi-object images keep
all their boxes), with the image-level label as category.

Used to evaluate a detector trained on pseudo boxes against the real boxes
(mmdet ``CocoMetric``) and to train the fully supervised reference.

Examples:
    python tools/dataset_converters/wsol_to_coco.py \
        configs/fam_resnet18_synthetic.py --split test --out test_gt.json
    python tools/dataset_converters/wsol_to_coco.py configs/fam_vgg16_cub.py \
        --split val --out cub_val_gt.json
"""
import argparse
import os.path as osp
from typing import Any, Dict, List, Optional

import mmengine
from mmengine.config import Config

from fam_mm.utils import CfgOptionsAction, check_config, run_tool

SPLITS = ('train', 'val', 'test')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write the GT boxes of a WSOL split as COCO json')
    parser.add_argument('config', help='config whose dataloader names the '
                        'dataset')
    parser.add_argument('--split', choices=SPLITS, default='test',
                        help='dataloader of the config (default: test)')
    parser.add_argument('--out', required=True, help='output .json file')
    parser.add_argument(
        '--cfg-options', nargs='+', action=CfgOptionsAction,
        help='override config keys, e.g. "test_dataloader.dataset.'
        'data_root=data/cub"')
    return parser.parse_args(argv)


def gt_to_coco(dataset) -> Dict[str, Any]:
    """The GT boxes of a built WSOL dataset as a COCO-format dict.

    Args:
        dataset: A :class:`fam_mm.datasets.WSOLMetadataDataset` (or any
            mmengine ``BaseDataset`` whose data infos carry ``img_path``,
            ``gt_label``, ``gt_bboxes`` and ``ori_shape``).

    Returns:
        dict: See :func:`fam_mm.evaluation.metrics.boxes_to_coco`.
    """
    from fam_mm.datasets.cub_wsol import read_image_size
    from fam_mm.evaluation.metrics import boxes_to_coco
    records = []
    for idx in range(len(dataset)):
        info = dataset.get_data_info(idx)
        shape = info.get('ori_shape') or read_image_size(info['img_path'])
        boxes = info['gt_bboxes']
        records.append(
            dict(
                sample_idx=idx,
                img_path=info['img_path'],
                ori_shape=shape,
                bboxes=boxes,
                labels=[info['gt_label']] * len(boxes)))
    return boxes_to_coco(
        records,
        classes=dataset.metainfo.get('classes'),
        data_root=getattr(dataset, 'data_root', None),
        description='fam-mm ground-truth boxes')


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    if not args.out.endswith('.json'):
        raise ValueError(f'--out must be a .json file: {args.out}')
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    from mmpretrain.registry import DATASETS

    import fam_mm  # noqa: F401  (registers the datasets)

    cfg = Config.fromfile(args.config)
    check_config(cfg, args.cfg_options)  # typos: one line, nothing built
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    key = f'{args.split}_dataloader'
    if not isinstance(cfg.get(key, None), dict):
        raise ValueError(f'the config has no {key}')
    dataset_cfg = cfg[key]['dataset'].copy()
    dataset_cfg['pipeline'] = []
    dataset = DATASETS.build(dataset_cfg)
    coco = gt_to_coco(dataset)
    mmengine.mkdir_or_exist(osp.dirname(osp.abspath(args.out)))
    mmengine.dump(coco, args.out, indent=1)
    print(f'{len(coco["annotations"])} GT box(es) of {len(coco["images"])} '
          f'image(s) written to {args.out}')
    return coco


if __name__ == '__main__':
    run_tool(main, 'tools/dataset_converters/wsol_to_coco.py')
