"""tools/analysis_tools/benchmark_metric.py runs and checks itself."""
import importlib.util
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_benchmark_metric_runs(capsys):
    spec = importlib.util.spec_from_file_location(
        'benchmark_metric',
        osp.join(REPO, 'tools', 'analysis_tools', 'benchmark_metric.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(['--num-maps', '4', '--size', '64'])
    out = capsys.readouterr().out
    assert 'speed-up:' in out
    assert 'identical MaxBoxAcc curves: OK' in out
