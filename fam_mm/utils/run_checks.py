"""Checks the tools run on a config before a run starts.

Each failure is a :class:`InputError` with a one-line message naming the
config key, file or URL at fault; ``tools/train.py`` and ``tools/test.py``
print it as one line (no traceback).
"""
import copy
import os.path as osp
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import torch

from .schedule import set_max_epochs

URL_PREFIXES = ('http://', 'https://')
DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


class InputError(ValueError):
    """Bad input given by the user (config, command line, files).

    The tools print its message as one line and exit with status 1.
    """


# ---------------------------------------------------------------------------
# --data-root
# ---------------------------------------------------------------------------
def _datasets(node: Any, key: str) -> Iterator[Tuple[str, dict]]:
    """``(key, dataset dict)`` of a dataset config and of the datasets that
    wrappers (``ConcatDataset``, ``RepeatDataset``, ...) hold."""
    if not isinstance(node, dict):
        return
    if 'data_root' in node:
        yield key, node
    inner = node.get('dataset')
    if isinstance(inner, dict):
        yield from _datasets(inner, f'{key}.dataset')
    for i, item in enumerate(node.get('datasets') or []):
        yield from _datasets(item, f'{key}.datasets.{i}')


def set_data_root(cfg, data_root: str) -> List[str]:
    """Move every split of a config to ``data_root``.

    The dataset configs copy the top-level ``data_root`` variable into each
    dataloader's ``dataset.data_root`` when the config file is parsed, so
    changing the variable afterwards (``--cfg-options data_root=...``) moves
    nothing. This replaces the old root in every dataloader's dataset (also
    inside dataset wrappers) and in paths below it (``metadata_root``,
    ``ann_file``, ...).

    Args:
        cfg (mmengine.Config): The config, changed in place.
        data_root (str): The new root.

    Returns:
        list[str]: The config keys that were changed.

    Raises:
        InputError: When the config has no dataset with a ``data_root``, or
            when its splits use different roots none of which is the
            config's ``data_root`` (then no single root can replace them).
    """
    found = [(f'{name}.{key}', ds) for name in DATALOADERS
             for key, ds in _datasets((cfg.get(name) or {}).get('dataset'),
                                      'dataset')]
    if not found:
        raise InputError('--data-root: the config has no dataloader dataset '
                         'with a `data_root` key')
    roots = {ds['data_root'] for _, ds in found}
    old = cfg.get('data_root')
    if not isinstance(old, str) or old not in roots:
        if len(roots) > 1:
            listing = ', '.join(f'{k}.data_root={ds["data_root"]}'
                                for k, ds in found)
            raise InputError(
                '--data-root: the splits use different roots and none is '
                f'the config\'s `data_root` ({listing}); set each with '
                '--cfg-options')
        old = roots.pop()
    old = old.rstrip('/')
    changed = []

    def moved(path: Any) -> Any:
        if not isinstance(path, str):
            return path
        if path.rstrip('/') == old:
            return data_root
        if path.startswith(old + '/'):
            return osp.join(data_root, path[len(old) + 1:])
        return path

    for key, ds in found:
        for name in ('data_root', 'metadata_root', 'ann_file'):
            if name in ds and moved(ds[name]) != ds[name]:
                ds[name] = moved(ds[name])
                changed.append(f'{key}.{name}')
    cfg.data_root = data_root
    return changed


def apply_cfg_options(cfg, cfg_options: Optional[Dict[str, Any]],
                      data_root: Optional[str] = None) -> None:
    """Apply ``--data-root`` and ``--cfg-options`` to a config in place.

    A ``data_root`` key among the options is handled as ``--data-root``
    (:func:`set_data_root`), since merging the variable alone moves nothing;
    the other options are merged as usual. When they change
    ``train_cfg.max_epochs`` and set no ``param_scheduler``, the schedule
    moves with the run length (:func:`~fam_mm.utils.set_max_epochs`: a
    cosine whose ``end``/``T_max`` was the old ``max_epochs`` ends at the new
    one), as the configs' explicit ``end`` would otherwise stop the lr
    early; what still does not fit is left to
    :func:`~fam_mm.utils.check_schedule`.

    Args:
        cfg (mmengine.Config): The config, changed in place.
        cfg_options (dict, optional): The parsed ``--cfg-options``.
        data_root (str, optional): The ``--data-root`` argument.

    Raises:
        InputError: When ``--data-root`` and ``data_root=`` disagree, or
            when :func:`set_data_root` cannot move the splits.
    """
    options = dict(cfg_options or {})
    option_root = options.pop('data_root', None)
    if data_root is not None and option_root is not None \
            and option_root != data_root:
        raise InputError(f'--data-root {data_root} and --cfg-options '
                         f'data_root={option_root} disagree')
    data_root = data_root if data_root is not None else option_root
    if data_root is not None:
        # the dataset configs copied `data_root` when the file was parsed
        set_data_root(cfg, data_root)
    if options:
        old_epochs = _train_max_epochs(cfg)
        cfg.merge_from_dict(options)
        new_epochs = _train_max_epochs(cfg)
        if old_epochs is not None and new_epochs is not None \
                and new_epochs != old_epochs and not any(
                    key == 'param_scheduler'
                    or key.startswith('param_scheduler.')
                    for key in options):
            _move_schedule(cfg, old_epochs, new_epochs)


def _train_max_epochs(cfg) -> Any:
    train_cfg = cfg.get('train_cfg')
    return train_cfg.get('max_epochs') if isinstance(train_cfg,
                                                     dict) else None


def _move_schedule(cfg, old_epochs: Any, new_epochs: Any) -> None:
    """Rescale the schedulers that ended at ``old_epochs`` to end at
    ``new_epochs`` (``cfg.train_cfg.max_epochs``, already set). Where
    :func:`set_max_epochs` refuses (not a positive integer, a scheduler
    that would begin after the new end) the config is left as merged."""
    saved = copy.deepcopy(cfg.get('param_scheduler'))
    cfg.train_cfg.max_epochs = old_epochs
    try:
        set_max_epochs(cfg, new_epochs)
    except ValueError:
        cfg.train_cfg.max_epochs = new_epochs
        if saved is not None:
            cfg.param_scheduler = saved


# ---------------------------------------------------------------------------
# init_cfg checkpoints given as URLs
# ---------------------------------------------------------------------------
def _init_cfgs(node: Any, key: str) -> Iterator[Tuple[str, dict]]:
    if isinstance(node, dict):
        for name, value in node.items():
            sub = f'{key}.{name}' if key else str(name)
            if name == 'init_cfg':
                for i, item in enumerate(value if isinstance(
                        value, (list, tuple)) else [value]):
                    if isinstance(item, dict):
                        yield (sub if not isinstance(value, (list, tuple))
                               else f'{sub}.{i}'), item
            else:
                yield from _init_cfgs(value, sub)
    elif isinstance(node, (list, tuple)):
        for i, item in enumerate(node):
            yield from _init_cfgs(item, f'{key}.{i}')


def hub_cache_path(url: str) -> str:
    """Where ``torch.hub`` (and mmengine's ``load_url``) cache ``url``."""
    name = osp.basename(urllib.parse.urlparse(url).path)
    return osp.join(torch.hub.get_dir(), 'checkpoints', name)


def _probe(url: str, timeout: float) -> None:
    request = urllib.request.Request(url, method='HEAD')
    with urllib.request.urlopen(request, timeout=timeout):
        pass


def check_init_checkpoints(model_cfg: Any,
                           timeout: float = 10.0,
                           probe: Optional[Callable[[str, float],
                                                    None]] = None) -> int:
    """Check that every ``init_cfg`` checkpoint of a model config can be
    loaded: a local file exists; a URL is in the ``torch.hub`` cache or its
    server answers.

    Offline, mmengine would otherwise fail deep inside weight initialisation
    with a long ``URLError`` traceback.

    Args:
        model_cfg: The ``model`` config.
        timeout (float): Seconds to wait for the server. Defaults to 10.
        probe (callable, optional): ``probe(url, timeout)`` raising
            ``OSError`` when the URL cannot be reached; defaults to an HTTP
            ``HEAD`` request.

    Returns:
        int: How many URLs were probed (not found in the cache).

    Raises:
        InputError: Naming the ``init_cfg`` key, the URL, the cache file and
            how to proceed offline.
    """
    probe = probe or _probe
    probed = 0
    for key, init in _init_cfgs(model_cfg, 'model'):
        url = init.get('checkpoint')
        if not isinstance(url, str):
            continue
        if '://' not in url:  # a local file (other schemes: mmengine's)
            if not osp.isfile(osp.expanduser(url)):
                raise InputError(
                    f'{key}.checkpoint: file not found: {url} (set '
                    f'--cfg-options {key}.checkpoint=FILE, or {key}=None '
                    'to start from random weights)')
            continue
        if not url.startswith(URL_PREFIXES):
            continue
        cached = hub_cache_path(url)
        if osp.isfile(cached):
            continue
        probed += 1
        try:
            probe(url, timeout)
        except (OSError, socket.timeout, urllib.error.URLError) as e:
            reason = getattr(e, 'reason', e)
            raise InputError(
                f'{key}.checkpoint: cannot download {url} ({reason}). '
                f'Offline: put the file at {cached}, or set '
                f'--cfg-options {key}.checkpoint=LOCAL_FILE (or '
                f'{key}=None to start from random weights)') from None
    return probed


# ---------------------------------------------------------------------------
# checkpoint vs model
# ---------------------------------------------------------------------------
def check_checkpoint_fits(model: torch.nn.Module, checkpoint: str,
                          config: str) -> Dict[str, Any]:
    """Check that a checkpoint has every weight of ``model``, each with the
    model's shape.

    mmengine loads test checkpoints with ``strict=False``: a mismatched
    ``num_classes`` is only logged ("size mismatch") and the model is
    evaluated with a randomly initialised head.

    Args:
        model (torch.nn.Module): The built model (a wrapper's ``module`` is
            used).
        checkpoint (str): The checkpoint file.
        config (str): The config file, for the message.

    Returns:
        dict: The checkpoint (as loaded on the CPU).

    Raises:
        InputError: On the first weight whose shape differs (with the
            ``num_classes`` hint for a classifier), or when weights of the
            model are missing from the checkpoint.
    """
    model = getattr(model, 'module', model)
    ckpt = torch.load(checkpoint, map_location='cpu', weights_only=False)
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else {}
    state = {(k[7:] if k.startswith('module.') else k): v
             for k, v in state.items()}
    expected = model.state_dict()
    for name, tensor in expected.items():
        if name in state and hasattr(state[name], 'shape') and \
                tuple(state[name].shape) != tuple(tensor.shape):
            got, want = tuple(state[name].shape), tuple(tensor.shape)
            hint = ''
            head = getattr(model, 'head', None)
            num = getattr(head, 'num_classes', None)
            if name.startswith('head.') and num in want and got:
                hint = (f'; the checkpoint has {got[0]} classes, the config '
                        f'{num}: set --cfg-options model.head.num_classes='
                        f'{got[0]}')
            raise InputError(
                f'{checkpoint} does not fit {config}: {name} is {got} in the '
                f'checkpoint, {want} in the model{hint}')
    # state a module can do without (it fills it in when loading), e.g.
    # FAMHead's warm-up clock in checkpoints written before it existed
    optional = {
        f'{prefix}.{key}' if prefix else key
        for prefix, module in model.named_modules()
        for key in getattr(module, 'optional_state_keys', ())
    }
    missing = [
        name for name in expected if name not in state and name not in optional
    ]
    if missing:
        raise InputError(
            f'{checkpoint} does not fit {config}: {len(missing)} of the '
            f"model's {len(expected)} weights are missing from it (first: "
            f'{missing[0]})')
    return ckpt


# ---------------------------------------------------------------------------
# command-line entry
# ---------------------------------------------------------------------------
def run_tool(main: Callable[[], Any], prog: str) -> Any:
    """Run a tool's ``main()``, printing bad-input errors as one line.

    :class:`InputError`, the datasets' ``AnnotationError`` and
    ``FileNotFoundError`` are the user's to fix, and their messages name the
    file, line or key: a traceback through mmengine would only hide them.
    They are printed as ``<prog>: error: <message>`` and the process exits
    with status 1 (2 for a config key, ``ConfigKeyError.exit_code``, as
    ``argparse`` for a bad argument). Other exceptions propagate with their
    traceback.

    Args:
        main (callable): The tool's entry point.
        prog (str): The tool's name, for the message.

    Returns:
        Whatever ``main`` returns.
    """
    import sys

    from fam_mm.datasets.annotation_utils import AnnotationError
    try:
        return main()
    except (InputError, AnnotationError, FileNotFoundError) as e:
        message = ' '.join(str(e).split())  # one line
        print(f'{prog}: error: {message}', file=sys.stderr)
        sys.stderr.flush()
        raise SystemExit(getattr(e, 'exit_code', 1)) from None
