"""Boxes of the upper level sets ``q > T`` of a ``uint8`` map, all at once.

This is the MaxBoxAcc core. The reference protocol (clovaai/wsolevaluation)
runs OpenCV's contour finder once per CAM threshold; here one compiled pass
per map (numba, cached on disk) gives the same boxes for every level:

* **Outer contours.** Pixels are added in descending value order to a
  union-find over the 8-connected foreground; every root keeps the box of
  its component. After the pixels of value ``T + 1`` are in, the roots are
  the components of ``q > T``, i.e. the outer contours of that level.
* **Hole contours** (``RETR_TREE`` also returns them; only multi-contour
  evaluation looks at them). Pixels are added in *ascending* order to a
  union-find over the 4-connected background, linked to a virtual exterior
  node through the image border. After the pixels of value ``T`` are in,
  the roots not linked to the exterior are the holes of ``q > T``. A hole
  contour runs through the foreground pixels around the hole, so its box is
  the hole's box grown by one pixel.
* **Largest contour** (single-contour evaluation). ``cv2.contourArea`` of an
  outer contour is the area of the polygon through its border pixels'
  centres, i.e. the bit-quad area ``n(Q4) + n(Q3) / 2`` of the component
  with its holes filled. The hole-filled map ``e`` (``e(p)`` = the lowest
  level at which ``p`` is reachable from outside the image through the
  4-connected background) is computed with a bucket-queue flood, and a
  second 8-connected union-find over ``e`` keeps, per component, its box
  and doubled area (updated from the four 2x2 cells of every added pixel).
  A component nested in another one's hole has a smaller contour than its
  host, so the largest contour is the outer contour of the largest
  component of ``e > T``.

Ties are resolved as OpenCV does: ``findContours`` lists the outermost
contours in the reverse order of their discovery by its raster scan (every
one followed by its nested contours), and ``max(contours,
key=cv2.contourArea)`` keeps the first maximal one, so among components
with the same largest area the one whose first pixel in raster order comes
last wins. A hole contour can tie with its own outer contour only when the
component has no 2x2 block of foreground (thin rings); a level where that
can happen is computed with OpenCV instead (:func:`boxes_at_level`), which
keeps the result exact. OpenCV is also the oracle of the tests.
"""
from typing import Tuple

import cv2
import numpy as np
from numba import njit

from .localization import box_iou

__all__ = [
    'quantize_map', 'boxes_at_level', 'upper_level_set_boxes',
    'level_set_best_ious'
]


def quantize_map(score_map: np.ndarray) -> np.ndarray:
    """Quantise a ``[0, 1]`` score map to ``uint8`` as the reference does.

    Args:
        score_map (np.ndarray): float map of shape ``(H, W)`` in ``[0, 1]``.

    Returns:
        np.ndarray: ``uint8`` map ``(score_map * 255)`` truncated, ``(H, W)``.
    """
    arr = np.asarray(score_map)
    if arr.dtype == np.uint8:
        return arr
    return (arr.astype(np.float64) * 255).astype(np.uint8)


def boxes_at_level(q_map: np.ndarray, level: int,
                   multi_contour: bool) -> np.ndarray:
    """Reference boxes of ``q_map > level`` (one threshold, via OpenCV).

    Args:
        q_map (np.ndarray): ``uint8`` map ``(H, W)``.
        level (int): integer level; the foreground is ``q_map > level``.
        multi_contour (bool): keep every contour instead of the largest.

    Returns:
        np.ndarray: int64 boxes ``(n, 4)`` ``(x0, y0, x1, y1)`` in the
        reference's inclusive, clipped convention; ``[[0, 0, 0, 0]]`` when
        nothing exceeds the level.
    """
    height, width = q_map.shape
    binary = (q_map > level).view(np.uint8)
    contours = cv2.findContours(binary, cv2.RETR_TREE,
                                cv2.CHAIN_APPROX_SIMPLE)[-2]
    if len(contours) == 0:
        return np.zeros((1, 4), dtype=np.int64)
    if not multi_contour:
        contours = [max(contours, key=cv2.contourArea)]
    boxes = np.empty((len(contours), 4), dtype=np.int64)
    for i, contour in enumerate(contours):
        x, y, w, h = cv2.boundingRect(contour)
        boxes[i] = (x, y, min(x + w, width - 1), min(y + h, height - 1))
    return boxes


# ----------------------------------------------------------------------------
# compiled kernels. Pixels are addressed in a frame padded by one pixel on
# every side (index (y + 1) * (W + 2) + x + 1), so neighbours never need a
# bounds check; the padding is never activated.
# ----------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _find(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@njit(cache=True, nogil=True)
def _sort_by_value(vals, height, width):
    """Pixels by ascending value: padded index, row, column, bucket starts."""
    wp = width + 2
    start = np.zeros(257, dtype=np.int64)
    for y in range(height):
        for x in range(width):
            start[vals[y, x] + 1] += 1
    for v in range(256):
        start[v + 1] += start[v]
    fill = start[:256].copy()
    order = np.empty(height * width, dtype=np.int32)
    rows = np.empty(height * width, dtype=np.int32)
    cols = np.empty(height * width, dtype=np.int32)
    for y in range(height):
        for x in range(width):
            v = vals[y, x]
            k = fill[v]
            order[k] = (y + 1) * wp + x + 1
            rows[k] = y
            cols[k] = x
            fill[v] = k + 1
    return order, rows, cols, start


@njit(cache=True, nogil=True)
def _best_iou(x0, y0, x1, y1, gt):
    """Best inclusive IoU of one box against the GT boxes ``(m, 4)``."""
    best = 0.0
    area = (x1 - x0 + 1) * (y1 - y0 + 1)
    for j in range(gt.shape[0]):
        iw = min(x1, gt[j, 2]) - max(x0, gt[j, 0]) + 1
        ih = min(y1, gt[j, 3]) - max(y0, gt[j, 1]) + 1
        inter = max(iw, 0) * max(ih, 0)
        union = area + (gt[j, 2] - gt[j, 0] + 1) * (gt[j, 3] - gt[j, 1] +
                                                    1) - inter
        if union > 0:
            iou = inter / union
            if iou > best:
                best = iou
    return best


@njit(cache=True, nogil=True)
def _emit(x0, y0, x1, y1, li, gt, best, emit, boxes, owner, nbox):
    """Score a box of level ``li`` (or store it when ``emit``)."""
    if emit:
        if nbox == boxes.shape[0]:
            grown = np.empty((2 * nbox + 16, 4), dtype=np.int64)
            grown[:nbox] = boxes[:nbox]
            boxes = grown
            grown_owner = np.empty(2 * nbox + 16, dtype=np.int64)
            grown_owner[:nbox] = owner[:nbox]
            owner = grown_owner
        boxes[nbox, 0] = x0
        boxes[nbox, 1] = y0
        boxes[nbox, 2] = x1
        boxes[nbox, 3] = y1
        owner[nbox] = li
        nbox += 1
    else:
        iou = _best_iou(x0, y0, x1, y1, gt)
        if iou > best[li]:
            best[li] = iou
    return boxes, owner, nbox


@njit(cache=True, nogil=True)
def _level_index(levels):
    """``index[T]``: position of level ``T`` in ``levels`` or -1."""
    index = np.full(257, -1, dtype=np.int64)
    for i in range(levels.shape[0]):
        index[levels[i]] = i
    return index


@njit(cache=True, nogil=True)
def _live_remove(live, pos, nlive, r):
    k = pos[r]
    last = live[nlive - 1]
    live[k] = last
    pos[last] = k
    pos[r] = -1
    return nlive - 1


@njit(cache=True, nogil=True)
def _multi_kernel(q_map, levels, gt, emit):
    """Boxes of every contour (outer and hole) at every level."""
    height, width = q_map.shape
    wp = width + 2
    npad = (height + 2) * wp
    nlev = levels.shape[0]
    index = _level_index(levels)
    best = np.zeros(nlev, dtype=np.float64)
    boxes = np.empty((0, 4), dtype=np.int64)
    owner = np.empty(0, dtype=np.int64)
    nbox = 0
    order, rows, cols, start = _sort_by_value(q_map, height, width)
    parent = np.full(npad, -1, dtype=np.int32)
    size = np.zeros(npad, dtype=np.int32)
    bx0 = np.zeros(npad, dtype=np.int32)
    by0 = np.zeros(npad, dtype=np.int32)
    bx1 = np.zeros(npad, dtype=np.int32)
    by1 = np.zeros(npad, dtype=np.int32)
    live = np.empty(npad, dtype=np.int32)
    pos = np.full(npad, -1, dtype=np.int32)
    nlive = 0
    offs8 = np.array([-wp - 1, -wp, -wp + 1, -1, 1, wp - 1, wp, wp + 1])
    offs4 = np.array([-wp, -1, 1, wp])
    lowest = levels[0]
    # outer contours: foreground q > T, 8-connected, descending
    for v in range(255, lowest, -1):
        for k in range(start[v], start[v + 1]):
            p = order[k]
            parent[p] = p
            size[p] = 1
            y = rows[k]
            x = cols[k]
            bx0[p] = x
            bx1[p] = x
            by0[p] = y
            by1[p] = y
            pos[p] = nlive
            live[nlive] = p
            nlive += 1
            ra = p  # the root of p's component
            for o in offs8:
                n = p + o
                rb = parent[n]
                if rb < 0 or rb == ra:
                    continue
                while parent[rb] != rb:
                    parent[rb] = parent[parent[rb]]
                    rb = parent[rb]
                parent[n] = rb
                if ra == rb:
                    continue
                if size[ra] < size[rb]:
                    ra, rb = rb, ra
                parent[rb] = ra
                size[ra] += size[rb]
                bx0[ra] = min(bx0[ra], bx0[rb])
                by0[ra] = min(by0[ra], by0[rb])
                bx1[ra] = max(bx1[ra], bx1[rb])
                by1[ra] = max(by1[ra], by1[rb])
                nlive = _live_remove(live, pos, nlive, rb)
        li = index[v - 1]
        if li < 0:
            continue
        if nlive == 0:
            boxes, owner, nbox = _emit(0, 0, 0, 0, li, gt, best, emit,
                                       boxes, owner, nbox)
        for k in range(nlive):
            r = live[k]
            boxes, owner, nbox = _emit(bx0[r], by0[r],
                                       min(bx1[r] + 1, width - 1),
                                       min(by1[r] + 1, height - 1), li, gt,
                                       best, emit, boxes, owner, nbox)
    # levels at or above the maximum have no foreground
    for li in range(nlev):
        if levels[li] >= 255:
            boxes, owner, nbox = _emit(0, 0, 0, 0, li, gt, best, emit,
                                       boxes, owner, nbox)
    # hole contours. A pixel is a hole pixel at level T when q <= T < e
    # (e: the hole-filled map); the pixels of one hole share their e, so a
    # hole is born when its first pixel comes in (T = min q) and dies, by
    # joining the exterior, at T = e. Union-find over the 4-connected
    # candidates q < e in ascending order.
    qp, ep, holes = _fill_holes(q_map)
    if not holes:
        return best, boxes[:nbox], owner[:nbox]
    parent[:] = -1
    pos[:] = -1
    nlive = 0
    kill_head = np.full(256, -1, dtype=np.int64)
    kill_next = np.empty(npad, dtype=np.int64)
    highest = levels[nlev - 1]
    for v in range(0, highest + 1):
        for k in range(start[v], start[v + 1]):
            p = order[k]
            if ep[p] == qp[p]:
                continue
            parent[p] = p
            size[p] = 1
            y = rows[k]
            x = cols[k]
            bx0[p] = x
            bx1[p] = x
            by0[p] = y
            by1[p] = y
            pos[p] = nlive
            live[nlive] = p
            nlive += 1
            kill_next[p] = kill_head[ep[p]]
            kill_head[ep[p]] = p
            ra = p
            for o in offs4:
                n = p + o
                rb = parent[n]
                if rb < 0 or rb == ra:
                    continue
                while parent[rb] != rb:
                    parent[rb] = parent[parent[rb]]
                    rb = parent[rb]
                parent[n] = rb
                if ra == rb:
                    continue
                if size[ra] < size[rb]:
                    ra, rb = rb, ra
                parent[rb] = ra
                size[ra] += size[rb]
                bx0[ra] = min(bx0[ra], bx0[rb])
                by0[ra] = min(by0[ra], by0[rb])
                bx1[ra] = max(bx1[ra], bx1[rb])
                by1[ra] = max(by1[ra], by1[rb])
                if pos[rb] >= 0:
                    nlive = _live_remove(live, pos, nlive, rb)
        p = kill_head[v]
        while p >= 0:  # holes of e = v join the exterior
            r = _find(parent, p)
            if pos[r] >= 0:
                nlive = _live_remove(live, pos, nlive, r)
            p = kill_next[p]
        li = index[v]
        if li < 0:
            continue
        for k in range(nlive):
            r = live[k]
            boxes, owner, nbox = _emit(bx0[r] - 1, by0[r] - 1,
                                       min(bx1[r] + 2, width - 1),
                                       min(by1[r] + 2, height - 1), li, gt,
                                       best, emit, boxes, owner, nbox)
    return best, boxes[:nbox], owner[:nbox]


@njit(cache=True, nogil=True)
def _fill_holes(q_map):
    """``e(p)``: min over 4-paths from outside the image to ``p`` of the
    path's maximum of ``q`` (the hole-filled map), by a bucket queue.

    Returns:
        tuple: ``q`` and ``e`` as flat arrays of the padded frame (the
        padding is 0) and whether ``e != q`` anywhere (some level has a
        hole).
    """
    height, width = q_map.shape
    wp = width + 2
    npad = (height + 2) * wp
    out = np.zeros(npad, dtype=np.uint8)
    qp = np.zeros(npad, dtype=np.uint8)
    for y in range(height):
        for x in range(width):
            qp[(y + 1) * wp + x + 1] = q_map[y, x]
    done = np.zeros(npad, dtype=np.bool_)
    done[:wp] = True
    done[npad - wp:] = True
    for y in range(height + 2):
        done[y * wp] = True
        done[y * wp + wp - 1] = True
    # one LIFO stack per value, as linked lists in one array
    head = np.full(256, -1, dtype=np.int64)
    nxt = np.empty(npad, dtype=np.int64)
    for y in range(height):
        for x in range(width):
            if y == 0 or x == 0 or y == height - 1 or x == width - 1:
                v = q_map[y, x]
                p = (y + 1) * wp + x + 1
                done[p] = True
                out[p] = v
                nxt[p] = head[v]
                head[v] = p
    offs = np.array([-wp, -1, 1, wp])
    for v in range(256):
        while head[v] >= 0:
            p = head[v]
            head[v] = nxt[p]
            for o in offs:
                n = p + o
                if done[n]:
                    continue
                done[n] = True
                w = max(qp[n], v)
                out[n] = w
                nxt[n] = head[w]
                head[w] = n
    holes = False
    for p in range(npad):
        if out[p] != qp[p]:
            holes = True
            break
    return qp, out, holes


@njit(cache=True, nogil=True)
def _single_kernel(q_map, levels, gt, emit):
    """Box of the largest contour at every level (ties as OpenCV).

    Returns the best IoUs (or boxes) and a per-level flag for the levels
    where a hole contour might tie with the largest outer contour.
    """
    height, width = q_map.shape
    wp = width + 2
    npad = (height + 2) * wp
    nlev = levels.shape[0]
    index = _level_index(levels)
    best = np.zeros(nlev, dtype=np.float64)
    undecided = np.zeros(nlev, dtype=np.bool_)
    boxes = np.empty((0, 4), dtype=np.int64)
    owner = np.empty(0, dtype=np.int64)
    nbox = 0
    _, ep, holes = _fill_holes(q_map)
    filled = ep.reshape(height + 2, wp)[1:height + 1, 1:width + 1]
    q_order, _, _, q_start = _sort_by_value(q_map, height, width)
    e_order, e_rows, e_cols, e_start = _sort_by_value(
        filled, height, width)
    # q: 8-connected components of q > T: size and number of 2x2 cells
    # fully inside (`solid`)
    q_parent = np.full(npad, -1, dtype=np.int32)
    q_size = np.zeros(npad, dtype=np.int32)
    solid = np.zeros(npad, dtype=np.int32)
    # e: components of e > T (outer contours): size, box, first pixel in
    # raster order, doubled bit-quad area
    parent = np.full(npad, -1, dtype=np.int32)
    size = np.zeros(npad, dtype=np.int32)
    bx0 = np.zeros(npad, dtype=np.int32)
    by0 = np.zeros(npad, dtype=np.int32)
    bx1 = np.zeros(npad, dtype=np.int32)
    by1 = np.zeros(npad, dtype=np.int32)
    first = np.zeros(npad, dtype=np.int32)
    area2 = np.zeros(npad, dtype=np.int64)
    live = np.empty(npad, dtype=np.int32)
    pos = np.full(npad, -1, dtype=np.int32)
    nlive = 0
    offs8 = np.array([-wp - 1, -wp, -wp + 1, -1, 1, wp - 1, wp, wp + 1])
    # the three other corners of the four 2x2 cells around a pixel
    cells = np.array([[-wp - 1, -wp, -1], [-wp, -wp + 1, 1],
                      [-1, wp - 1, wp], [1, wp, wp + 1]])
    lowest = levels[0]
    for v in range(255, lowest, -1):
        # without holes e == q: the components of q are those of e
        for k in range(q_start[v], q_start[v + 1] if holes else 0):
            p = q_order[k]
            q_parent[p] = p
            q_size[p] = 1
            gain = 0
            for c in range(4):
                if (q_parent[p + cells[c, 0]] >= 0
                        and q_parent[p + cells[c, 1]] >= 0
                        and q_parent[p + cells[c, 2]] >= 0):
                    gain += 1
            ra = p
            for o in offs8:
                n = p + o
                rb = q_parent[n]
                if rb < 0 or rb == ra:
                    continue
                while q_parent[rb] != rb:
                    q_parent[rb] = q_parent[q_parent[rb]]
                    rb = q_parent[rb]
                q_parent[n] = rb
                if ra == rb:
                    continue
                if q_size[ra] < q_size[rb]:
                    ra, rb = rb, ra
                q_parent[rb] = ra
                q_size[ra] += q_size[rb]
                solid[ra] += solid[rb]
            solid[ra] += gain
        for k in range(e_start[v], e_start[v + 1]):
            p = e_order[k]
            parent[p] = p
            size[p] = 1
            y = e_rows[k]
            x = e_cols[k]
            bx0[p] = x
            bx1[p] = x
            by0[p] = y
            by1[p] = y
            first[p] = p
            pos[p] = nlive
            live[nlive] = p
            nlive += 1
            # a cell going from 2 to 3 or from 3 to 4 corners gains half a
            # pixel of area (Q3 = 1/2, Q4 = 1)
            gain = 0
            for c in range(4):
                inside = 0
                for j in range(3):
                    if parent[p + cells[c, j]] >= 0:
                        inside += 1
                if inside >= 2:
                    gain += 1
            ra = p  # the root of p's component
            for o in offs8:
                n = p + o
                rb = parent[n]
                if rb < 0 or rb == ra:
                    continue
                while parent[rb] != rb:
                    parent[rb] = parent[parent[rb]]
                    rb = parent[rb]
                parent[n] = rb
                if ra == rb:
                    continue
                if size[ra] < size[rb]:
                    ra, rb = rb, ra
                parent[rb] = ra
                size[ra] += size[rb]
                bx0[ra] = min(bx0[ra], bx0[rb])
                by0[ra] = min(by0[ra], by0[rb])
                bx1[ra] = max(bx1[ra], bx1[rb])
                by1[ra] = max(by1[ra], by1[rb])
                first[ra] = min(first[ra], first[rb])
                area2[ra] += area2[rb]
                nlive = _live_remove(live, pos, nlive, rb)
            area2[ra] += gain
        li = index[v - 1]
        if li < 0:
            continue
        if nlive == 0:
            boxes, owner, nbox = _emit(0, 0, 0, 0, li, gt, best, emit,
                                       boxes, owner, nbox)
            continue
        top = -1
        win = -1
        for k in range(nlive):
            r = live[k]
            if area2[r] > top or (area2[r] == top and first[r] > first[win]):
                top = area2[r]
                win = r
        # can a hole contour of a largest component tie with it? Only when
        # the component has holes and no 2x2 block of foreground.
        for k in range(nlive if holes else 0):
            r = live[k]
            if area2[r] != top:
                continue
            if q_parent[first[r]] < 0:  # cannot happen: first is on top
                undecided[li] = True
                continue
            qr = _find(q_parent, first[r])
            if q_size[qr] != size[r] and solid[qr] == 0:
                undecided[li] = True
        if undecided[li]:
            continue
        boxes, owner, nbox = _emit(bx0[win], by0[win],
                                   min(bx1[win] + 1, width - 1),
                                   min(by1[win] + 1, height - 1), li, gt,
                                   best, emit, boxes, owner, nbox)
    for li in range(nlev):
        if levels[li] >= 255:
            boxes, owner, nbox = _emit(0, 0, 0, 0, li, gt, best, emit,
                                       boxes, owner, nbox)
    return best, boxes[:nbox], owner[:nbox], undecided


def _prepare(q_map: np.ndarray, levels: np.ndarray) -> Tuple[np.ndarray,
                                                              np.ndarray]:
    q_map = np.ascontiguousarray(q_map, dtype=np.uint8)
    if q_map.ndim != 2 or q_map.size == 0:
        raise ValueError(f'expected a non-empty 2-D map, got {q_map.shape}')
    levels = np.asarray(levels, dtype=np.int64).reshape(-1)
    if len(levels) == 0:
        raise ValueError('at least one level is required')
    if (np.diff(levels) <= 0).any() or levels[0] < 0 or levels[-1] > 255:
        raise ValueError('levels must be sorted, distinct and in [0, 255], '
                         f'got {levels.tolist()}')
    return q_map, levels


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
        boxes of a level equals what :func:`boxes_at_level` returns for it.
    """
    q_map, lev = _prepare(q_map, levels)
    no_gt = np.zeros((0, 4), dtype=np.float64)
    if multi_contour:
        _, boxes, owner = _multi_kernel(q_map, lev, no_gt, True)
        return boxes, owner
    _, boxes, owner, undecided = _single_kernel(q_map, lev, no_gt, True)
    extra_boxes, extra_owner = [boxes], [owner]
    for i in np.flatnonzero(undecided):
        ref = boxes_at_level(q_map, int(lev[i]), False)
        extra_boxes.append(ref)
        extra_owner.append(np.full(len(ref), i, dtype=np.int64))
    return np.concatenate(extra_boxes), np.concatenate(extra_owner)


def level_set_best_ious(q_map: np.ndarray, levels: np.ndarray,
                        gt_boxes: np.ndarray,
                        multi_contour: bool) -> np.ndarray:
    """Best inclusive IoU of the reference boxes at every level.

    Equal to ``box_iou(boxes_at_level(q_map, T, multi_contour), gt_boxes,
    inclusive=True).max()`` for every ``T`` in ``levels``, computed in one
    pass without materialising the boxes.

    Args:
        q_map (np.ndarray): ``uint8`` map of shape ``(H, W)``.
        levels (np.ndarray): sorted, distinct integer levels ``(L,)``.
        gt_boxes (np.ndarray): ``(m, 4)`` GT boxes, ``m >= 1``, in the
            reference's inclusive convention (integers there).
        multi_contour (bool): MaxBoxAccV2's multi-contour evaluation.

    Returns:
        np.ndarray: float64 ``(L,)`` best IoUs.
    """
    q_map, lev = _prepare(q_map, levels)
    gt = np.ascontiguousarray(gt_boxes, dtype=np.float64).reshape(-1, 4)
    if multi_contour:
        best, _, _ = _multi_kernel(q_map, lev, gt, False)
        return best
    best, _, _, undecided = _single_kernel(q_map, lev, gt, False)
    for i in np.flatnonzero(undecided):
        ref = boxes_at_level(q_map, int(lev[i]), False)
        best[i] = box_iou(ref, gt, inclusive=True).max()
    return best
