"""Statistics of FAM's foreground map ``M`` and its ``K`` part maps ``A``.

Pure functions (torch / numpy, no mmengine) shared by the training hook
(:class:`~fam_mm.engine.hooks.ForegroundCollapseHook`) and the evaluation
metric (:class:`~fam_mm.evaluation.metrics.FAMMapMetric`):

* :func:`foreground_stats`: mean of ``M`` and its share above the box
  threshold (does ``M`` collapse?);
* :func:`part_map_cosine`: mean pairwise cosine similarity of the part
  maps of an image, raw, centred (default) or centred on a weighted region
  (do the parts differ?);
* :func:`part_purity`: how much of each part map's mass lies on one ground
  truth part, and how many distinct parts the ``K`` maps find (do the parts
  find *object parts*?);
* :func:`background_rows`: mean of a map on the background, band by band
  from the top (a position prior, e.g. a map lit along the top border).

Why centred: the part maps are sigmoids (paper, eq. 6). Where ``M ~ 0`` the
foreground features are ~0 and every part map sits near ``sigmoid(b_k)``
(~0.49), so two maps that light *different* regions still share a large
common offset and their raw cosine is ~0.9. Subtracting each map's own
spatial mean removes that offset: the centred cosine (a Pearson correlation
over the pixels) of such maps is ~0.3 or negative.
"""
from typing import List, NamedTuple, Optional, Sequence, Union

import numpy as np
import torch

from fam_mm.utils.misc import to_numpy

__all__ = [
    'foreground_stats', 'part_map_cosine', 'PartPurity', 'part_purity',
    'background_rows', 'PART_COSINE_MODES'
]

#: The modes of :func:`part_map_cosine`.
PART_COSINE_MODES = ('raw', 'centred', 'masked')

ArrayLike = Union[torch.Tensor, np.ndarray]


def foreground_stats(fg_map: torch.Tensor, threshold: float) -> List[float]:
    """Mean and above-threshold share of a batch of foreground maps.

    Args:
        fg_map (Tensor): Foreground maps ``M`` of shape ``(B, 1, H, W)`` (or
            any shape) with values in ``[0, 1]``.
        threshold (float): The box threshold; a pixel counts as foreground
            when ``M > threshold`` (strict, as
            :func:`~fam_mm.evaluation.functional.extract_bbox`).

    Returns:
        list[float]: ``[mean(M), share of M > threshold]``, both in
        ``[0, 1]``.
    """
    fg_map = fg_map.detach().float()
    if fg_map.numel() == 0:
        raise ValueError('foreground map is empty')
    return [
        float(fg_map.mean()),
        float((fg_map > threshold).float().mean()),
    ]


def _flat_weights(weights: ArrayLike, batch: int, pixels: int,
                  like: torch.Tensor) -> torch.Tensor:
    """``weights`` as a float64 ``(B, 1, H*W)`` tensor (checked)."""
    w = torch.as_tensor(weights).detach().to(
        device=like.device, dtype=torch.float64)
    if w.numel() == pixels:
        w = w.reshape(1, 1, pixels).expand(batch, 1, pixels)
    elif w.numel() == batch * pixels:
        w = w.reshape(batch, 1, pixels)
    else:
        raise ValueError(
            f'weights of shape {tuple(w.shape)} do not match {batch} '
            f'image(s) of {pixels} pixels: give (B, 1, H, W), (B, H, W) or '
            '(H, W)')
    if not bool(torch.isfinite(w).all()) or bool((w < 0).any()):
        raise ValueError('weights must be finite and non-negative')
    return w


def part_map_cosine(part_maps: ArrayLike,
                    mode: str = 'centred',
                    weights: Optional[ArrayLike] = None,
                    flat_tol: float = 1e-4) -> torch.Tensor:
    """Mean pairwise cosine similarity of the ``K`` part maps of each image.

    For each image, the cosine similarity of the flattened maps ``A^k`` and
    ``A^m`` averaged over the ``K(K-1)`` ordered pairs ``k != m`` (the form
    of the paper's diversity loss, eq. 8, applied to the maps instead of the
    pooled features). The modes differ in what is compared:

    * ``'raw'``: the maps as they are (the former ``part_map_diversity``
      was ``1 -`` its batch mean). Sigmoid maps are positive, so the raw
      cosine lies in ``[0, 1]`` and a shared offset makes it high.
    * ``'centred'`` (default): each map minus its own spatial mean, i.e.
      the Pearson correlation of the two maps over the pixels, in
      ``[-1, 1]``: 1 for maps equal up to an offset and a positive scale,
      ~0 for unrelated maps, negative for maps lit on disjoint regions.
    * ``'masked'``: centred and compared on the region given by
      ``weights`` (e.g. the foreground map ``M`` or a GT mask): each map
      minus its ``weights``-weighted mean, then the ``weights``-weighted
      cosine ``sum(w a b) / sqrt(sum(w a^2) sum(w b^2))``. Pixels of weight
      0 do not count; the result does not change when ``weights`` is
      multiplied by a constant.

    Flat maps: a map whose (centred, weighted) norm is at most ``flat_tol``
    times its uncentred (weighted) norm carries no spatial pattern (e.g.
    the constant ``sigmoid(b_k)`` maps after a collapse of ``M``, or an
    all-zero map in ``'raw'`` mode) and has no defined cosine. Such a pair
    counts as **1 when both maps are flat** (the maps do not differ in
    space, as after a collapse) and **0 when one of them is** (a flat map
    shares no pattern with a structured one). So the result is never NaN
    except for an image whose ``weights`` are all 0 in ``'masked'`` mode.

    Args:
        part_maps (Tensor | np.ndarray): Part maps of shape ``(B, K, H, W)``
            (or ``(K, H, W)`` for one image), e.g. ``sigmoid`` outputs.
        mode (str): ``'raw'``, ``'centred'`` or ``'masked'``. Defaults to
            ``'centred'``.
        weights (Tensor | np.ndarray, optional): Non-negative pixel weights
            for ``'masked'`` (required there, refused otherwise), of shape
            ``(B, 1, H, W)``, ``(B, H, W)`` or ``(H, W)`` (the same for
            every image).
        flat_tol (float): Relative norm below which a map counts as flat.
            Defaults to 1e-4.

    Returns:
        Tensor: float64 ``(B,)`` (``(1,)`` for a ``(K, H, W)`` input) on the
        maps' device: the mean pairwise cosine of each image, in
        ``[-1, 1]``; average it (``.mean()``) for a batch value. 1 for
        ``K == 1`` (a map is identical to itself); NaN for an image whose
        ``weights`` sum to 0.
    """
    if mode not in PART_COSINE_MODES:
        raise ValueError(
            f'mode must be one of {PART_COSINE_MODES}, got {mode!r}')
    if (weights is None) == (mode == 'masked'):
        raise ValueError("weights are needed by mode='masked' and only "
                         f'there (mode={mode!r})')
    maps = torch.as_tensor(part_maps).detach().to(torch.float64)
    if maps.dim() == 3:
        maps = maps[None]
    if maps.dim() != 4:
        raise ValueError('part maps must have shape (B, K, H, W) or '
                         f'(K, H, W), got {tuple(maps.shape)}')
    batch, num_parts = maps.shape[:2]
    flat = maps.flatten(2)  # (B, K, N)
    pixels = flat.size(2)
    if weights is None:
        w = torch.ones(batch, 1, pixels, dtype=flat.dtype, device=flat.device)
    else:
        w = _flat_weights(weights, batch, pixels, flat)
    total = w.sum(dim=2, keepdim=True)  # (B, 1, 1)
    if num_parts < 2:
        return torch.ones(batch, dtype=torch.float64, device=flat.device)
    if mode == 'raw':
        vec = flat
    else:
        mean = (w * flat).sum(dim=2, keepdim=True) / total.clamp(min=1e-300)
        vec = flat - mean
    gram = (vec * w) @ vec.transpose(1, 2)  # (B, K, K)
    norm = gram.diagonal(dim1=1, dim2=2).clamp(min=0).sqrt()  # (B, K)
    ref = (w * flat * flat).sum(dim=2).sqrt()  # uncentred norm, (B, K)
    is_flat = norm <= flat_tol * ref
    denom = norm[:, :, None] * norm[:, None, :]
    cos = gram / torch.where(is_flat[:, :, None] | is_flat[:, None, :],
                             torch.ones_like(denom), denom)
    both_flat = is_flat[:, :, None] & is_flat[:, None, :]
    one_flat = is_flat[:, :, None] ^ is_flat[:, None, :]
    cos = torch.where(both_flat, torch.ones_like(cos), cos)
    cos = torch.where(one_flat, torch.zeros_like(cos), cos)
    cos = cos.clamp(-1.0, 1.0)  # rounding of identical maps
    off_diag = cos.sum(dim=(1, 2)) - cos.diagonal(dim1=1, dim2=2).sum(dim=1)
    result = off_diag / (num_parts * (num_parts - 1))
    return torch.where(total.view(-1) > 0, result,
                       torch.full_like(result, float('nan')))


class PartPurity(NamedTuple):
    """What :func:`part_purity` returns (for one image).

    Attributes:
        purity (float): Mean of ``per_part_purity`` over the maps where it
            is defined (NaN when it is nowhere).
        on_object (float): Mean of ``per_part_on_object`` over the maps
            where it is defined (NaN when it is nowhere).
        distinct_parts (int): Number of distinct labels in ``dominant``
            (maps without a dominant part not counted): how many different
            GT parts the ``K`` maps find, at most ``min(K, P)``.
        dominant (np.ndarray): int64 ``(K,)``: the GT part label each map
            has most mass on; -1 for a map with no mass on the object.
        per_part_purity (np.ndarray): float64 ``(K,)``: share of each map's
            mass on the object that falls on its dominant part, in
            ``[1/P, 1]``; NaN for a map with no mass on the object.
        per_part_on_object (np.ndarray): float64 ``(K,)``: share of each
            map's mass (object + background) that falls on the object, in
            ``[0, 1]``; NaN for a map with no mass at all.
    """
    purity: float
    on_object: float
    distinct_parts: int
    dominant: np.ndarray
    per_part_purity: np.ndarray
    per_part_on_object: np.ndarray


def _mean_defined(values: np.ndarray) -> float:
    """Mean of the non-NaN values, NaN (no warning) when there are none."""
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float('nan')


def part_purity(part_maps: ArrayLike,
                part_mask: ArrayLike,
                num_part_labels: int,
                ignore: Sequence[int] = (0, ),
                baseline: Optional[str] = 'mean',
                flat_tol: float = 1e-4) -> PartPurity:
    """Do the part maps of one image each sit on one GT object part?

    The *mass* of map ``k`` on label ``l`` is the sum of the map's values
    over the pixels of ``part_mask == l``. The labels in ``ignore`` (the
    background, 0) are not object parts; the others, ``1..P``, are. For
    each map:

    * purity: ``max_l mass[k, l] / sum_l mass[k, l]`` over the object
      parts only, i.e. the background mass is **not** in the denominator
      (1: all of the map's object mass is on one part; ``1/n``: spread
      evenly over ``n`` parts). Note that a map spread uniformly over the
      whole object has the purity of the largest part's area share;
    * on object: ``sum over parts / sum over all labels`` (the share of the
      map's mass that is on the object at all; the background is in the
      denominator here);
    * dominant: the part label ``argmax_l mass[k, l]``.

    ``baseline='mean'`` (default) counts each map's mass above its own
    spatial mean, ``max(A^k - mean(A^k), 0)``: a sigmoid part map sits at
    ~0.49 on most pixels (see the module docstring), and its raw mass would
    then follow the parts' areas (the body would dominate every map). A flat
    map (spatial spread below ``flat_tol`` times its RMS) has no mass above
    its mean, so no purity, no dominant part. ``baseline=None`` counts the
    raw values (they must be non-negative).

    Args:
        part_maps (Tensor | np.ndarray): ``(K, H, W)`` part maps of one
            image.
        part_mask (Tensor | np.ndarray): Integer ``(H, W)`` GT part labels
            at the maps' size (resize it with nearest interpolation):
            0 background, ``1..num_part_labels`` parts.
        num_part_labels (int): ``P``, the largest label (e.g. the mask's
            maximum, or the dataset's number of parts); a label above it is
            an error.
        ignore (Sequence[int]): Labels that are not object parts. Defaults
            to ``(0,)``, the background.
        baseline (str, optional): ``'mean'`` or None (see above). Defaults
            to ``'mean'``.
        flat_tol (float): Relative spread below which a map is flat
            (``baseline='mean'`` only). Defaults to 1e-4.

    Returns:
        PartPurity: ``purity`` and ``on_object`` (means over the maps),
        ``distinct_parts``, and the per-map ``dominant`` labels,
        ``per_part_purity`` and ``per_part_on_object``.
    """
    if baseline not in (None, 'mean'):
        raise ValueError(f"baseline must be 'mean' or None, got {baseline!r}")
    maps = np.asarray(to_numpy(part_maps), dtype=np.float64)
    mask = np.asarray(to_numpy(part_mask))
    if maps.ndim != 3:
        raise ValueError('part maps must have shape (K, H, W), got '
                         f'{maps.shape}')
    if mask.shape != maps.shape[1:]:
        raise ValueError(f'part mask of shape {mask.shape} does not match '
                         f'the maps {maps.shape[1:]}: resize it (nearest)')
    if not np.issubdtype(mask.dtype, np.integer) and not np.array_equal(
            mask, np.round(mask)):
        raise ValueError('part mask must hold integer labels')
    labels = mask.astype(np.int64).reshape(-1)
    if num_part_labels < 1:
        raise ValueError(
            f'num_part_labels must be >= 1, got {num_part_labels}')
    if labels.size and (labels.min() < 0 or labels.max() > num_part_labels):
        raise ValueError(
            f'part mask labels must lie in [0, {num_part_labels}], got '
            f'[{labels.min()}, {labels.max()}]')
    flat = maps.reshape(maps.shape[0], -1)
    if baseline == 'mean':
        centred = flat - flat.mean(axis=1, keepdims=True)
        spread = np.abs(centred).max(axis=1, initial=0.0)
        rms = np.sqrt((flat * flat).mean(axis=1)) if flat.size else \
            np.zeros(len(flat))
        centred[spread <= flat_tol * rms] = 0.0
        flat = np.clip(centred, 0.0, None)
    elif (flat < 0).any():
        raise ValueError('part maps must be non-negative with baseline=None')
    mass = np.stack([
        np.bincount(labels, weights=row, minlength=num_part_labels + 1)
        for row in flat
    ]) if len(flat) else np.zeros((0, num_part_labels + 1))
    parts = np.array(
        [lab for lab in range(num_part_labels + 1) if lab not in ignore],
        dtype=np.int64)
    on_parts = mass[:, parts]
    object_mass = on_parts.sum(axis=1)
    total_mass = mass.sum(axis=1)
    has_object = object_mass > 0
    best = on_parts.argmax(axis=1) if parts.size else np.zeros(
        len(flat), dtype=np.int64)
    dominant = np.where(has_object, parts[best] if parts.size else -1, -1)
    per_purity = np.full(len(flat), np.nan)
    per_purity[has_object] = (on_parts.max(axis=1)[has_object] /
                              object_mass[has_object])
    per_on_object = np.full(len(flat), np.nan)
    has_mass = total_mass > 0
    per_on_object[has_mass] = object_mass[has_mass] / total_mass[has_mass]
    return PartPurity(
        purity=_mean_defined(per_purity),
        on_object=_mean_defined(per_on_object),
        distinct_parts=int(np.unique(dominant[dominant >= 0]).size),
        dominant=dominant.astype(np.int64),
        per_part_purity=per_purity,
        per_part_on_object=per_on_object)


def background_rows(fg_map: ArrayLike, gt_mask: ArrayLike,
                    num_rows: int) -> np.ndarray:
    """Mean of a map on the background pixels, band by band from the top.

    The height is split into ``num_rows`` bands of (nearly) equal height
    (band ``i`` covers rows ``round(i H / n) .. round((i + 1) H / n) - 1``);
    for each band, the mean of ``fg_map`` over its pixels where
    ``gt_mask`` is 0. A map with no position prior is about as high in
    every band; a map lit along the top border has a high first value.

    Args:
        fg_map (Tensor | np.ndarray): ``(H, W)`` map, e.g. the foreground
            map ``M``.
        gt_mask (Tensor | np.ndarray): ``(H, W)`` object mask at the map's
            size (nonzero = object).
        num_rows (int): Number of bands, >= 1.

    Returns:
        np.ndarray: float64 ``(num_rows,)``, top band first; NaN for a band
        without background pixels (all object, or empty when
        ``H < num_rows``).
    """
    if num_rows < 1:
        raise ValueError(f'num_rows must be >= 1, got {num_rows}')
    values = np.asarray(to_numpy(fg_map), dtype=np.float64)
    background = np.asarray(to_numpy(gt_mask)) == 0
    if values.ndim != 2 or background.shape != values.shape:
        raise ValueError(
            f'map {values.shape} and mask {background.shape} must be the '
            'same (H, W)')
    edges = np.rint(np.linspace(0, values.shape[0],
                                num_rows + 1)).astype(np.int64)
    out = np.full(num_rows, np.nan)
    for i in range(num_rows):
        band = slice(edges[i], edges[i + 1])
        picked = values[band][background[band]]
        if picked.size:
            out[i] = picked.mean()
    return out
