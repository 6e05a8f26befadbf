"""The WSOL method grid: every method x backbone x dataset config exists,
follows wsolevaluation's recipe, builds, trains one iteration and evaluates
once on tiny data in its dataset's own format.

Each config is run as written except for size: the backbone keeps its type
and depth but gets narrow new layers (VGG16 / InceptionV3: 16-channel extra
convs; ResNet50: base width 4; DeiT-S: a 2-layer, 32-wide ViT; ACoL's
branches and SPG's guidance layers 16 wide), the images
are 40 px resized and 32 px cropped, the loaders take 2 images, and no
ImageNet weights are loaded. The tiny images and annotation files (CUB's
official layout with a CUBV2-style train-fullsup split, ImageNet's class
folders and XML boxes with an ImageNetV2-style split, OpenImages30k's
metadata and masks) are written once per module.
"""
import copy
import glob
import logging
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest
import torch
import yaml
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmpretrain.registry import DATASETS, MODELS

import fam_mm  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO, 'configs')

METHODS = ('cam', 'fam', 'has', 'acol', 'spg', 'adl', 'cutmix')
BACKBONES = ('vgg16', 'resnet50', 'inceptionv3')
DATASETS_ = ('cub', 'ilsvrc', 'openimages')
GRID = [f'{m}_{b}_{d}.py' for m in METHODS for b in BACKBONES
        for d in DATASETS_]
TRANSFORMERS = ['cam_deit-small_cub.py', 'fam_deit-small_cub.py']
ALL = GRID + TRANSFORMERS

# wsolevaluation's recipe: (epochs, milestones) per dataset, weight decay
# per backbone
SCHEDULE = {
    'cub': (50, [15, 30, 45]),
    'ilsvrc': (10, [3, 6, 9]),
    'openimages': (10, [3, 6, 9]),
}
WEIGHT_DECAY = {
    'vgg16': 5e-4,
    'inceptionv3': 5e-4,
    'resnet50': 1e-4,
    'deit-small': 5e-4
}
NUM_CLASSES = {'cub': 200, 'ilsvrc': 1000, 'openimages': 100}

RESIZE, CROP = 40, 32
# one colour per class: the tiny images are told apart by colour
COLOURS = ((40, 200, 40), (200, 40, 200))


# ---------------------------------------------------------------------------
# the recipe, read from the configs (no model built)
# ---------------------------------------------------------------------------
def _parts(name):
    method, backbone, dataset = osp.splitext(name)[0].split('_')
    return method, backbone, dataset


def test_the_grid_is_complete():
    missing = [n for n in ALL if not osp.isfile(osp.join(CONFIGS, n))]
    assert not missing, f'missing configs: {missing}'


def _check_method(method, backbone, cfg):
    """The method's part and wsolevaluation's defaults."""
    head = cfg.model.head
    if method == 'acol':
        assert head.type == 'ACoLHead' and head.erase_threshold == 0.7
        assert head.mid_channels == 1024
        assert head.get('pre_avgpool', False) is (backbone == 'vgg16')
    elif method == 'spg':
        assert head.type == 'SPGHead'
        assert (head.b2_thresholds, head.b1_thresholds, head.c_thresholds) \
            == ((0.7, 0.01), (0.5, 0.05), (0.7, 0.1))
        assert len(cfg.model.backbone.out_indices) == 3
    else:
        assert head.type == {'fam': 'FAMHead'}.get(method, 'CAMHead')
    augments = cfg.data_preprocessor.get('batch_augments')
    if method == 'has':
        assert augments.augments == [
            dict(type='HideAndSeek', grid_size=4, hide_prob=0.5)
        ]
    elif method == 'cutmix':  # Beta(1, 1), every batch
        assert augments.augments == [dict(type='CutMix', alpha=1.0)]
        assert 'probs' not in augments
    else:
        assert augments is None
    # the dataset's normalisation is kept
    assert cfg.data_preprocessor.mean == [123.675, 116.28, 103.53]
    if method == 'adl':
        backbone_cfg = cfg.model.backbone
        assert backbone_cfg.type == 'PluginBackbone'
        assert [(p.type, p.drop_rate, p.gamma) for p in backbone_cfg.plugins
                ] == [('ADL', 0.75, 0.9)] * 3
        assert backbone_cfg.backbone.init_cfg.type == 'Pretrained'
        if backbone == 'inceptionv3':  # no dropout in wsolevaluation's ADL
            assert backbone_cfg.backbone.extra_dropout == 0.0


@pytest.mark.parametrize('name', ALL)
def test_wsolevaluation_recipe(name):
    method, backbone, dataset = _parts(name)
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.momentum, optimizer.nesterov) == \
        ('SGD', 0.9, True)
    assert optimizer.weight_decay == WEIGHT_DECAY[backbone]
    epochs, milestones = SCHEDULE[dataset]
    assert cfg.train_cfg.max_epochs == epochs
    sched = cfg.param_scheduler
    assert (sched.type, sched.milestones, sched.gamma) == \
        ('MultiStepLR', milestones, 0.1)
    assert cfg.train_dataloader.batch_size == 32
    assert cfg.auto_scale_lr.base_batch_size == 32
    keys = cfg.optim_wrapper.paramwise_cfg.custom_keys
    assert keys['head'] == keys['neck'] == dict(lr_mult=10.0)
    if backbone == 'resnet50':  # wsolevaluation's 10x on layer4
        assert keys['backbone.layer4'] == dict(lr_mult=10.0)
    assert cfg.model.head.num_classes == NUM_CLASSES[dataset]
    if method != 'fam':
        # GT-class CAM, min-max normalised (bias-free and bicubic: the CAM
        # heads' defaults)
        assert cfg.model.head.cam_target == 'gt'
        assert cfg.model.head.get('upsample_mode', 'bicubic') == 'bicubic'
        assert cfg.val_evaluator.loc_threshold_mode == 'minmax'
    _check_method(method, backbone, cfg)
    expected = 'wsol/pxap' if dataset == 'openimages' else \
        'wsol/maxboxaccv2'
    assert cfg.default_hooks.checkpoint.save_best == expected
    # model selection on train-fullsup (wsolevaluation's val split)
    val = cfg.val_dataloader.dataset
    assert val.split == 'val' and val.type in ('WSOLMetadataDataset',
                                               'OpenImagesWSOL')
    assert cfg.test_dataloader.dataset.split in ('test', 'val')


def _wsolevaluation_numbers():
    """Model name -> its "(wsolevaluation)" metric in the metafiles (None
    when it has none)."""
    out = {}
    for path in glob.glob(osp.join(CONFIGS, 'metafiles', '*.yml')):
        with open(path, encoding='utf-8') as f:
            meta = yaml.safe_load(f)
        for model in meta['Models']:
            values = [
                value for result in model.get('Results', [])
                for key, value in result['Metrics'].items()
                if key.endswith('(wsolevaluation)')
            ]
            assert len(values) <= 1, model['Name']
            out[model['Name']] = values[0] if values else None
    return out


def test_readme_table_matches_the_metafiles():
    """configs/README.md's method table names every grid config once, with
    the wsolevaluation number of its metafile entry (or '-')."""
    with open(osp.join(CONFIGS, 'README.md'), encoding='utf-8') as f:
        text = f.read()
    cells = re.findall(r'`([\w.-]+\.py)` \(([\d.]+|-)\)', text)
    names = [name for name, _ in cells]
    assert sorted(names) == sorted(set(names)), 'a config listed twice'
    assert set(ALL) <= set(names), sorted(set(ALL) - set(names))
    numbers = _wsolevaluation_numbers()
    for name, number in cells:
        expected = numbers[osp.splitext(name)[0]]
        if number == '-':
            assert expected is None, name
        else:
            assert float(number) == expected, name
    # CUB's MaxBoxAccV2, VGG16 / InceptionV3 / ResNet50, as issue 19 quotes
    # their README table
    cub = {
        'cam': [63.7, 56.7, 63.0],
        'has': [63.7, 53.4, 64.7],
        'acol': [57.4, 56.2, 66.5],
        'spg': [56.3, 55.9, 60.4],
        'adl': [66.3, 58.8, 58.4],
        'cutmix': [62.3, 57.5, 62.8]
    }
    for method, expected in cub.items():
        assert [
            numbers[f'{method}_{b}_cub']
            for b in ('vgg16', 'inceptionv3', 'resnet50')
        ] == expected, method


def test_deit_small_is_the_published_shape():
    cfg = Config.fromfile(osp.join(CONFIGS, 'fam_deit-small_cub.py'))
    backbone = cfg.model.backbone
    assert (backbone.type, backbone.arch, backbone.patch_size,
            backbone.img_size, backbone.out_type) == \
        ('VisionTransformer', 'deit-small', 16, 224, 'featmap')
    assert cfg.model.neck.in_channels == cfg.model.head.in_channels == 384
    assert backbone.init_cfg.checkpoint.endswith(
        'deit-small_pt-4xb256_in1k_20220218-9425b9bb.pth')
    assert backbone.init_cfg.prefix == 'backbone'
    # 'deit-small' is 384 wide; at 224 px, patch 16, the map is the 14 x 14
    # patch tokens without the class token (a 2-layer model of that shape,
    # random weights)
    from mmpretrain.models import VisionTransformer
    assert VisionTransformer.arch_zoo['deit-small']['embed_dims'] == 384
    small = dict(
        backbone,
        arch=dict(
            embed_dims=8, num_layers=2, num_heads=2, feedforward_channels=8),
        init_cfg=None)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        vit = MODELS.build(small)
    vit.eval()  # (mmpretrain's train() returns None: no chaining)
    assert vit.cls_token is not None  # attended to, not in the map
    with torch.no_grad():
        out = vit(torch.zeros(1, 3, 224, 224))
    assert len(out) == 1 and out[0].shape == (1, 8, 14, 14)


# ---------------------------------------------------------------------------
# tiny data in each dataset's format
# ---------------------------------------------------------------------------
def _image(path, label, w, h):
    os.makedirs(osp.dirname(path), exist_ok=True)
    img = np.full((h, w, 3), 20, np.uint8)
    img[h // 4:3 * h // 4, w // 4:3 * w // 4] = COLOURS[label]
    assert cv2.imwrite(path, img)


def _lines(path, lines):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def _box(w, h):
    """The coloured square of ``_image`` as x, y, w, h."""
    return w // 4, h // 4, 3 * w // 4 - w // 4, 3 * h // 4 - h // 4


def _write_cub(root, meta):
    """CUB's official layout (2 train + 2 test images, 2 classes) and a
    CUBV2-like train-fullsup split in the wsolevaluation metadata."""
    images = [(1, '001.Gull/g_1.jpg', 1, 1, (48, 40)),
              (2, '002.Wren/w_1.jpg', 2, 1, (40, 52)),
              (3, '001.Gull/g_2.jpg', 1, 0, (44, 44)),
              (4, '002.Wren/w_2.jpg', 2, 0, (50, 36))]
    _lines(osp.join(root, 'images.txt'), [f'{i} {p}' for i, p, *_ in images])
    _lines(
        osp.join(root, 'image_class_labels.txt'),
        [f'{i} {c}' for i, _, c, *_ in images])
    _lines(
        osp.join(root, 'train_test_split.txt'),
        [f'{i} {t}' for i, _, _, t, _ in images])
    _lines(
        osp.join(root, 'bounding_boxes.txt'),
        ['{} {} {} {} {}'.format(i, *_box(*s)) for i, *_, s in images])
    _lines(osp.join(root, 'classes.txt'), ['1 001.Gull', '2 002.Wren'])
    for _, path, c, _, (w, h) in images:
        _image(osp.join(root, 'images', path), c - 1, w, h)
    val = [('001.Gull/g_v.jpg', 0, (42, 38)), ('002.Wren/w_v.jpg', 1,
                                               (36, 46))]
    for path, c, (w, h) in val:
        _image(osp.join(root, 'images', path), c, w, h)
    _write_metadata_split(osp.join(meta, 'val'), val)


def _write_metadata_split(split_dir, images, boxes=True):
    _lines(osp.join(split_dir, 'image_ids.txt'), [p for p, *_ in images])
    _lines(
        osp.join(split_dir, 'class_labels.txt'),
        [f'{p},{c}' for p, c, _ in images])
    _lines(
        osp.join(split_dir, 'image_sizes.txt'),
        [f'{p},{w},{h}' for p, _, (w, h) in images])
    if boxes:
        lines = []
        for p, _, (w, h) in images:
            x, y, bw, bh = _box(w, h)
            lines.append(f'{p},{x},{y},{x + bw},{y + bh}')
        _lines(osp.join(split_dir, 'localization.txt'), lines)


def _write_imagenet(root, meta):
    """ILSVRC's class folders, the val images with XML boxes, and an
    ImageNetV2-like train-fullsup split (``val2/<class>/<n>.jpeg``)."""
    wnids = ('n01440764', 'n01443537')
    for c, wnid in enumerate(wnids):
        _image(osp.join(root, 'train', wnid, f'{wnid}_1.JPEG'), c, 44, 36)
    for k, (c, (w, h)) in enumerate(((0, (40, 30)), (1, (32, 40)))):
        stem = f'ILSVRC2012_val_{k + 1:08d}'
        _image(osp.join(root, 'val', stem + '.JPEG'), c, w, h)
        x, y, bw, bh = _box(w, h)
        with open(osp.join(root, 'val', stem + '.xml'), 'w') as f:
            f.write(f'<annotation><filename>{stem}</filename><size><width>'
                    f'{w}</width><height>{h}</height><depth>3</depth></size>'
                    f'<object><name>{wnids[c]}</name><bndbox><xmin>{x}'
                    f'</xmin><ymin>{y}</ymin><xmax>{x + bw}</xmax><ymax>'
                    f'{y + bh}</ymax></bndbox></object></annotation>\n')
    val = [('val2/0/0.jpeg', 0, (38, 42)), ('val2/1/0.jpeg', 1, (46, 34))]
    for path, c, (w, h) in val:
        _image(osp.join(root, path), c, w, h)
    _write_metadata_split(osp.join(meta, 'val'), val)


def _write_openimages(root, meta):
    """OpenImages30k's metadata (no sizes, masks in localization.txt) with
    its images and instance / ignore masks."""
    for split in ('train', 'val', 'test'):
        images = [(f'{split}/0a/{split}_a.jpg', 0, (40, 36)),
                  (f'{split}/0b/{split}_b.jpg', 1, (34, 44))]
        split_dir = osp.join(meta, split)
        _lines(osp.join(split_dir, 'image_ids.txt'), [p for p, *_ in images])
        _lines(
            osp.join(split_dir, 'class_labels.txt'),
            [f'{p},{c}' for p, c, _ in images])
        _lines(osp.join(split_dir, 'image_sizes.txt'), [])
        loc = []
        for path, c, (w, h) in images:
            _image(osp.join(root, path), c, w, h)
            if split == 'train':
                continue
            stem = osp.splitext(path)[0]
            mask = np.zeros((h, w), np.uint8)
            x, y, bw, bh = _box(w, h)
            mask[y:y + bh, x:x + bw] = 255
            ignore = np.zeros((h, w), np.uint8)
            ignore[:2] = 255
            cv2.imwrite(osp.join(root, stem + '_m0.png'), mask)
            cv2.imwrite(osp.join(root, stem + '_ignore.png'), ignore)
            loc.append(f'{path},{stem}_m0.png,{stem}_ignore.png')
        if loc:
            _lines(osp.join(split_dir, 'localization.txt'), loc)


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    """dataset -> {data_root, metadata_root} of each tiny layout."""
    root = str(tmp_path_factory.mktemp('wsol_grid'))
    out = dict(
        cub=dict(
            data_root=osp.join(root, 'CUB_200_2011'),
            metadata_root=osp.join(root, 'metadata', 'CUB')),
        ilsvrc=dict(
            data_root=osp.join(root, 'imagenet'),
            metadata_root=osp.join(root, 'metadata', 'ILSVRC')),
        openimages=dict(
            data_root=osp.join(root, 'OpenImages'),
            metadata_root=osp.join(root, 'metadata', 'OpenImages')))
    _write_cub(out['cub']['data_root'], out['cub']['metadata_root'])
    _write_imagenet(out['ilsvrc']['data_root'],
                    out['ilsvrc']['metadata_root'])
    _write_openimages(out['openimages']['data_root'],
                      out['openimages']['metadata_root'])
    return out


# ---------------------------------------------------------------------------
# shrinking a config (size only)
# ---------------------------------------------------------------------------
def _shrink_backbone(backbone):
    """Narrow the backbone in place; return a function mapping the
    channels of its outputs (full size -> shrunk)."""
    kind = backbone['type']
    backbone.pop('init_cfg', None)
    if 'backbone' in backbone:  # a wrapper (e.g. a plugin backbone)
        return _shrink_backbone(backbone['backbone'])
    if kind == 'WSOLVGG':
        backbone['extra_channels'] = (16, ) * len(backbone['extra_channels'])
        return lambda c: 16 if c == 1024 else c
    if kind == 'WSOLInceptionV3':
        backbone['extra_channels'] = (16, ) * len(backbone['extra_channels'])
        return lambda c: 16 if c == 1024 else c
    if kind == 'ResNet':
        backbone.update(base_channels=4, stem_channels=8)
        return lambda c: c // 16
    if kind == 'VisionTransformer':
        backbone.update(
            arch=dict(
                embed_dims=32,
                num_layers=2,
                num_heads=2,
                feedforward_channels=64),
            img_size=CROP)
        return lambda c: 32 if c == 384 else c
    raise AssertionError(f'no shrinking rule for backbone {kind}')


def _map_in_channels(node, fn):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'in_channels':
                node[key] = (fn(value) if isinstance(value, int) else
                             type(value)(fn(v) for v in value))
            else:
                _map_in_channels(value, fn)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _map_in_channels(value, fn)


def _shrink_pipeline(pipeline):
    for t in pipeline:
        for key in ('scale', 'crop_size'):
            if key in t:
                size = {256: RESIZE, 224: CROP}[np.max(t[key])]
                t[key] = (size, size) if key == 'scale' else size


def _shrink(cfg, data):
    model = copy.deepcopy(cfg.model)
    fn = _shrink_backbone(model.backbone)
    for key in ('neck', 'head'):
        if model.get(key):
            _map_in_channels(model[key], fn)
    for key in ('mid_channels', 'guide_channels'):  # ACoL, SPG
        if key in model.head:
            model.head[key] = 16
    model.setdefault('data_preprocessor', cfg.data_preprocessor)
    loaders = {}
    for split in ('train', 'val', 'test'):
        dataset = copy.deepcopy(cfg[f'{split}_dataloader'].dataset)
        _shrink_pipeline(dataset.pipeline)
        dataset.data_root = data['data_root']
        if dataset.type == 'WSOLMetadataDataset' and osp.basename(
                dataset.metadata_root) == 'CUB':
            dataset.data_root = osp.join(data['data_root'], 'images')
        if 'metadata_root' in dataset:
            dataset.metadata_root = data['metadata_root']
        # mmengine's serialisation runs gc.collect(): >1 s a dataset here
        dataset.serialize_data = False
        loaders[split] = dataset
    return model, loaders


def _batch(dataset):
    return pseudo_collate([dataset[0], dataset[1]])


def _group_lr(optim_wrapper, param):
    for group in optim_wrapper.optimizer.param_groups:
        if any(p is param for p in group['params']):
            return group['lr']
    raise AssertionError('parameter not in the optimizer')


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)
    torch.set_num_threads(threads)


@pytest.mark.parametrize('name', ALL)
def test_trains_one_iteration_and_evaluates(name, tiny_data, one_thread):
    method, _, dataset_name = _parts(name)
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    model_cfg, loaders = _shrink(cfg, tiny_data[dataset_name])
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        datasets = {k: DATASETS.build(v) for k, v in loaders.items()}
        model = MODELS.build(model_cfg)
        model.train()
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        # the recipe's lrs reach the real parameters: the new layers at
        # 10x, the pretrained trunk at 1x
        base_lr = cfg.optim_wrapper.optimizer.lr
        params = dict(model.named_parameters())
        head = next(p for n, p in params.items() if n.startswith('head.'))
        assert _group_lr(optim_wrapper, head) == pytest.approx(10 * base_lr)
        first = next(iter(model.backbone.parameters()))
        assert _group_lr(optim_wrapper, first) == pytest.approx(base_lr)
        keys = cfg.optim_wrapper.paramwise_cfg.custom_keys
        for key in set(keys) - {'neck', 'head', 'backbone.extra_convs'}:
            assert any(key in n for n in params), \
                f'{name}: custom key {key!r} matches no parameter'

        # one training iteration: it moves the head and the trunk's first
        # layer
        watched = {
            n: p.detach().clone()
            for n, p in params.items() if n.startswith('head.')
        }
        first_before = first.detach().clone()
        # the method's training part is live: HaS / CutMix in the data
        # preprocessor, ADL's three layers run once each
        augments = model.data_preprocessor.batch_augments
        kinds = [type(a).__name__ for a in augments.augments] \
            if augments is not None else []
        assert kinds == {'has': ['HideAndSeek'], 'cutmix': ['CutMix']}.get(
            method, []), kinds
        calls = []
        for plugin in getattr(model.backbone, 'plugins', []):
            plugin.register_forward_hook(
                lambda m, i, o: calls.append(type(m).__name__))
        log_vars = model.train_step(_batch(datasets['train']), optim_wrapper)
        assert calls == (['ADL'] * 3 if method == 'adl' else []), calls
        assert torch.isfinite(log_vars['loss'])
        assert any(not torch.equal(params[n].detach(), value)
                   for n, value in watched.items()), name
        assert not torch.equal(first.detach(), first_before), name

        # one evaluation (train-fullsup), then one test sample through its
        # pipeline
        model.eval()
        evaluator = Evaluator(cfg.val_evaluator)
        evaluator.dataset_meta = datasets['val'].metainfo
        batch = _batch(datasets['val'])
        with torch.no_grad():
            outputs = model.val_step(batch)
        evaluator.process(outputs, batch)
        metrics = evaluator.evaluate(2)
        assert datasets['test'][0]['inputs'].shape[-2:] == (CROP, CROP)
    save_best = cfg.default_hooks.checkpoint.save_best
    assert save_best in metrics, sorted(metrics)
    assert 0 <= metrics[save_best] <= 100
    assert metrics['wsol/top1_cls'] in (0.0, 50.0, 100.0)
