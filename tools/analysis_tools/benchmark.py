"""FAM vs CAM cost: train step, memory, inference and metric speed.

In one process, on the same backbone (built from
``configs/_base_/models/backbones/<name>_wsol.py`` without pretrained
weights), input size and batch size:

1. **Train step**: ``model.train_step`` (data preprocessor, forward, losses,
   backward, SGD step through mmengine's ``OptimWrapper``, or
   ``AmpOptimWrapper`` with ``--amp``) on a fixed random batch; ``--warmup``
   untimed steps, then the median (and min) of ``--iters`` timed steps.
   FAM's and CAM's steps alternate (the order swaps every round), so a
   slow-down of a shared machine hits both alike.
   **Memory** is measured first, one model at a time (the other one not
   built): on CUDA the peak of ``torch.cuda.max_memory_allocated`` over two
   steps after the warm-up (statistics reset before them). On
   every device also an estimate that does not depend on the allocator:
   the bytes of the tensors autograd saves for backward during one step
   (``torch.autograd.graph.saved_tensors_hooks``, distinct storages,
   parameters excluded), plus parameters, gradients (one per trainable
   parameter) and the optimizer state (SGD momentum). This is what is
   alive at the end of the forward pass, without the allocator's caching
   and the transient buffers of single ops; on the CPU it is the memory
   figure of the comparison.
   **Neck + head alone** (forward, losses, backward on a fixed backbone
   feature map, interleaved too): FAM - CAM is all the time FAM adds, and
   ``(CAM step + that) / CAM step`` is a low-noise estimate of the time
   ratio, printed beside the measured one.
   FAM/CAM ratios are printed with the targets of issue 5 (time <= 1.15x,
   memory <= 1.10x) and whether each is met; nothing is asserted.
2. **Inference**: ``WSOLInferencer`` (test pipeline, forward, upsampled map,
   box, map warped back to the image) on ``--infer-images`` random BGR
   arrays whose sides are drawn in ``[0.75, 1.25] x --input-size`` (as the
   synthetic benchmark's 96-160 px images for 128 input); images/s over
   two passes per model (alternating) after one untimed batch. Image
   decoding is not included (arrays are passed).
3. **Metric**: ``WSOLMetric.process`` against the reference loop of
   ``tools/analysis_tools/benchmark_metric.py`` on its random maps
   (``--metric-maps``, 0 to skip).

Examples::

    python tools/analysis_tools/benchmark.py            # CPU defaults
    python tools/analysis_tools/benchmark.py --backbone resnet50 \\
        --input-size 224 --batch-size 64 --device cuda --amp --json r50.json
"""
import argparse
import contextlib
import copy
import gc
import glob
import importlib.util
import json
import logging
import math
import os
import os.path as osp
import platform
import statistics
import time
import warnings
from typing import Dict, List, Optional

import numpy as np
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BACKBONE_DIR = osp.join(REPO, 'configs', '_base_', 'models', 'backbones')
MODEL_BASES = dict(
    fam=osp.join(REPO, 'configs', '_base_', 'models', 'fam.py'),
    cam=osp.join(REPO, 'configs', '_base_', 'models', 'cam.py'))
METHODS = ('fam', 'cam')
# issue 5: FAM may cost at most this much more than CAM
TARGETS = dict(time=1.15, memory=1.10)
MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
MIB = 1024.0**2


def available_backbones() -> List[str]:
    """Names of the ``<name>_wsol.py`` backbone snippets."""
    return sorted(
        osp.basename(p)[:-len('_wsol.py')]
        for p in glob.glob(osp.join(BACKBONE_DIR, '*_wsol.py')))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        '--backbone', default='resnet18_slim', choices=available_backbones(),
        help='configs/_base_/models/backbones/<name>_wsol.py')
    parser.add_argument('--input-size', type=int, default=128)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--iters', type=int, default=10,
                        help='timed train steps (median reported)')
    parser.add_argument('--warmup', type=int, default=3,
                        help='untimed train steps before timing')
    parser.add_argument('--num-classes', type=int, default=200,
                        help='classifier size (200: CUB)')
    parser.add_argument('--device', default='cpu', choices=('cpu', 'cuda'))
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision (CUDA only): AmpOptimWrapper '
                        'for training, autocast for inference')
    parser.add_argument('--amp-dtype', default='float16',
                        choices=('float16', 'bfloat16'))
    parser.add_argument('--infer-images', type=int, default=32,
                        help='images for the WSOLInferencer throughput '
                        '(0: skip)')
    parser.add_argument('--infer-batch-size', type=int, default=None,
                        help='WSOLInferencer batch size (default: '
                        '--batch-size)')
    parser.add_argument('--metric-maps', type=int, default=20,
                        help='maps for the WSOLMetric benchmark (0: skip)')
    parser.add_argument('--metric-size', type=int, default=224,
                        help='side of the metric benchmark maps')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch\'s)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--json', metavar='OUT', help='write the numbers')
    parser.add_argument('--markdown', action='store_true',
                        help='also print table rows ready to paste')
    args = parser.parse_args(argv)
    if args.amp and args.device != 'cuda':
        parser.error('--amp needs --device cuda')
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: CUDA is not available')
    for name in ('input_size', 'batch_size', 'iters'):
        if getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1')
    for name in ('warmup', 'infer_images', 'metric_maps'):
        if getattr(args, name) < 0:
            parser.error(f'--{name.replace("_", "-")} must be >= 0')
    if args.infer_batch_size is None:
        args.infer_batch_size = args.batch_size
    return args


# ----------------------------------------------------------------------
# models
# ----------------------------------------------------------------------
def model_config(method: str, backbone: str, num_classes: int) -> dict:
    """FAM or CAM (``configs/_base_/models``) on a backbone snippet.

    The snippet's ``init_cfg`` (ImageNet checkpoint) is dropped: random
    weights cost the same.
    """
    from mmengine.config import Config
    snippet = Config.fromfile(osp.join(BACKBONE_DIR, f'{backbone}_wsol.py'))
    backbone_cfg = snippet.backbone.to_dict()
    backbone_cfg.pop('init_cfg', None)
    cfg = Config.fromfile(MODEL_BASES[method]).model.to_dict()
    cfg['backbone'] = backbone_cfg
    cfg['data_preprocessor'] = dict(
        type='ClsDataPreprocessor',
        num_classes=num_classes,
        mean=MEAN,
        std=STD,
        to_rgb=True)
    if 'neck' in cfg:
        cfg['neck']['in_channels'] = snippet.feat_channels
    cfg['head'].update(
        in_channels=snippet.feat_channels, num_classes=num_classes)
    return cfg


def build_model(cfg: dict, device: str, seed: int):
    from mmengine.logging import MMLogger
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS

    import fam_mm  # noqa: F401  (registers the modules)
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(copy.deepcopy(cfg))
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)  # init_weights logs every parameter
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
    return model.to(device)


def _sync(device: str) -> None:
    if device == 'cuda':
        torch.cuda.synchronize()


def _nbytes(tensors) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


def _storage_key(t: torch.Tensor):
    try:
        storage = t.untyped_storage()
        return storage.data_ptr(), storage.nbytes()
    except (RuntimeError, NotImplementedError):  # no plain storage
        return ('id', id(t)), t.numel() * t.element_size()


def saved_tensor_bytes(model, step) -> Dict[str, int]:
    """Bytes of the distinct storages autograd saves during ``step()``.

    Parameters (conv/linear weights saved for backward) are excluded; they
    are counted once with the parameters. Casted copies of the weights
    under autocast are counted: they are extra memory.
    """
    param_ptrs = set()
    for p in model.parameters():
        param_ptrs.add(_storage_key(p)[0])
    storages: Dict[object, int] = {}
    count = [0]

    def pack(t):
        count[0] += 1
        key, nbytes = _storage_key(t)
        if key not in param_ptrs:
            storages[key] = max(storages.get(key, 0), nbytes)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        step()
    return dict(bytes=sum(storages.values()), tensors=count[0],
                storages=len(storages))


def make_batch(args, device: str) -> dict:
    from mmpretrain.structures import DataSample
    gen = torch.Generator().manual_seed(args.seed)
    size = args.input_size
    inputs = torch.randint(
        0, 256, (args.batch_size, 3, size, size), generator=gen,
        dtype=torch.uint8).to(device)
    labels = torch.randint(0, args.num_classes, (args.batch_size, ),
                           generator=gen)
    samples = [
        DataSample(metainfo=dict(img_shape=(size, size),
                                 ori_shape=(size, size))).set_gt_label(
                                     int(k)) for k in labels
    ]
    return dict(inputs=inputs, data_samples=samples)


class Trainer:
    """A model, its optimizer wrapper and a fixed batch: ``step()``.

    Args:
        method (str): ``'fam'`` or ``'cam'`` on ``args.backbone``
            (:func:`model_config`), unless ``cfg`` is given.
        args: The options (device, seed, batch, input size, amp).
        cfg (dict, optional): A model config (with its data preprocessor)
            to build instead.
    """

    def __init__(self, method: str, args, cfg: Optional[dict] = None) -> None:
        from mmengine.optim import build_optim_wrapper
        self.cfg = cfg if cfg is not None else model_config(
            method, args.backbone, args.num_classes)
        self.model = build_model(self.cfg, args.device, args.seed)
        optim_cfg = dict(
            type='AmpOptimWrapper' if args.amp else 'OptimWrapper',
            optimizer=dict(
                type='SGD', lr=1e-3, momentum=0.9, weight_decay=1e-4))
        if args.amp:
            optim_cfg['dtype'] = args.amp_dtype
        self.optim_wrapper = build_optim_wrapper(self.model, optim_cfg)
        self.data = make_batch(args, args.device)

    def step(self) -> None:
        self.model.train()
        self.model.train_step(self.data, self.optim_wrapper)


def measure_memory(method: str, args) -> dict:
    """Memory of one train step, with no other model alive.

    ``max(1, --warmup)`` steps first (the SGD momentum then exists and
    cuDNN's autotuning is done), then one step under the saved-tensor
    hooks and, on CUDA, two steps after resetting the peak statistics.
    """
    trainer = Trainer(method, args)
    for _ in range(max(1, args.warmup)):
        trainer.step()
    saved = saved_tensor_bytes(trainer.model, trainer.step)
    params = list(trainer.model.parameters())
    param_bytes = _nbytes(params)
    grad_bytes = _nbytes(p for p in params if p.requires_grad)
    optim_bytes = sum(
        _nbytes(v for v in state.values() if torch.is_tensor(v))
        for state in trainer.optim_wrapper.optimizer.state.values())
    estimate = saved['bytes'] + param_bytes + grad_bytes + optim_bytes
    memory = dict(
        saved_activations_mib=saved['bytes'] / MIB,
        saved_tensors=saved['tensors'],
        saved_storages=saved['storages'],
        params_mib=param_bytes / MIB,
        grads_mib=grad_bytes / MIB,
        optimizer_state_mib=optim_bytes / MIB,
        estimate_mib=estimate / MIB)
    if args.device == 'cuda':
        _sync(args.device)
        torch.cuda.reset_peak_memory_stats()
        for _ in range(2):
            trainer.step()
        _sync(args.device)
        memory['cuda_peak_allocated_mib'] = \
            torch.cuda.max_memory_allocated() / MIB
    num_params = sum(p.numel() for p in params)
    del trainer, params
    _free(args.device)
    return dict(num_params=num_params, memory=memory)


def time_train_steps(trainers: Dict[str, Trainer], args) -> dict:
    """Median step time of each model, their steps interleaved.

    FAM and CAM alternate (and swap order every round), so a slow-down of
    a shared machine hits both alike.
    """
    order = list(trainers)
    for i in range(args.warmup):
        for method in order:
            trainers[method].step()
    times: Dict[str, List[float]] = {m: [] for m in order}
    for i in range(args.iters):
        for method in (order if i % 2 == 0 else order[::-1]):
            _sync(args.device)
            start = time.perf_counter()
            trainers[method].step()
            _sync(args.device)
            times[method].append(time.perf_counter() - start)
    return {
        m: dict(
            step_ms_median=statistics.median(t) * 1e3,
            step_ms_min=min(t) * 1e3,
            step_ms_all=[x * 1e3 for x in t])
        for m, t in times.items()
    }


def time_neck_head(trainers: Dict[str, Trainer], args) -> dict:
    """Median time of neck + head alone: forward, losses, backward.

    On a fixed backbone feature map (computed once, ``requires_grad`` so
    the backward reaches it as in training); no optimizer step. The
    difference FAM - CAM is the whole cost FAM adds, measured with much
    less noise than the difference of two full steps. Interleaved as
    :func:`time_train_steps`, ``max(10, --iters)`` rounds.
    """
    runs = {}
    for method, trainer in trainers.items():
        model = trainer.model.train()
        with torch.no_grad():
            data = model.data_preprocessor(trainer.data, True)
            feats = model.backbone(data['inputs'])
        feats = tuple(f.detach().requires_grad_() for f in feats)
        samples = data['data_samples']

        def run(model=model, feats=feats, samples=samples):
            x = model.neck(feats) if model.with_neck else feats
            losses = model.head.loss(x, samples)
            sum(v for k, v in losses.items() if 'loss' in k).backward()

        runs[method] = run
    amp = torch.autocast('cuda', dtype=getattr(torch, args.amp_dtype)) \
        if args.amp else contextlib.nullcontext()
    order = list(runs)
    times: Dict[str, List[float]] = {m: [] for m in order}
    with amp:
        for method in order:  # warm-up
            runs[method]()
        for i in range(max(10, args.iters)):
            for method in (order if i % 2 == 0 else order[::-1]):
                _sync(args.device)
                start = time.perf_counter()
                runs[method]()
                _sync(args.device)
                times[method].append(time.perf_counter() - start)
    for trainer in trainers.values():
        trainer.optim_wrapper.zero_grad()
    return {m: statistics.median(t) * 1e3 for m, t in times.items()}


def _free(device: str) -> None:
    gc.collect()
    if device == 'cuda':
        torch.cuda.empty_cache()


def make_images(num: int, input_size: int, seed: int) -> List[np.ndarray]:
    """Random BGR uint8 images, sides in ``[0.75, 1.25] x input_size``."""
    rng = np.random.default_rng(seed)
    lo, hi = int(0.75 * input_size), int(1.25 * input_size)
    return [
        rng.integers(0, 256, (int(rng.integers(lo, hi + 1)),
                              int(rng.integers(lo, hi + 1)), 3),
                     dtype=np.uint8) for _ in range(num)
    ]


def bench_inference(trainers: Dict[str, Trainer],
                    images: List[np.ndarray], args) -> dict:
    """Images/s of ``WSOLInferencer`` (pipeline, forward, map, box).

    One untimed batch per model, then two timed passes over ``images``
    per model, FAM and CAM alternating.
    """
    from mmengine.config import Config

    from fam_mm.apis import WSOLInferencer
    size = args.input_size
    batch = args.infer_batch_size
    inferencers = {}
    for method, trainer in trainers.items():
        cfg = Config(
            dict(
                default_scope='mmpretrain',
                model=trainer.cfg,
                test_pipeline=[
                    dict(type='LoadImageFromFile'),
                    dict(type='WSOLResize', scale=(size, size)),
                    dict(type='PackWSOLInputs'),
                ]))
        inferencers[method] = WSOLInferencer(
            trainer.model, device=args.device, config=cfg)
    amp = torch.autocast('cuda', dtype=getattr(torch, args.amp_dtype)) \
        if args.amp else contextlib.nullcontext()
    order = list(inferencers)
    elapsed = {m: 0.0 for m in order}
    with amp:
        for method in order:
            inferencers[method](images[:batch], batch_size=batch)  # warm-up
        for i in range(2):
            for method in (order if i % 2 == 0 else order[::-1]):
                _sync(args.device)
                start = time.perf_counter()
                results = inferencers[method](images, batch_size=batch)
                _sync(args.device)
                elapsed[method] += time.perf_counter() - start
                if len(results) != len(images) or not all(
                        'loc_map' in r and 'pred_bbox' in r
                        for r in results):
                    raise RuntimeError('WSOLInferencer did not return a '
                                       'map and a box per image')
    return {
        m: dict(
            images=len(images),
            passes=2,
            batch_size=batch,
            seconds=elapsed[m],
            images_per_s=2 * len(images) / elapsed[m])
        for m in order
    }


# ----------------------------------------------------------------------
# metric (reuses tools/analysis_tools/benchmark_metric.py)
# ----------------------------------------------------------------------
def _load_metric_tool():
    path = osp.join(REPO, 'tools', 'analysis_tools', 'benchmark_metric.py')
    spec = importlib.util.spec_from_file_location('fam_benchmark_metric',
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bench_metric(num_maps: int, size: int, seed: int) -> dict:
    """WSOLMetric (MaxBoxAccV2) vs the reference loop.

    Runs ``benchmark_metric.py``'s ``bench_family`` on its smooth maps in
    multi-contour mode (the reference's MaxBoxAccV2 setting): CPU time of
    ``WSOLMetric.process`` against a re-implementation of
    clovaai/wsolevaluation's ``BoxEvaluator.accumulate``, operation for
    operation; the hit curves of both must be identical.
    """
    from argparse import Namespace
    tool = _load_metric_tool()
    tool._warm_up(dict(cam_curve_interval=0.001))
    row = tool.bench_family(
        'smooth', True,
        Namespace(seed=seed, num_maps=num_maps, size=size,
                  cam_curve_interval=0.001, baseline='reference'))
    return dict(
        num_maps=num_maps,
        size=size,
        num_thresholds=1000,
        metric_ms_per_map=row['fast_ms'],
        reference_ms_per_map=row['ref_ms'],
        speedup=row['ratio'],
        identical_maxboxacc=bool(row['identical']))


# ----------------------------------------------------------------------
# report
# ----------------------------------------------------------------------
def memory_method(device: str) -> str:
    if device == 'cuda':
        return 'torch.cuda.max_memory_allocated over the timed steps'
    return ('estimate: saved-for-backward tensors + params + grads + '
            'SGD momentum')


def _mem_value(train: dict, device: str) -> float:
    mem = train['memory']
    return mem['cuda_peak_allocated_mib'] if device == 'cuda' \
        else mem['estimate_mib']


def compare(results: dict, device: str) -> dict:
    fam, cam = results['train']['fam'], results['train']['cam']
    extra_ms = fam['neck_head_ms_median'] - cam['neck_head_ms_median']
    ratio = dict(
        time=fam['step_ms_median'] / cam['step_ms_median'],
        time_from_neck_head=(cam['step_ms_median'] + extra_ms) /
        cam['step_ms_median'],
        memory=_mem_value(fam, device) / _mem_value(cam, device),
        saved_activations=fam['memory']['saved_activations_mib'] /
        cam['memory']['saved_activations_mib'])
    return dict(
        ratio=ratio,
        fam_extra_neck_head_ms=extra_ms,
        target=dict(TARGETS),
        met={k: bool(ratio[k] <= TARGETS[k])
             for k in TARGETS},
        memory_method=memory_method(device))


def write_json(path: str, results: dict) -> None:
    """Write a benchmark's numbers to ``path``, creating its folder.

    Args:
        path (str): The ``--json`` file.
        results (dict): The numbers.
    """
    folder = osp.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, 'w') as f:
        json.dump(results, f, indent=2)
    print(f'numbers written to {path}')


def print_report(results: dict) -> None:
    cfg = results['setup']
    device = cfg['device']
    print(f"FAM vs CAM: backbone {cfg['backbone']}, input "
          f"{cfg['input_size']}, batch {cfg['batch_size']}, "
          f"{cfg['num_classes']} classes, {cfg['device_name']}"
          f"{', AMP ' + cfg['amp_dtype'] if cfg['amp'] else ''}, "
          f"torch {cfg['torch']}, {cfg['threads']} threads")
    print(f"train step = data preprocessor + forward + losses + backward + "
          f"SGD step; median of {cfg['iters']} after {cfg['warmup']} "
          f"warm-up, FAM and CAM steps interleaved")
    print(f'memory = {memory_method(device)}')
    train = results['train']
    for method in METHODS:
        t, mem = train[method], train[method]['memory']
        states = mem['params_mib'] + mem['grads_mib'] + \
            mem['optimizer_state_mib']
        line = (f"  {method.upper()}: {t['step_ms_median']:.1f} ms/step "
                f"(min {t['step_ms_min']:.1f}), "
                f"{t['num_params'] / 1e6:.2f} M params, saved activations "
                f"{mem['saved_activations_mib']:.1f} MiB, params+grads+"
                f"optim {states:.1f} MiB, estimate "
                f"{mem['estimate_mib']:.1f} MiB")
        if 'cuda_peak_allocated_mib' in mem:
            line += f", CUDA peak {mem['cuda_peak_allocated_mib']:.1f} MiB"
        print(line)
    comp = results['comparison']
    names = dict(time='time', memory='memory')
    for key in TARGETS:
        ratio, target = comp['ratio'][key], comp['target'][key]
        verdict = 'met' if comp['met'][key] else 'NOT met'
        print(f'  FAM/CAM {names[key]}: {ratio:.3f}x (target <= '
              f'{target:.2f}x): {verdict}')
    print(f"  FAM/CAM saved activations: "
          f"{comp['ratio']['saved_activations']:.3f}x")
    print(f"  neck + head alone (forward, losses, backward): FAM "
          f"{train['fam']['neck_head_ms_median']:.2f} ms, CAM "
          f"{train['cam']['neck_head_ms_median']:.2f} ms: FAM adds "
          f"{comp['fam_extra_neck_head_ms']:.2f} ms/step, i.e. "
          f"{comp['ratio']['time_from_neck_head']:.3f}x CAM's step "
          f"(the full-step ratio above is noisier)")
    if results.get('inference'):
        inf = results['inference']
        print(f"WSOLInferencer: {inf['fam']['passes']} x "
              f"{inf['fam']['images']} random images "
              f"({inf['image_sides']} px sides), batch "
              f"{inf['fam']['batch_size']}, map + box included")
        for method in METHODS:
            print(f"  {method.upper()}: "
                  f"{inf[method]['images_per_s']:.1f} images/s")
        print(f"  FAM/CAM throughput: {inf['ratio']:.3f}x")
    if results.get('metric'):
        m = results['metric']
        print(f"WSOLMetric vs the reference loop: {m['num_maps']} smooth "
              f"maps of {m['size']}x{m['size']}, {m['num_thresholds']} "
              f"thresholds: {m['metric_ms_per_map']:.2f} vs "
              f"{m['reference_ms_per_map']:.2f} CPU ms/map, speed-up "
              f"{m['speedup']:.1f}x, MaxBoxAcc "
              f"{'identical' if m['identical_maxboxacc'] else 'DIFFERS'}")


def markdown_rows(results: dict) -> str:
    cfg, train = results['setup'], results['train']
    comp = results['comparison']
    mem_kind = 'CUDA peak' if cfg['device'] == 'cuda' else 'estimate'
    inf = results.get('inference') or {}

    def ips(method):
        return f"{inf[method]['images_per_s']:.1f}" if inf else '-'

    lines = [
        '| backbone | input | batch | device | AMP | CAM step (ms) | '
        'FAM step (ms) | FAM/CAM time | FAM extra neck+head (ms) | '
        'FAM/CAM time from neck+head | CAM mem (MiB) | FAM mem (MiB) | '
        'FAM/CAM mem | memory | CAM img/s | FAM img/s |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | '
        '--- | --- | --- | --- | --- | --- |',
        f"| {cfg['backbone']} | {cfg['input_size']} | {cfg['batch_size']} "
        f"| {cfg['device_name']} | "
        f"{cfg['amp_dtype'] if cfg['amp'] else 'off'} | "
        f"{train['cam']['step_ms_median']:.1f} | "
        f"{train['fam']['step_ms_median']:.1f} | "
        f"{comp['ratio']['time']:.3f} | "
        f"{comp['fam_extra_neck_head_ms']:.2f} | "
        f"{comp['ratio']['time_from_neck_head']:.3f} | "
        f"{_mem_value(train['cam'], cfg['device']):.1f} | "
        f"{_mem_value(train['fam'], cfg['device']):.1f} | "
        f"{comp['ratio']['memory']:.3f} | {mem_kind} | {ips('cam')} | "
        f"{ips('fam')} |",
    ]
    if results.get('metric'):
        m = results['metric']
        lines += [
            '',
            '| maps | size | thresholds | WSOLMetric (ms/map) | '
            'reference loop (ms/map) | speed-up |',
            '| --- | --- | --- | --- | --- | --- |',
            f"| {m['num_maps']} | {m['size']} | {m['num_thresholds']} | "
            f"{m['metric_ms_per_map']:.2f} | "
            f"{m['reference_ms_per_map']:.2f} | "
            f"{m['speedup']:.1f}x |",
        ]
    return '\n'.join(lines)


def cpu_name() -> str:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _finite(obj) -> bool:
    if isinstance(obj, dict):
        return all(_finite(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return all(_finite(v) for v in obj)
    if isinstance(obj, float):
        return math.isfinite(obj)
    return True


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention')
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == 'cuda':
        torch.backends.cudnn.benchmark = True
        device_name = torch.cuda.get_device_name()
    else:
        device_name = f'CPU ({cpu_name()}, {os.cpu_count()} cores)'
    results = dict(
        setup=dict(
            backbone=args.backbone,
            input_size=args.input_size,
            batch_size=args.batch_size,
            num_classes=args.num_classes,
            iters=args.iters,
            warmup=args.warmup,
            device=args.device,
            device_name=device_name,
            amp=args.amp,
            amp_dtype=args.amp_dtype,
            threads=torch.get_num_threads(),
            torch=torch.__version__,
            seed=args.seed),
        train={},
        inference={})
    images = make_images(args.infer_images, args.input_size, args.seed)
    for method in METHODS:  # one at a time: nothing else allocated
        results['train'][method] = measure_memory(method, args)
    trainers = {m: Trainer(m, args) for m in METHODS}
    for method, timing in time_train_steps(trainers, args).items():
        results['train'][method].update(timing)
    for method, ms in time_neck_head(trainers, args).items():
        results['train'][method]['neck_head_ms_median'] = ms
    if images:
        results['inference'] = bench_inference(trainers, images, args)
    del trainers
    _free(args.device)
    results['comparison'] = compare(results, args.device)
    if images:
        inf = results['inference']
        inf['ratio'] = inf['fam']['images_per_s'] / inf['cam']['images_per_s']
        inf['image_sides'] = [
            int(0.75 * args.input_size),
            int(1.25 * args.input_size)
        ]
    if args.metric_maps:
        results['metric'] = bench_metric(args.metric_maps, args.metric_size,
                                         args.seed)
    print_report(results)
    if args.markdown:
        print()
        print(markdown_rows(results))
    if not _finite(results):
        warnings.warn('some numbers are not finite')
    if args.json:
        write_json(args.json, results)
    return results


if __name__ == '__main__':
    main()
