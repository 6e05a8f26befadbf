"""WSOLInceptionV3: sizes, stages, freezing."""
import pytest
import torch
from mmengine.utils.dl_utils.parrots_wrapper import _BatchNorm

from fam_mm.models.backbones import WSOLInceptionV3


def test_stage_outputs():
    model = WSOLInceptionV3(out_indices=(0, 1, 2, 3))
    model.eval()
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 64, 64))
    # 64 -> 32 (1a) -> 30 (2a) -> 16 (pool1) -> 14 (4a) -> 8 (pool2)
    assert [tuple(o.shape) for o in outs] == [(1, 192, 8, 8), (1, 288, 8, 8),
                                              (1, 768, 8, 8), (1, 1024, 8, 8)]


def test_mixed_6a_stride_and_no_extra_convs():
    model = WSOLInceptionV3(mixed_6a_stride=2, extra_channels=())
    model.eval()
    assert model.extra_convs is None and model.out_channels == 768
    with torch.no_grad():
        assert model(torch.rand(1, 3, 64, 64))[0].shape == (1, 768, 4, 4)
    with pytest.raises(ValueError):
        WSOLInceptionV3(extra_channels=(), out_indices=(3, ))
    with pytest.raises(ValueError):
        WSOLInceptionV3(frozen_stages=4)


def test_frozen_stages_and_norm_eval():
    model = WSOLInceptionV3(frozen_stages=2)
    model.train()
    for name in ('Conv2d_1a_3x3', 'Conv2d_4a_3x3', 'Mixed_5d'):
        module = getattr(model, name)
        assert all(not p.requires_grad for p in module.parameters())
        assert all(not m.training for m in module.modules())
    assert all(p.requires_grad for p in model.Mixed_6a.parameters())
    assert model.Mixed_6a.branch3x3.bn.training

    model = WSOLInceptionV3(norm_eval=True)
    assert model.train() is model
    assert all(not m.training for m in model.modules()
               if isinstance(m, _BatchNorm))
    assert all(p.requires_grad for p in model.parameters())


def test_extra_dropout_in_training_only():
    model = WSOLInceptionV3(extra_dropout=0.5)
    x = torch.rand(1, 3, 64, 64)
    model.eval()
    with torch.no_grad():
        ref = model(x)[0]
        torch.testing.assert_close(model(x)[0], ref)
        model.train()
        torch.manual_seed(0)
        dropped = model(x)[0]
    # the last dropout zeroes about half of the output, scaled by 2 the rest
    zero_share = (dropped == 0).float().mean().item()
    assert zero_share > (ref == 0).float().mean().item() + 0.2
    with pytest.raises(ValueError, match='extra_dropout'):
        WSOLInceptionV3(extra_dropout=1.0)
