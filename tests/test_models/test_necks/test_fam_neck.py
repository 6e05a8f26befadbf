import pytest
import torch

from fam_mm.models.necks import FAMNeck


def test_output_shapes_and_range():
    neck = FAMNeck(in_channels=64)
    neck.init_weights()
    x = torch.randn(2, 64, 7, 9)
    feats, fg_map = neck((torch.randn(2, 8, 14, 18), x))
    assert feats is x  # the last backbone stage is passed through
    assert fg_map.shape == (2, 1, 7, 9)
    assert fg_map.min() >= 0 and fg_map.max() <= 1
    # queries and keys have C/16 channels, values C
    assert neck.key_channels == 4
    assert neck.memory.keys.shape == (3, 4)
    assert neck.memory.values.shape == (3, 64)
    assert len(neck.encoder) == 2


def test_map_is_sigmoid_of_memory_readout():
    torch.manual_seed(0)
    neck = FAMNeck(in_channels=32, num_memory=4, similarity='paper')
    x = torch.randn(1, 32, 5, 5)
    _, fg_map = neck(x)
    expected = neck.memory(neck.encoder(x), x).sigmoid()
    torch.testing.assert_close(fg_map, expected)
    assert neck.memory.num_memory == 4


def test_initial_map_is_uninformative():
    neck = FAMNeck(in_channels=64)
    neck.init_weights()
    _, fg_map = neck(torch.randn(2, 64, 6, 6).relu())
    assert (fg_map - 0.5).abs().max() < 0.2


def test_gradient_reaches_memory_keys_and_values():
    torch.manual_seed(0)
    neck = FAMNeck(in_channels=32)
    neck.init_weights()
    x = torch.randn(2, 32, 4, 4).relu()
    _, fg_map = neck(x)
    (fg_map * torch.randn_like(fg_map)).sum().backward()
    for p in (neck.memory.keys, neck.memory.values,
              neck.encoder[0].conv.weight):
        assert p.grad is not None and p.grad.abs().sum() > 0


def test_without_memory_ablation():
    neck = FAMNeck(in_channels=64, use_memory=False)
    neck.init_weights()
    assert not hasattr(neck, 'memory')
    convs = [m for m in neck.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 3
    assert [c.out_channels for c in convs] == [4, 4, 1]
    _, fg_map = neck(torch.randn(1, 64, 5, 5))
    assert fg_map.shape == (1, 1, 5, 5)
    # "similar parameters": within a factor 2 of the memory version
    n_abl = sum(p.numel() for p in neck.parameters())
    n_mem = sum(p.numel() for p in FAMNeck(in_channels=64).parameters())
    assert 0.5 < n_abl / n_mem < 2


def test_bad_input():
    with pytest.raises(ValueError, match='num_encoder_layers'):
        FAMNeck(in_channels=16, num_encoder_layers=0)
    with pytest.raises(ValueError, match=r'\(B, C, H, W\)'):
        FAMNeck(in_channels=16)(torch.randn(2, 16))
