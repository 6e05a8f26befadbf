"""WSOLVGG: outputs, extra convs and their initialisation."""
import pytest
import torch
from mmengine.utils.dl_utils.parrots_wrapper import _BatchNorm

from fam_mm.models.backbones import WSOLVGG


def test_out_indices_and_extra_convs():
    model = WSOLVGG(depth=16, out_indices=(3, 4, 5))
    assert model.train(False) is model  # mmpretrain's VGG.train gives None
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 64, 64))
    # Stage 3 ends with pool4, stage 4 (conv5_3) has no pool5.
    assert [tuple(o.shape) for o in outs] == [(1, 512, 4, 4), (1, 512, 4, 4),
                                              (1, 1024, 4, 4)]
    assert model.out_channels == 1024

    model = WSOLVGG(depth=16, extra_channels=(1024, 1024))
    assert len(model.extra_convs) == 2
    model = WSOLVGG(depth=16, extra_channels=())
    assert model.extra_convs is None and model.out_channels == 512
    with torch.no_grad():
        assert model(torch.rand(1, 3, 32, 32))[0].shape == (1, 512, 2, 2)
    with pytest.raises(ValueError):
        WSOLVGG(depth=16, extra_channels=(), out_indices=(5, ))


def test_extra_convs_follow_norm_cfg():
    model = WSOLVGG(depth=16, norm_cfg=dict(type='BN'))
    assert isinstance(model.extra_convs[0].bn, _BatchNorm)
    assert model.extra_convs[0].conv.bias is None
    model = WSOLVGG(depth=16)
    assert not model.extra_convs[0].with_norm
    assert model.extra_convs[0].conv.bias is not None


def test_extra_convs_he_init_with_pretrained_only(tmp_path, save_ckpt,
                                                  perturb):
    """With only a Pretrained init_cfg the new conv is still He initialised
    (zero bias, std sqrt(2 / fan_out)), not left at PyTorch's default."""
    torch.manual_seed(0)
    plain = WSOLVGG(depth=11, extra_channels=())
    path = save_ckpt(perturb(plain), tmp_path / 'vgg11.pth')
    model = WSOLVGG(
        depth=11,
        init_cfg=dict(type='Pretrained', checkpoint=path, prefix='backbone'))
    model.init_weights()
    conv = model.extra_convs[0].conv
    assert torch.count_nonzero(conv.bias) == 0
    expected_std = (2 / (1024 * 3 * 3))**0.5
    assert abs(conv.weight.std().item() / expected_std - 1) < 0.05
    assert torch.equal(model.features[0].conv.weight,
                       plain.features[0].conv.weight)


def test_frozen_stages_and_norm_eval():
    model = WSOLVGG(
        depth=11, frozen_stages=2, norm_cfg=dict(type='BN'), norm_eval=True)
    model.train()
    params = dict(model.named_parameters())
    # VGG11 stage 0: features.0 (+pool), stage 1: features.2 (+pool).
    assert not params['features.0.conv.weight'].requires_grad
    assert not params['features.2.conv.weight'].requires_grad
    assert params['features.4.conv.weight'].requires_grad
    assert params['extra_convs.0.conv.weight'].requires_grad
    assert all(not m.training for m in model.modules()
               if isinstance(m, _BatchNorm))
