"""tools/analysis_tools/benchmark_metric.py runs and checks itself."""
import importlib.util
import os.path as osp

import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load():
    spec = importlib.util.spec_from_file_location(
        'benchmark_metric',
        osp.join(REPO, 'tools', 'analysis_tools', 'benchmark_metric.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('baseline', ['reference', 'hoisted'])
def test_benchmark_metric_runs(capsys, baseline):
    rows = _load().main(['--num-maps', '2', '--size', '48',
                         '--cam-curve-interval', '0.01', '--baseline',
                         baseline])
    out = capsys.readouterr().out
    assert len(rows) == 10  # 5 map families x 2 modes
    assert all(row['identical'] and row['ratio'] > 0 for row in rows)
    assert 'speed-up (CPU time): median' in out
    assert 'identical MaxBoxAcc curves: OK' in out
    assert ('operation for operation' in out) == (baseline == 'reference')


def test_reference_rejects_what_the_reference_rejects():
    module = _load()
    scoremap = np.zeros((8, 8))
    gt = np.array([[1, 1, 4, 4]])
    with pytest.raises(TypeError, match='float64'):
        module.reference_box_hits(scoremap.astype(np.float32), gt, [0.5],
                                  [50], False)
    with pytest.raises(ValueError, match='outside'):
        module.reference_box_hits(scoremap + 2, gt, [0.5], [50], False)
    with pytest.raises(RuntimeError, match='x0y0x1y1'):
        module.reference_box_hits(scoremap, np.array([[4, 1, 1, 4]]), [0.5],
                                  [50], False)
