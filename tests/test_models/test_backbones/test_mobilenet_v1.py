"""MobileNetV1: structure, parameter count, freezing and norm_eval."""
import pytest
import torch
from mmengine.utils.dl_utils.parrots_wrapper import _BatchNorm

from fam_mm.models.backbones import MobileNetV1

# (channels, blocks) per stage in Howard et al. (2017), Table 1.
PAPER_STAGES = [(64, 1), (128, 2), (256, 2), (512, 6), (1024, 2)]


def _paper_param_count(alpha: float = 1.0) -> int:
    """Learnable parameters of MobileNetV1 without the classifier.

    Convs have no bias (BN follows each), so a k x k conv contributes
    ``k * k * c_in * c_out / groups`` weights and its BN ``2 * c_out``
    (weight and bias): stem ``3*3*3*32 + 2*32``, each block
    ``9*c_in + 2*c_in`` (depthwise) ``+ c_in*c_out + 2*c_out`` (pointwise).
    """
    c_in = int(32 * alpha)
    total = 3 * 3 * 3 * c_in + 2 * c_in
    for channels, blocks in PAPER_STAGES:
        c_out = int(channels * alpha)
        for _ in range(blocks):
            total += 9 * c_in + 2 * c_in + c_in * c_out + 2 * c_out
            c_in = c_out
    return total


def _num_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_parameter_count_matches_paper():
    model = MobileNetV1()
    # 13 depthwise-separable blocks after the stem, as in the paper.
    assert sum(len(getattr(model, n)) for n in model.layers) == 13
    assert _num_params(model) == _paper_param_count() == 3_206_976
    # The paper reports 4.2M parameters for 1.0 MobileNet-224 including
    # the 1024 x 1000 FC layer with bias (1,025,000): 4,231,976 in all.
    fc = 1024 * 1000 + 1000
    assert round((_num_params(model) + fc) / 1e6, 1) == 4.2
    # Width multiplier 0.5: 1.3M with the 512 x 1000 FC in the paper.
    half = MobileNetV1(widen_factor=0.5)
    assert _num_params(half) == _paper_param_count(0.5)
    assert round((_num_params(half) + 512 * 1000 + 1000) / 1e6, 1) == 1.3
    assert half.out_channels == 512


def test_strides_and_out_indices():
    model = MobileNetV1(strides=(1, 2, 2, 2, 1), out_indices=(0, 1, 2, 3, 4))
    model.eval()
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 64, 32, 32),
                                              (1, 128, 16, 16), (1, 256, 8, 8),
                                              (1, 512, 4, 4), (1, 1024, 4, 4)]
    model = MobileNetV1()  # original strides: stride 32
    model.eval()
    with torch.no_grad():
        assert model(torch.rand(1, 3, 64, 64))[0].shape == (1, 1024, 2, 2)


def test_invalid_arguments():
    with pytest.raises(ValueError):
        MobileNetV1(out_indices=(5, ))
    with pytest.raises(ValueError):
        MobileNetV1(frozen_stages=6)
    with pytest.raises(ValueError):
        MobileNetV1(strides=(1, 2, 2, 2))


def test_frozen_stages():
    model = MobileNetV1(frozen_stages=2, strides=(1, 2, 2, 2, 1))
    model.init_weights()
    model.train()
    frozen = [model.conv1, model.layer1, model.layer2]
    trainable = [model.layer3, model.layer4, model.layer5]
    for module in frozen:
        assert all(not p.requires_grad for p in module.parameters())
        assert all(not m.training for m in module.modules()
                   if isinstance(m, _BatchNorm))
    for module in trainable:
        assert all(p.requires_grad for p in module.parameters())
        assert all(m.training for m in module.modules()
                   if isinstance(m, _BatchNorm))
    # Frozen BN statistics stay put during a training forward pass.
    mean = model.conv1.bn.running_mean.clone()
    model(torch.rand(2, 3, 32, 32))[0].mean().backward()
    assert torch.equal(model.conv1.bn.running_mean, mean)
    assert all(p.grad is None for m in frozen for p in m.parameters())
    assert all(p.grad is not None for p in model.layer3.parameters())

    model = MobileNetV1(frozen_stages=0)
    model.train()
    assert all(not p.requires_grad for p in model.conv1.parameters())
    assert all(p.requires_grad for p in model.layer1.parameters())


def test_norm_eval():
    model = MobileNetV1(norm_eval=True)
    assert model.train() is model
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert len(bns) == 1 + 2 * 13
    assert all(not m.training for m in bns)
    # Only the running statistics are frozen, not the affine parameters.
    assert all(p.requires_grad for p in model.parameters())
    model = MobileNetV1(norm_eval=False)
    model.train()
    assert all(m.training for m in model.modules()
               if isinstance(m, _BatchNorm))
