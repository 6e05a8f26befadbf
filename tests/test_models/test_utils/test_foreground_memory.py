import math

import pytest
import torch

from fam_mm.models.utils import ForegroundMemory


def _one_pixel_memory(similarity):
    """N=2, d=2, C=2 memory with hand-picked keys and values."""
    mem = ForegroundMemory(in_channels=2, key_channels=2, num_memory=2,
                           similarity=similarity)
    with torch.no_grad():
        mem.keys.copy_(torch.tensor([[1., 0.], [0., 1.]]))
        mem.values.copy_(torch.tensor([[1., 0.], [0., 3.]]))
    q = torch.tensor([1., 2.]).view(1, 2, 1, 1)
    x = torch.tensor([2., 1.]).view(1, 2, 1, 1)
    return mem, q, x


def test_eq1_paper_similarity_by_hand():
    mem, q, x = _one_pixel_memory('paper')
    # beta = q.k / sqrt(2) = [1, 2] / sqrt(2); s = beta / sum(beta)
    s = mem.read(q).flatten()
    torch.testing.assert_close(s, torch.tensor([1 / 3, 2 / 3]))
    # eq. 2: w = 1/3 v1 + 2/3 v2 = [1/3, 2]; eq. 3: M = w.x = 2/3 + 2
    torch.testing.assert_close(mem(q, x).flatten(), torch.tensor([8 / 3]))


def test_eq1_softmax_similarity_by_hand():
    mem, q, x = _one_pixel_memory('softmax')
    b = torch.tensor([1., 2.]) / math.sqrt(2)
    e = torch.exp(b)
    s_expected = e / e.sum()  # [0.33024, 0.66976]
    torch.testing.assert_close(mem.read(q).flatten(), s_expected)
    torch.testing.assert_close(s_expected, torch.tensor([0.33024, 0.66976]),
                               atol=1e-5, rtol=0)
    m = s_expected[0] * 2.0 + s_expected[1] * 3.0  # v1.x = 2, v2.x = 3
    torch.testing.assert_close(mem(q, x).flatten(), m.view(1))


@pytest.mark.parametrize('similarity', ['softmax', 'paper'])
def test_memory_matches_per_pixel_loop(similarity):
    torch.manual_seed(0)
    mem = ForegroundMemory(16, 4, num_memory=3, similarity=similarity)
    q = torch.randn(2, 4, 3, 5)
    x = torch.randn(2, 16, 3, 5)
    out = mem(q, x)
    assert out.shape == (2, 1, 3, 5)
    for b in range(2):
        for i in range(3):
            for j in range(5):
                beta = mem.keys @ q[b, :, i, j] / 2.0  # sqrt(4)
                s = beta.softmax(0) if similarity == 'softmax' \
                    else beta / beta.sum()
                w = (s[:, None] * mem.values).sum(0)
                torch.testing.assert_close(out[b, 0, i, j],
                                           w @ x[b, :, i, j],
                                           rtol=1e-4, atol=1e-5)


def test_paper_similarity_denominator_guard():
    mem = ForegroundMemory(2, 2, num_memory=2, similarity='paper', eps=1e-3)
    with torch.no_grad():
        mem.keys.copy_(torch.tensor([[1., 0.], [-1., 0.]]))
    s = mem.read(torch.tensor([1., 0.]).view(1, 2, 1, 1))
    assert torch.isfinite(s).all()


def test_invalid_args():
    with pytest.raises(ValueError, match='similarity'):
        ForegroundMemory(8, 2, similarity='cosine')
    with pytest.raises(ValueError, match='num_memory'):
        ForegroundMemory(8, 2, num_memory=0)
