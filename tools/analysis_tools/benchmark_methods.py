"""Train-step time of each WSOL method relative to CAM, in one run.

Every method of the leaderboard (``wsol_leaderboard.METHODS``: CAM, FAM,
HaS, CutMix, ADL, ACoL, SPG) is built from its config, with the same
backbone, batch and input, and timed by ``benchmark.py``'s machinery: a
fixed random batch, ``model.train_step`` (data preprocessor with the
method's batch augments, forward, losses, backward, SGD step), ``--warmup``
untimed steps, then the median of ``--iters`` timed steps, the methods'
steps interleaved (the order reversed every other round) so that a
slow-down of a shared machine hits them alike. Prints a table of the
median step times and their ratios to CAM; ``--json`` writes them
(``ratios`` is what ``wsol_leaderboard.py --step-times`` reads). Nothing is
asserted.

Settings (``--setting``):

* ``synthetic`` (default): the leaderboard's, each method's
  ``configs/<method>_efficientnet-lite0_synthetic-finegrained.py``
  (EfficientNet-Lite0 at stride 8), 128 px input, batch 32;
* ``cub``: each method's ``configs/<method>_<--backbone>_cub.py`` (e.g.
  ``vgg16``, ``resnet50``, ``inceptionv3``), 224 px input, batch 32 (the
  WSOL recipe; the input follows ``--input-size``).

Pretrained weights are not loaded (random weights cost the same). A method
whose config does not exist is listed and skipped; CAM is needed for the
ratios.

Examples::

    python tools/analysis_tools/benchmark_methods.py --threads 2
    python tools/analysis_tools/benchmark_methods.py --setting cub \\
        --backbone resnet50 --device cuda --json r50_methods.json
"""
import argparse
import copy
import os.path as osp
import sys
from typing import Dict, List, Optional, Tuple

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import benchmark  # noqa: E402
import wsol_leaderboard  # noqa: E402

REPO = benchmark.REPO
#: Input size and batch size of each setting (batch 32: both recipes').
SETTINGS = dict(synthetic=(128, 32), cub=(224, 32))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--setting', default='synthetic',
                        choices=sorted(SETTINGS))
    parser.add_argument('--backbone', default='vgg16',
                        help='the cub setting\'s backbone (config name part)')
    parser.add_argument('--methods', nargs='+',
                        default=list(wsol_leaderboard.METHODS),
                        choices=list(wsol_leaderboard.METHODS))
    parser.add_argument('--input-size', type=int, default=None,
                        help='default: the setting\'s (128 / 224)')
    parser.add_argument('--batch-size', type=int, default=None,
                        help='default: the setting\'s (32)')
    parser.add_argument('--iters', type=int, default=10,
                        help='timed train steps (median reported)')
    parser.add_argument('--warmup', type=int, default=3,
                        help='untimed train steps before timing')
    parser.add_argument('--device', default='cpu', choices=('cpu', 'cuda'))
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch\'s)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--json', metavar='OUT', help='write the numbers')
    args = parser.parse_args(argv)
    if 'cam' not in args.methods:
        parser.error('--methods needs cam (the ratios are to CAM)')
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: CUDA is not available')
    size, batch = SETTINGS[args.setting]
    args.input_size = args.input_size or size
    args.batch_size = args.batch_size or batch
    for name in ('input_size', 'batch_size', 'iters'):
        if getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1')
    if args.warmup < 0:
        parser.error('--warmup must be >= 0')
    # read by benchmark.py's functions
    args.amp = False
    return args


def config_name(method: str, args: argparse.Namespace) -> str:
    """The config of a method in this setting (a name in ``configs/``)."""
    if args.setting == 'synthetic':
        return wsol_leaderboard.METHODS[method].config(method)
    return f'{method}_{args.backbone}_cub.py'


def _drop_pretrained(node) -> None:
    """Remove every ``init_cfg`` that loads a checkpoint (in place)."""
    if isinstance(node, dict):
        init = node.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            node.pop('init_cfg')
        for value in node.values():
            _drop_pretrained(value)
    elif isinstance(node, list):
        for value in node:
            _drop_pretrained(value)


def model_config(path: str) -> Tuple[dict, int]:
    """The model of a config, with its data preprocessor (batch augments
    included) and without pretrained weights, and its number of classes."""
    from mmengine.config import Config
    cfg = Config.fromfile(path)
    model = copy.deepcopy(cfg.model.to_dict())
    preprocessor = dict(cfg.get('data_preprocessor') or {})
    preprocessor.update(model.get('data_preprocessor') or {})
    preprocessor.setdefault('type', 'ClsDataPreprocessor')
    model['data_preprocessor'] = preprocessor
    _drop_pretrained(model)
    num_classes = model['head'].get('num_classes') or \
        preprocessor.get('num_classes')
    if not num_classes:
        raise ValueError(f'{path}: no model.head.num_classes')
    return model, int(num_classes)


def format_table(results: dict) -> str:
    """Markdown: median step time and its ratio to CAM per method."""
    setup = results['setup']
    lines = [
        f'Train step ({setup["setting"]}: {setup["input_size"]} px, batch '
        f'{setup["batch_size"]}, {setup["device_name"]}, median of '
        f'{setup["iters"]} steps after {setup["warmup"]} warm-up):', '',
        '| method | config | step (ms) | vs CAM |', '| --- | --- | --- | --- |'
    ]
    for method, row in results['steps'].items():
        lines.append(
            f'| {wsol_leaderboard.METHODS[method].title} | '
            f'`{row["config"]}` | {row["step_ms_median"]:.1f} | '
            f'{results["ratios"][method]:.2f}x |')
    for method, config in results['skipped'].items():
        lines.append(f'| {wsol_leaderboard.METHODS[method].title} | '
                     f'`{config}` (not found) | - | - |')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device_name = (torch.cuda.get_device_name() if args.device == 'cuda'
                   else f'CPU ({benchmark.cpu_name()}, '
                   f'{torch.get_num_threads()} threads)')
    trainers: Dict[str, benchmark.Trainer] = {}
    configs: Dict[str, str] = {}
    skipped: Dict[str, str] = {}
    num_classes = set()
    for method in args.methods:
        name = config_name(method, args)
        path = osp.join(REPO, 'configs', name)
        if not osp.isfile(path):
            if method == 'cam':
                raise SystemExit(f'benchmark_methods: configs/{name} not '
                                 'found (CAM is the reference)')
            skipped[method] = name
            continue
        model, classes = model_config(path)
        num_classes.add(classes)
        args.num_classes = classes  # the batch's labels (make_batch)
        trainers[method] = benchmark.Trainer(method, args, cfg=model)
        configs[method] = name
    if len(num_classes) > 1:
        raise SystemExit('benchmark_methods: the configs have different '
                         f'numbers of classes {sorted(num_classes)}')
    timings = benchmark.time_train_steps(trainers, args)
    cam = timings['cam']['step_ms_median']
    results = dict(
        setup=dict(setting=args.setting, input_size=args.input_size,
                   batch_size=args.batch_size, iters=args.iters,
                   warmup=args.warmup, device=args.device,
                   device_name=device_name, threads=torch.get_num_threads(),
                   torch=torch.__version__, seed=args.seed,
                   backbone=(args.backbone if args.setting == 'cub' else
                             'efficientnet-lite0 (stride 8)')),
        steps={m: dict(config=configs[m],
                       step_ms_median=t['step_ms_median'],
                       step_ms_min=t['step_ms_min'],
                       step_ms_all=t['step_ms_all'])
               for m, t in timings.items()},
        ratios={m: t['step_ms_median'] / cam for m, t in timings.items()},
        skipped=skipped)
    print(format_table(results))
    if args.json:
        benchmark.write_json(args.json, results)
    return results


if __name__ == '__main__':
    main()
