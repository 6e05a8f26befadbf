from .formatting import PackWSOLInputs
from .wsol_transforms import (
    WSOLCenterCrop,
    WSOLRandomCrop,
    WSOLRandomFlip,
    WSOLRandomResizedCrop,
    WSOLResize,
    apply_wsol_geometry,
    flip_matrix,
    init_wsol_geometry,
)

__all__ = [
    'PackWSOLInputs', 'WSOLCenterCrop', 'WSOLRandomCrop', 'WSOLRandomFlip',
    'WSOLRandomResizedCrop', 'WSOLResize', 'apply_wsol_geometry',
    'flip_matrix', 'init_wsol_geometry'
]
