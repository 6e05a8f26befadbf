"""`make demo`'s driver end to end on a tiny synthetic benchmark."""
import importlib.util
import json
import os.path as osp

import cv2
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _demo_module():
    spec = importlib.util.spec_from_file_location(
        'fam_demo', osp.join(REPO, 'tools', 'demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_runs_end_to_end(tmp_path, capsys):
    demo = _demo_module()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        results = demo.main([
            '--work-dir', str(tmp_path / 'demo'),
            '--data-root', str(tmp_path / 'data'),
            '--pretrain-epochs', '1', '--epochs', '1',
            '--num-train', '16', '--num-val', '4', '--num-test', '6',
            '--batch-size', '4', '--workers', '0',
            '--cam-curve-interval', '0.01', '--vis-interval', '2'
        ])
    finally:
        torch.set_num_threads(threads)
    out = capsys.readouterr().out
    assert set(results) == {'fam', 'cam'}
    for method in ('fam', 'cam'):
        for key in ('top1_cls', 'gt_known_loc', 'top1_loc', 'maxboxaccv2'):
            value = results[method][f'wsol/{key}']
            assert 0.0 <= value <= 100.0
    # the table, with the threshold mode of each method
    assert '| metric (%) | FAM | CAM |' in out
    assert '(absolute)' in out and '(minmax)' in out
    assert 'chosen on val' in out
    table = (tmp_path / 'demo' / 'results.md').read_text()
    assert 'GT-known Loc' in table and 'MaxBoxAccV2' in table
    # the same numbers, machine-readable, with the val-chosen thresholds
    # (projects/fam_pseudo_det exports pseudo boxes with them)
    saved = json.loads((tmp_path / 'demo' / 'results.json').read_text())
    for method in ('fam', 'cam'):
        assert saved[method]['loc_threshold'] == \
            results[method]['loc_threshold']
        assert saved[method]['wsol/gt_known_loc'] == pytest.approx(
            results[method]['wsol/gt_known_loc'])
    # the pretrained backbone was saved and reused by both fine-tunings
    assert (tmp_path / 'demo' / 'pretrain' / 'backbone_pretrain.pth').exists()
    # pictures: 6 test images, every 2nd one, for each method
    for method in ('fam', 'cam'):
        pngs = sorted((tmp_path / 'demo' / 'vis' / method).glob('*.png'))
        assert len(pngs) == 3
        img = cv2.imread(str(pngs[0]))
        assert img is not None and img.ndim == 3
    hist = cv2.imread(str(tmp_path / 'demo' / 'iou_histogram.png'))
    assert hist is not None and hist.shape[0] > 100
