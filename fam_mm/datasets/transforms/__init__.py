from .formatting import PackWSOLInputs
from .loading import LoadWSOLMasks
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
    'LoadWSOLMasks', 'PackWSOLInputs', 'WSOLCenterCrop', 'WSOLRandomCrop',
    'WSOLRandomFlip',
    'WSOLRandomResizedCrop', 'WSOLResize', 'apply_wsol_geometry',
    'flip_matrix', 'init_wsol_geometry'
]
