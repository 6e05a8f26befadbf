"""Boxes of the upper level sets ``q > T`` of a ``uint8`` map, for many ``T``.

This is the fast core behind MaxBoxAcc. The reference protocol runs OpenCV's
contour finder once per CAM threshold; here the connected components of all
the levels are obtained from the map's *component tree* (max-tree) instead:

* the regional maxima (8-connected plateaus with only lower neighbours) are
  found once; a component of ``q > b`` that holds a single regional maximum
  stays one component at every higher level, so its box at every level
  follows from its row / column maxima with a ``searchsorted``;
* a component holding several maxima splits at some level ``s``, found by
  bisection with a connectivity probe on its crop; its children are labelled
  at ``s`` and handled recursively (one node per branch of the tree);
* holes need a regional minimum away from the border; when there is one,
  the Euler number of every level (Gray's bit-quad counts on 2x2 cells)
  tells where holes exist. The bit-quad area of each node equals
  ``cv2.contourArea`` of its outer contour while it has no hole.

Levels whose result is not pinned down exactly this way (holes, contour-area
ties between components, or maps with very many maxima) are delegated to
:func:`~fam_mm.evaluation.functional.box_accuracy.boxes_at_level`, the
reference per-level computation, so the output always equals the reference.
"""
from typing import List, Tuple

import cv2
import numpy as np

__all__ = ['upper_level_set_boxes']

# Above this many regional maxima the tree is not worth building: every
# level is computed with OpenCV's contour finder (still deduplicated).
_MAX_MAXIMA = 64
_KERNEL3 = np.ones((3, 3), np.uint8)
_CROSS3 = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))


def _count_greater(values: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """``#(values > T)`` for each ``T`` in ``levels`` (``values`` uint8)."""
    hist = cv2.calcHist([np.ascontiguousarray(values)], [0], None, [256],
                        [0, 256]).ravel()
    return hist.sum() - np.cumsum(hist)[levels]


def _regional_maxima(q_map: np.ndarray,
                     floor: int) -> Tuple[np.ndarray, np.ndarray]:
    """Regional maxima plateaus (8-connected) with value ``> floor``.

    Returns:
        tuple: flat index of one pixel of each plateau ``(k,)`` and the
        plateau values ``(k,)``.
    """
    dil = cv2.dilate(q_map, _KERNEL3)
    cand = (q_map == dil) & (q_map > floor)
    # A candidate touching an equal-valued non-candidate belongs to a flat
    # zone that has a higher neighbour somewhere: not a regional maximum.
    others = q_map * ~cand
    dirty = cand & (cv2.dilate(others, _KERNEL3) == q_map)
    _, labels = cv2.connectedComponents(
        cand.view(np.uint8), connectivity=8, ltype=cv2.CV_32S)
    flat = labels.ravel()
    pix = np.flatnonzero(cand)
    labs = flat[pix]
    bad = np.zeros(int(labs.max(initial=0)) + 1, dtype=bool)
    bad[flat[dirty.ravel()]] = True
    keep = ~bad[labs]
    pix, labs = pix[keep], labs[keep]
    _, first = np.unique(labs, return_index=True)
    reps = pix[first]
    return reps, q_map.ravel()[reps]


def _is_connected(binary: np.ndarray) -> bool:
    """Whether a non-empty binary image is one 8-connected component."""
    # RETR_CCOMP puts every component's outer border at the top level, also
    # components nested in another one's hole.
    hierarchy = cv2.findContours(binary, cv2.RETR_CCOMP,
                                 cv2.CHAIN_APPROX_SIMPLE)[-1]
    return int((hierarchy[0, :, 3] < 0).sum()) == 1


def _has_inner_minima(q_map: np.ndarray) -> bool:
    """Whether some 4-connected regional minimum avoids the image border.

    A hole of ``q > T`` (a bounded 4-connected background component)
    contains such a minimum (its lowest plateau), so without one no level
    has holes.
    """
    ero = cv2.erode(q_map, _CROSS3)
    cand = q_map == ero
    # a candidate with an equal-valued non-candidate 4-neighbour lies in a
    # flat zone that has a lower neighbour somewhere: not a minimum
    others = np.where(cand, np.uint8(255), q_map)
    dirty = cand & (cv2.erode(others, _CROSS3) == q_map)
    n_lab, labels = cv2.connectedComponents(
        cand.view(np.uint8), connectivity=4, ltype=cv2.CV_32S)
    bad = np.zeros(n_lab, dtype=bool)
    bad[0] = True
    bad[labels[dirty]] = True
    bad[labels[0]] = bad[labels[-1]] = True
    bad[labels[:, 0]] = bad[labels[:, -1]] = True
    return not bad.all()


class _Node:
    """One branch of the component tree: a component ``region`` of
    ``q > base`` that stays a single component up to level ``end``
    (exclusive)."""

    __slots__ = ('nid', 'parent', 'base', 'end', 'y0', 'x0', 'mask')

    def __init__(self, nid, parent, base, end, y0, x0, mask):
        self.nid, self.parent, self.base, self.end = nid, parent, base, end
        self.y0, self.x0, self.mask = y0, x0, mask


def _bbox(mask: np.ndarray) -> Tuple[int, int, int, int]:
    rows = np.flatnonzero(mask.any(1))
    cols = np.flatnonzero(mask.any(0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _build_tree(q_map: np.ndarray, levels: np.ndarray, reps: np.ndarray,
                rep_vals: np.ndarray) -> List[_Node]:
    """Split the components of ``q > levels[0]`` into single branches."""
    width = q_map.shape[1]
    rep_y, rep_x = reps // width, reps % width
    nodes: List[_Node] = []
    base0 = int(levels[0])
    n_lab, labels = cv2.connectedComponents(
        (q_map > base0).view(np.uint8), connectivity=8, ltype=cv2.CV_32S)
    # (parent, base, y0, x0, mask, maxima indices) still to be processed
    stack = []
    owner = labels[rep_y, rep_x]
    for lab in range(1, n_lab):
        mask = labels == lab if n_lab > 2 else labels.astype(bool)
        y0, y1, x0, x1 = _bbox(mask)
        stack.append((-1, base0, y0, x0, mask[y0:y1, x0:x1],
                      np.flatnonzero(owner == lab)))
    while stack:
        parent, base, y0, x0, mask, mx = stack.pop()
        nid = len(nodes) + 1
        if len(mx) == 1:
            nodes.append(
                _Node(nid, parent, base, int(rep_vals[mx[0]]), y0, x0, mask))
            continue
        crop = q_map[y0:y0 + mask.shape[0], x0:x0 + mask.shape[1]]
        # The lowest maximum is alone at vmin - 1, so the region is split
        # there; bisect over the needed levels below it for the first one
        # at which the region is no longer connected.
        vmin = int(rep_vals[mx].min())
        cands = levels[(levels > base) & (levels < vmin - 1)]
        cands = np.append(cands, vmin - 1)
        lo, hi = -1, len(cands) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _is_connected(((crop > cands[mid]) & mask).view(np.uint8)):
                lo = mid
            else:
                hi = mid
        split = int(cands[hi])
        nodes.append(_Node(nid, parent, base, split, y0, x0, mask))
        n_c, clab = cv2.connectedComponents(
            ((crop > split) & mask).view(np.uint8),
            connectivity=8,
            ltype=cv2.CV_32S)
        child_of = clab[rep_y[mx] - y0, rep_x[mx] - x0]
        for lab in range(1, n_c):
            cmask = clab == lab
            cy0, cy1, cx0, cx1 = _bbox(cmask)
            stack.append((nid, split, y0 + cy0, x0 + cx0,
                          cmask[cy0:cy1, cx0:cx1], mx[child_of == lab]))
    return nodes


def _node_boxes(node: _Node, q_map: np.ndarray, levels: np.ndarray,
                shape: Tuple[int, int]) -> np.ndarray:
    """Reference boxes of ``node`` at each of ``levels`` (all alive)."""
    height, width = shape
    h, w = node.mask.shape
    crop = q_map[node.y0:node.y0 + h, node.x0:node.x0 + w] * node.mask
    out = np.empty((len(levels), 4), dtype=np.int64)
    for k, (prof, off, lim) in enumerate(
        ((crop.max(0), node.x0, width), (crop.max(1), node.y0, height))):
        fwd = np.maximum.accumulate(prof)
        bwd = np.maximum.accumulate(prof[::-1])
        first = np.searchsorted(fwd, levels, side='right')
        last = len(prof) - 1 - np.searchsorted(bwd, levels, side='right')
        out[:, k] = first + off
        out[:, k + 2] = np.minimum(last + 1 + off, lim - 1)
    return out


def _cells(q_map: np.ndarray):
    """The four corners of every 2x2 cell of the zero-padded map."""
    pad = cv2.copyMakeBorder(q_map, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    return pad[:-1, :-1], pad[:-1, 1:], pad[1:, :-1], pad[1:, 1:]


def _euler_numbers(q_map: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Euler number (8-connected foreground) of ``q > T`` for each level.

    Gray's bit-quad formula ``E = (n(Q1) - n(Q3) - 2 n(QD)) / 4`` with the
    per-cell pattern counts written as counts of cell order statistics
    exceeding ``T``.
    """
    a, b, c, d = _cells(q_map)
    ab_max, ab_min = np.maximum(a, b), np.minimum(a, b)
    cd_max, cd_min = np.maximum(c, d), np.minimum(c, d)
    cell_max = np.maximum(ab_max, cd_max)
    cell_min = np.minimum(ab_min, cd_min)
    diag1 = np.minimum(a, d)
    diag2 = np.minimum(b, c)
    only1 = np.minimum(diag1, np.maximum(b, c))
    only2 = np.minimum(diag2, np.maximum(a, d))
    four = (2 * _count_greater(cell_max, levels) +
            2 * _count_greater(cell_min, levels) -
            4 * _count_greater(q_map, levels) - 2 *
            (_count_greater(diag1, levels) - _count_greater(only1, levels) +
             _count_greater(diag2, levels) - _count_greater(only2, levels)))
    return np.rint(four / 4).astype(np.int64)


def _node_areas(q_map: np.ndarray, nodes: List[_Node],
                levels: np.ndarray) -> np.ndarray:
    """Bit-quad area ``n(Q4) + n(Q3) / 2`` of every node at every level.

    For a hole-free component it equals ``cv2.contourArea`` of its outer
    contour (the polygon through the border pixel centres).

    Returns:
        np.ndarray: float64 ``(len(nodes), len(levels))``.
    """
    nid = np.zeros(q_map.shape, dtype=np.uint8)
    for node in nodes:  # children come after their parent
        h, w = node.mask.shape
        view = nid[node.y0:node.y0 + h, node.x0:node.x0 + w]
        view[node.mask] = node.nid
    # A cell belongs to the deepest node among its pixels (node ids grow
    # with depth along every branch).
    na, nb, nc, nd = _cells(nid)
    cell_node = np.maximum(np.maximum(na, nb), np.maximum(nc, nd))
    a, b, c, d = _cells(q_map)
    ab_max, ab_min = np.maximum(a, b), np.minimum(a, b)
    cd_max, cd_min = np.maximum(c, d), np.minimum(c, d)
    second = np.minimum(np.maximum(ab_min, cd_min), np.minimum(ab_max, cd_max))
    lowest = np.minimum(ab_min, cd_min)
    n = len(nodes) + 1
    hist = np.zeros((n, 256), dtype=np.float64)
    for values in (second, lowest):
        joint = cv2.calcHist([cell_node, np.ascontiguousarray(values)],
                             [0, 1], None, [n, 256], [0, n, 0, 256])
        hist += joint
    for node in reversed(nodes):  # subtree sums
        if node.parent > 0:
            hist[node.parent] += hist[node.nid]
    greater = hist.sum(1, keepdims=True) - np.cumsum(hist, 1)
    return greater[1:, levels] / 2


def _reference_boxes(q_map, level, multi_contour):
    from .box_accuracy import boxes_at_level
    return boxes_at_level(q_map, int(level), multi_contour)


def upper_level_set_boxes(q_map: np.ndarray, levels: np.ndarray,
                          multi_contour: bool
                          ) -> Tuple[np.ndarray, np.ndarray]:
    """Reference boxes of ``q_map > T`` for every ``T`` in ``levels``.

    Args:
        q_map (np.ndarray): ``uint8`` map of shape ``(H, W)``.
        levels (np.ndarray): sorted, distinct integer levels ``(L,)``.
        multi_contour (bool): return the box of every contour of a level
            (outer and hole borders) instead of the largest contour's.

    Returns:
        tuple[np.ndarray, np.ndarray]: int64 boxes ``(n, 4)`` in the
        reference's inclusive clipped convention and the level index
        ``(n,)`` of each box. Every level owns at least one box; the set of
        boxes of a level equals what
        :func:`~fam_mm.evaluation.functional.box_accuracy.boxes_at_level`
        returns for it.
    """
    q_map = np.ascontiguousarray(q_map, dtype=np.uint8)
    levels = np.asarray(levels, dtype=np.int64)
    shape = q_map.shape
    n_lev = len(levels)
    fallback = np.zeros(n_lev, dtype=bool)
    alive = np.zeros((0, n_lev), dtype=bool)
    nodes: List[_Node] = []
    top = int(q_map.max())
    active = levels < top  # levels with some foreground
    if active.any():
        reps, rep_vals = _regional_maxima(q_map, int(levels[0]))
        if len(reps) > _MAX_MAXIMA:
            fallback[:] = True
        else:
            nodes = _build_tree(q_map, levels[active], reps, rep_vals)
            base = np.array([n.base for n in nodes])
            end = np.array([n.end for n in nodes])
            alive = (base[:, None] <= levels) & (levels < end[:, None])
            count = alive.sum(0)
            if _has_inner_minima(q_map):
                fallback |= count != _euler_numbers(q_map, levels)
            if not multi_contour and (count[~fallback] > 1).any():
                areas = _node_areas(q_map, nodes, levels)
                areas = np.where(alive, areas, -1.0)
                ties = (areas == areas.max(0)).sum(0) > 1
                fallback |= ties & (count > 1)
                cols = np.flatnonzero(count > 0)
                alive = np.zeros_like(alive)
                alive[areas.argmax(0)[cols], cols] = True
    boxes, owner = [], []
    for node, row in zip(nodes, alive):
        sel = np.flatnonzero(row & ~fallback)
        if len(sel):
            boxes.append(_node_boxes(node, q_map, levels[sel], shape))
            owner.append(sel)
    empty = np.flatnonzero(~active & ~fallback)
    if len(empty):  # no foreground: the reference's (0, 0, 0, 0) box
        boxes.append(np.zeros((len(empty), 4), dtype=np.int64))
        owner.append(empty)
    for i in np.flatnonzero(fallback):
        ref = _reference_boxes(q_map, levels[i], multi_contour)
        boxes.append(ref)
        owner.append(np.full(len(ref), i))
    return (np.concatenate(boxes).astype(np.int64),
            np.concatenate(owner).astype(np.int64))
