from .annotation_utils import AnnotationError
from .cub_wsol import CUBWSOL
from .imagenet_wsol import ImageNetWSOL, parse_imagenet_xml
from .openimages_wsol import OpenImagesWSOL, load_mask_metadata
from .synthetic_wsol import (
    SYNTHETIC_WSOL_VERSION,
    SyntheticWSOL,
    generate_synthetic_wsol,
)
from .transforms import *  # noqa: F401,F403
from .wsol_metadata import WSOLMetadataDataset, load_wsol_metadata

__all__ = [
    'AnnotationError', 'CUBWSOL', 'ImageNetWSOL', 'OpenImagesWSOL',
    'load_mask_metadata', 'SYNTHETIC_WSOL_VERSION',
    'SyntheticWSOL', 'WSOLMetadataDataset', 'generate_synthetic_wsol',
    'load_wsol_metadata', 'parse_imagenet_xml'
]
