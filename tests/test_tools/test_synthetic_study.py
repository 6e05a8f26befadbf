"""The seed/ablation study driver on a tiny synthetic benchmark."""
import importlib.util
import os.path as osp

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_study_aggregates_seeds_and_ablations(tmp_path):
    spec = importlib.util.spec_from_file_location(
        'synthetic_study',
        osp.join(REPO, 'tools', 'analysis_tools', 'synthetic_study.py'))
    study = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(study)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        per_seed = study.main([
            '--seeds', '0', '1', '--ablations',
            '--work-dir', str(tmp_path / 'study'),
            # passed on to tools/demo.py (the resnet18 pair pretrains its
            # backbone per seed)
            '--backbone', 'resnet18',
            '--data-root', str(tmp_path / 'data'),
            '--pretrain-epochs', '1', '--epochs', '1',
            '--num-train', '8', '--num-val', '4', '--num-test', '4',
            '--batch-size', '4', '--workers', '0',
            '--cam-curve-interval', '0.05', '--vis-interval', '100'
        ])
    finally:
        torch.set_num_threads(threads)
    assert set(per_seed) == {
        'fam', 'cam', 'fam_t2_nospa_nomem', 'fam_t2_nomem',
        'fam_t3_nodiv_noimp', 'fam_t3_nodiv'
    }
    assert all(len(runs) == 2 for runs in per_seed.values())
    table = (tmp_path / 'study' / 'study.md').read_text()
    assert '2 seeds: [0, 1]' in table
    scores, maps = table.strip().split('\n\n')
    # 6 metrics for every method, the part-map cosine for the 5 FAM rows
    assert scores.count('+-') == 6 * 6 + 5
    # the maps' table: PxAP for every method, the 7 FAMMapMetric numbers
    # (M in/out, part cosine, purity, distinct parts, two background
    # bands) for the 5 FAM rows
    assert maps.count('+-') == 6 + 5 * 7
    assert '| part purity |' in maps
    # Table 2's rows switch the part-aware extras off
    assert study.ABLATIONS['fam_t2_nomem']['model']['head'] == dict(
        loss_div_weight=0.0, use_importance=False)
    # one pretrained backbone per seed, shared by all the methods
    for seed in (0, 1):
        assert (tmp_path / 'study' / f'seed{seed}' / 'pretrain' /
                'backbone_pretrain.pth').exists()
    # the ablation really changed the model: no memory in its checkpoint
    ckpt = torch.load(
        str(tmp_path / 'study' / 'seed0' / 'fam_t2_nomem' / 'epoch_1.pth'),
        map_location='cpu', weights_only=True)
    assert not any('memory' in k for k in ckpt['state_dict'])
    assert any('fg_convs' in k for k in ckpt['state_dict'])
