from .acol_head import ACoLHead, erase_attention
from .base_wsol_head import BaseWSOLHead, minmax_normalize
from .cam_head import CAMHead
from .fam_head import FAMHead, diversity_loss

__all__ = [
    'BaseWSOLHead', 'CAMHead', 'FAMHead', 'diversity_loss', 'ACoLHead',
    'erase_attention', 'minmax_normalize'
]
