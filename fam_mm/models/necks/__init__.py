from .fam_neck import FAMNeck

__all__ = ['FAMNeck']
