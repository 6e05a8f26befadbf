"""`make demo`: FAM vs CAM on the embedded synthetic WSOL benchmark (CPU).

It tells two stories (``--backbone efficientnet-lite0``, the default):

* **the headline**, the fine-grained variant of the benchmark
  (``configs/{fam,cam}_efficientnet-lite0_synthetic-finegrained.py``): the
  class is a combination of part attributes over the whole creature, as in
  CUB, the setting where the paper says FAM works;
* **the stress test**, the crest-only reference variant
  (``configs/{fam,cam}_efficientnet-lite0_synthetic.py``, ``--no-stress``
  leaves it out): the class is written only on a small crest, the body is
  the same for every class, so the classification loss has no use for the
  body and FAM's sparsity loss removes it from the foreground map.

Stages (each training one an ordinary mmengine run of a config in
``configs/``):

1. generate the synthetic benchmark(s) under ``data/`` (once);
2. fine-tune FAM, then CAM, from the same ImageNet weights with the same
   schedule, for each story. With
   ``--backbone resnet18`` a slim ResNet18 is first trained from scratch as
   a classifier on the train split (``configs/pretrain_resnet18_synthetic.py``,
   image labels only) and FAM and CAM start from it;
3. choose each method's box threshold on the val split, freeze it and test
   on the test split;
4. write one report, ``work_dirs/demo/report.md``: the results table, the
   thresholds, the run time and a figure grid of test images (GT and
   predicted boxes, CAM map, FAM map, FAM's part maps), plus per-image
   pictures, the per-image results and an IoU histogram (paper Fig. 6).

The screen shows one line per stage and a progress line while training;
mmengine's full logs go to files in the work dir (``console.log`` and each
run's own log). Numbers are whatever this run measures; nothing is tuned on
the test split.

The same seed gives the same table, also on another machine: besides the
seeds (Python, numpy, torch, data loader workers; deterministic algorithms)
the float arithmetic is pinned, since it changes the trained weights and so
the table: a fixed number of CPU threads (``--threads``, default 2) and the
AVX2 kernels of oneDNN, ATen and MKL on every x86 CPU
(:data:`REPRODUCIBLE_ENV`, set before torch is imported unless already
set; AVX-512 machines would otherwise pick other kernels and round
differently).
"""
import argparse
import contextlib
import importlib.util
import io
import json
import logging
import os
import os.path as osp
import sys
import time
from typing import Dict, Iterator, List, Optional, Sequence, TextIO, Tuple

#: Kernel choices pinned for the same numbers on every x86 CPU with AVX2
#: (read by torch, oneDNN and MKL when they load: set before the imports).
REPRODUCIBLE_ENV = {
    'ATEN_CPU_CAPABILITY': 'avx2',
    'ONEDNN_MAX_CPU_ISA': 'AVX2',
    'MKL_CBWR': 'AVX2',
}
for _key, _value in REPRODUCIBLE_ENV.items():
    os.environ.setdefault(_key, _value)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: Config pairs (FAM, CAM) per backbone of ``--backbone``.
CONFIG_PAIRS = {
    'efficientnet-lite0': ('fam_efficientnet-lite0_synthetic-finegrained.py',
                           'cam_efficientnet-lite0_synthetic-finegrained.py'),
    'resnet18': ('fam_resnet18_synthetic.py', 'cam_resnet18_synthetic.py'),
}
#: The stress-test pair (crest-only reference benchmark) per backbone;
#: ``--no-stress`` skips it, ``--stress-configs`` sets another one.
STRESS_PAIRS = {
    'efficientnet-lite0': ('fam_efficientnet-lite0_synthetic.py',
                           'cam_efficientnet-lite0_synthetic.py'),
}
#: Run-name suffix and column title of each story.
STORIES = {'headline': ('', 'fine-grained'), 'stress': ('_crest',
                                                        'crest-only')}
DEFAULT_BACKBONE = 'efficientnet-lite0'
#: Backbones whose configs start from the demo's own pretraining stage
#: (``work_dirs/demo/pretrain/backbone_pretrain.pth``), with its config.
PRETRAIN_CONFIGS = {'resnet18': 'pretrain_resnet18_synthetic.py'}
METHODS = ('fam', 'cam')
#: Rows of the results table: metric key (``wsol/<key>``) and name. The
#: optional ones appear when the metric reports them.
METRIC_ROWS = (
    ('top1_cls', 'Top-1 Cls'),
    ('gt_known_loc', 'GT-known Loc'),
    ('top1_loc', 'Top-1 Loc'),
    ('maxboxaccv2', 'MaxBoxAccV2'),
    ('mean_iou', 'mean IoU'),
)
OPTIONAL_METRIC_ROWS = (
    ('pxap', 'PxAP'),
    ('empty_box_rate', 'empty boxes'),
)
THRESHOLD_CANDIDATES = np.round(np.arange(0.05, 1.0, 0.05), 2)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default=osp.join(REPO, 'work_dirs',
                                                       'demo'))
    parser.add_argument(
        '--data-root', default=None,
        help='synthetic data folder of the headline pair (default: the '
        'configs\'); the stress pair\'s goes to DATA_ROOT-crest')
    parser.add_argument(
        '--backbone', default=DEFAULT_BACKBONE, choices=sorted(CONFIG_PAIRS),
        help='config pair (FAM, CAM) to fine-tune: '
        + '; '.join(f'{k}: {" / ".join(v)}' for k, v in CONFIG_PAIRS.items())
        + '. resnet18 first pretrains its backbone from scratch')
    parser.add_argument(
        '--configs', nargs=2, metavar=('FAM_CONFIG', 'CAM_CONFIG'),
        default=None,
        help='other FAM and CAM configs (a path, or a name in configs/); '
        'overrides --backbone\'s pair, keeps its pretraining stage')
    parser.add_argument(
        '--stress-configs', nargs=2, metavar=('FAM_CONFIG', 'CAM_CONFIG'),
        default=None,
        help='the stress-test pair (default: the crest-only reference '
        'benchmark\'s pair of --backbone, when it has one)')
    parser.add_argument('--no-stress', action='store_true',
                        help='run the headline pair only')
    parser.add_argument('--pretrain-epochs', type=int, default=None,
                        help='epochs of the resnet18 pretraining stage')
    parser.add_argument('--epochs', type=int, default=None,
                        help='fine-tuning epochs of FAM and CAM')
    parser.add_argument('--num-train', type=int, default=None)
    parser.add_argument('--num-val', type=int, default=None)
    parser.add_argument('--num-test', type=int, default=None)
    parser.add_argument('--batch-size', type=int, default=None)
    parser.add_argument('--workers', type=int, default=None)
    parser.add_argument('--vis-interval', type=int, default=25,
                        help='draw every N-th test image to vis/<method>')
    parser.add_argument('--figure-images', type=int, default=8,
                        help='test images (rows) of the report\'s figure '
                        'grid, evenly spaced over the test split')
    parser.add_argument('--cam-curve-interval', type=float, default=None)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--threads', type=int, default=2,
        help='CPU threads of torch (the numbers depend on it: keep it for '
        'the same table)')
    parser.add_argument('--verbose', action='store_true',
                        help='print mmengine\'s logs on the console too')
    return parser.parse_args(argv)


# --------------------------------------------------------------- the screen
class Console:
    """What the user sees: one line per stage, one progress line.

    Args:
        stream (TextIO): The terminal (or whatever stdout was).
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, 'isatty', lambda: False)())
        self._progress = False

    def line(self, text: str) -> None:
        """Print a line (ends a pending progress line)."""
        if self._progress:
            self.stream.write('\n')
            self._progress = False
        self.stream.write(text + '\n')
        self.stream.flush()

    def progress(self, text: str) -> None:
        """Rewrite the progress line in place (a new line when no TTY)."""
        if not self.tty:
            self.line(text)
            return
        self.stream.write('\r' + text.ljust(79))
        self.stream.flush()
        self._progress = True


def format_duration(seconds: float) -> str:
    """``'1m20s'``, ``'45s'``, ``'1h02m'``."""
    seconds = int(round(max(0.0, seconds)))
    if seconds < 60:
        return f'{seconds}s'
    if seconds < 3600:
        return f'{seconds // 60}m{seconds % 60:02d}s'
    return f'{seconds // 3600}h{seconds % 3600 // 60:02d}m'


class ProgressHook(Hook):
    """Show training progress on the :class:`Console`.

    On a terminal one line ``[FAM] epoch 3/8  iter 20/38  loss 0.61  eta
    1m20s`` is rewritten in place after every iteration; otherwise one such
    line is printed per epoch (with the epoch's mean loss).

    Args:
        console (Console): Where to write.
        name (str): Tag of the lines, e.g. ``'FAM'``.
    """

    priority = 'LOWEST'

    def __init__(self, console: Console, name: str) -> None:
        self.console = console
        self.name = name
        self._start = 0.0
        self._start_iter = 0
        self._losses: List[float] = []

    def before_train(self, runner) -> None:
        self._start = time.perf_counter()
        self._start_iter = runner.iter

    def before_train_epoch(self, runner) -> None:
        self._losses = []

    def _line(self, runner, batch_idx: int) -> str:
        loop = runner.train_loop
        done = runner.iter + 1 - self._start_iter
        left = loop.max_iters - runner.iter - 1
        elapsed = time.perf_counter() - self._start
        eta = elapsed / max(done, 1) * left
        loss = float(np.mean(self._losses)) if self._losses else float('nan')
        return (f'[{self.name}] epoch {runner.epoch + 1}/{loop.max_epochs}  '
                f'iter {batch_idx + 1}/{len(loop.dataloader)}  '
                f'loss {loss:.3f}  eta {format_duration(eta)}')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if outputs and 'loss' in outputs:
            loss = outputs['loss']
            self._losses.append(
                float(loss.detach()) if torch.is_tensor(loss) else
                float(loss))
        if self.console.tty or \
                batch_idx + 1 == len(runner.train_loop.dataloader):
            self.console.progress(self._line(runner, batch_idx))


@contextlib.contextmanager
def redirect_output(log_file: str, verbose: bool = False) -> Iterator[None]:
    """Send stdout and stderr (mmengine's console logs, warnings) to a file.

    mmengine's loggers keep the stream they were created with, so those
    created inside are pointed back at the real stdout on exit.

    Args:
        log_file (str): Appended to.
        verbose (bool): Do nothing (everything stays on the console).
    """
    if verbose:
        yield
        return
    stdout, stderr = sys.stdout, sys.stderr
    with open(log_file, 'a', encoding='utf-8') as f:
        sys.stdout = sys.stderr = f
        try:
            yield
        finally:
            sys.stdout, sys.stderr = stdout, stderr
            _repoint_loggers(f, stdout)


def _repoint_loggers(old: io.TextIOBase, new: TextIO) -> None:
    from mmengine.logging import MMLogger
    loggers = list(MMLogger._instance_dict.values()) + [logging.getLogger()]
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and \
                    handler.stream is old:
                handler.setStream(new)


# ----------------------------------------------------------------- configs
def config_path(name: str) -> str:
    """A config path as given, else ``configs/<name>``."""
    if osp.isfile(name):
        return osp.abspath(name)
    path = osp.join(REPO, 'configs', name)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'config not found: {name} (nor {path}); choose another pair '
            f'with --backbone ({", ".join(sorted(CONFIG_PAIRS))}) or '
            '--configs')
    return path


def story_pair(args: argparse.Namespace,
               story: str = 'headline') -> Optional[Tuple[str, str]]:
    """The (FAM, CAM) configs of a story, None when it does not run."""
    if story == 'headline':
        return tuple(args.configs or CONFIG_PAIRS[args.backbone])
    if getattr(args, 'no_stress', False):
        return None
    pair = getattr(args, 'stress_configs', None) or \
        STRESS_PAIRS.get(args.backbone)
    return tuple(pair) if pair else None


def stories(args: argparse.Namespace) -> List[str]:
    """The stories this run tells, headline first."""
    return [s for s in STORIES if story_pair(args, s) is not None]


def method_config(method: str, args: argparse.Namespace,
                  story: str = 'headline') -> str:
    """The config of ``method`` (``'fam'`` or ``'cam'``) for this run."""
    pair = story_pair(args, story)
    if pair is None:
        raise ValueError(f'this run has no {story} pair')
    return config_path(pair[METHODS.index(method)])


def story_data_root(args: argparse.Namespace, story: str) -> Optional[str]:
    """``--data-root`` of a story (the stress pair's beside it)."""
    if args.data_root is None:
        return None
    if story == 'headline':
        return args.data_root
    return args.data_root.rstrip('/\\') + '-crest'



def _loaders(cfg: Config):
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(name) is not None:
            yield cfg[name]


def load_config(name: str, args: argparse.Namespace, work_dir: str,
                max_epochs: Optional[int],
                story: str = 'headline') -> Config:
    """A config (path or name in ``configs/``) with the demo's overrides.

    Besides the command-line options this makes the run reproducible:
    mmengine seeds Python, numpy, torch and the data loader workers with
    ``--seed`` and switches torch to deterministic algorithms.
    """
    cfg = Config.fromfile(config_path(name))
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=args.seed, deterministic=True)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=-1, save_last=True)
    if max_epochs is not None:
        # the lr schedule (cosine end/T_max, milestones) follows
        from fam_mm.utils.schedule import set_max_epochs
        set_max_epochs(cfg, max_epochs)
    # no validation while training (mmengine would also validate after the
    # last epoch): the demo runs val and test itself at the end
    cfg.train_cfg.val_begin = 10**6
    for loader in _loaders(cfg):
        dataset = loader.dataset
        if args.data_root is not None:
            dataset.data_root = story_data_root(args, story)
        for key in ('num_train', 'num_val', 'num_test'):
            if getattr(args, key) is not None:
                dataset[key] = getattr(args, key)
        if args.batch_size is not None:
            loader.batch_size = args.batch_size
        if args.workers is not None:
            loader.num_workers = args.workers
            loader.persistent_workers = args.workers > 0
    if args.cam_curve_interval is not None:
        for key in ('val_evaluator', 'test_evaluator'):
            if cfg[key].type == 'WSOLMetric':
                cfg[key].cam_curve_interval = args.cam_curve_interval
    return cfg


#: File name of the config the demo writes next to each run's checkpoint:
#: the run's config with the box threshold chosen on val.
THRESHOLD_CONFIG = 'config_val_threshold.py'


def dataset_overrides(args: argparse.Namespace,
                      story: str = 'headline') -> dict:
    """The dataset keys :func:`load_config` sets from the options."""
    out: dict = {}
    if args.data_root is not None:
        out['data_root'] = osp.abspath(story_data_root(args, story) or '')
    for key in ('num_train', 'num_val', 'num_test'):
        if getattr(args, key) is not None:
            out[key] = getattr(args, key)
    return out


def write_threshold_config(path: str, config: str, threshold: float,
                           mode: str, datasets: Optional[dict] = None,
                           loaders: Sequence[str] = (
                               'train_dataloader', 'val_dataloader',
                               'test_dataloader')) -> str:
    """Write a config that is ``config`` with the box threshold chosen on
    val, for ``demo/image_demo.py``, ``WSOLInferencer`` and
    ``tools/test.py`` with the run's checkpoint.

    Args:
        path (str): The file to write.
        config (str): The run's config file (its ``_base_``, relative to
            ``path``'s folder).
        threshold (float): ``model.head.loc_threshold``.
        mode (str): The threshold's mode (for the comment).
        datasets (dict, optional): Keys the demo set on every dataloader's
            dataset (``data_root``, ``num_train``, ...).
        loaders (Sequence[str]): The dataloaders of ``config``.

    Returns:
        str: ``path``.
    """
    base = osp.relpath(osp.abspath(config), osp.dirname(osp.abspath(path)))
    lines = [
        '# Written by tools/demo.py: the run\'s config with the box '
        'threshold', f'# chosen on the val split ({mode} mode).',
        f'_base_ = {base!r}', '',
        f'model = dict(head=dict(loc_threshold={float(threshold)!r}))'
    ]
    if datasets:
        for loader in loaders:
            lines.append(f'{loader} = dict(dataset=dict('
                         + ', '.join(f'{k}={v!r}'
                                     for k, v in datasets.items()) + '))')
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')
    return path


def last_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint mmengine saved last in ``work_dir``, if any."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker, encoding='utf-8') as f:
        path = f.read().strip()
    return path if osp.isfile(path) else None


def follow_up_commands(work_dir: str, names: Sequence[str]) -> List[str]:
    """The commands that use the demo's checkpoints with the thresholds
    chosen on val (its ``config_val_threshold.py`` files)."""
    lines = []
    for name in names:
        run_dir = osp.join(work_dir, name)
        config = osp.join(run_dir, THRESHOLD_CONFIG)
        ckpt = last_checkpoint(run_dir)
        if ckpt is None or not osp.isfile(config):
            continue
        ckpt = osp.relpath(ckpt) if not osp.isabs(work_dir) else ckpt
        lines.append(f'python demo/image_demo.py IMAGE {config} '
                     f'--checkpoint {ckpt} --show-dir vis/')
        lines.append(f'python tools/test.py {config} {ckpt}')
    return lines


def _load_tool(name: str):
    """``tools/analysis_tools/<name>.py`` as a module."""
    path = osp.join(REPO, 'tools', 'analysis_tools', f'{name}.py')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _console(args: argparse.Namespace) -> Console:
    console = getattr(args, 'console', None)
    if console is None:
        console = args.console = Console(sys.stdout)
    return console


def _build_runner(cfg: Config, args: argparse.Namespace, name: str) -> Runner:
    runner = Runner.from_cfg(cfg)
    runner.register_hook(ProgressHook(_console(args), name.upper()))
    return runner


# ------------------------------------------------------------------ stages
def prepare_data(args: argparse.Namespace,
                 story: str = 'headline') -> Optional[dict]:
    """Generate the synthetic benchmark of a story's FAM config unless
    present.

    Returns:
        dict | None: Its ``meta.json`` content (plus ``seconds`` when it was
        generated now, ``data_root``); None when the config's data is not
        the synthetic benchmark.
    """
    from fam_mm.datasets.synthetic_wsol import (
        DEFAULT_PARAMS,
        generate_synthetic_wsol,
    )
    cfg = load_config(method_config('fam', args, story), args, args.work_dir,
                      None, story)
    dataset = cfg.train_dataloader.dataset
    if dataset.type != 'SyntheticWSOL':
        return None
    params = {k: dataset[k] for k in DEFAULT_PARAMS if k in dataset}
    data_root = dataset.get('data_root', 'data/synthetic_wsol')
    meta = dict(generate_synthetic_wsol(data_root, **params))
    meta['data_root'] = data_root
    return meta


def _data_line(meta: Optional[dict]) -> str:
    if meta is None:
        return '[data] not the synthetic benchmark: nothing to generate'
    counts = ' / '.join(f'{meta["counts"][s]["images"]} {s}'
                        for s in ('train', 'val', 'test'))
    how = (f'generated in {meta["seconds"]:.1f}s' if 'seconds' in meta else
           'already generated')
    return (f'[data] synthetic benchmark {meta["data_root"]}: {counts} '
            f'images ({how})')


def needs_pretraining(args: argparse.Namespace) -> bool:
    """Whether this run's backbone comes from the demo's pretraining."""
    return args.backbone in PRETRAIN_CONFIGS


def pretrain(args: argparse.Namespace) -> Optional[str]:
    """Train the classifier whose backbone FAM and CAM start from.

    Only for backbones of :data:`PRETRAIN_CONFIGS` (``--backbone
    resnet18``); the others start from the ImageNet weights their configs
    load.

    Returns:
        str | None: The backbone checkpoint (reused when present), None when
        the backbone needs no pretraining.
    """
    if not needs_pretraining(args):
        return None
    console = _console(args)
    work_dir = osp.join(args.work_dir, 'pretrain')
    ckpt = osp.join(work_dir, 'backbone_pretrain.pth')
    if osp.exists(ckpt):
        console.line(f'[pretrain] reusing the pretrained backbone {ckpt}')
        return ckpt
    console.line('[pretrain] training the backbone as a classifier from '
                 'scratch (image labels only)')
    start = time.perf_counter()
    cfg = load_config(PRETRAIN_CONFIGS[args.backbone], args, work_dir,
                      args.pretrain_epochs)
    runner = _build_runner(cfg, args, 'pretrain')
    runner.train()
    runner.save_checkpoint(work_dir, 'backbone_pretrain.pth',
                           save_optimizer=False, save_param_scheduler=False)
    console.line(f'[pretrain] done in '
                 f'{format_duration(time.perf_counter() - start)}')
    return ckpt


def _unwrap(model):
    return model.module if hasattr(model, 'module') else model


def predict_samples(runner: Runner, indices: Sequence[int]) -> list:
    """The test-time predictions of the given test images.

    Args:
        runner (Runner): A runner after ``test()`` (its test data loader and
            model, with the box threshold in force).
        indices (Sequence[int]): Test dataset indices.

    Returns:
        list[DataSample]: On the CPU, with the GT (``gt_bboxes`` in the
        original frame), ``loc_map``, ``pred_bbox`` and, for FAM,
        ``part_maps``.
    """
    from mmengine.dataset import pseudo_collate
    if not indices:
        return []
    dataset = runner.test_dataloader.dataset
    model = _unwrap(runner.model)
    model.eval()
    with torch.no_grad():
        samples = model.test_step(
            pseudo_collate([dataset[int(i)] for i in indices]))
    return [s.cpu() for s in samples]


def train_and_test(method: str,
                   step: str,
                   pretrained: Optional[str],
                   args: argparse.Namespace,
                   name: Optional[str] = None,
                   overrides: Optional[dict] = None,
                   figure_indices: Sequence[int] = (),
                   story: str = 'headline',
                   map_metric: Optional[bool] = None
                   ) -> Tuple[Dict[str, float], list]:
    """Fine-tune, choose the box threshold on val, test with it frozen.

    Args:
        method (str): ``'fam'`` or ``'cam'`` (which config of the pair).
        step (str): Prefix of the stage lines (e.g. ``'seed 1:'``).
        pretrained (str, optional): Backbone checkpoint to start from; None
            keeps the config's own ``init_cfg`` (the ImageNet weights).
        args (argparse.Namespace): The demo's options.
        name (str, optional): Name of the run (work dir, pictures, results
            file). Defaults to ``method``.
        overrides (dict, optional): Merged into the config (ablations).
        figure_indices (Sequence[int]): Test images whose predictions are
            returned (for the figure grid).
        story (str): ``'headline'`` or ``'stress'``: which config pair.
        map_metric (bool, optional): Test with ``FAMMapMetric`` too (the
            map inside / outside the masks, ``fam/fg_in`` and
            ``fam/fg_out``). Defaults to None: for FAM only.

    Returns:
        tuple: The test metrics plus ``loc_threshold``, its mode, the
        ``config`` and the val metrics (``val/<key>``, threshold search
        included); and the predictions of ``figure_indices``.
    """
    name = name or method
    tag = f'[{name.upper()}]'
    console = _console(args)
    config = method_config(method, args, story)
    start = time.perf_counter()
    work_dir = osp.join(args.work_dir, name)
    source = ('the pretrained backbone' if pretrained else
              'the config\'s pretrained weights')
    console.line(f'{step + " " if step else ""}{tag} fine-tuning '
                 f'{osp.relpath(config, REPO)} from {source}')
    cfg = load_config(config, args, work_dir, args.epochs, story)
    if overrides:
        cfg.merge_from_dict(overrides)
    if pretrained is not None:
        cfg.model.backbone.init_cfg = dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone')
    cfg.default_hooks.visualization = dict(
        type='WSOLVisualizationHook',
        enable=False,  # switched on for the test run only
        interval=args.vis_interval,
        out_dir=osp.join(args.work_dir, 'vis', name),
        draw_part_maps=method == 'fam',
        map_title=f'{name.upper()} map')
    if method == 'fam':
        cfg.model.head.return_part_maps = True
    search = _load_tool('search_threshold')
    cfg.val_evaluator = search.enable_search(cfg.val_evaluator,
                                             THRESHOLD_CANDIDATES)
    results_file = osp.join(args.work_dir, f'{name}_results.pkl')
    cfg.test_evaluator = [
        cfg.test_evaluator,
        dict(type='DumpWSOLResults', out_file=results_file)
    ]
    if map_metric or (map_metric is None and method == 'fam'):
        # part-map similarity (fam/part_cosine) and, where the samples carry
        # masks, the map inside / outside the objects (fam/fg_in, fg_out)
        cfg.test_evaluator.append(dict(type='FAMMapMetric'))
    runner = _build_runner(cfg, args, name)
    runner.train()
    console.line(f'{tag} trained {runner.epoch} epoch(s) in '
                 f'{format_duration(time.perf_counter() - start)} '
                 f'(log: {osp.relpath(runner.log_dir, args.work_dir)})')
    # The fixed box threshold of the paper's metrics is chosen on val
    # (train-fullsup in the WSOL protocol) and frozen for test.
    val_metrics = runner.val()
    val_metric = next(m for m in runner.val_loop.evaluator.metrics
                      if getattr(m, 'loc_threshold_curve', None))
    threshold, val_acc = search.summarize(val_metric.loc_threshold_curve)
    test_metric = runner.test_loop.evaluator.metrics[0]
    console.line(f'{tag} box threshold {threshold:.2f} '
                 f'({test_metric.loc_threshold_mode}) chosen on val '
                 f'(GT-known Loc {val_acc:.2f}%)')
    # the run's config with this threshold, for the follow-up commands
    loader_keys = [key for key in ('train_dataloader', 'val_dataloader',
                                   'test_dataloader')
                   if cfg.get(key) is not None]
    write_threshold_config(
        osp.join(work_dir, THRESHOLD_CONFIG), config, threshold,
        test_metric.loc_threshold_mode, dataset_overrides(args, story),
        loader_keys)
    vis_hook = next(h for h in runner.hooks
                    if type(h).__name__ == 'WSOLVisualizationHook')
    vis_hook.enable = True
    test_metric.loc_threshold = threshold
    _unwrap(runner.model).head.loc_threshold = threshold
    metrics = runner.test()
    metrics['loc_threshold'] = threshold
    metrics['loc_threshold_mode'] = test_metric.loc_threshold_mode
    metrics['config'] = osp.relpath(config, REPO)
    metrics.update({f'val/{k}': float(v) for k, v in val_metrics.items()
                    if isinstance(v, (int, float))})
    samples = predict_samples(runner, figure_indices)
    console.line(
        f'{tag} test: GT-known Loc {metrics["wsol/gt_known_loc"]:.2f}%, '
        f'Top-1 Loc {metrics["wsol/top1_loc"]:.2f}%, Top-1 Cls '
        f'{metrics["wsol/top1_cls"]:.2f}% '
        f'({format_duration(time.perf_counter() - start)} in all)')
    return metrics, samples


def finetune_and_test(method: str,
                      step: str,
                      pretrained: Optional[str],
                      args: argparse.Namespace,
                      name: Optional[str] = None,
                      overrides: Optional[dict] = None) -> Dict[str, float]:
    """:func:`train_and_test` without the figure predictions.

    Returns:
        dict: The test metrics plus ``loc_threshold`` and its mode.
    """
    return train_and_test(method, step, pretrained, args, name, overrides)[0]


# ------------------------------------------------------------------ report
def _rows(results: Dict[str, Dict]) -> List[Tuple[str, str]]:
    optional = [(k, n) for k, n in OPTIONAL_METRIC_ROWS
                if any(f'wsol/{k}' in r for r in results.values())]
    return list(METRIC_ROWS) + optional


def column_title(name: str, results: Dict[str, Dict]) -> str:
    """``'FAM'``, or ``'FAM fine-grained'`` / ``'CAM crest-only'`` when the
    table holds both stories."""
    method, _, rest = name.partition('_')
    if not any(n.endswith(STORIES['stress'][0]) for n in results):
        return name.upper()
    story = 'stress' if '_' + rest == STORIES['stress'][0] else 'headline'
    return f'{method.upper()} {STORIES[story][1]}'


def format_table(results: Dict[str, Dict]) -> str:
    """The markdown results table (percent), thresholds below it."""
    methods = list(results)
    titles = [column_title(m, results) for m in methods]
    lines = ['| metric (%) | ' + ' | '.join(titles) +
             ' |', '| --- |' + ' --- |' * len(methods)]
    for key, name in _rows(results):
        cells = [
            f'{results[m][f"wsol/{key}"]:.2f}'
            if f'wsol/{key}' in results[m] else '-' for m in methods
        ]
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    modes = ', '.join(
        f'{t}: {results[m]["loc_threshold"]:.2f} '
        f'({results[m]["loc_threshold_mode"]})'
        for m, t in zip(methods, titles))
    lines.append('')
    lines.append('Box threshold of the fixed-threshold metrics, chosen on '
                 f'the val split and frozen for test: {modes}. MaxBoxAccV2 '
                 'is threshold-free (mean over IoU 30/50/70).')
    return '\n'.join(lines)


def figure_indices(num_test: int, num_images: int) -> List[int]:
    """``num_images`` test indices evenly spaced from first to last."""
    if num_images <= 0 or num_test <= 0:
        return []
    return sorted({
        int(i)
        for i in np.linspace(0, num_test - 1, min(num_images, num_test))
        .round()
    })


def write_figure(path: str, indices: Sequence[int],
                 samples: Dict[str, list],
                 classes: Optional[Sequence[str]]) -> List[dict]:
    """The report's figure grid (see ``draw_wsol_grid``) as a PNG.

    Its layout (panel titles and rectangles) goes beside it as
    ``<name>.json``.

    Returns:
        list[dict]: The layout of its panels.
    """
    import mmcv
    from mmengine.fileio import get
    from mmengine.visualization import Visualizer

    from fam_mm.visualization.wsol_drawing import draw_wsol_grid
    first = next(iter(samples.values()))
    images = [
        mmcv.imfrombytes(get(s.img_path), channel_order='rgb') for s in first
    ]
    titles = [
        f'#{i} {osp.splitext(osp.basename(s.img_path))[0]}'
        for i, s in zip(indices, first)
    ]
    visualizer = Visualizer(name=f'fam_demo_figure_{id(samples)}')
    picture, layout = draw_wsol_grid(
        visualizer, images, {m.upper(): s
                             for m, s in samples.items()},
        classes=classes, titles=titles)
    mmcv.imwrite(picture[..., ::-1], path)
    with open(osp.splitext(path)[0] + '.json', 'w') as f:
        json.dump(dict(indices=list(indices), panels=layout), f, indent=1)
    return layout


def _arithmetic() -> str:
    """The float arithmetic in force: threads and kernels."""
    return (f'{torch.get_num_threads()} CPU threads, '
            f'{torch.backends.cpu.get_cpu_capability()} kernels')


def why_they_differ(results: Dict[str, Dict]) -> str:
    """The report's paragraph on why the two stories differ."""

    def gt_known(name: str) -> str:
        value = results.get(name, {}).get('wsol/gt_known_loc')
        return '-' if value is None else f'{value:.2f}'

    def inside_outside(name: str) -> str:
        run = results.get(name, {})
        if 'fam/fg_in' not in run:
            return ''
        return (f' (FAM\'s M {run["fam/fg_in"]:.2f} inside the objects, '
                f'{run["fam/fg_out"]:.2f} outside)')

    crest = STORIES['stress'][0]
    return (
        '**Why the two variants differ.** FAM learns the foreground map `M` '
        'from two forces: the sparsity loss pushes `M` down everywhere, the '
        'classification loss holds it up wherever the class evidence is '
        '(paper, section 3.3). In the fine-grained variant a class is a '
        'combination of crest colour, body pattern, tail bands and leg '
        'colour, so the evidence covers the whole creature and so does `M`: '
        f'FAM GT-known Loc {gt_known("fam")} vs CAM {gt_known("cam")}'
        f'{inside_outside("fam")}. In '
        'the crest-only variant the class is written only on the crest '
        '(about 7% of the creature) and the body is the same for every '
        'class: the classification loss gains nothing from the body, the '
        'sparsity loss removes it, and FAM\'s box shrinks to the head and '
        f'crest: FAM {gt_known("fam" + crest)} vs CAM '
        f'{gt_known("cam" + crest)}{inside_outside("fam" + crest)}. That '
        'variant is built against FAM\'s '
        'objective; it is the stress test, not the benchmark FAM was '
        'designed for.')


def write_report(path: str, args: argparse.Namespace,
                 results: Dict[str, Dict], seconds: float,
                 figure: Optional[str], num_parts: int,
                 indices: Sequence[int], arithmetic: str) -> str:
    """``report.md``: what ran, the table, the figure."""
    methods = [m.upper() for m in METHODS if m in results]
    configs = ', '.join(f'{column_title(m, results)} `{r["config"]}`'
                        for m, r in results.items())
    lines = [
        '# FAM vs CAM on the synthetic WSOL benchmark', '',
        f'`tools/demo.py` with seed {args.seed}: {configs}; '
        'each method\'s box threshold chosen on the val split, then tested '
        f'on the test split. Run time {format_duration(seconds)} '
        f'({arithmetic}).', '',
        '## Test split', '',
        format_table(results), ''
    ]
    if any(m.endswith(STORIES['stress'][0]) for m in results):
        lines += [why_they_differ(results), '']
    if figure is not None:
        story = (f' ({STORIES["headline"][1]} variant)'
                 if len(results) > len(METHODS) else '')
        parts = (f', then FAM\'s {num_parts} part maps (`part 1` .. '
                 f'`part {num_parts}`)') if num_parts else ''
        lines += [
            f'## Test images{story}', '',
            f'![FAM vs CAM on test images]({osp.basename(figure)})', '',
            f'One row per test image ({", ".join(map(str, indices))}: evenly '
            'spaced over the test split, not picked): the image with the GT '
            'box (green) and the predicted boxes (' +
            ', '.join(f'{m} {c}' for m, c in zip(methods, ('yellow',
                                                          'magenta'))) +
            '), ' + ', '.join(f'{m}\'s map' for m in methods) + parts +
            ', as heat maps over the image (colour bar: 0 blue to 1 red; '
            'FAM: sigmoid maps, CAM: min-max normalised). Small images are '
            'upsampled for display.', ''
        ]
    lines += [
        '## Files', '',
        '- `iou_histogram.png`: IoU of the predicted vs GT boxes (paper '
        'Fig. 6)',
        '- `vis/<method>/`: every '
        f'{args.vis_interval}th test image, with FAM\'s part maps',
        '- `<method>_results.pkl`: per-image results; `results.json`: the '
        'metrics and thresholds',
        f'- `<method>/{THRESHOLD_CONFIG}`: the method\'s config with the box '
        'threshold chosen on val, for `demo/image_demo.py`, '
        '`WSOLInferencer` and `tools/test.py` with `<method>/epoch_N.pth`',
        '- `console.log`: everything the runs printed; '
        '`<method>/<timestamp>/`: each run\'s mmengine log and config', ''
    ]
    text = '\n'.join(lines)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return text


def main(argv: Optional[List[str]] = None,
         console: Optional[Console] = None) -> Dict[str, Dict]:
    """Run the demo.

    Args:
        argv (list[str], optional): Command-line arguments.
        console (Console, optional): Where the stage and progress lines go.
            Defaults to the current stdout.

    Returns:
        dict: Per method (``'fam'``, ``'cam'``) the test metrics, the box
        threshold, its mode and the config.
    """
    args = parse_args(argv)
    if console is not None:
        args.console = console
    os.makedirs(args.work_dir, exist_ok=True)
    console = _console(args)
    start = time.perf_counter()
    log_file = osp.join(args.work_dir, 'console.log')
    pairs = '; '.join(' / '.join(story_pair(args, s) or ())
                      for s in stories(args))
    console.line(f'fam-mm demo: FAM vs CAM on the synthetic WSOL benchmark '
                 f'(seed {args.seed}; {pairs}); full logs in {log_file}')
    results: Dict[str, Dict] = {}
    samples: Dict[str, list] = {}
    figure = None
    num_parts = 0
    # mmengine switches torch to deterministic algorithms (the configs'
    # randomness); the caller's setting is restored at the end
    deterministic = torch.are_deterministic_algorithms_enabled()
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    arithmetic = _arithmetic()
    console.line(f'[setup] {arithmetic} (pinned: the numbers depend on them)')
    open(log_file, 'w').close()
    try:
        with redirect_output(log_file, args.verbose):
            import fam_mm  # noqa: F401  (registers the modules)
            meta = prepare_data(args)
            console.line(_data_line(meta))
            if 'stress' in stories(args):
                console.line(_data_line(prepare_data(args, 'stress')))
            pretrained = pretrain(args)
            indices = figure_indices(
                meta['counts']['test']['images'] if meta else 0,
                args.figure_images)
            for story in stories(args):
                suffix, title = STORIES[story]
                step = f'[{title}]' if len(stories(args)) > 1 else ''
                for method in METHODS:
                    name = method + suffix
                    results[name], picked = train_and_test(
                        method, step, pretrained, args, name=name,
                        figure_indices=indices if story == 'headline'
                        else (), story=story)
                    if story == 'headline':
                        samples[method] = picked
            hist = osp.join(args.work_dir, 'iou_histogram.png')
            _load_tool('iou_histogram').main(
                [osp.join(args.work_dir, f'{m}_results.pkl')
                 for m in results] + ['--labels'] +
                [column_title(m, results) for m in results] +
                ['--out', hist])
            if indices:
                figure = osp.join(args.work_dir, 'figure_grid.png')
                write_figure(figure, indices, samples, meta.get('classes'))
                fam = samples['fam']
                if 'part_maps' in fam[0]:
                    num_parts = int(fam[0].part_maps.shape[0])
    finally:
        torch.use_deterministic_algorithms(deterministic)
        torch.set_num_threads(threads)
    seconds = time.perf_counter() - start
    # machine-readable too (thresholds included): projects/fam_pseudo_det
    # exports pseudo boxes with the box threshold chosen here on val
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1, default=float)
    report = osp.join(args.work_dir, 'report.md')
    write_report(report, args, results, seconds, figure, num_parts, indices,
                 arithmetic)
    console.line(f'\nFAM vs CAM on the synthetic benchmark (test split), '
                 f'{format_duration(seconds)}:\n')
    console.line(format_table(results))
    console.line(f'\nreport: {report}')
    commands = follow_up_commands(args.work_dir, list(results))
    if commands:
        console.line('\nthe trained models with the box thresholds chosen '
                     f'on val ({THRESHOLD_CONFIG}):')
        for command in commands:
            console.line(f'  {command}')
    return results


if __name__ == '__main__':
    main()
