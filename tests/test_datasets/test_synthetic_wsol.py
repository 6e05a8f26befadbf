import hashlib
import itertools
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from fam_mm.datasets import (
    SYNTHETIC_WSOL_VERSION,
    SyntheticWSOL,
    generate_synthetic_wsol,
)
from fam_mm.datasets.synthetic_generator import (
    FINEGRAINED_ATTRIBUTES,
    MAX_FINEGRAINED_CLASSES,
    PART_LABELS,
    class_names,
    draw_sample,
    finegrained_attributes,
    finegrained_class_names,
    split_labels,
)
from fam_mm.datasets.synthetic_wsol import DEFAULT_PARAMS
from fam_mm.evaluation.functional import box_iou

TINY = dict(num_train=6, num_val=3, num_test=3, seed=5)


def read_tree(root):
    files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                files[osp.relpath(path, root)] = f.read()
    return files


def test_deterministic(tmp_path):
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    generate_synthetic_wsol(a, **TINY)
    generate_synthetic_wsol(b, **TINY)
    files_a, files_b = read_tree(a), read_tree(b)
    assert len(files_a) == 4 * 3 + 1 + 1 + 3 * 12  # metadata, json, images
    assert files_a == files_b
    c = str(tmp_path / 'c')
    generate_synthetic_wsol(c, **dict(TINY, seed=6))
    assert read_tree(c)['images/train/train_00000.jpg'] != \
        files_a['images/train/train_00000.jpg']


def test_regenerates_when_stale(tmp_path):
    root = str(tmp_path / 'synth')
    meta = generate_synthetic_wsol(root, **TINY)
    assert meta['version'] == SYNTHETIC_WSOL_VERSION
    assert meta['params']['num_train'] == 6
    stamp = os.stat(osp.join(root, 'meta.json')).st_mtime_ns
    generate_synthetic_wsol(root, **TINY)  # up to date: untouched
    assert os.stat(osp.join(root, 'meta.json')).st_mtime_ns == stamp
    meta = generate_synthetic_wsol(root, **dict(TINY, num_train=4))
    assert len(os.listdir(osp.join(root, 'images', 'train'))) == 4
    # another generator version on disk is regenerated too
    with open(osp.join(root, 'meta.json')) as f:
        meta = json.load(f)
    meta['version'] = -1
    with open(osp.join(root, 'meta.json'), 'w') as f:
        json.dump(meta, f)
    assert generate_synthetic_wsol(root, **dict(
        TINY, num_train=4))['version'] == SYNTHETIC_WSOL_VERSION
    assert not [n for n in os.listdir(tmp_path) if '.tmp-' in n]


def test_refuses_foreign_folder(tmp_path):
    root = tmp_path / 'mine'
    root.mkdir()
    (root / 'precious.txt').write_text('keep me')
    with pytest.raises(FileExistsError, match='refusing to overwrite'):
        generate_synthetic_wsol(str(root), **TINY)
    assert (root / 'precious.txt').read_text() == 'keep me'


def test_defaults():
    assert DEFAULT_PARAMS['num_classes'] == 8
    assert (DEFAULT_PARAMS['num_train'], DEFAULT_PARAMS['num_val'],
            DEFAULT_PARAMS['num_test']) == (1200, 200, 400)
    labels = split_labels(0, 'train', 1200, 8)
    assert np.bincount(labels).tolist() == [150] * 8
    assert class_names(8)[:2] == ['blue_spike', 'green_spike']
    with pytest.raises(ValueError):
        class_names(13)


def test_dataset(synthetic_root):
    train = SyntheticWSOL(
        synthetic_root,
        split='train',
        num_train=16,
        num_val=8,
        num_test=8,
        seed=3)
    test = SyntheticWSOL(
        synthetic_root,
        split='test',
        num_train=16,
        num_val=8,
        num_test=8,
        seed=3)
    assert len(train) == 16 and len(test) == 8
    assert train.CLASSES == tuple(class_names(8))
    sizes, num_boxes = set(), 0
    for i in range(len(train)):
        info = train.get_data_info(i)
        img = cv2.imread(info['img_path'])
        assert img.shape[:2] == info['ori_shape']
        sizes.add(info['ori_shape'])
        h, w = info['ori_shape']
        assert 96 <= h <= 160 and 96 <= w <= 160
        inst = cv2.imread(info['mask_path'], cv2.IMREAD_UNCHANGED)
        parts = cv2.imread(info['part_mask_path'], cv2.IMREAD_UNCHANGED)
        boxes = info['gt_bboxes']
        num_boxes += len(boxes)
        assert inst.max() == len(boxes)
        for k, box in enumerate(boxes, 1):
            ys, xs = np.nonzero(inst == k)
            # exact boxes: pixel-edge extent of the mask
            np.testing.assert_array_equal(
                box,
                [xs.min(), ys.min(),
                 xs.max() + 1, ys.max() + 1])
            obj = inst == k
            crest = obj & (parts == PART_LABELS['crest'])
            # the discriminative part is small and far from the object box
            assert 0.01 < crest.sum() / obj.sum() < 0.10
            cy, cx = np.nonzero(crest)
            crest_box = [[cx.min(), cy.min(), cx.max() + 1, cy.max() + 1]]
            assert box_iou(crest_box, [box])[0, 0] < 0.2
            for part in ('body', 'head', 'tail', 'legs'):
                assert (obj & (parts == PART_LABELS[part])).any()
        # the skin is orange, the background is not
        hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
        orange = (hsv[..., 0] >= 4) & (hsv[..., 0] <= 18) & \
            (hsv[..., 1] > 120) & (hsv[..., 2] > 120)
        body = parts == PART_LABELS['body']
        assert orange[body].mean() > 0.5
        assert orange[inst == 0].mean() < 0.02
    assert len(sizes) > 8  # varied, non-square sizes
    assert any(h != w for h, w in sizes)
    assert num_boxes >= len(train)


def test_dataset_pipeline(synthetic_root):
    ds = SyntheticWSOL(
        synthetic_root,
        split='val',
        num_train=16,
        num_val=8,
        num_test=8,
        seed=3,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='WSOLResize', scale=(146, 146)),
            dict(type='WSOLRandomCrop', crop_size=128),
            dict(type='WSOLRandomFlip', prob=0.5),
            dict(type='PackWSOLInputs')
        ])
    out = ds[0]
    assert tuple(out['inputs'].shape) == (3, 128, 128)
    sample = out['data_samples']
    info = ds.get_data_info(0)
    np.testing.assert_array_equal(sample.gt_bboxes.numpy(), info['gt_bboxes'])
    assert sample.ori_shape == info['ori_shape']


def test_skin_cue_variant(tmp_path):
    """The richer variant writes the class on the skin and nothing else:
    the same geometry, crest and background as the reference, different
    spot colours only, and the reference's meta stays as it was."""
    ref = draw_sample(0, 'val', 7, 2)
    skin = draw_sample(0, 'val', 7, 2, skin_cue=True)
    assert np.array_equal(ref['instance_mask'], skin['instance_mask'])
    assert np.array_equal(ref['part_mask'], skin['part_mask'])
    changed = np.abs(ref['img'].astype(int) - skin['img']).max(-1) > 12
    parts = skin['part_mask'][changed]
    assert changed.sum() > 20
    # only spots of the body, head and tail changed (noise aside)
    body_like = {PART_LABELS[k] for k in ('body', 'head', 'tail')}
    assert np.isin(parts, list(body_like)).mean() > 0.98
    # two classes with another crest colour get other spot colours
    other = draw_sample(0, 'val', 7, 3, skin_cue=True)
    assert not np.array_equal(other['img'][changed], skin['img'][changed])
    ref_meta = generate_synthetic_wsol(str(tmp_path / 'ref'), **TINY)
    assert 'skin_cue' not in ref_meta['params']
    skin_meta = generate_synthetic_wsol(str(tmp_path / 'skin'),
                                        **dict(TINY, skin_cue=True))
    assert skin_meta['params']['skin_cue'] is True


# ---------------------------------------------------------------------------
# the reference variant is pinned
# ---------------------------------------------------------------------------
def _digest(sample):
    h = hashlib.sha256()
    for key in ('img', 'instance_mask', 'part_mask', 'boxes'):
        array = np.ascontiguousarray(sample[key])
        h.update(key.encode())
        h.update(str(array.shape).encode())
        h.update(array.tobytes())
    return h.hexdigest()[:16]


# (seed, split, index, label, skin_cue) -> digest of the drawn arrays. The
# digests were taken with the generator of SYNTHETIC_WSOL_VERSION before
# the fine-grained variant was added and checked equal to the drawings
# after it; train/0/2 holds two creatures.
REFERENCE_DIGESTS = {
    (0, 'train', 0, 0, False): 'bf0e506ef72a56bf',
    (0, 'train', 2, 0, False): 'a4a5faeead3b0e08',
    (0, 'val', 7, 2, False): '2b7cc044d84b7c42',
    (3, 'test', 11, 7, False): 'a61c8af1ec86cad8',
    (5, 'train', 4, 11, False): 'e3217f64b3224eb1',
    (1, 'val', 2, 5, True): '647ae7b97f6494ef',
}


@pytest.mark.parametrize('key', sorted(REFERENCE_DIGESTS), ids=str)
def test_reference_drawings_are_unchanged(key):
    """The generator version was not bumped: the reference (and skin-cue)
    variants must draw byte-identical arrays for a seed, or benchmarks on
    disk would silently differ from fresh ones."""
    seed, split, index, label, skin_cue = key
    sample = draw_sample(seed, split, index, label, skin_cue=skin_cue)
    assert _digest(sample) == REFERENCE_DIGESTS[key]


# ---------------------------------------------------------------------------
# the fine-grained variant: classes
# ---------------------------------------------------------------------------
PARTS = [name for name, _ in FINEGRAINED_ATTRIBUTES]
FIRST8 = [finegrained_attributes(label) for label in range(8)]


def test_finegrained_attribute_values_are_shared_by_half_the_classes():
    assert MAX_FINEGRAINED_CLASSES == 16
    assert PARTS == ['crest', 'body', 'tail', 'legs']
    assert len({tuple(a.values()) for a in FIRST8}) == 8
    for part in PARTS:
        for value in (0, 1):
            assert sum(a[part] == value for a in FIRST8) == 4, (part, value)
    # all 16 words, each once; the first 8 are the even-parity ones
    every = [finegrained_attributes(label) for label in range(16)]
    assert len({tuple(a[p] for p in PARTS) for a in every}) == 16
    assert all(sum(a.values()) % 2 == 0 for a in FIRST8)
    with pytest.raises(ValueError):
        finegrained_attributes(16)
    with pytest.raises(ValueError):
        finegrained_attributes(-1)


def test_finegrained_no_one_or_two_parts_name_the_class():
    for part in PARTS:
        for value in (0, 1):
            assert len([a for a in FIRST8 if a[part] == value]) >= 2
    for p, q in itertools.combinations(PARTS, 2):
        for u, v in itertools.product((0, 1), repeat=2):
            left = [a for a in FIRST8 if a[p] == u and a[q] == v]
            assert len(left) >= 2, (p, q, u, v)
    # three parts do name it (a classifier has to read three of four)
    for parts in itertools.combinations(PARTS, 3):
        keys = {tuple(a[p] for p in parts) for a in FIRST8}
        assert len(keys) == 8, parts


def test_finegrained_first_classes_differ_in_two_parts():
    for a, b in itertools.combinations(FIRST8, 2):
        assert sum(a[p] != b[p] for p in PARTS) >= 2, (a, b)


def test_finegrained_class_names():
    names = finegrained_class_names(16)
    assert len(set(names)) == 16
    assert class_names(8, fine_grained=True) == names[:8]
    assert names[0] == 'blue_spotted_black-tail_dark-legs'
    for label, name in enumerate(names):
        attrs = finegrained_attributes(label)
        words = [options[attrs[part]]
                 for part, options in FINEGRAINED_ATTRIBUTES]
        assert all(word in name for word in words), (label, name)
    # the reference names are untouched and distinct from these
    assert class_names(8) == class_names(8, fine_grained=False)
    assert not set(class_names(8)) & set(names)
    with pytest.raises(ValueError):
        finegrained_class_names(17)
    with pytest.raises(ValueError):
        class_names(1, fine_grained=True)


# ---------------------------------------------------------------------------
# the fine-grained variant: drawing
# ---------------------------------------------------------------------------
_K3 = np.ones((3, 3), np.uint8)


def _inner(part_mask, part):
    """Pixels of a part away from the dark rim and the part edges."""
    mask = (part_mask == PART_LABELS[part]).astype(np.uint8)
    inner = cv2.erode(mask, _K3).astype(bool)
    return inner if inner.sum() >= 4 else mask.astype(bool)


def _finegrained_samples(per_class=3, labels=range(8)):
    for label in labels:
        for i in range(per_class):
            yield label, draw_sample(
                4, 'test', 8 * label + i, label, fine_grained=True)


def test_finegrained_drawing_parts_and_attributes():
    """Each part wears its attribute: dark/pale legs (against the plain
    skin of the head, shared by every class), black/white tail bands, dark
    spots (many small marks) or stripes (few large ones) on the body."""
    components = {0: [], 1: []}
    for label, sample in _finegrained_samples():
        attrs = finegrained_attributes(label)
        parts = sample['part_mask']
        inst = sample['instance_mask']
        assert set(np.unique(parts[inst > 0]).tolist()) == {1, 2, 3, 4, 5}
        assert not parts[inst == 0].any()
        gray = sample['img'].astype(np.float32).mean(-1)
        skin = float(np.median(gray[_inner(parts, 'head')]))
        legs = float(np.median(gray[_inner(parts, 'legs')]))
        if attrs['legs'] == 0:
            assert legs < 0.6 * skin, (label, legs, skin)
        else:
            assert legs > 1.2 * skin, (label, legs, skin)
        tail = gray[_inner(parts, 'tail')]
        if attrs['tail'] == 0:  # black bands
            assert (tail < 60).mean() > 0.3 and (tail > 200).mean() == 0
        else:  # white bands
            assert (tail > 200).mean() > 0.3 and (tail < 60).mean() == 0
        body = _inner(parts, 'body')
        dark = (body & (gray < 0.6 * skin)).astype(np.uint8)
        num, _ = cv2.connectedComponents(dark, connectivity=4)
        assert num - 1 >= 3, label  # marks of either kind
        components[attrs['body']].append(
            (num - 1, dark.sum() / (num - 1) / body.sum()))
    spotted = np.array(components[0])
    striped = np.array(components[1])
    # spots: many small marks; stripes: few marks, each a large share
    assert spotted[:, 0].mean() > 2 * striped[:, 0].mean()
    assert striped[:, 1].mean() > 2 * spotted[:, 1].mean()
    assert spotted[:, 0].min() > striped[:, 0].max()


def test_finegrained_tail_bands_are_black_or_white():
    """Mean brightness of the tail-band pixels (the darkest or brightest
    third of the tail) of the same creature drawn as two classes that
    differ in the tail (and one other part): the same geometry, so the same
    band pixels."""
    # labels 0 and 1 differ in the tail and the legs only
    a0, a1 = finegrained_attributes(0), finegrained_attributes(1)
    assert [p for p in PARTS if a0[p] != a1[p]] == ['tail', 'legs']
    for index in range(3):
        black = draw_sample(6, 'val', index, 0, fine_grained=True)
        white = draw_sample(6, 'val', index, 1, fine_grained=True)
        assert np.array_equal(black['part_mask'], white['part_mask'])
        tail = _inner(black['part_mask'], 'tail')
        g_black = black['img'].astype(np.float32).mean(-1)
        g_white = white['img'].astype(np.float32).mean(-1)
        diff = g_white - g_black
        bands = tail & (np.abs(diff) > 60)
        assert bands.sum() > 0.2 * tail.sum()
        assert g_black[bands].mean() < 50 < 200 < g_white[bands].mean()
        # elsewhere on the body and head nothing changed but the noise
        same = (black['part_mask'] == PART_LABELS['head']) & \
            cv2.erode(black['instance_mask'], _K3).astype(bool)
        assert np.abs(diff[same]).mean() < 6


def test_finegrained_crest_shape_varies_within_a_class(monkeypatch):
    """The crest shape is drawn per image in the fine-grained variant, and
    fixed by the class in the reference."""
    from fam_mm.datasets import synthetic_generator as gen
    shapes = []
    geometry = gen._object_geometry

    def record(rng, length, crest_shape, legs):
        shapes.append(crest_shape)
        return geometry(rng, length, crest_shape, legs)

    monkeypatch.setattr(gen, '_object_geometry', record)
    for index in range(12):
        draw_sample(0, 'train', index, 3, fine_grained=True)
    assert set(shapes) == set(gen.CREST_SHAPES)
    shapes.clear()
    for index in range(6):
        draw_sample(0, 'train', index, 3)
    assert set(shapes) == {gen.CREST_SHAPES[0]}


def test_finegrained_creatures_keep_the_margin():
    touching = 0
    for index in range(50):
        sample = draw_sample(7, 'train', index, index % 8, fine_grained=True)
        inst = sample['instance_mask']
        h, w = inst.shape
        ys, xs = np.nonzero(inst)
        margin = 0.06 * min(h, w) - 1
        gap = min(xs.min(), ys.min(), w - 1 - xs.max(), h - 1 - ys.max())
        assert gap >= margin, (index, gap, margin)
        # the same images without the variant may touch the border
        ref = draw_sample(7, 'train', index, index % 8)['instance_mask']
        rys, rxs = np.nonzero(ref)
        touching += min(rxs.min(), rys.min(), w - 1 - rxs.max(),
                        h - 1 - rys.max()) < margin
    assert touching > 0


def test_finegrained_and_skin_cue_exclude_each_other(tmp_path):
    with pytest.raises(ValueError, match='choose one'):
        draw_sample(0, 'train', 0, 0, skin_cue=True, fine_grained=True)
    with pytest.raises(ValueError, match='choose one'):
        generate_synthetic_wsol(
            str(tmp_path / 'both'), **dict(TINY, skin_cue=True,
                                           fine_grained=True))
    assert not (tmp_path / 'both').exists()


def test_finegrained_dataset(tmp_path):
    root = str(tmp_path / 'finegrained')
    ds = SyntheticWSOL(
        data_root=root,
        split='train',
        fine_grained=True,
        num_train=8,
        num_val=8,
        num_test=8)
    assert len(ds) == 8
    assert ds.CLASSES == tuple(finegrained_class_names(8))
    with open(osp.join(root, 'meta.json')) as f:
        meta = json.load(f)
    assert meta['params']['fine_grained'] is True
    assert 'skin_cue' not in meta['params']
    assert meta['classes'] == finegrained_class_names(8)
    info = ds.get_data_info(0)
    img = cv2.imread(info['img_path'])
    parts = cv2.imread(info['part_mask_path'], cv2.IMREAD_UNCHANGED)
    assert img.shape[:2] == parts.shape == info['ori_shape']
    assert set(np.unique(parts).tolist()) == {0, 1, 2, 3, 4, 5}
    # the same folder opened as the reference benchmark is regenerated
    ref = SyntheticWSOL(data_root=root, num_train=8, num_val=8, num_test=8)
    assert ref.CLASSES == tuple(class_names(8))
    assert 'fine_grained' not in ref.synthetic_meta['params']
