"""PxAP: hand-computed values and the reference's histogram semantics."""
import numpy as np
import pytest

from fam_mm.evaluation.functional import (
    pxap_bin_edges,
    pxap_from_histograms,
    pxap_histograms,
)


def _reference_pxap(maps, masks, ignores, thresholds):
    """The reference's MaskEvaluator written out with np.histogram."""
    edges = np.append(thresholds, [1.0, 2.0, 3.0])
    fg_hist = np.zeros(len(edges) - 1)
    bg_hist = np.zeros(len(edges) - 1)
    for score, mask, ignore in zip(maps, masks, ignores):
        label = mask.astype(np.uint8) + 255 * (ignore & ~mask).astype(
            np.uint8)
        fg_hist += np.histogram(score[label == 1], bins=edges)[0]
        bg_hist += np.histogram(score[label == 0], bins=edges)[0]
    tp = fg_hist[::-1].cumsum()
    fn = fg_hist.sum() - tp
    fp = bg_hist[::-1].cumsum()
    valid = (tp + fp) != 0
    with np.errstate(divide='ignore', invalid='ignore'):
        precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    return (precision[1:] * np.diff(recall))[valid[1:]].sum() * 100


def test_histograms_equal_np_histogram_at_edges():
    edges = pxap_bin_edges(np.arange(0, 1, 0.1))
    values = np.concatenate([edges[:-3], [1.0, 0.05, 0.999, 0.0]])
    values = values.astype(np.float32).reshape(1, -1)
    fg = np.ones_like(values, dtype=bool)
    fg_hist, bg_hist = pxap_histograms(values, fg, edges)
    np.testing.assert_array_equal(fg_hist,
                                  np.histogram(values, bins=edges)[0])
    assert bg_hist.sum() == 0 and len(fg_hist) == 12


def test_hand_computed_pxap():
    # 4 pixels: foreground scores 0.9, 0.4; background 0.6, 0.1.
    # thresholds 0, .5: descending the bins [2,3), [1,2), [.5,1), [0,.5):
    # tp = 0, 0, 1, 2; fp = 0, 0, 1, 2 -> precision (nan, nan, .5, .5),
    # recall 0, 0, .5, 1 -> AP = .5 * .5 + .5 * .5 = 0.5
    score = np.array([[0.9, 0.4], [0.6, 0.1]], np.float32)
    mask = np.array([[1, 1], [0, 0]], np.uint8)
    edges = pxap_bin_edges([0.0, 0.5])
    fg, bg = pxap_histograms(score, mask, edges)
    np.testing.assert_array_equal(fg, [1, 1, 0, 0])
    np.testing.assert_array_equal(bg, [1, 1, 0, 0])
    assert pxap_from_histograms(fg, bg) == pytest.approx(50.0)
    # a perfect map: AP 100
    fg, bg = pxap_histograms(np.array([[1.0, 0.7], [0.2, 0.0]]), mask, edges)
    assert pxap_from_histograms(fg, bg) == pytest.approx(100.0)


def test_ignore_pixels_are_left_out_but_foreground_wins():
    score = np.array([[0.9, 0.8, 0.1]])
    mask = np.array([[1, 0, 0]])
    ignore = np.array([[True, True, False]])  # ignore minus fg = pixel 1
    edges = pxap_bin_edges(np.arange(0, 1, 0.25))
    fg, bg = pxap_histograms(score, mask, edges, ignore)
    assert fg.sum() == 1 and bg.sum() == 1  # pixel 1 is in neither
    assert pxap_from_histograms(fg, bg) == pytest.approx(100.0)


def test_matches_reference_on_random_maps():
    rng = np.random.default_rng(0)
    thresholds = np.arange(0, 1, 0.01)
    edges = pxap_bin_edges(thresholds)
    maps, masks, ignores = [], [], []
    fg_total = np.zeros(len(edges) - 1, np.int64)
    bg_total = np.zeros(len(edges) - 1, np.int64)
    for _ in range(5):
        score = rng.random((20, 30)).astype(np.float32)
        score[rng.random(score.shape) < 0.1] = 1.0
        mask = rng.random((20, 30)) < 0.3
        ignore = rng.random((20, 30)) < 0.2
        maps.append(score)
        masks.append(mask)
        ignores.append(ignore)
        fg, bg = pxap_histograms(score, mask, edges, ignore)
        fg_total += fg
        bg_total += bg
    assert pxap_from_histograms(fg_total, bg_total) == pytest.approx(
        _reference_pxap(maps, masks, ignores, thresholds), abs=1e-9)


def test_errors():
    edges = pxap_bin_edges([0.0, 0.5])
    with pytest.raises(ValueError, match='no foreground'):
        pxap_from_histograms(np.zeros(4), np.ones(4))
    with pytest.raises(ValueError, match='does not match'):
        pxap_histograms(np.zeros((2, 2)), np.zeros((3, 2)), edges)
