"""FAM vs CAM (and FAM's ablations) on the synthetic benchmark, over seeds.

Runs the `make demo` protocol (``tools/demo.py``: fine-tuning with the same
schedule from the same backbone, box threshold chosen on val, test; with
``--backbone resnet18`` the backbone is first pretrained as a classifier,
once per seed) once per seed, for FAM and CAM and, with ``--ablations``, the
rows of the paper's Tables 2-3 built from the FAM config (see
:data:`ABLATIONS`). Prints and writes a markdown table of mean +- standard
deviation over the seeds. Options it does not know go to ``tools/demo.py``
(e.g. ``--configs FAM_CFG CAM_CFG`` for the richer benchmark variant).

Example:
    python tools/analysis_tools/synthetic_study.py --seeds 0 1 2 --ablations
"""
import argparse
import importlib.util
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# The distinct rows of the paper's Tables 2-3, as switches of the FAM config
# (whose full model is Table 3's last row). Table 2's rows have neither the
# diversity loss nor the importance prediction.
_NO_PART_EXTRAS = dict(loss_div_weight=0.0, use_importance=False)
ABLATIONS = {
    # Table 2, row 1: no sparsity loss, no foreground memory
    'fam_t2_nospa_nomem': dict(model=dict(
        neck=dict(use_memory=False),
        head=dict(loss_spa_weight=0.0, **_NO_PART_EXTRAS))),
    # Table 2, row 2: sparsity loss, no foreground memory
    'fam_t2_nomem': dict(model=dict(
        neck=dict(use_memory=False), head=dict(**_NO_PART_EXTRAS))),
    # Table 2, row 3 = Table 3, row 1: object-aware module only
    'fam_t3_nodiv_noimp': dict(model=dict(head=dict(**_NO_PART_EXTRAS))),
    # Table 3, row 2: importance prediction, no diversity loss
    'fam_t3_nodiv': dict(model=dict(head=dict(loss_div_weight=0.0))),
}
# Other settings of the FAM config, selectable with --methods
VARIANTS = {
    # the localization-leaning setting of docs/design.md's study
    'fam_lambda_div1': dict(model=dict(head=dict(loss_div_weight=1.0))),
}
KEYS = ('top1_cls', 'top1_loc', 'gt_known_loc', 'maxboxaccv2', 'mean_iou',
        'empty_box_rate')
NAMES = ('Top-1 Cls', 'Top-1 Loc', 'GT-known Loc', 'MaxBoxAccV2', 'mean IoU',
         'empty boxes')
#: The second table: PxAP and what FAMMapMetric measures of the maps
#: (fractions shown as they are, not in percent).
MAP_KEYS = (('wsol/pxap', 'PxAP (%)'), ('fam/fg_in', 'M in the masks'),
            ('fam/fg_out', 'M outside'),
            ('fam/part_cosine', 'part cosine (centred)'),
            ('fam/part_purity', 'part purity'),
            ('fam/distinct_parts', 'distinct parts'),
            ('fam/bg_row_0', 'bg M, top band'),
            ('fam/bg_row_3', 'bg M, bottom band'))


def _demo():
    spec = importlib.util.spec_from_file_location(
        'fam_demo', osp.join(REPO, 'tools', 'demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--ablations', action='store_true')
    parser.add_argument(
        '--methods', nargs='+', default=None,
        help='run only these of fam, cam and the ablation names')
    parser.add_argument('--work-dir',
                        default=osp.join(REPO, 'work_dirs', 'study'))
    parser.add_argument('--out', default=None,
                        help='markdown file (default WORK_DIR/study.md)')
    args, demo_argv = parser.parse_known_args(argv)
    args.demo_argv = demo_argv  # passed on to tools/demo.py's options
    return args


def mean_std(values: Sequence[float]) -> str:
    """``'mean +- std'`` (population std) with 2 decimals; ``'-'`` when
    there are no values."""
    array = np.asarray(values, dtype=np.float64)
    if not len(array):
        return '-'
    return f'{array.mean():.2f} +- {array.std():.2f}'


def summarize(per_seed: Dict[str, List[Dict[str, float]]],
              seeds: List[int]) -> str:
    """Markdown table: mean +- std (population std over the seeds)."""
    lines = [
        f'| method (%, {len(seeds)} seeds: {seeds}) | ' + ' | '.join(NAMES) +
        ' | box threshold (val) |', '| --- |' + ' --- |' * (len(NAMES) + 1)
    ]
    lines[0] = lines[0].replace(' | box threshold',
                                ' | part cosine (centred) | box threshold')
    lines[1] += ' --- |'
    for method, runs in per_seed.items():
        cells = []
        for key in KEYS + ('part_cosine', ):
            prefix = 'fam' if key == 'part_cosine' else 'wsol'
            cells.append(mean_std([r[f'{prefix}/{key}'] for r in runs
                                   if f'{prefix}/{key}' in r]))
        thrs = ', '.join(f'{r["loc_threshold"]:.2f}' for r in runs)
        lines.append(f'| {method.upper()} | ' + ' | '.join(cells) +
                     f' | {thrs} |')
    lines += ['', f'| method ({len(seeds)} seeds) | ' +
              ' | '.join(n for _, n in MAP_KEYS) + ' |',
              '| --- |' + ' --- |' * len(MAP_KEYS)]
    for method, runs in per_seed.items():
        cells = []
        for key, _ in MAP_KEYS:
            cells.append(mean_std([r[key] for r in runs if key in r]))
        lines.append(f'| {method.upper()} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> Dict[str, list]:
    args = parse_args(argv)
    demo = _demo()
    import fam_mm  # noqa: F401
    methods = ['fam', 'cam'] + (list(ABLATIONS) if args.ablations else [])
    if args.methods:
        known = {'fam', 'cam', *ABLATIONS, *VARIANTS}
        unknown = set(args.methods) - known
        if unknown:
            raise ValueError(f'unknown --methods {sorted(unknown)}; choose '
                             f'from {", ".join(sorted(known))}')
        methods = list(args.methods)
    per_seed: Dict[str, list] = {m: [] for m in methods}
    for seed in args.seeds:
        seed_dir = osp.join(args.work_dir, f'seed{seed}')
        dargs = demo.parse_args(args.demo_argv +
                                ['--work-dir', seed_dir, '--seed',
                                 str(seed)])
        os.makedirs(seed_dir, exist_ok=True)
        pretrained = demo.pretrain(dargs)  # None: ImageNet weights
        for method in methods:
            base = 'fam' if method.startswith('fam') else 'cam'
            result = demo.finetune_and_test(
                base, f'seed {seed}:', pretrained, dargs,
                name=method,
                overrides=ABLATIONS.get(method, VARIANTS.get(method)))
            per_seed[method].append(result)
            with open(osp.join(args.work_dir, 'raw.json'), 'w') as f:
                json.dump(per_seed, f, indent=1)
    table = summarize(per_seed, args.seeds)
    out = args.out or osp.join(args.work_dir, 'study.md')
    with open(out, 'w') as f:
        f.write(table + '\n')
    print(table)
    print(f'\nwritten to {out}')
    return per_seed


if __name__ == '__main__':
    main()
