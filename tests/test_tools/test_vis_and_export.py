import importlib.util
import json
import os.path as osp
import pickle

import cv2
import numpy as np
import pytest

from fam_mm.apis import WSOLInferencer
from fam_mm.evaluation.metrics import pseudo_boxes_to_coco
from fam_mm.utils import CheckpointError
from fam_mm.visualization import display_size

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load(rel_path: str, name: str):
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(REPO, rel_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tiny = _load('tests/test_apis/tiny_wsol.py', 'tiny_wsol')


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp('wsol_tools')
    data_root = root / 'data'
    folders = tiny.write_class_folders(str(data_root))
    out = dict(root=root, data_root=str(data_root), folders=folders)
    for head in ('FAM', 'CAM'):
        out[f'{head}_cfg'] = tiny.write_config(
            str(root / f'{head.lower()}.py'),
            head,
            data_root=str(data_root),
            cam_target='pred')
        out[f'{head}_ckpt'] = tiny.write_checkpoint(
            str(root / f'{head.lower()}.pth'), head)
    return out


def _stem(path):
    return osp.splitext(osp.basename(path))[0]


def test_image_demo(files, tmp_path, capsys):
    demo = _load('demo/image_demo.py', 'image_demo')
    folder = osp.join(files['data_root'], 'gull')
    show_dir = tmp_path / 'show'
    results = demo.main([
        folder, files['FAM_cfg'], '--checkpoint', files['FAM_ckpt'],
        '--device', 'cpu', '--show-dir',
        str(show_dir), '--part-maps'
    ])
    lines = [
        line for line in capsys.readouterr().out.splitlines()
        if 'score' in line
    ]
    paths = files['folders']['gull']
    assert len(results) == len(lines) == len(paths)
    for path, line, result in zip(sorted(paths), lines, results):
        assert line.startswith(path)
        assert f'class {result["pred_class"]}' in line
        assert 'box [' in line
        h, w = cv2.imread(path).shape[:2]
        drawn = cv2.imread(str(show_dir / (_stem(path) + '.png')))
        # main panel + 3 part maps, each at the display size
        disp_h, disp_w = display_size((h, w))
        assert disp_h < drawn.shape[0] < disp_h + 80
        assert drawn.shape[1] > 4 * disp_w


def test_vis_fam(files, tmp_path, capsys):
    vis = _load('tools/visualization/vis_fam.py', 'vis_fam')
    paths = files['folders']['sparrow'] + files['folders']['wren'][:1]
    out_dir = tmp_path / 'vis'
    results = vis.main([
        files['CAM_cfg'], files['CAM_ckpt'], *paths, '--out-dir',
        str(out_dir), '--device', 'cpu'
    ])
    assert len(results) == len(paths)
    assert f'written to {out_dir}' in capsys.readouterr().out
    # the third image's stem repeats the first's: its index is appended
    names = [_stem(paths[0]), _stem(paths[1]), _stem(paths[2]) + '_2']
    assert _stem(paths[2]) == _stem(paths[0])
    for path, name in zip(paths, names):
        drawn = cv2.imread(str(out_dir / (name + '.png')))
        assert drawn is not None
        # no part maps: the map panel and the colour bar
        disp_h, disp_w = display_size(cv2.imread(path).shape[:2])
        assert disp_h < drawn.shape[0] < disp_h + 80
        assert disp_w < drawn.shape[1] < 2 * disp_w
    with pytest.raises(CheckpointError, match='none.pth not found'):
        vis.main([
            files['CAM_cfg'],
            str(tmp_path / 'none.pth'), paths[0], '--out-dir',
            str(out_dir)
        ])


@pytest.mark.parametrize('label_source', ['gt', 'pred'])
def test_export_pseudo_boxes(files, tmp_path, label_source):
    export = _load('tools/export_pseudo_boxes.py', 'export_pseudo_boxes')
    out = tmp_path / 'boxes.json'
    metrics = export.main([
        files['CAM_cfg'], files['CAM_ckpt'], '--out',
        str(out), '--split', 'train', '--batch-size', '3', '--work-dir',
        str(tmp_path / 'work'), '--label-source', label_source
    ])
    coco = json.loads(out.read_text())
    assert set(coco) >= {'images', 'annotations', 'categories'}
    assert coco['categories'] == [
        dict(id=i + 1, name=name) for i, name in enumerate(tiny.CLASSES)
    ]
    images = {img['id']: img for img in coco['images']}
    all_paths = sorted(p for ps in files['folders'].values() for p in ps)
    assert len(images) == len(coco['images']) == len(all_paths)
    assert metrics['pseudo_boxes/num_images'] == len(all_paths)
    assert sorted(
        osp.join(files['data_root'], img['file_name'])
        for img in images.values()) == all_paths
    ann_ids = [a['id'] for a in coco['annotations']]
    assert len(set(ann_ids)) == len(ann_ids) > 0
    assert len({a['image_id'] for a in coco['annotations']}) == len(ann_ids)

    # the boxes are those of the test pipeline (no random crop / flip):
    # the inferencer finds the same ones
    inferencer = WSOLInferencer(
        files['CAM_cfg'], pretrained=files['CAM_ckpt'], device='cpu')
    by_file = {img['file_name']: img for img in images.values()}
    for ann in coco['annotations']:
        img = images[ann['image_id']]
        path = osp.join(files['data_root'], img['file_name'])
        h, w = cv2.imread(path).shape[:2]
        assert (img['width'], img['height']) == (w, h)
        x, y, bw, bh = ann['bbox']
        assert 0 <= x and 0 <= y and bw > 0 and bh > 0
        assert x + bw <= w + 1e-3 and y + bh <= h + 1e-3
        assert ann['area'] == pytest.approx(bw * bh, rel=1e-3)
        assert ann['iscrowd'] == 0 and 0 <= ann['score'] <= 1
        result = inferencer(path)[0]
        x1, y1, x2, y2 = result['pred_bbox']
        np.testing.assert_allclose([x, y, bw, bh], [x1, y1, x2 - x1, y2 - y1],
                                   atol=1e-2)
        gt_name = img['file_name'].split(osp.sep)[0]
        if label_source == 'gt':
            category = tiny.CLASSES.index(gt_name)
        else:
            category = result['pred_label']
        assert ann['category_id'] == category + 1
        assert ann['score'] == pytest.approx(
            float(result['pred_scores'][category]), abs=1e-5)
    assert set(by_file) == {
        osp.relpath(p, files['data_root'])
        for p in all_paths
    }


def test_export_score_threshold_and_errors(files, tmp_path):
    export = _load('tools/export_pseudo_boxes.py', 'export_pseudo_boxes')
    out = tmp_path / 'none.json'
    export.main([
        files['FAM_cfg'], files['FAM_ckpt'], '--out',
        str(out), '--split', 'test', '--score-thr', '1.01', '--work-dir',
        str(tmp_path / 'work')
    ])
    coco = json.loads(out.read_text())
    assert len(coco['images']) == 6 and coco['annotations'] == []
    with pytest.raises(ValueError, match='.json'):
        export.main([
            files['FAM_cfg'], files['FAM_ckpt'], '--out',
            str(tmp_path / 'x.pkl')
        ])
    with pytest.raises(ValueError, match='val_dataloader'):
        export.main([
            files['FAM_cfg'], files['FAM_ckpt'], '--out',
            str(tmp_path / 'x.json'), '--split', 'val'
        ])


def test_pseudo_boxes_to_coco():
    records = [
        dict(
            sample_idx=0,
            img_path='/data/a/x.jpg',
            ori_shape=(10, 20),
            label=1,
            score=0.9,
            bbox=[2, 3, 12, 8]),
        # empty box (nothing above the threshold): image kept, no box
        dict(
            sample_idx=1,
            img_path='/elsewhere/y.jpg',
            ori_shape=(10, 20),
            label=0,
            score=0.8,
            bbox=[0, 0, 0, 0]),
        dict(
            sample_idx=2,
            img_path='/data/z.jpg',
            ori_shape=(10, 20),
            label=0,
            score=0.2,
            bbox=[0, 0, 25, 10]),
    ]
    coco = pseudo_boxes_to_coco(records, num_classes=2, data_root='/data')
    assert [i['file_name'] for i in coco['images']
            ] == ['a/x.jpg', '/elsewhere/y.jpg', 'z.jpg']
    assert [c['name'] for c in coco['categories']] == ['class_0', 'class_1']
    anns = coco['annotations']
    assert [a['image_id'] for a in anns] == [1, 3]
    assert anns[0]['bbox'] == [2, 3, 10, 5] and anns[0]['category_id'] == 2
    assert anns[1]['bbox'] == [0, 0, 20, 10]  # clipped to the image
    coco = pseudo_boxes_to_coco(records, classes=['a', 'b'], score_thr=0.5)
    assert [a['image_id'] for a in coco['annotations']] == [1]
    with pytest.raises(ValueError, match='duplicate'):
        pseudo_boxes_to_coco(records[:1] * 2, classes=['a', 'b'])


def test_iou_histogram(tmp_path, capsys):
    hist = _load('tools/analysis_tools/iou_histogram.py', 'iou_histogram')

    def record(iou):
        return dict(
            img_path='x.jpg',
            gt_label=0,
            pred_label=0,
            pred_score=dict(labels=[0], scores=[0.9]),
            pred_bbox=[0, 0, 1, 1],
            gt_bboxes=[[0, 0, 1, 1]],
            iou=iou)

    fam = [record(v) for v in (0.05, 0.15, 0.95, 1.0)] + [record(None)]
    cam = [record(v) for v in (0.1, 0.3, 0.32)]
    fam_file, cam_file = tmp_path / 'fam.pkl', tmp_path / 'cam.pkl'
    fam_file.write_bytes(pickle.dumps(fam))
    cam_file.write_bytes(pickle.dumps(cam))
    out = tmp_path / 'plots' / 'iou_hist.png'
    means = hist.main([
        str(fam_file),
        str(cam_file), '--labels', 'FAM', 'CAM', '--out',
        str(out)
    ])
    assert means == pytest.approx([0.5375, 0.24])
    printed = capsys.readouterr().out
    assert 'FAM: mean IoU 0.5375 over 4 images' in printed
    assert 'CAM: mean IoU 0.2400 over 3 images' in printed
    image = cv2.imread(str(out))
    assert image is not None and image.shape[0] > 100
    with pytest.raises(ValueError, match='label'):
        hist.main([str(fam_file), '--labels', 'A', 'B', '--out', str(out)])
    empty = tmp_path / 'empty.pkl'
    empty.write_bytes(pickle.dumps([record(None)]))
    with pytest.raises(ValueError, match='no record'):
        hist.main([str(empty), '--out', str(out)])
