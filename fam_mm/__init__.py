"""fam-mm: Foreground Activation Maps (FAM, ICCV 2021) for OpenMMLab.

``import fam_mm`` (or ``custom_imports=dict(imports=['fam_mm'])`` in a
config) registers every fam-mm module into mmpretrain's registries and makes
checkpoint resume work under ``torch.load(weights_only=True)``.
"""
from .utils.checkpoint_safety import register_checkpoint_safe_globals
from .utils.mmcv_check import check_mmcv, silence_mmcv_lite_warning
from .version import __version__

check_mmcv()
silence_mmcv_lite_warning()
register_checkpoint_safe_globals()

# Importing the sub-packages registers their modules (MODELS, DATASETS,
# TRANSFORMS, METRICS, HOOKS) in mmpretrain's registries.
from . import datasets, engine, evaluation, models  # noqa: E402,F401

__all__ = ['__version__', 'register_checkpoint_safe_globals']
