"""Drawing of the synthetic WSOL benchmark (pure numpy / OpenCV).

Every image shows one (sometimes two) *creatures* on a textured background
littered with distractor shapes:

* **Shared appearance (object-ness).** All creatures, whatever their class,
  are built from the same parts: a body (ellipse), a head (disc with an
  eye), a tail (triangle) and two or four legs (thick bars). The body, head
  and tail wear the same skin: a saturated orange with dark brown spots and
  a dark rim; the legs are a darker orange. Background and clutter never use
  the orange hue band, so a class-agnostic foreground model can learn what
  an object looks like.
* **One small discriminative part.** The class is given only by the
  *crest* on top of the head: its colour (blue, green, magenta, white) and
  shape (spike, knob, then bar). It covers about 7% of the object's pixels
  and its box has an IoU of about 0.05 with the object box, so a
  classifier's CAM concentrates there (small box, low IoU) while the object
  box spans the whole creature. Each image also has a part mask.
* **Clutter and texture.** The background is a smooth colour field with a
  stripe, checker, grain or blotch texture; 3-7 distractor shapes (ellipses,
  discs, triangles, polygons, sticks, rings, some of them spotted) in
  desaturated non-orange colours lie behind the objects.
* **Geometry.** Image sides are drawn independently in
  ``[min_size, max_size]`` (non-square); creatures face left or right, are
  rotated by up to 20 degrees, scaled so that their box covers about 8% to
  55% of the image, and placed anywhere they fit; about 15% of the images
  hold a second, smaller creature of the same class. Boxes are the exact
  extents of the rasterised instance masks (pixel-edge
  ``x2 = last column + 1``).

Everything is drawn from ``numpy.random.default_rng`` seeded by
``(seed, split, index)``, so a generation is byte-identical for a seed.
"""
import colorsys
import math
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

CREST_COLOURS: Tuple[Tuple[str, Tuple[float, float, float]], ...] = (
    # name, (hue, saturation, value) in [0, 1]
    ('blue', (0.62, 0.90, 0.95)),
    ('green', (0.33, 0.90, 0.80)),
    ('magenta', (0.86, 0.80, 0.95)),
    ('white', (0.00, 0.00, 1.00)),
)
CREST_SHAPES = ('spike', 'knob', 'bar')
MAX_CLASSES = len(CREST_COLOURS) * len(CREST_SHAPES)

#: Values of the part masks.
PART_LABELS = {
    'background': 0,
    'body': 1,
    'head': 2,
    'tail': 3,
    'legs': 4,
    'crest': 5,
}

#: Part attributes of the fine-grained variant: per part, its two values.
#: A class is a combination of one value per part (see
#: :func:`finegrained_attributes`).
FINEGRAINED_ATTRIBUTES: Tuple[Tuple[str, Tuple[str, str]], ...] = (
    ('crest', ('blue', 'magenta')),
    ('body', ('spotted', 'striped')),
    ('tail', ('black', 'white')),  # the colour of the tail's bands
    ('legs', ('dark', 'pale')),
)
MAX_FINEGRAINED_CLASSES = 1 << len(FINEGRAINED_ATTRIBUTES)

SPLIT_CODES = {'train': 0, 'val': 1, 'test': 2}
_SHIFT = 4  # sub-pixel bits for cv2 drawing
_ORANGE_BAND = (0.02, 0.13)  # hues reserved for the creatures


def finegrained_attributes(label: int) -> Dict[str, int]:
    """Attribute values (0 or 1 per part) of a fine-grained class.

    The classes are the 4-bit words over (crest colour, body pattern, tail
    band, leg colour), even-parity words first: the first 8 classes are the
    even-parity words, so any two of them differ in at least two parts.
    No single part names a class (each value is shared by half of the
    classes) and no two parts do either: a classifier has to read three
    of the four parts, as a CUB species is told by a combination of
    plumage, bill and leg attributes over the whole bird.

    Args:
        label (int): Class index in ``[0, 16)``.

    Returns:
        dict: ``{'crest': 0|1, 'body': 0|1, 'tail': 0|1, 'legs': 0|1}``.
    """
    if not 0 <= label < MAX_FINEGRAINED_CLASSES:
        raise ValueError(f'fine-grained label must be in [0, '
                         f'{MAX_FINEGRAINED_CLASSES}), got {label}')
    words = sorted(range(MAX_FINEGRAINED_CLASSES),
                   key=lambda w: (bin(w).count('1') % 2, w))
    word = words[label]
    return {
        name: (word >> (len(FINEGRAINED_ATTRIBUTES) - 1 - i)) & 1
        for i, (name, _) in enumerate(FINEGRAINED_ATTRIBUTES)
    }


def finegrained_class_names(num_classes: int) -> List[str]:
    """Names ``<crest>_<body>_<tail>-tail_<legs>-legs`` of the fine-grained
    classes, e.g. ``'blue_spotted_black-tail_dark-legs'`` (blue crest,
    spotted body, black tail bands, dark legs)."""
    if not 2 <= num_classes <= MAX_FINEGRAINED_CLASSES:
        raise ValueError('num_classes must be in [2, '
                         f'{MAX_FINEGRAINED_CLASSES}] for the fine-grained '
                         f'variant, got {num_classes}')
    names = []
    for label in range(num_classes):
        attrs = finegrained_attributes(label)
        values = {
            name: options[attrs[name]]
            for name, options in FINEGRAINED_ATTRIBUTES
        }
        names.append(f'{values["crest"]}_{values["body"]}_'
                     f'{values["tail"]}-tail_{values["legs"]}-legs')
    return names


def class_names(num_classes: int, fine_grained: bool = False) -> List[str]:
    """Names of the first ``num_classes`` classes: ``<colour>_<shape>`` of
    the crest, or those of :func:`finegrained_class_names`."""
    if fine_grained:
        return finegrained_class_names(num_classes)
    if not 2 <= num_classes <= MAX_CLASSES:
        raise ValueError(
            f'num_classes must be in [2, {MAX_CLASSES}], got {num_classes}')
    return [
        f'{CREST_COLOURS[k % len(CREST_COLOURS)][0]}_'
        f'{CREST_SHAPES[k // len(CREST_COLOURS)]}' for k in range(num_classes)
    ]


def _bgr(h: float, s: float, v: float) -> np.ndarray:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return np.array([b, g, r], dtype=np.float32) * 255


def _non_orange_hue(rng: np.random.Generator) -> float:
    lo, hi = _ORANGE_BAND
    # uniform on the circle minus the band (and a margin around it)
    span = 1.0 - (hi - lo) - 0.06
    return (hi + 0.03 + rng.uniform(0, span)) % 1.0


def _pts(points: np.ndarray) -> np.ndarray:
    return np.round(points * (1 << _SHIFT)).astype(np.int32).reshape(-1, 1, 2)


def _fill(mask: np.ndarray, points: np.ndarray, value: int = 1) -> None:
    cv2.fillPoly(mask, [_pts(points)], value, cv2.LINE_8, _SHIFT)


def _ellipse_points(cx, cy, ax, ay, angle=0.0, n=48) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x, y = ax * np.cos(t), ay * np.sin(t)
    c, s = math.cos(angle), math.sin(angle)
    return np.stack([cx + c * x - s * y, cy + s * x + c * y], 1)


def _smooth_noise(rng, h, w, cells, channels=3) -> np.ndarray:
    grid = rng.standard_normal((cells, cells, channels), dtype=np.float32)
    out = cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
    return out.reshape(h, w, channels)


def _pattern(rng, h, w, kind: str, scale: float) -> np.ndarray:
    """A zero-mean single-channel texture in about ``[-1, 1]``."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == 'stripes':
        theta = rng.uniform(0, np.pi)
        period = rng.uniform(3, 9) * scale
        u = xs * math.cos(theta) + ys * math.sin(theta)
        return np.sin(2 * np.pi * u / period + rng.uniform(0, 2 * np.pi))
    if kind == 'checker':
        period = max(2, int(round(rng.uniform(4, 10) * scale)))
        ox, oy = rng.integers(0, period, size=2)
        return ((((xs + ox) // period + (ys + oy) // period) % 2) * 2 -
                1).astype(np.float32)
    if kind == 'grain':
        noise = rng.standard_normal((h, w), dtype=np.float32)
        return cv2.GaussianBlur(noise, (0, 0), 0.7) * 1.5
    if kind == 'blotches':
        field = _smooth_noise(rng, h, w, int(rng.integers(5, 10)), 1)[..., 0]
        return np.tanh(3 * field)
    if kind == 'dots':
        out = np.full((h, w), -0.3, dtype=np.float32)
        step = max(3.0, rng.uniform(4, 8) * scale)
        for y in np.arange(rng.uniform(0, step), h, step):
            for x in np.arange(rng.uniform(0, step), w, step):
                cv2.circle(out, (int(x), int(y)), max(1, int(step / 4)), 1.0,
                           -1)
        return out
    raise ValueError(kind)


def _draw_background(rng, h, w) -> np.ndarray:
    base = _bgr(
        _non_orange_hue(rng), rng.uniform(0.10, 0.45), rng.uniform(0.25, 0.72))
    img = np.empty((h, w, 3), dtype=np.float32)
    img[:] = base
    cells = int(rng.integers(3, 6))
    # mostly brightness variation, a little chroma (keeps the hue band free)
    img += _smooth_noise(rng, h, w, cells, 1) * rng.uniform(12, 30)
    img += _smooth_noise(rng, h, w, cells) * rng.uniform(4, 10)
    kind = rng.choice(['stripes', 'checker', 'grain', 'blotches'])
    img += _pattern(rng, h, w, kind, 1.0)[..., None] * rng.uniform(8, 22) * \
        rng.uniform(0.6, 1.0, size=3).astype(np.float32)
    return img


def _clutter_shape(rng, h, w) -> np.ndarray:
    """A binary mask of one distractor shape."""
    mask = np.zeros((h, w), dtype=np.uint8)
    side = min(h, w)
    size = rng.uniform(0.08, 0.32) * side
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    kind = rng.choice(
        ['ellipse', 'disc', 'triangle', 'polygon', 'stick', 'ring'])
    angle = rng.uniform(0, np.pi)
    if kind == 'ellipse':
        _fill(
            mask,
            _ellipse_points(cx, cy, size, size * rng.uniform(0.3, 0.7), angle))
    elif kind == 'disc':
        _fill(mask, _ellipse_points(cx, cy, size * 0.6, size * 0.6))
    elif kind == 'triangle':
        t = angle + np.array([0, 2.1, 4.2]) + rng.uniform(-0.3, 0.3, 3)
        _fill(mask, np.stack([cx + size * np.cos(t), cy + size * np.sin(t)],
                             1))
    elif kind == 'polygon':
        n = int(rng.integers(4, 7))
        t = np.sort(rng.uniform(0, 2 * np.pi, n))
        r = size * rng.uniform(0.5, 1.0, n)
        _fill(mask, np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], 1))
    elif kind == 'stick':
        dx, dy = math.cos(angle) * size, math.sin(angle) * size
        thick = max(2, int(size * rng.uniform(0.1, 0.2)))
        cv2.line(mask, (int(cx - dx), int(cy - dy)),
                 (int(cx + dx), int(cy + dy)), 1, thick)
    else:  # ring
        outer = _ellipse_points(cx, cy, size * 0.7, size * 0.7)
        _fill(mask, outer)
        cv2.fillPoly(mask,
                     [_pts(_ellipse_points(cx, cy, size * 0.4, size * 0.4))],
                     0, cv2.LINE_8, _SHIFT)
    return mask.astype(bool)


def _mask_window(mask: np.ndarray) -> Optional[Tuple[slice, slice]]:
    """Row and column slices of the bounding box of a binary mask."""
    x, y, w, h = cv2.boundingRect(mask.astype(np.uint8))
    if w == 0 or h == 0:
        return None
    return slice(y, y + h), slice(x, x + w)


def _draw_clutter(rng, img: np.ndarray) -> None:
    h, w = img.shape[:2]
    for _ in range(int(rng.integers(3, 8))):
        mask = _clutter_shape(rng, h, w)
        window = _mask_window(mask)
        if window is None:
            continue
        colour = _bgr(
            _non_orange_hue(rng), rng.uniform(0.15, 0.55),
            rng.uniform(0.25, 0.85))
        kind = rng.choice(['flat', 'stripes', 'grain', 'dots', 'checker'])
        sub = mask[window]
        layer = np.empty(sub.shape + (3, ), dtype=np.float32)
        layer[:] = colour
        if kind != 'flat':
            layer += _pattern(rng, sub.shape[0], sub.shape[1], kind,
                              0.8)[..., None] * rng.uniform(10, 30)
        img[window][sub] = layer[sub]


def _object_geometry(rng, length: float, crest_shape: str, legs: int):
    """Part polygons of a creature facing +x, centred near the origin."""
    body_ax = 0.30 * length
    body_ay = rng.uniform(0.15, 0.19) * length
    head_r = rng.uniform(0.11, 0.13) * length
    head_c = np.array([0.34 * length, -0.12 * length])
    parts: Dict[str, List[np.ndarray]] = {}
    parts['body'] = [_ellipse_points(0, 0, body_ax, body_ay)]
    parts['head'] = [_ellipse_points(head_c[0], head_c[1], head_r, head_r)]
    tail_up = rng.uniform(0.05, 0.2) * length
    parts['tail'] = [
        np.array([[-0.22 * length, -0.06 * length],
                  [-0.52 * length, -0.06 * length - tail_up],
                  [-0.45 * length, 0.04 * length - tail_up * 0.3],
                  [-0.22 * length, 0.07 * length]])
    ]
    leg_w = 0.05 * length
    leg_top = body_ay * 0.6
    leg_len = rng.uniform(0.18, 0.24) * length
    xs = np.linspace(-0.17, 0.17, legs) * length
    parts['legs'] = [
        np.array([[x - leg_w / 2, leg_top], [x + leg_w / 2, leg_top],
                  [x + leg_w / 2 + 0.02 * length, leg_top + leg_len],
                  [x - leg_w / 2 - 0.02 * length, leg_top + leg_len]])
        for x in xs
    ]
    top = head_c[1] - head_r * 0.75
    cx = head_c[0] - 0.01 * length
    if crest_shape == 'spike':
        half, height = 0.065 * length, 0.19 * length
        parts['crest'] = [
            np.array([[cx - half, top + 0.04 * length],
                      [cx + half, top + 0.04 * length],
                      [cx + 0.01 * length, top - height]])
        ]
    elif crest_shape == 'knob':
        r = 0.065 * length
        stalk = 0.025 * length
        knob_c = top - 0.10 * length
        parts['crest'] = [
            np.array([[cx - stalk, top + 0.04 * length],
                      [cx + stalk, top + 0.04 * length], [cx + stalk, knob_c],
                      [cx - stalk, knob_c]]),
            _ellipse_points(cx, knob_c, r, r)
        ]
    else:  # bar
        half, height = 0.10 * length, 0.06 * length
        parts['crest'] = [
            np.array([[cx - half, top - height], [cx + half, top - height],
                      [cx + half, top + 0.05 * length],
                      [cx - half, top + 0.05 * length]])
        ]
    eye = (head_c[0] + head_r * 0.35, head_c[1] - head_r * 0.1,
           max(0.028 * length, 1.2))
    return parts, eye


def _transform(points: np.ndarray, flip: bool, angle: float,
               centre: np.ndarray) -> np.ndarray:
    p = points.copy()
    if flip:
        p[:, 0] = -p[:, 0]
    c, s = math.cos(angle), math.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    return p @ rot.T + centre


def _draw_object(rng, img, instance_mask, part_mask, instance_id, label,
                 placed: List[Tuple[float, float, float, float]],
                 scale_range: Tuple[float, float],
                 skin_cue: bool = False,
                 fine_grained: bool = False) -> bool:
    """Draw one creature where it fits; returns False if no place found.

    With ``skin_cue`` the spots of the body, head and tail take the hue of
    the class's crest (dark, half saturated) instead of dark brown: the
    class is then also written, more faintly, all over the creature.

    With ``fine_grained`` the class is the combination of part attributes
    of :func:`finegrained_attributes` (crest colour, body pattern, tail
    bands, leg colour); the crest shape is drawn per image (within-class
    variation), the creature keeps a margin of 6% of the short image side
    from the borders and may be rotated by up to 30 degrees.
    """
    h, w = img.shape[:2]
    if fine_grained:
        attrs = finegrained_attributes(label)
        crest_shape = CREST_SHAPES[int(rng.integers(0, len(CREST_SHAPES)))]
        crest_hsv = (CREST_COLOURS[0][1] if attrs['crest'] == 0 else
                     CREST_COLOURS[2][1])
        max_angle, margin = 30.0, 0.06 * min(h, w)
    else:
        crest_shape = CREST_SHAPES[label // len(CREST_COLOURS)]
        crest_hsv = CREST_COLOURS[label % len(CREST_COLOURS)][1]
        max_angle, margin = 20.0, 0.0
    legs = int(rng.choice([2, 4]))
    flip = bool(rng.integers(0, 2))
    angle = math.radians(rng.uniform(-max_angle, max_angle))
    for _ in range(20):
        length = rng.uniform(*scale_range) * min(h, w)
        parts, eye = _object_geometry(rng, length, crest_shape, legs)
        every = np.concatenate([p for ps in parts.values() for p in ps])
        every = _transform(every, flip, angle, np.zeros(2))
        lo, hi = every.min(0), every.max(0)
        room = np.array([w, h]) - (hi - lo) - 4 - 2 * margin
        if (room <= 0).any():
            scale_range = (scale_range[0] * 0.85, scale_range[1] * 0.85)
            continue
        centre = np.array([rng.uniform(0, room[0]),
                           rng.uniform(0, room[1])]) + 2 + margin - lo
        box = (*(lo + centre), *(hi + centre))
        if any(box[0] < b[2] + 3 and b[0] < box[2] + 3 and box[1] < b[3] +
               3 and b[1] < box[3] + 3 for b in placed):
            continue
        break
    else:
        return False
    placed.append(box)

    masks = {}
    for name in ('legs', 'tail', 'body', 'head', 'crest'):
        m = np.zeros((h, w), dtype=np.uint8)
        for poly in parts[name]:
            _fill(m, _transform(poly, flip, angle, centre))
        masks[name] = m.astype(bool)
    silhouette = np.zeros((h, w), dtype=bool)
    for m in masks.values():
        silhouette |= m

    # shared skin: orange with dark spots, darker legs, dark rim
    window = _mask_window(silhouette)
    assert window is not None  # the creature was placed inside the image
    win_h = window[0].stop - window[0].start
    win_w = window[1].stop - window[1].start
    skin = _bgr(
        rng.uniform(0.045, 0.095), rng.uniform(0.75, 0.92),
        rng.uniform(0.82, 0.97))
    layer = np.empty((win_h, win_w, 3), dtype=np.float32)
    layer[:] = skin
    layer += _smooth_noise(rng, win_h, win_w, 4) * 8
    spots = np.zeros((win_h, win_w), dtype=np.uint8)
    step = max(4.0, 0.075 * length)
    radius = max(1, int(round(0.02 * length)))
    gy, gx = np.meshgrid(
        np.arange(rng.uniform(0, step), win_h, step),
        np.arange(rng.uniform(0, step), win_w, step),
        indexing='ij')
    jitter = rng.uniform(-0.3, 0.3, size=(2, ) + gx.shape) * step
    for x, y in zip((gx + jitter[0]).ravel().astype(int).tolist(),
                    (gy + jitter[1]).ravel().astype(int).tolist()):
        cv2.circle(spots, (x, y), radius, 1, -1)
    if skin_cue:
        # class evidence spread over the object (see draw_sample)
        spot_hsv = CREST_COLOURS[label % len(CREST_COLOURS)][1]
        layer[spots.astype(bool)] = _bgr(spot_hsv[0], 0.5 * spot_hsv[1],
                                         0.45)
    else:
        layer[spots.astype(bool)] = skin * 0.35
    legs_colour = skin * 0.7
    if fine_grained:
        to_window = np.array([window[1].start, window[0].start])
        layer, legs_colour = _finegrained_skin(
            rng, attrs, skin, layer, spots.astype(bool), masks, window,
            lambda poly: _transform(poly, flip, angle, centre) - to_window,
            length)
    crest_colour = _bgr(crest_hsv[0] + rng.uniform(-0.015, 0.015),
                        crest_hsv[1], crest_hsv[2] * rng.uniform(0.9, 1.0))

    body_like = masks['body'] | masks['head'] | masks['tail']
    img[masks['legs']] = legs_colour
    img[window][body_like[window]] = layer[body_like[window]]
    img[masks['crest']] = crest_colour
    eye_mask = np.zeros((h, w), dtype=np.uint8)
    ex, ey = _transform(np.array([[eye[0], eye[1]]]), flip, angle, centre)[0]
    cv2.circle(eye_mask, (int(round(ex * 16)), int(round(ey * 16))),
               int(round(eye[2] * 16)), 1, -1, cv2.LINE_8, _SHIFT)
    eye_mask = eye_mask.astype(bool) & masks['head']
    img[eye_mask] = (20, 20, 20)
    rim = silhouette & ~cv2.erode(
        silhouette.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    img[rim] *= 0.35

    instance_mask[silhouette] = instance_id
    for name in ('legs', 'tail', 'body', 'head', 'crest'):
        part_mask[masks[name]] = PART_LABELS[name]
    return True


def _bands(length: float, x_from: float, x_to: float, period: float,
           width: float) -> List[np.ndarray]:
    """Transverse strips ``[x, x + width]`` (creature frame) every
    ``period`` between ``x_from`` and ``x_to``, tall enough to cross any
    part."""
    tall = length
    return [
        np.array([[x, -tall], [x + width, -tall], [x + width, tall],
                  [x, tall]])
        for x in np.arange(x_from, x_to - width * 0.5, period)
    ]


def _finegrained_skin(rng, attrs: Dict[str, int], skin: np.ndarray,
                      layer: np.ndarray, spots: np.ndarray,
                      masks: Dict[str, np.ndarray],
                      window: Tuple[slice, slice], to_window,
                      length: float) -> Tuple[np.ndarray, np.ndarray]:
    """Skin and leg colours of a fine-grained creature (in its window).

    * body: dark spots (``spotted``) or dark transverse stripes
      (``striped``); the head keeps its plain spots-free skin and the eye,
      so it is shared by every class;
    * tail: three transverse bands, near-black or near-white;
    * legs: dark brown or pale cream.

    Returns:
        tuple: The skin layer of the window and the legs' colour (BGR).
    """
    win_h, win_w = layer.shape[:2]
    out = np.empty_like(layer)
    out[:] = skin
    out += _smooth_noise(rng, win_h, win_w, 4) * 8
    body = masks['body'][window]
    dark = skin * rng.uniform(0.25, 0.4)
    if attrs['body'] == 0:
        out[spots & body] = dark
    else:
        stripes = np.zeros((win_h, win_w), dtype=np.uint8)
        period = rng.uniform(0.085, 0.11) * length
        for poly in _bands(length, -0.3 * length + rng.uniform(0, period),
                           0.3 * length, period, 0.45 * period):
            _fill(stripes, to_window(poly))
        out[stripes.astype(bool) & body] = dark
    tail = masks['tail'][window]
    bands = np.zeros((win_h, win_w), dtype=np.uint8)
    for poly in _bands(length, -0.5 * length, -0.26 * length,
                       0.08 * length, 0.04 * length):
        _fill(bands, to_window(poly))
    band_value = rng.uniform(0.08, 0.18) if attrs['tail'] == 0 else \
        rng.uniform(0.9, 1.0)
    out[bands.astype(bool) & tail] = _bgr(
        rng.uniform(0, 1), rng.uniform(0.0, 0.08), band_value)
    legs = skin * rng.uniform(0.35, 0.5) if attrs['legs'] == 0 else \
        _bgr(rng.uniform(0.09, 0.13), rng.uniform(0.15, 0.3),
             rng.uniform(0.9, 1.0))
    return out, legs


def mask_to_boxes(instance_mask: np.ndarray, num: int) -> np.ndarray:
    """Exact pixel-edge boxes of instances ``1..num`` of a mask.

    Args:
        instance_mask (np.ndarray): ``(H, W)`` integer map, 0 = background.
        num (int): Number of instances.

    Returns:
        np.ndarray: float32 ``(num, 4)`` boxes ``(x1, y1, x2 + 1, y2 + 1)``.
    """
    boxes = []
    for k in range(1, num + 1):
        ys, xs = np.nonzero(instance_mask == k)
        boxes.append((xs.min(), ys.min(), xs.max() + 1, ys.max() + 1))
    return np.asarray(boxes, dtype=np.float32).reshape(-1, 4)


def draw_sample(
    seed: int,
    split: str,
    index: int,
    label: int,
    size_range: Tuple[int, int] = (96, 160),
    multi_object_prob: float = 0.15,
    scale_range: Tuple[float, float] = (0.4, 0.95),
    skin_cue: bool = False,
    fine_grained: bool = False,
) -> dict:
    """Draw one image of the benchmark.

    Args:
        seed (int): Benchmark seed.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        index (int): Index of the image in its split.
        label (int): Class index (crest colour and shape).
        size_range (tuple[int, int]): Range of each image side (pixels).
        multi_object_prob (float): Probability of a second creature of the
            same class.
        scale_range (tuple[float, float]): Creature length relative to the
            short image side.
        skin_cue (bool): Also write the class on the skin: the spots take
            the crest's hue (the crest colour, not its shape). This models
            the property of real fine-grained data (CUB: plumage colour over
            the whole bird) that class evidence is spread over the object,
            not confined to one small part. False (the reference benchmark)
            draws exactly what it always drew.
        fine_grained (bool): The fine-grained variant: ``label`` is a
            combination of part attributes (:func:`finegrained_attributes`),
            the crest shape varies within a class, creatures keep a margin
            from the image borders. Excludes ``skin_cue``.

    Returns:
        dict: ``img`` (uint8 BGR ``(H, W, 3)``), ``instance_mask`` (uint8,
        0 = background, k = k-th creature), ``part_mask`` (uint8, see
        :data:`PART_LABELS`) and ``boxes`` (float32 ``(n, 4)``).
    """
    if skin_cue and fine_grained:
        raise ValueError('skin_cue and fine_grained are two variants of the '
                         'benchmark: choose one')
    rng = np.random.default_rng([seed, SPLIT_CODES[split], index])
    w, h = (
        int(v) for v in rng.integers(size_range[0], size_range[1] + 1, size=2))
    img = _draw_background(rng, h, w)
    _draw_clutter(rng, img)
    instance_mask = np.zeros((h, w), dtype=np.uint8)
    part_mask = np.zeros((h, w), dtype=np.uint8)
    placed: list = []
    num = 0
    wanted = 2 if rng.uniform() < multi_object_prob else 1
    for k in range(wanted):
        scales = scale_range if wanted == 1 else (scale_range[0] * 0.8,
                                                  scale_range[1] * 0.55)
        if _draw_object(rng, img, instance_mask, part_mask, num + 1, label,
                        placed, scales, skin_cue=skin_cue,
                        fine_grained=fine_grained):
            num += 1
    if num == 0:  # cannot happen with sane ranges; keep the contract anyway
        raise RuntimeError(f'no room for an object in {split}/{index}')
    img += rng.standard_normal(img.shape, dtype=np.float32) * 2.5
    img = np.clip(np.round(img), 0, 255).astype(np.uint8)
    return dict(
        img=img,
        instance_mask=instance_mask,
        part_mask=part_mask,
        boxes=mask_to_boxes(instance_mask, num))


def split_labels(seed: int, split: str, num: int,
                 num_classes: int) -> Sequence[int]:
    """Balanced, shuffled class indices of a split."""
    rng = np.random.default_rng([seed, SPLIT_CODES[split], 1 << 20])
    labels = np.arange(num) % num_classes
    return rng.permutation(labels).tolist()
