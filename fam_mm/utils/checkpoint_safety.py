"""Make mmengine checkpoints loadable with ``torch.load(weights_only=True)``.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``, and
mmengine 0.10.x checkpoints carry the message hub's ``HistoryBuffer`` objects
(with numpy arrays and scalars inside), so ``resume=True`` fails with an
``UnpicklingError``. Rather than turning the safety off, we allow-list exactly
the globals such checkpoints contain:

* ``mmengine.logging.HistoryBuffer`` and the numpy reconstruction helpers
  (``ndarray``, ``dtype``, the dtype classes, ``_reconstruct``, ``scalar``);
* ``builtins.getattr`` *as pickled by* ``HistoryBuffer.__getstate__`` (it
  stores its statistics methods ``HistoryBuffer.min`` and friends, which
  pickle as ``getattr(HistoryBuffer, 'min')``). We register a restricted
  stand-in under that name which resolves only those attributes of
  ``HistoryBuffer`` and refuses anything else, so a checkpoint cannot use it
  to reach arbitrary objects.
"""
from typing import Any, List

import numpy as np
import torch

_ALLOWED_HISTORY_BUFFER_ATTRS = frozenset(('min', 'max', 'current', 'mean'))
_registered = False


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` limited to the statistics methods of ``HistoryBuffer``."""
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and name in _ALLOWED_HISTORY_BUFFER_ATTRS:
        return getattr(HistoryBuffer, name)
    raise RuntimeError(
        f'fam_mm refuses getattr({obj!r}, {name!r}) while loading a '
        'checkpoint with weights_only=True: only the statistics methods of '
        'mmengine.logging.HistoryBuffer are allow-listed')


def _numpy_globals() -> List[Any]:
    """numpy objects that appear in pickled arrays and scalars."""
    items: List[Any] = [np.ndarray, np.dtype]
    # The module path of the reconstruction helpers moved in numpy 2.
    for mod_name in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        try:
            mod = __import__(mod_name, fromlist=['_reconstruct', 'scalar'])
        except ImportError:
            continue
        for fn_name in ('_reconstruct', 'scalar'):
            fn = getattr(mod, fn_name, None)
            if fn is not None:
                items.append((fn, f'{mod_name}.{fn_name}'))
    # numpy >= 1.25 pickles dtypes via their classes (numpy.dtypes.*DType).
    dtypes_mod = getattr(np, 'dtypes', None)
    if dtypes_mod is not None:
        for name in dir(dtypes_mod):
            cls = getattr(dtypes_mod, name)
            if isinstance(cls, type) and name.endswith('DType'):
                items.append((cls, f'numpy.dtypes.{name}'))
    return items


def register_checkpoint_safe_globals() -> None:
    """Allow-list the globals of mmengine checkpoints for safe loading.

    Idempotent; a no-op on torch versions without
    ``torch.serialization.add_safe_globals`` (< 2.4), which do not default
    to ``weights_only=True`` either.
    """
    global _registered
    if _registered:
        return
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:
        return
    from mmengine.logging import HistoryBuffer
    safe: List[Any] = [HistoryBuffer]
    safe.extend(_numpy_globals())
    safe.append((_history_buffer_getattr, 'builtins.getattr'))
    add_safe_globals(safe)
    _registered = True
