"""The WSOL leaderboard on the synthetic benchmark: every method, one protocol.

Every method of :data:`METHODS` (CAM, FAM, HaS, CutMix, ADL, ACoL, SPG) is
fine-tuned from the EfficientNet-Lite0 ImageNet weights with the same
schedule and backbone (the fine-grained pair's recipe: stride 8, 16x16 maps
at 128 px, 6 epochs) on every variant of :data:`VARIANTS` (fine-grained,
crest-only, skin), with the protocol of ``make demo`` (``tools/demo.py``'s
:func:`train_and_test`: train, box threshold chosen on val, test):

1. **search on val**: each method runs the first ``--budget`` settings of
   its own key hyper-parameter (:data:`METHODS`, the recipe's setting
   first; the same number of runs for every method) at the search seed;
   one rule picks the setting: the best **val** MaxBoxAccV2 (threshold-
   free), ties to the earlier setting. CAM has no hyper-parameter of its
   own: its budget goes to the learning rate, which every other method
   keeps at the recipe's 5e-3;
2. **test**: the chosen setting with every seed of ``--seeds`` (the search
   run of the search seed is that run: same config, same seed, it is not
   trained twice), reported as mean +- std: Top-1 Cls, GT-known Loc (box
   threshold chosen on val), MaxBoxAccV2, PxAP, the mean map inside and
   outside the object masks (``FAMMapMetric``'s ``fg_in`` / ``fg_out``,
   FAM: the sigmoid map M, the others: the min-max normalised CAM) and the
   train-step time relative to CAM (median over each run's logged
   iterations of ``time - data_time``, from mmengine's ``scalars.json``;
   or the ratios of ``tools/analysis_tools/benchmark_methods.py`` with
   ``--step-times``).

Each method's config is ``configs/<method>_efficientnet-lite0_synthetic-
finegrained.py``; on the crest-only and skin variants the shipped config
``<method>_efficientnet-lite0-s8_synthetic[-skin].py`` where one exists
(FAM, CAM), else the fine-grained config with the variant's data
(:data:`VARIANTS`, as overrides). Every run is a directory
``WORK_DIR/<variant>/<method>-<setting>-seed<k>/`` whose
``leaderboard.json`` holds its results; a run whose file exists is not run
again (resumable; the file records the config and overrides, and a
different setting in the same directory is an error).

Writes ``WORK_DIR/leaderboard.md`` (one table per variant and the val
search), ``WORK_DIR/leaderboard.json`` and, per variant, one figure
``WORK_DIR/leaderboard_<variant>.png``: a row of maps per method on the
same test images. Options it does not know go to ``tools/demo.py`` (e.g.
``--epochs``, ``--num-train``, ``--threads``).

Example::

    python tools/analysis_tools/wsol_leaderboard.py --dry-run
    python tools/analysis_tools/wsol_leaderboard.py --seeds 0 1 2 --budget 3
"""
import argparse
import glob
import json
import os
import os.path as osp
import pickle
import statistics
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import synthetic_study  # noqa: E402

_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
_LR = 'optim_wrapper.optimizer.lr'


@dataclass(frozen=True)
class Variant:
    """A variant of the synthetic benchmark.

    Args:
        title (str): Its name in the tables.
        data_root (str): The configs' data folder.
        data (dict): ``SyntheticWSOL`` arguments that make it (besides
            ``data_root``), set on every data loader of a fine-grained
            config.
        suffix (str): Of the shipped ``<method>_efficientnet-lite0-s8_
            synthetic<suffix>.py`` configs; None for the fine-grained
            variant, whose configs are the fine-grained ones.
    """
    title: str
    data_root: str
    data: Dict[str, Any]
    suffix: Optional[str]


VARIANTS: Dict[str, Variant] = {
    'finegrained': Variant('fine-grained', 'data/synthetic_wsol_finegrained',
                           dict(fine_grained=True), None),
    'crest': Variant('crest-only', 'data/synthetic_wsol',
                     dict(fine_grained=False), ''),
    'skin': Variant('skin', 'data/synthetic_wsol_skin',
                    dict(fine_grained=False, skin_cue=True), '-skin'),
}


@dataclass(frozen=True)
class Method:
    """A WSOL method of the leaderboard.

    Args:
        title (str): Its name in the tables.
        slot (str): ``'fam'`` or ``'cam'``: the config of ``tools/demo.py``'s
            pair it takes (FAM: part maps drawn, its box threshold on the
            sigmoid map; the others: min-max normalised CAM).
        key (str): What its search varies.
        grid (tuple): ``(label, overrides)`` settings of the search, the
            recipe's setting first; overrides are dotted config keys.
    """
    title: str
    slot: str
    key: str
    grid: Tuple[Tuple[str, Dict[str, Any]], ...]

    def config(self, name: str) -> str:
        """Its fine-grained config's file name."""
        return f'{name}_efficientnet-lite0_synthetic-finegrained.py'


_AUG = 'model.train_cfg'  # the batch augments (ImageClassifier's train_cfg)
_ADL = [f'model.backbone.plugins.{i}' for i in range(3)]
#: SPGHead's (high, low) thresholds (wsolevaluation's), scaled by its search
_SPG = dict(b2_thresholds=(0.7, 0.01), b1_thresholds=(0.5, 0.05),
            c_thresholds=(0.7, 0.1))
METHODS: Dict[str, Method] = {
    'cam': Method('CAM', 'cam', 'learning rate (no hyper-parameter of its '
                  'own)', (('lr5e-3', {_LR: 5e-3}), ('lr1e-2', {_LR: 1e-2}),
                           ('lr2.5e-3', {_LR: 2.5e-3}))),
    'fam': Method('FAM', 'fam', 'lambda_div (diversity loss weight)', tuple(
        (f'div{v:g}', {'model.head.loss_div_weight': v})
        for v in (0.1, 0.01, 1.0))),
    'has': Method('HaS', 'cam', 'patch size g (px at 128 px input)', tuple(
        (f'grid{v}', {f'{_AUG}.augments.0.grid_size': v})
        for v in (4, 16, 32))),
    'cutmix': Method('CutMix', 'cam', 'alpha (Beta(alpha, alpha)), prob',
                     tuple((f'alpha{a:g}-prob{p:g}', {
                         f'{_AUG}.augments.0.alpha': a,
                         f'{_AUG}.probs': p
                     }) for a, p in ((1.0, 1.0), (1.0, 0.5), (0.5, 1.0)))),
    'adl': Method('ADL', 'cam', 'drop_rate, gamma', tuple(
        (f'drop{d:g}-gamma{g:g}', {
            f'{plugin}.{k}': v
            for plugin in _ADL for k, v in (('drop_rate', d), ('gamma', g))
        }) for d, g in ((0.75, 0.9), (0.5, 0.9), (0.75, 0.8)))),
    'acol': Method('ACoL', 'cam', 'erase_threshold', tuple(
        (f'thr{v:g}', {'model.head.erase_threshold': v})
        for v in (0.7, 0.5, 0.9))),
    'spg': Method('SPG', 'cam', 'thresholds x scale', tuple(
        (f'scale{v:g}', {
            f'model.head.{k}': tuple(round(t * v, 4) for t in pair)
            for k, pair in _SPG.items()
        }) for v in (1.0, 0.8, 1.2))),
}
#: Columns of the test table: result key, title, percent (else fraction).
COLUMNS = (('wsol/top1_cls', 'Top-1 Cls'),
           ('wsol/gt_known_loc', 'GT-known Loc'),
           ('wsol/maxboxaccv2', 'MaxBoxAccV2'), ('wsol/pxap', 'PxAP'),
           ('fam/fg_in', 'map in masks'), ('fam/fg_out', 'map outside'))
#: The selection rule's val metric (threshold-free).
SELECT_KEY = 'val/wsol/maxboxaccv2'
RESULT_FILE = 'leaderboard.json'
FIGURE_FILE = 'figure_samples.pkl'


@dataclass
class Run:
    """One training run of the plan."""
    variant: str
    method: str
    setting: str
    seed: int
    config: str
    overrides: Dict[str, Any]
    phase: str = 'search'  # or 'test'
    result: Optional[dict] = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return f'{self.method}-{self.setting}-seed{self.seed}'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog='Options not listed here go to tools/demo.py (e.g. --epochs, '
        '--num-train, --threads, --verbose).',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS),
                        choices=list(VARIANTS))
    parser.add_argument('--methods', nargs='+', default=list(METHODS),
                        choices=list(METHODS))
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2],
                        help='test seeds (mean +- std over them)')
    parser.add_argument('--search-seed', type=int, default=None,
                        help='seed of the val search (default: the first '
                        'of --seeds, whose test run is then the search run)')
    parser.add_argument(
        '--budget', type=int, default=3,
        help='settings each method tries on val (the first BUDGET of its '
        'grid, the recipe\'s first; 1: no search)')
    parser.add_argument('--work-dir',
                        default=osp.join(REPO, 'work_dirs', 'leaderboard'))
    parser.add_argument(
        '--data-root', default=None,
        help='folder of the generated variants (DATA_ROOT/<variant>); '
        'default: the configs\' own data folders')
    parser.add_argument('--figure-images', type=int, default=6,
                        help='test images (columns) of the figures')
    parser.add_argument(
        '--step-times', default=None, metavar='JSON',
        help='train-step time ratios to CAM from benchmark_methods.py '
        '--json, instead of the runs\' logs')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the plan (runs, configs, overrides) '
                        'and exit')
    args, demo_argv = parser.parse_known_args(argv)
    shortest = min(len(METHODS[m].grid) for m in args.methods)
    if not 1 <= args.budget <= shortest:
        parser.error(f'--budget must be in [1, {shortest}] (the grids of '
                     f'{", ".join(args.methods)} have {shortest} settings)')
    if args.search_seed is None:
        args.search_seed = args.seeds[0]
    # a picture per run is not needed (the figure comes from the samples)
    args.demo_argv = ['--vis-interval', str(10**9)] + demo_argv
    return args


# ------------------------------------------------------------------- plan
def config_path(name: str) -> str:
    return osp.join(REPO, 'configs', name)


def variant_data_root(variant: str, data_root: Optional[str]) -> str:
    """Where a variant's data lives (``--data-root``/<variant> if given)."""
    if data_root is not None:
        return osp.join(data_root, variant)
    return VARIANTS[variant].data_root


def variant_overrides(variant: str,
                      data_root: Optional[str] = None) -> Dict[str, Any]:
    """The overrides (dotted keys) that put a fine-grained config on a
    variant's data: its data folder and ``SyntheticWSOL`` arguments (for
    the fine-grained variant only the folder, and only with
    ``data_root``)."""
    var = VARIANTS[variant]
    overrides: Dict[str, Any] = {}
    for loader in _LOADERS:
        if var.suffix is not None or data_root is not None:
            overrides[f'{loader}.dataset.data_root'] = variant_data_root(
                variant, data_root)
        if var.suffix is not None:
            for key, value in var.data.items():
                overrides[f'{loader}.dataset.{key}'] = value
    return overrides


def method_config(method: str, variant: str,
                  data_root: Optional[str] = None
                  ) -> Tuple[str, Dict[str, Any]]:
    """The config of a method on a variant and the overrides it needs.

    Returns:
        tuple: The config's file name in ``configs/``: the shipped config
        of the variant where one exists, else the method's fine-grained
        config; and the overrides (dotted keys) that give it the variant's
        data (:func:`variant_overrides`; for a shipped config only the
        data folder, and only with ``data_root``).
    """
    suffix = VARIANTS[variant].suffix
    if suffix is not None:
        shipped = f'{method}_efficientnet-lite0-s8_synthetic{suffix}.py'
        if osp.isfile(config_path(shipped)):
            return shipped, ({
                f'{loader}.dataset.data_root':
                variant_data_root(variant, data_root)
                for loader in _LOADERS
            } if data_root is not None else {})
    return METHODS[method].config(method), variant_overrides(
        variant, data_root)


def _lookup(cfg, dotted: str):
    """The value of a dotted key (list indices allowed); KeyError if
    absent."""
    node = cfg
    for part in dotted.split('.'):
        if isinstance(node, (list, tuple)):
            if not part.isdigit() or int(part) >= len(node):
                raise KeyError(dotted)
            node = node[int(part)]
        elif part in node:
            node = node[part]
        else:
            raise KeyError(dotted)
    return node


def check_overrides(method: str, config: str,
                    overrides: Dict[str, Any]) -> None:
    """Every searched key exists in the method's config (so a renamed
    argument is an error, not a silently added key)."""
    from mmengine.config import Config
    cfg = Config.fromfile(config_path(config))
    for key in overrides:
        try:
            _lookup(cfg, key)
        except KeyError:
            raise KeyError(
                f'{method}: the search key {key!r} is not in '
                f'configs/{config} (see METHODS in {__file__})') from None


def plan(args: argparse.Namespace,
         check: bool = True) -> Dict[Tuple[str, str], List[Run]]:
    """The search runs of every (variant, method), the recipe's first.

    The test runs follow from the choice (:func:`test_runs`).
    """
    runs: Dict[Tuple[str, str], List[Run]] = {}
    for method in args.methods:
        spec = METHODS[method]
        name = spec.config(method)
        if not osp.isfile(config_path(name)):
            raise FileNotFoundError(
                f'{method}: configs/{name} not found (a method of the '
                f'leaderboard needs its fine-grained config)')
        if check:
            for _, overrides in spec.grid[:args.budget]:
                check_overrides(method, name, overrides)
    for variant in args.variants:
        for method in args.methods:
            config, data = method_config(method, variant, args.data_root)
            runs[variant, method] = [
                Run(variant, method, setting, args.search_seed, config,
                    dict(data, **overrides))
                for setting, overrides in METHODS[method].grid[:args.budget]
            ]
    return runs


def choose(search: Sequence[Run]) -> Run:
    """The selection rule: best val MaxBoxAccV2, ties to the earlier."""
    best = search[0]
    for run in search[1:]:
        if run.result[SELECT_KEY] > best.result[SELECT_KEY]:
            best = run
    return best


def test_runs(chosen: Run, seeds: Sequence[int]) -> List[Run]:
    """The chosen setting at every test seed (the search run reused)."""
    runs = []
    for seed in seeds:
        if seed == chosen.seed:
            runs.append(chosen)
        else:
            runs.append(Run(chosen.variant, chosen.method, chosen.setting,
                            seed, chosen.config, chosen.overrides, 'test'))
    return runs


def format_plan(runs: Dict[Tuple[str, str], List[Run]],
                args: argparse.Namespace) -> str:
    """The ``--dry-run`` text: every search run, then the test runs."""
    lines = [f'leaderboard plan: variants {args.variants}, methods '
             f'{args.methods}, budget {args.budget} setting(s) on val at '
             f'seed {args.search_seed}, test seeds {args.seeds}', '']
    total = 0
    for (variant, method), search in runs.items():
        lines.append(f'[{variant}] {method}: configs/{search[0].config}')
        data = {k: v for k, v in search[0].overrides.items()
                if k.split('.')[0] in _LOADERS}
        if data:
            lines.append('  data: ' + ' '.join(f'{k}={v}'
                                               for k, v in data.items()))
        for run in search:
            lines.append(f'  search {run.name}: ' + ' '.join(
                f'{k}={v}' for k, v in run.overrides.items()
                if k not in data))
        extra = [s for s in args.seeds if s != args.search_seed]
        lines.append(f'  test: the setting chosen on val (best '
                     f'{SELECT_KEY}) at seeds {args.seeds}'
                     + (f' ({len(extra)} more run(s))' if extra !=
                        list(args.seeds) else ''))
        total += len(search) + len(extra)
    lines += ['', f'{total} training runs']
    return '\n'.join(lines)


# -------------------------------------------------------------- execution
def step_time(run_dir: str) -> Optional[float]:
    """Median train-step time (s) of a run's logged iterations.

    ``time - data_time`` of the training entries of the latest
    ``<timestamp>/vis_data/scalars.json`` (each the mean over a logging
    window), None when there is none.
    """
    files = sorted(glob.glob(osp.join(run_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not files:
        return None
    steps = []
    with open(files[-1]) as f:
        for line in f:
            entry = json.loads(line)
            if 'lr' in entry and 'time' in entry:
                steps.append(entry['time'] - entry.get('data_time', 0.0))
    return statistics.median(steps) if steps else None


def _run_args(demo, args: argparse.Namespace, run: Run):
    fam, cam = (method_config(m, run.variant)[0] for m in ('fam', 'cam'))
    pair = [run.config, cam] if METHODS[run.method].slot == 'fam' else \
        [fam, run.config]
    dargs = demo.parse_args(args.demo_argv + [
        '--work-dir', osp.join(args.work_dir, run.variant), '--seed',
        str(run.seed), '--no-stress', '--configs', *pair
    ])
    dargs.data_root = (variant_data_root(run.variant, args.data_root)
                       if args.data_root is not None else None)
    return dargs


def execute(demo, args: argparse.Namespace, run: Run,
            indices: Sequence[int]) -> dict:
    """Train and test one run (or load its results when it exists)."""
    if run.result is not None:
        return run.result
    run_dir = osp.join(args.work_dir, run.variant, run.name)
    result_file = osp.join(run_dir, RESULT_FILE)
    record = dict(variant=run.variant, method=run.method,
                  setting=run.setting, seed=run.seed, config=run.config,
                  overrides=run.overrides)
    if osp.isfile(result_file):
        with open(result_file) as f:
            result = json.load(f)
        # compared as JSON holds them (tuples are lists there)
        mismatch = [k for k in record
                    if result.get(k) != json.loads(json.dumps(record[k]))]
        if mismatch:
            raise ValueError(
                f'{result_file} holds another run ({", ".join(mismatch)} '
                'differ): delete it or choose another --work-dir')
        demo._console(args.demo_args).line(
            f'[{run.variant}] {run.name}: done before, reusing {result_file}')
        run.result = result
        return result
    dargs = _run_args(demo, args, run)
    dargs.console = demo._console(args.demo_args)
    metrics, samples = demo.train_and_test(
        METHODS[run.method].slot, f'[{run.variant}] {run.phase}:', None,
        dargs, name=run.name, overrides=run.overrides,
        figure_indices=indices, map_metric=True)
    # the config's name and the overrides as planned (the demo's ``config``
    # is the path)
    result = dict(metrics, **record, step_time=step_time(run_dir))
    with open(osp.join(run_dir, FIGURE_FILE), 'wb') as f:
        pickle.dump(samples, f)
    with open(result_file, 'w') as f:
        json.dump(result, f, indent=1, default=float)
    run.result = result
    return result


# ----------------------------------------------------------------- report
def summarize(board: Dict[str, Dict[str, dict]],
              step_ratios: Optional[Dict[str, float]] = None) -> str:
    """The markdown tables: per variant the test table, then the search.

    Args:
        board (dict): Per variant, per method: ``setting`` (the chosen
            one), ``search`` (list of ``{setting, val}``) and ``runs``
            (the test results, one per seed).
        step_ratios (dict, optional): Train-step time relative to CAM per
            method (the benchmark's); default: from the runs' logs.
    """
    mean_std = synthetic_study.mean_std
    lines: List[str] = []
    for variant, methods in board.items():
        seeds = sorted({r['seed'] for m in methods.values()
                        for r in m['runs']})
        source = 'benchmark' if step_ratios else 'runs\' logs'
        lines += [f'### {VARIANTS[variant].title} variant (test split, '
                  f'{len(seeds)} seeds: {seeds})', '',
                  '| method | setting (val) | ' +
                  ' | '.join(t for _, t in COLUMNS) +
                  f' | step time vs CAM ({source}) | box threshold (val) |',
                  '| --- |' + ' --- |' * (len(COLUMNS) + 3)]
        cam_time = _mean_step(methods.get('cam'))
        for method, entry in methods.items():
            runs = entry['runs']
            cells = [mean_std([r[k] for r in runs if k in r])
                     for k, _ in COLUMNS]
            if step_ratios:
                ratio = step_ratios.get(method)
            else:
                own = _mean_step(entry)
                ratio = own / cam_time if own and cam_time else None
            cells.append('-' if ratio is None else f'{ratio:.2f}x')
            cells.append(', '.join(f'{r["loc_threshold"]:.2f}'
                                   for r in runs))
            lines.append(f'| {METHODS[method].title} | {entry["setting"]} | '
                         + ' | '.join(cells) + ' |')
        lines += ['', f'Search on val (val {SELECT_KEY.split("/")[-1]}, '
                  'the chosen setting in bold):', '']
        for method, entry in methods.items():
            tried = ', '.join(
                (f'**{s["setting"]} {s["val"]:.2f}**'
                 if s['setting'] == entry['setting'] else
                 f'{s["setting"]} {s["val"]:.2f}') for s in entry['search'])
            lines.append(f'- {METHODS[method].title} '
                         f'({METHODS[method].key}): {tried}')
        lines.append('')
    return '\n'.join(lines)


def total_runs(board: Dict[str, Dict[str, dict]]) -> int:
    """Training runs behind a board: the search runs plus the test runs
    that are not search runs."""
    total = 0
    for methods in board.values():
        for entry in methods.values():
            # the test runs are all of the chosen setting
            total += len(entry['search']) + len(entry['runs']) - sum(
                r['seed'] == entry.get('search_seed') for r in entry['runs'])
    return total


def _mean_step(entry: Optional[dict]) -> Optional[float]:
    if not entry:
        return None
    times = [r['step_time'] for r in entry['runs']
             if r.get('step_time') is not None]
    return sum(times) / len(times) if times else None


def write_figure(path: str, demo, indices: Sequence[int],
                 samples: Dict[str, list]) -> List[dict]:
    """A row of maps per method on the same test images (PNG)."""
    import mmcv
    from mmengine.fileio import get
    from mmengine.visualization import Visualizer

    from fam_mm.visualization import draw_method_rows
    first = next(iter(samples.values()))
    images = [
        mmcv.imfrombytes(get(s.img_path), channel_order='rgb') for s in first
    ]
    picture, layout = draw_method_rows(
        Visualizer(name=f'wsol_leaderboard_{id(samples)}'), images, samples,
        titles=[f'#{i}' for i in indices])
    mmcv.imwrite(picture[..., ::-1], path)
    return layout


def main(argv: Optional[List[str]] = None) -> Dict[str, Dict[str, dict]]:
    args = parse_args(argv)
    try:
        runs = plan(args)
    except (FileNotFoundError, KeyError) as error:
        raise SystemExit(f'wsol_leaderboard: {error.args[0]}') from None
    if args.dry_run:
        print(format_plan(runs, args))
        return {}
    import torch
    demo = synthetic_study._demo()
    import fam_mm  # noqa: F401  (registers the modules)
    os.makedirs(args.work_dir, exist_ok=True)
    args.demo_args = demo.parse_args(args.demo_argv)
    console = demo._console(args.demo_args)
    step_ratios = None
    if args.step_times:
        with open(args.step_times) as f:
            step_ratios = json.load(f)['ratios']
    board: Dict[str, Dict[str, dict]] = {}
    log_file = osp.join(args.work_dir, 'console.log')
    deterministic = torch.are_deterministic_algorithms_enabled()
    threads = torch.get_num_threads()
    torch.set_num_threads(args.demo_args.threads)
    arithmetic = demo._arithmetic()
    try:
        with demo.redirect_output(log_file, args.demo_args.verbose):
            for variant in args.variants:
                first = next(r for (v, _), rs in runs.items() if v == variant
                             for r in rs)
                meta = demo.prepare_data(_run_args(demo, args, first))
                indices = demo.figure_indices(
                    meta['counts']['test']['images'] if meta else 0,
                    args.figure_images)
                board[variant] = {}
                samples: Dict[str, list] = {}
                for method in args.methods:
                    search = runs[variant, method]
                    for run in search:
                        execute(demo, args, run, indices)
                    chosen = choose(search)
                    tests = test_runs(chosen, args.seeds)
                    for run in tests:
                        execute(demo, args, run, indices)
                    board[variant][method] = dict(
                        setting=chosen.setting, search_seed=chosen.seed,
                        overrides=chosen.overrides,
                        config=chosen.config,
                        search=[dict(setting=r.setting,
                                     val=r.result[SELECT_KEY])
                                for r in search],
                        runs=[r.result for r in tests])
                    figure_run = osp.join(args.work_dir, variant,
                                          tests[0].name, FIGURE_FILE)
                    if indices and osp.isfile(figure_run):
                        with open(figure_run, 'rb') as f:
                            samples[METHODS[method].title] = pickle.load(f)
                if samples:
                    write_figure(
                        osp.join(args.work_dir,
                                 f'leaderboard_{variant}.png'), demo,
                        indices, samples)
    finally:
        torch.use_deterministic_algorithms(deterministic)
        torch.set_num_threads(threads)
    command = ' '.join(sys.argv[1:] if argv is None else argv)
    table = (f'`python tools/analysis_tools/wsol_leaderboard.py {command}`'
             f' ({arithmetic}; {total_runs(board)} training runs)\n\n' +
             summarize(board, step_ratios))
    with open(osp.join(args.work_dir, 'leaderboard.md'), 'w') as f:
        f.write(table)
    with open(osp.join(args.work_dir, 'leaderboard.json'), 'w') as f:
        json.dump(board, f, indent=1, default=float)
    console.line(table)
    console.line(f'written to {args.work_dir}')
    return board


if __name__ == '__main__':
    main()
