"""Shared helpers for the backbone tests: config snippets and checkpoints."""
import copy
from pathlib import Path
from typing import Callable, Dict, Tuple

import pytest
import torch
from mmengine.config import Config

import fam_mm  # noqa: F401  (registers fam-mm's modules)

CONFIG_DIR = (
    Path(__file__).resolve().parents[3] / 'configs' / '_base_' / 'models' /
    'backbones')


def load_snippet(name: str) -> Tuple[dict, int]:
    """Return ``(backbone cfg, feat_channels)`` of a config snippet."""
    cfg = Config.fromfile(str(CONFIG_DIR / f'{name}.py'))
    return copy.deepcopy(cfg.backbone.to_dict()), cfg.feat_channels


def save_as_backbone_checkpoint(state_dict: Dict[str, torch.Tensor],
                                path: Path) -> str:
    """Save ``state_dict`` as mmpretrain does for an ``ImageClassifier``:
    keys under ``backbone.``, plus a head weight that must be ignored."""
    ckpt = {f'backbone.{k}': v for k, v in state_dict.items()}
    ckpt['head.fc.weight'] = torch.zeros(2, 2)
    torch.save({'meta': {}, 'state_dict': ckpt}, str(path))
    return str(path)


def perturb_(module: torch.nn.Module) -> Dict[str, torch.Tensor]:
    """Shift every float parameter/buffer by a random positive amount, so a
    freshly built model cannot match it by chance, and return the state."""
    with torch.no_grad():
        for value in module.state_dict().values():
            if value.is_floating_point():
                value.add_(torch.rand_like(value))
    return module.state_dict()


@pytest.fixture
def snippet() -> Callable[[str], Tuple[dict, int]]:
    """:func:`load_snippet`."""
    return load_snippet


@pytest.fixture
def save_ckpt() -> Callable[[Dict[str, torch.Tensor], Path], str]:
    """:func:`save_as_backbone_checkpoint`."""
    return save_as_backbone_checkpoint


@pytest.fixture
def perturb() -> Callable[[torch.nn.Module], Dict[str, torch.Tensor]]:
    """:func:`perturb_`."""
    return perturb_
