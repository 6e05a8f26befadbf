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
    rows = module.main(['--num-maps', '2', '--size', '48',
                        '--cam-curve-interval', '0.01'])
    out = capsys.readouterr().out
    assert len(rows) == 10  # 5 map families x 2 modes
    assert all(row['identical'] and row['ratio'] > 0 for row in rows)
    assert 'speed-up (CPU time): median' in out
    assert 'identical MaxBoxAcc curves: OK' in out
