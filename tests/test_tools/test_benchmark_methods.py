"""tools/analysis_tools/benchmark_methods.py with tiny settings (no timing
checks)."""
import importlib.util
import json
import math
import os.path as osp

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def bench():
    spec = importlib.util.spec_from_file_location(
        'benchmark_methods',
        osp.join(REPO, 'tools', 'analysis_tools', 'benchmark_methods.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tiny_run_prints_the_ratios_to_cam(bench, tmp_path, capsys,
                                           monkeypatch):
    real = bench.config_name
    # a method without a config is listed and skipped
    monkeypatch.setattr(
        bench, 'config_name', lambda m, a: 'missing.py' if m == 'acol'
        else real(m, a))
    out_json = tmp_path / 'bench' / 'steps.json'  # folder made by --json
    threads = torch.get_num_threads()
    try:
        results = bench.main([
            '--methods', 'cam', 'fam', 'acol', '--input-size', '32',
            '--batch-size', '2', '--iters', '2', '--warmup', '0',
            '--threads', '1', '--json', str(out_json)
        ])
    finally:
        torch.set_num_threads(threads)
    out = capsys.readouterr().out
    assert json.loads(out_json.read_text()) == json.loads(
        json.dumps(results))
    assert list(results['steps']) == ['cam', 'fam']
    assert results['skipped'] == {'acol': 'missing.py'}
    assert results['ratios']['cam'] == 1.0
    fam = results['steps']['fam']
    assert len(fam['step_ms_all']) == 2
    assert math.isfinite(fam['step_ms_median']) and fam['step_ms_median'] > 0
    assert results['ratios']['fam'] == pytest.approx(
        fam['step_ms_median'] / results['steps']['cam']['step_ms_median'])
    assert fam['config'] == 'fam_efficientnet-lite0_synthetic-finegrained.py'
    assert results['setup']['input_size'] == 32
    assert '| CAM | `cam_efficientnet-lite0_synthetic-finegrained.py` |' \
        in out and '| 1.00x |' in out
    assert f'| {results["ratios"]["fam"]:.2f}x |' in out
    assert '| ACoL | `missing.py` (not found) | - | - |' in out


def test_model_config_keeps_the_preprocessor_drops_the_weights(bench):
    model, num_classes = bench.model_config(osp.join(
        REPO, 'configs', 'fam_efficientnet-lite0_synthetic-finegrained.py'))
    assert num_classes == 8
    assert 'init_cfg' not in model['backbone']
    # the config's top-level data preprocessor (lite mean / std) is the
    # model's
    assert model['data_preprocessor']['mean'] == [127.0, 127.0, 127.0]
    assert model['data_preprocessor']['type'] == 'ClsDataPreprocessor'
    args = bench.parse_args(['--setting', 'cub', '--backbone', 'resnet50'])
    assert (args.input_size, args.batch_size) == (224, 32)
    assert bench.config_name('adl', args) == 'adl_resnet50_cub.py'
    with pytest.raises(SystemExit):
        bench.parse_args(['--methods', 'fam'])
