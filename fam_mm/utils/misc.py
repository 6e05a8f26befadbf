"""Small helpers shared across fam_mm."""
from typing import Any

import numpy as np


def to_numpy(x: Any) -> np.ndarray:
    """A tensor (any device, detached) or array-like as a numpy array."""
    if hasattr(x, 'detach'):
        x = x.detach().cpu().numpy()
    return np.asarray(x)
