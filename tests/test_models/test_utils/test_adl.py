import pytest
import torch

from fam_mm.models.utils import ADL, adl_drop_mask


def _features(batch=4, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 8, 6, 6, generator=gen)


def test_identity_in_eval():
    adl = ADL(drop_rate=1.0).eval()
    x = _features()
    assert adl(x) is x


def test_drop_mask_drops_exactly_at_or_above_gamma_max():
    attention = torch.tensor([[[[0.0, 0.5, 0.89], [0.9, 0.95, 1.0]]],
                              [[[2.0, 1.79, 1.8], [0.1, 1.0, 0.0]]]])
    mask = adl_drop_mask(attention, gamma=0.9)
    expected = torch.tensor([[[[1., 1., 1.], [0., 0., 0.]]],
                             [[[0., 1., 0.], [1., 1., 1.]]]])
    torch.testing.assert_close(mask, expected)
    # on random maps: dropped <=> A >= gamma * per-sample max
    a = torch.randn(3, 1, 7, 7, generator=torch.Generator().manual_seed(1))
    peak = a.flatten(1).max(1).values.view(3, 1, 1, 1)
    assert torch.equal(adl_drop_mask(a, 0.7) == 0, a >= 0.7 * peak)


def _kinds(adl, x):
    """Which map each sample got: 'drop' or 'importance'."""
    out = adl(x)
    attention = x.mean(1, keepdim=True)
    kinds = []
    for i in range(x.size(0)):
        if torch.allclose(out[i], x[i] * adl_drop_mask(attention, 0.9)[i]):
            kinds.append('drop')
        elif torch.allclose(out[i], x[i] * torch.sigmoid(attention[i])):
            kinds.append('importance')
        else:
            kinds.append('other')
    return kinds


def test_one_draw_per_batch_with_drop_rate_frequency():
    torch.manual_seed(0)
    adl = ADL(drop_rate=0.75, gamma=0.9).train()
    x = _features(batch=6)
    batches = [_kinds(adl, x) for _ in range(400)]
    # every sample of a batch gets the same kind of map
    assert all(len(set(kinds)) == 1 for kinds in batches)
    assert not any('other' in kinds for kinds in batches)
    share = sum(kinds[0] == 'drop' for kinds in batches) / len(batches)
    assert 0.70 < share < 0.80  # 400 draws: std 0.022
    # the extremes are deterministic
    assert set(_kinds(ADL(drop_rate=1.0).train(), x)) == {'drop'}
    assert set(_kinds(ADL(drop_rate=0.0).train(), x)) == {'importance'}


def test_drop_map_zeroes_the_peak_region_of_every_channel():
    x = torch.ones(1, 3, 4, 4)
    x[0, :, 1, 2] = 5.0  # the most discriminative position
    out = ADL(drop_rate=1.0).train()(x)
    assert out[0, :, 1, 2].abs().sum() == 0
    assert out.sum() == x.sum() - 15.0


def test_gradient_flows_through_importance_map():
    x = _features().requires_grad_()
    ADL(drop_rate=0.0).train()(x).sum().backward()
    # d/dx of x * sigmoid(mean_c x) differs from the ones of a constant map
    assert not torch.allclose(x.grad, torch.sigmoid(x.mean(1, True)).expand(
        x.shape))


def test_bad_args():
    with pytest.raises(ValueError, match='drop_rate'):
        ADL(drop_rate=1.5)
    with pytest.raises(ValueError, match='gamma'):
        ADL(gamma=-0.1)
    assert 'drop_rate=0.75, gamma=0.9' in repr(ADL())
