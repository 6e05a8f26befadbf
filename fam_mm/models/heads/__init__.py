from .acol_head import ACoLHead, erase_attention
from .base_wsol_head import BaseWSOLHead, minmax_normalize
from .cam_head import CAMHead
from .fam_head import FAMHead, diversity_loss
from .spg_head import (
    SPG_IGNORE,
    SPGHead,
    masked_bce_with_logits,
    spg_guidance_mask,
)

__all__ = [
    'BaseWSOLHead', 'CAMHead', 'FAMHead', 'diversity_loss', 'ACoLHead',
    'erase_attention', 'SPGHead', 'spg_guidance_mask',
    'masked_bce_with_logits', 'SPG_IGNORE', 'minmax_normalize'
]
