"""tools/analysis_tools/benchmark.py with tiny settings (no timing checks)."""
import importlib.util
import json
import math
import os.path as osp

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _benchmark_module():
    spec = importlib.util.spec_from_file_location(
        'fam_benchmark',
        osp.join(REPO, 'tools', 'analysis_tools', 'benchmark.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _positive(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


def test_benchmark_tiny_run(tmp_path, capsys):
    bench = _benchmark_module()
    out_json = tmp_path / 'bench' / 'bench.json'  # folder made by --json
    threads = torch.get_num_threads()
    try:
        results = bench.main([
            '--input-size', '64', '--batch-size', '2', '--iters', '1',
            '--warmup', '0', '--num-classes', '5', '--metric-maps', '3',
            '--metric-size', '64', '--infer-images', '2', '--threads', '1',
            '--json', str(out_json), '--markdown'
        ])
    finally:
        torch.set_num_threads(threads)
    out = capsys.readouterr().out

    # the JSON file holds the returned numbers
    assert json.loads(out_json.read_text()) == json.loads(
        json.dumps(results))
    assert set(results) >= {
        'setup', 'train', 'inference', 'comparison', 'metric'
    }
    assert results['setup']['backbone'] == 'resnet18_slim'
    for method in ('fam', 'cam'):
        train = results['train'][method]
        assert _positive(train['step_ms_median'])
        assert _positive(train['neck_head_ms_median'])
        assert len(train['step_ms_all']) == 1
        mem = train['memory']
        for key in ('saved_activations_mib', 'params_mib', 'grads_mib',
                    'optimizer_state_mib', 'estimate_mib'):
            assert _positive(mem[key]), key
        # SGD momentum: one buffer per parameter
        assert mem['optimizer_state_mib'] == pytest.approx(mem['params_mib'])
        assert mem['estimate_mib'] > mem['saved_activations_mib']
        inf = results['inference'][method]
        assert inf['images'] == 2 and _positive(inf['images_per_s'])
    # FAM adds the neck and the part/importance layers
    assert results['train']['fam']['num_params'] > \
        results['train']['cam']['num_params']

    comp = results['comparison']
    assert math.isfinite(comp['fam_extra_neck_head_ms'])
    for key in ('time', 'time_from_neck_head', 'memory',
                'saved_activations'):
        assert _positive(comp['ratio'][key]), key
    assert comp['target'] == {'time': 1.15, 'memory': 1.10}
    assert set(comp['met']) == {'time', 'memory'}
    assert all(isinstance(v, bool) for v in comp['met'].values())
    assert _positive(results['inference']['ratio'])

    metric = results['metric']
    assert metric['num_maps'] == 3 and metric['num_thresholds'] == 1000
    assert _positive(metric['speedup'])
    assert metric['identical_maxboxacc'] is True

    # printed report and markdown rows
    assert 'FAM/CAM time:' in out and 'FAM/CAM memory:' in out
    assert 'target <= 1.15x' in out and 'target <= 1.10x' in out
    assert 'saved-for-backward' in out
    assert 'neck + head alone' in out
    assert 'images/s' in out and 'speed-up' in out
    assert '| backbone | input | batch |' in out
    assert '| resnet18_slim | 64 | 2 |' in out
    assert '| maps | size | thresholds |' in out


def test_benchmark_args():
    bench = _benchmark_module()
    names = bench.available_backbones()
    for name in ('resnet18_slim', 'resnet50', 'vgg16', 'mobilenet_v1',
                 'inception_v3'):
        assert name in names
    # the pretrained checkpoint is dropped, the channels are wired
    cfg = bench.model_config('fam', 'resnet50', 10)
    assert 'init_cfg' not in cfg['backbone']
    assert cfg['neck']['in_channels'] == cfg['head']['in_channels'] == 2048
    assert cfg['head']['num_classes'] == 10
    assert 'neck' not in bench.model_config('cam', 'vgg16', 10)
    with pytest.raises(SystemExit):
        bench.parse_args(['--amp'])  # AMP is CUDA-only
