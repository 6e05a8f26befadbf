from .base_wsol_head import BaseWSOLHead
from .cam_head import CAMHead
from .fam_head import FAMHead, diversity_loss

__all__ = ['BaseWSOLHead', 'CAMHead', 'FAMHead', 'diversity_loss']
