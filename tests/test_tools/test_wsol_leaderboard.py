"""The WSOL leaderboard driver: its plan, its selection rule, its tables and
one tiny end-to-end run."""
import importlib.util
import json
import os.path as osp

import cv2
import pytest
import torch
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def board():
    spec = importlib.util.spec_from_file_location(
        'wsol_leaderboard',
        osp.join(REPO, 'tools', 'analysis_tools', 'wsol_leaderboard.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dry_run_lists_the_runs_and_overrides(board, capsys):
    assert board.main([
        '--dry-run', '--variants', 'finegrained', 'skin', '--methods', 'cam',
        'fam', '--budget', '2', '--seeds', '0', '1', '2'
    ]) == {}
    out = capsys.readouterr().out
    # per (variant, method): 2 search runs at seed 0, then seeds 1 and 2
    assert out.strip().endswith('16 training runs')
    for variant, fam_cfg in (
            ('finegrained', 'fam_efficientnet-lite0_synthetic-finegrained'),
            ('skin', 'fam_efficientnet-lite0-s8_synthetic-skin')):
        assert f'[{variant}] fam: configs/{fam_cfg}.py' in out
    assert out.count('search fam-div0.01-seed0: '
                     'model.head.loss_div_weight=0.01') == 2
    assert 'search cam-lr1e-2-seed0: optim_wrapper.optimizer.lr=0.01' in out
    assert 'div1' not in out  # budget 2: the third setting is not tried
    assert out.count('at seeds [0, 1, 2] (2 more run(s))') == 4


def test_plan_runs_and_the_data_of_each_variant(board):
    args = board.parse_args(['--methods', 'cam', 'fam', '--budget', '3',
                             '--seeds', '3', '4', '--data-root', '/d'])
    runs = board.plan(args)
    assert set(runs) == {(v, m) for v in ('finegrained', 'crest', 'skin')
                         for m in ('cam', 'fam')}
    search = runs['crest', 'fam']
    assert [r.name for r in search] == [
        'fam-div0.1-seed3', 'fam-div0.01-seed3', 'fam-div1-seed3']
    assert search[0].config == 'fam_efficientnet-lite0-s8_synthetic.py'
    assert search[2].overrides == {
        'train_dataloader.dataset.data_root': '/d/crest',
        'val_dataloader.dataset.data_root': '/d/crest',
        'test_dataloader.dataset.data_root': '/d/crest',
        'model.head.loss_div_weight': 1.0
    }
    # a method without shipped crest/skin configs: the fine-grained config
    # with the variant's data
    name, overrides = board.method_config('has', 'skin')
    assert name == 'has_efficientnet-lite0_synthetic-finegrained.py'
    assert overrides['val_dataloader.dataset.skin_cue'] is True
    assert overrides['test_dataloader.dataset.fine_grained'] is False
    assert overrides['train_dataloader.dataset.data_root'] == \
        'data/synthetic_wsol_skin'
    assert board.method_config('has', 'finegrained') == (name, {})


@pytest.mark.parametrize('variant', ['crest', 'skin'])
@pytest.mark.parametrize('method', ['fam', 'cam'])
def test_variant_overrides_give_the_shipped_configs(board, method, variant):
    """The overrides put a method's fine-grained config on the variant's
    data exactly as the shipped s8 configs of FAM and CAM do."""
    shipped, _ = board.method_config(method, variant)
    assert shipped != board.METHODS[method].config(method)
    cfg = Config.fromfile(
        board.config_path(board.METHODS[method].config(method)))
    cfg.merge_from_dict(board.variant_overrides(variant))
    ref = Config.fromfile(board.config_path(shipped))
    for key in ('model', 'train_dataloader', 'val_dataloader',
                'test_dataloader', 'optim_wrapper', 'param_scheduler',
                'train_cfg', 'data_preprocessor'):
        assert cfg[key] == ref[key], key


def test_search_keys_must_exist_in_the_config(board):
    with pytest.raises(KeyError, match="fam: the search key 'model.head.x'"):
        board.check_overrides(
            'fam', 'fam_efficientnet-lite0_synthetic-finegrained.py',
            {'model.head.x': 1})
    board.check_overrides(
        'cam', 'cam_efficientnet-lite0_synthetic-finegrained.py',
        {'optim_wrapper.optimizer.lr': 1, 'param_scheduler.0.eta_min': 0})
    with pytest.raises(SystemExit):
        board.parse_args(['--budget', '4'])


def _run(board, setting, seed, val, **result):
    run = board.Run('crest', 'cam', setting, seed, 'c.py', {'k': setting})
    run.result = dict({board.SELECT_KEY: val}, **result)
    return run


def test_selection_rule_and_the_test_runs(board):
    search = [_run(board, 'a', 0, 50.0), _run(board, 'b', 0, 60.0),
              _run(board, 'c', 0, 60.0)]
    chosen = board.choose(search)
    assert chosen.setting == 'b'  # the best val score; ties to the earlier
    assert board.choose(search[:1]) is search[0]
    tests = board.test_runs(chosen, [2, 0, 1])
    assert [r.seed for r in tests] == [2, 0, 1]
    assert tests[1] is chosen  # the search run is the seed-0 test run
    assert {r.setting for r in tests} == {'b'}
    assert tests[0].overrides == chosen.overrides and tests[0].result is None


def _fake(seed, gt_known, step, thr=0.5):
    return {'seed': seed, 'wsol/top1_cls': 90.0, 'wsol/gt_known_loc':
            gt_known, 'wsol/maxboxaccv2': 50.0, 'wsol/pxap': 40.0,
            'fam/fg_in': 0.6, 'fam/fg_out': 0.1, 'step_time': step,
            'loc_threshold': thr}


def test_tables_from_fake_results(board):
    board_results = {'skin': {
        'cam': dict(setting='lr5e-3', runs=[_fake(0, 10.0, 0.2),
                                            _fake(1, 20.0, 0.2)],
                    search=[dict(setting='lr5e-3', val=30.0),
                            dict(setting='lr1e-2', val=20.0)]),
        'has': dict(setting='grid8', runs=[_fake(0, 30.0, 0.3),
                                           _fake(1, 50.0, 0.3, 0.25)],
                    search=[dict(setting='grid16', val=30.0),
                            dict(setting='grid8', val=31.0)]),
    }}
    table = board.summarize(board_results)
    lines = table.splitlines()
    assert lines[0] == '### skin variant (test split, 2 seeds: [0, 1])'
    cam = next(line for line in lines if line.startswith('| CAM |'))
    has = next(line for line in lines if line.startswith('| HaS |'))
    assert '| lr5e-3 | 90.00 +- 0.00 | 15.00 +- 5.00 |' in cam
    assert '| 0.60 +- 0.00 | 0.10 +- 0.00 | 1.00x | 0.50, 0.50 |' in cam
    assert '| grid8 | 90.00 +- 0.00 | 40.00 +- 10.00 |' in has
    assert has.endswith('| 1.50x | 0.50, 0.25 |')
    assert '- HaS (patch size g (px at 128 px input)): grid16 30.00, ' \
        '**grid8 31.00**' in lines
    # 2 x (2 searched settings + seed 1): seed 0 of the chosen setting is a
    # search run
    for entry in board_results['skin'].values():
        entry['search_seed'] = 0
    assert board.total_runs(board_results) == 6
    # the benchmark's ratios instead of the logs'
    table = board.summarize(board_results, {'cam': 1.0, 'has': 1.1})
    assert 'step time vs CAM (benchmark)' in table
    assert '| 1.10x |' in table


def test_tiny_leaderboard_end_to_end(board, tmp_path, capsys):
    argv = [
        '--variants', 'finegrained', '--methods', 'cam', 'fam', '--seeds',
        '0', '--budget', '1', '--work-dir', str(tmp_path / 'lb'),
        '--data-root', str(tmp_path / 'data'), '--figure-images', '2',
        # tools/demo.py's options
        '--epochs', '1', '--num-train', '8', '--num-val', '4', '--num-test',
        '4', '--batch-size', '8', '--workers', '0', '--threads', '1',
        '--cam-curve-interval', '0.05'
    ]
    threads = torch.get_num_threads()
    try:
        results = board.main(argv)
    finally:
        torch.set_num_threads(threads)
    entry = results['finegrained']
    assert list(entry) == ['cam', 'fam']
    for method, setting in (('cam', 'lr5e-3'), ('fam', 'div0.1')):
        assert entry[method]['setting'] == setting
        (run, ) = entry[method]['runs']
        assert run['seed'] == 0 and run['method'] == method
        # the map statistics for every method, the val score it was chosen
        # by, the step time from the run's log
        for key in ('fam/fg_in', 'fam/fg_out', 'wsol/pxap', board.SELECT_KEY):
            assert 0 <= run[key] <= 100, key
        assert run['step_time'] > 0
    lb = tmp_path / 'lb'
    table = (lb / 'leaderboard.md').read_text()
    assert table.startswith(
        '`python tools/analysis_tools/wsol_leaderboard.py --variants '
        'finegrained --methods cam fam')
    assert '1 CPU threads' in table.splitlines()[0]
    assert '; 2 training runs)' in table.splitlines()[0]
    assert table.count('+-') == 2 * len(board.COLUMNS)
    assert '| CAM | lr5e-3 |' in table and '| FAM | div0.1 |' in table
    assert json.loads((lb / 'leaderboard.json').read_text()).keys() == {
        'finegrained'}
    # the figure: a row per method, a column per image (upsampled to 192)
    figure = cv2.imread(str(lb / 'leaderboard_finegrained.png'))
    assert figure.shape[0] > 2 * 192 and figure.shape[1] > 2 * 192
    # resumable: a second call trains nothing and gives the same board
    capsys.readouterr()
    threads = torch.get_num_threads()
    try:
        again = board.main(argv)
    finally:
        torch.set_num_threads(threads)
    out = capsys.readouterr().out
    assert out.count('done before, reusing') == 2
    assert 'fine-tuning' not in out
    assert again == json.loads(json.dumps(results))


def test_a_finished_run_is_reused_only_for_its_own_setting(board, tmp_path):
    class Demo:  # what execute needs of tools/demo.py when nothing runs
        lines = []

        @staticmethod
        def _console(args):
            return Demo

        @staticmethod
        def line(text):
            Demo.lines.append(text)

    args = board.parse_args(['--work-dir', str(tmp_path)])
    args.demo_args = None
    (spg, ) = board.plan(board.parse_args(
        ['--methods', 'spg', '--variants', 'crest', '--budget', '1']),
        check=False)['crest', 'spg']
    run_dir = tmp_path / 'crest' / spg.name
    run_dir.mkdir(parents=True)
    record = dict(variant='crest', method='spg', setting=spg.setting,
                  seed=spg.seed, config=spg.config, overrides=spg.overrides)
    # as JSON holds it: the thresholds' tuples are lists there
    (run_dir / board.RESULT_FILE).write_text(json.dumps(
        dict(record, **{board.SELECT_KEY: 42.0})))
    assert board.execute(Demo, args, spg, ())[board.SELECT_KEY] == 42.0
    assert spg.result[board.SELECT_KEY] == 42.0
    assert 'done before' in Demo.lines[-1]
    other = board.Run('crest', 'spg', spg.setting, spg.seed, spg.config,
                      dict(spg.overrides, **{'model.head.x': 1}))
    with pytest.raises(ValueError, match='holds another run .overrides'):
        board.execute(Demo, args, other, ())


@pytest.mark.parametrize('method', ['cam', 'fam', 'has', 'cutmix', 'adl',
                                    'acol', 'spg'])
def test_every_searched_key_is_in_the_methods_config(board, method):
    spec = board.METHODS[method]
    assert len(spec.grid) == 3  # the same budget for every method
    # the recipe's setting first: the config's own values
    cfg = Config.fromfile(board.config_path(spec.config(method)))
    for key, value in spec.grid[0][1].items():
        assert board._lookup(cfg, key) == value, key
    for _, overrides in spec.grid:
        board.check_overrides(method, spec.config(method), overrides)
    # on every variant: the config exists
    for variant in board.VARIANTS:
        name, _ = board.method_config(method, variant)
        assert osp.isfile(board.config_path(name))
