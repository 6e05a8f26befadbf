"""projects/fam_pseudo_det: pseudo boxes -> an mmdet detector; FAM on mmdet
backbones; `make setup-det`.

Selected by ``pytest -k "mmdet or pseudo or detect"``. Tests that need mmdet
skip, saying why, when mmcv's compiled ops or mmdet are missing (``make
setup-det`` installs both; ``.ci/run`` runs it).
"""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from fam_mm.evaluation.metrics import boxes_to_coco

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PROJECT = osp.join(REPO, 'projects', 'fam_pseudo_det')


def _mmdet_missing() -> str:
    try:
        from mmcv import _ext  # noqa: F401
    except ImportError as e:
        return ('mmcv compiled ops are not installed (import mmcv._ext: '
                f'{e}); run `make setup-det`')
    try:
        import mmdet  # noqa: F401
    except ImportError as e:
        return f'mmdet is not installed ({e}); run `make setup-det`'
    return ''


MMDET_MISSING = _mmdet_missing()
requires_mmdet = pytest.mark.skipif(bool(MMDET_MISSING), reason=MMDET_MISSING)


def _load(rel_path: str):
    path = osp.join(REPO, rel_path)
    name = 'pseudo_det_' + osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SMALL_SYNTHETIC = dict(num_train=16, num_val=8, num_test=8, seed=3)


@pytest.fixture(scope='module')
def synthetic_root(tmp_path_factory):
    from fam_mm.datasets import generate_synthetic_wsol
    root = str(tmp_path_factory.mktemp('synthetic') / 'synthetic_wsol')
    generate_synthetic_wsol(root, **SMALL_SYNTHETIC)
    return root


# ---------------------------------------------------------------- COCO files
def test_boxes_to_coco_gt_for_detection():
    records = [
        dict(sample_idx=0, img_path='/d/a.jpg', ori_shape=(50, 80),
             bboxes=np.array([[1, 2, 11, 22], [-5, 0, 90, 40]]),
             labels=[1, 1]),
        dict(sample_idx=1, img_path='/d/b.jpg', ori_shape=(30, 30),
             bboxes=np.zeros((0, 4)), labels=[]),
    ]
    coco = boxes_to_coco(records, classes=['x', 'y'], data_root='/d')
    assert [im['file_name'] for im in coco['images']] == ['a.jpg', 'b.jpg']
    assert [im['id'] for im in coco['images']] == [1, 2]
    anns = coco['annotations']
    assert len(anns) == 2 and all('score' not in a for a in anns)
    assert anns[0]['bbox'] == [1, 2, 10, 20] and anns[0]['category_id'] == 2
    # clipped to the image (80 x 50)
    assert anns[1]['bbox'] == [0, 0, 80, 40] and anns[1]['area'] == 3200
    with pytest.raises(ValueError, match='2 boxes but 1 labels'):
        boxes_to_coco([dict(records[0], labels=[0])], classes=['x', 'y'])
    with pytest.raises(ValueError, match='out of range'):
        boxes_to_coco([dict(records[0], labels=[0, 5])], classes=['x', 'y'])


def test_wsol_gt_to_coco_matches_dataset_and_pseudo_ids(synthetic_root,
                                                        tmp_path):
    from fam_mm.datasets import SyntheticWSOL
    to_coco = _load('tools/dataset_converters/wsol_to_coco.py')
    out = str(tmp_path / 'test_gt.json')
    coco = to_coco.main([
        osp.join(REPO, 'configs', 'fam_resnet18_synthetic.py'), '--split',
        'test', '--out', out, '--cfg-options',
        f'test_dataloader.dataset.data_root={synthetic_root}',
    ] + [f'test_dataloader.dataset.{k}={v}'
         for k, v in SMALL_SYNTHETIC.items()])
    with open(out) as f:
        assert json.load(f) == coco
    dataset = SyntheticWSOL(synthetic_root, split='test', **SMALL_SYNTHETIC)
    assert len(coco['images']) == len(dataset)
    assert [c['name'] for c in coco['categories']] == \
        list(dataset.metainfo['classes'])
    for idx in range(len(dataset)):
        info = dataset.get_data_info(idx)
        image = coco['images'][idx]
        # the ids and names tools/export_pseudo_boxes.py gives the same image
        assert image['id'] == idx + 1
        assert image['file_name'] == osp.relpath(info['img_path'],
                                                 synthetic_root)
        assert (image['height'], image['width']) == tuple(info['ori_shape'])
        anns = [a for a in coco['annotations'] if a['image_id'] == idx + 1]
        assert len(anns) == len(info['gt_bboxes'])  # every GT box
        for ann, box in zip(anns, info['gt_bboxes']):
            x, y, w, h = ann['bbox']
            np.testing.assert_allclose([x, y, x + w, y + h], box, atol=1e-3)
            assert ann['category_id'] == info['gt_label'] + 1


def test_pseudo_box_quality_corloc(tmp_path):
    run = _load('projects/fam_pseudo_det/run_synthetic.py')
    images = [dict(id=i, file_name=f'{i}.jpg', width=100, height=100)
              for i in (1, 2, 3, 4)]

    def write(name, anns):
        path = tmp_path / name
        path.write_text(json.dumps(dict(
            images=images, categories=[dict(id=1, name='a')],
            annotations=[dict(id=k + 1, image_id=i, category_id=1, bbox=b)
                         for k, (i, b) in enumerate(anns)])))
        return str(path)

    gt = write('gt.json', [(1, [0, 0, 10, 10]), (2, [0, 0, 10, 10]),
                           (2, [50, 50, 20, 20]), (3, [0, 0, 10, 10])])
    # image 1 exact, image 2 matches its second box, image 3 has no box,
    # image 4 has no GT (not counted)
    pred = write('pred.json', [(1, [0, 0, 10, 10]), (2, [50, 50, 20, 10]),
                               (4, [0, 0, 5, 5])])
    quality = run.box_quality(pred, gt)
    assert quality['corloc'] == pytest.approx(200 / 3)
    assert quality['mean_iou'] == pytest.approx((1 + 0.5 + 0) / 3 * 100)
    assert quality['num_boxes'] == 3
    # areas: image 1 1.0, image 2 200 / (100 + 400) = 0.4 -> median 0.7
    assert quality['area_ratio'] == pytest.approx(0.7)


def _fake_demo_dir(root, results, pretrain=False):
    """A demo work dir: results.json, the runs' last checkpoints."""
    root.mkdir()
    (root / 'results.json').write_text(json.dumps(results))
    for method in ('fam', 'cam'):
        (root / method).mkdir()
        ckpt = root / method / 'epoch_1.pth'
        ckpt.write_bytes(b'')
        (root / method / 'last_checkpoint').write_text(str(ckpt))
    if pretrain:
        (root / 'pretrain').mkdir()
        (root / 'pretrain' / 'backbone_pretrain.pth').write_bytes(b'')
    return str(root)


def test_wsol_models_follow_the_demo_pair(tmp_path, monkeypatch):
    """FAM/CAM configs from results.json; the detectors' backbone from the
    demo's pretraining, else that stage run for them only."""
    run = _load('projects/fam_pseudo_det/run_synthetic.py')
    calls = []

    def pretrain(args):
        calls.append(args)
        return osp.join(args.work_dir, 'pretrain', 'backbone_pretrain.pth')

    monkeypatch.setattr(run, 'pretrain_detector_backbone', pretrain)
    lite = dict(
        fam=dict(config='configs/fam_efficientnet-lite0_synthetic.py',
                 loc_threshold=0.55),
        cam=dict(config='configs/cam_efficientnet-lite0_synthetic.py',
                 loc_threshold=0.3))
    # the default pair (ImageNet EfficientNet-Lite0): no demo pretraining
    args = run.parse_args([
        '--demo-dir', _fake_demo_dir(tmp_path / 'lite', lite), '--work-dir',
        str(tmp_path / 'det'), '--demo-args', '--pretrain-epochs', '1'])
    models = run.wsol_models(args)
    for method in ('fam', 'cam'):
        assert models[method]['config'] == osp.join(
            REPO, 'configs', f'{method}_efficientnet-lite0_synthetic.py')
        assert osp.isfile(models[method]['config'])
    assert models['fam']['loc_threshold'] == 0.55
    assert models['cam']['loc_threshold'] == 0.3
    assert len(calls) == 1
    assert models['pretrained'] == dict(
        checkpoint=str(tmp_path / 'det' / 'pretrain' /
                       'backbone_pretrain.pth'), from_demo=False)
    # the resnet18 pair: its pretraining stage is reused; a results.json
    # without configs (older demo) is that pair
    for name, results in (('r18', dict(
            fam=dict(config='configs/fam_resnet18_synthetic.py',
                     loc_threshold=0.5),
            cam=dict(config='configs/cam_resnet18_synthetic.py',
                     loc_threshold=0.45))), ('old', dict(
                         fam=dict(loc_threshold=0.5),
                         cam=dict(loc_threshold=0.45)))):
        demo_dir = _fake_demo_dir(tmp_path / name, results, pretrain=True)
        models = run.wsol_models(run.parse_args(['--demo-dir', demo_dir]))
        for method in ('fam', 'cam'):
            assert models[method]['config'] == osp.join(
                REPO, 'configs', f'{method}_resnet18_synthetic.py')
        assert models['pretrained'] == dict(
            checkpoint=osp.join(demo_dir, 'pretrain',
                                'backbone_pretrain.pth'), from_demo=True)
    assert len(calls) == 1


def test_detector_backbone_pretraining_is_the_demo_stage():
    """What run_synthetic passes to tools/demo.py's pretraining stage."""
    run = _load('projects/fam_pseudo_det/run_synthetic.py')
    demo = _load('tools/demo.py')
    args = run.parse_args([
        '--demo-dir', 'd', '--work-dir', 'w', '--num-train', '16',
        '--seed', '2', '--demo-args', '--pretrain-epochs', '1',
        '--work-dir', 'x'])
    demo_args = demo.parse_args(
        run._demo_argv(args) +
        ['--work-dir', args.work_dir, '--backbone', run.DETECTOR_BACKBONE])
    assert demo.needs_pretraining(demo_args)
    assert demo_args.work_dir == 'w' and demo_args.num_train == 16
    assert demo_args.seed == 2 and demo_args.pretrain_epochs == 1


# ----------------------------------------------------------- setup-det script
def test_setup_det_fails_clearly_without_compiler(tmp_path):
    env = dict(
        os.environ,
        PY=sys.executable,
        MMCV_VERSION='0.0.0',  # not installed: the build path is taken
        FAM_MM_CACHE_DIR=str(tmp_path / 'cache'),
        CXX=str(tmp_path / 'no-such-c++'))
    proc = subprocess.run(['bash', osp.join(REPO, 'tools', 'setup_det.sh')],
                          env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode != 0
    assert 'no C++ compiler' in proc.stderr
    assert 'no-such-c++' in proc.stderr
    assert 'prebuilt mmcv' in proc.stderr
    # nothing was built or cached
    assert not list((tmp_path / 'cache').rglob('*.whl'))


# ---------------------------------------------------------- needs mmdet / ops
@requires_mmdet
def test_mmdet_backbone_feeds_fam_neck_and_head():
    from mmdet.models.backbones import ResNet as MMDetResNet
    from mmdet.registry import MODELS as MMDET_MODELS
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample

    import fam_mm  # noqa: F401
    from fam_mm.models import FAMHead, FAMNeck
    cfg = Config.fromfile(
        osp.join(PROJECT, 'configs', 'fam_mmdet-resnet50_cub.py'))
    assert cfg.model.backbone.type == 'mmdet.ResNet'
    cfg.model.backbone.init_cfg = None  # no download in tests
    model = MODELS.build(cfg.model)
    assert isinstance(model.backbone, MMDetResNet)
    assert isinstance(model.neck, FAMNeck) and isinstance(model.head, FAMHead)
    # and from mmdet's side, through the scope prefix
    assert MMDET_MODELS.get('mmpretrain.FAMNeck') is FAMNeck
    assert MMDET_MODELS.get('mmpretrain.FAMHead') is FAMHead

    torch.manual_seed(0)
    inputs = torch.rand(2, 3, 64, 64)
    samples = [
        DataSample(metainfo=dict(img_shape=(64, 64), ori_shape=(64, 64)))
        .set_gt_label(label) for label in (3, 7)
    ]
    losses = model.loss(inputs, samples)
    assert set(losses) == {'loss_cls', 'loss_spa', 'loss_div'}
    total = sum(v for v in losses.values() if v.requires_grad)
    total.backward()
    assert model.backbone.conv1.weight.grad is not None
    model.eval()
    with torch.no_grad():
        preds = model.predict(inputs, samples)
    for pred in preds:
        assert pred.pred_score.shape == (200, )
        box = np.asarray(pred.pred_bbox, dtype=float).reshape(-1)
        assert box.shape == (4, ) and 0 <= box[0] <= box[2] <= 64


@requires_mmdet
@pytest.mark.parametrize('source', ['fam', 'cam', 'gt'])
def test_pseudo_det_configs_build_detector(source):
    from mmdet.models.detectors import FCOS
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules

    from fam_mm.datasets.synthetic_generator import class_names
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(
        osp.join(PROJECT, 'configs',
                 f'fcos_r18-slim_fpn_synthetic_{source}-boxes.py'))
    assert tuple(cfg.classes) == tuple(class_names(8))
    ann = cfg.train_dataloader.dataset.ann_file
    assert ann.endswith('train_gt.json' if source == 'gt' else
                        f'train_{source}_pseudo.json')
    assert cfg.test_evaluator.type == 'CocoMetric'
    assert cfg.test_evaluator.ann_file.endswith('test_gt.json')
    cfg.model.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    assert isinstance(model, FCOS)
    assert model.bbox_head.num_classes == 8
    with torch.no_grad():
        feats = model.extract_feat(torch.rand(1, 3, 96, 96))
    assert [f.shape[-1] for f in feats] == [12, 6, 3]


@requires_mmdet
def test_pseudo_det_slim_backbone_loads_the_wsol_pretraining(tmp_path):
    """The detector's mmdet ResNet takes the mmpretrain slim ResNet weights
    that FAM and CAM start from, every key of it."""
    from mmdet.registry import MODELS as MMDET_MODELS
    from mmdet.utils import register_all_modules
    from mmpretrain.registry import MODELS
    register_all_modules(init_default_scope=False)
    cls_cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'pretrain_resnet18_synthetic.py'))
    classifier = MODELS.build(cls_cfg.model)
    ckpt = tmp_path / 'backbone_pretrain.pth'
    torch.save(dict(state_dict=classifier.state_dict()), ckpt)
    det_cfg = Config.fromfile(
        osp.join(PROJECT, 'configs',
                 'fcos_r18-slim_fpn_synthetic_gt-boxes.py'))
    det_cfg.model.backbone.init_cfg.checkpoint = str(ckpt)
    with DefaultScope.overwrite_default_scope('mmdet'):
        detector = MMDET_MODELS.build(det_cfg.model)
        detector.init_weights()
    ours = classifier.backbone.state_dict()
    theirs = detector.backbone.state_dict()
    assert set(ours) == set(theirs)
    for key, value in ours.items():
        torch.testing.assert_close(theirs[key], value, msg=key)


@requires_mmdet
def test_detector_on_pseudo_boxes_end_to_end(tmp_path, capsys):
    """run_synthetic.py: tiny demo -> FAM/CAM pseudo boxes -> 3 FCOS runs ->
    CocoMetric on the GT boxes -> table."""
    run = _load('projects/fam_pseudo_det/run_synthetic.py')
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        rows = run.main([
            '--work-dir', str(tmp_path / 'det'), '--demo-dir',
            str(tmp_path / 'demo'), '--data-root', str(tmp_path / 'data'),
            '--num-train', '16', '--num-val', '4', '--num-test', '8',
            '--epochs', '1', '--batch-size', '4', '--workers', '0',
            # keep every detection: a 1-epoch detector has low scores, and
            # CocoMetric must compute real APs here
            '--score-thr', '0',
            '--demo-args', '--pretrain-epochs', '1', '--epochs', '1',
            '--batch-size', '4', '--workers', '0', '--cam-curve-interval',
            '0.05', '--vis-interval', '100'
        ])
    finally:
        torch.set_num_threads(threads)
    assert list(rows) == ['fam', 'cam', 'gt']
    for source, row in rows.items():
        for key in ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'corloc',
                    'mean_iou'):
            assert 0.0 <= row[key] <= 100.0, (source, key, row[key])
    # the GT "pseudo boxes" are the GT: perfect quality by construction
    assert rows['gt']['corloc'] == 100.0
    assert rows['gt']['mean_iou'] == pytest.approx(100.0)
    assert rows['gt']['area_ratio'] == pytest.approx(1.0)
    ann_dir = tmp_path / 'det' / 'annotations'
    with open(ann_dir / 'train_fam_pseudo.json') as f:
        fam = json.load(f)
    with open(ann_dir / 'train_gt.json') as f:
        gt = json.load(f)
    # same images, same ids, one pseudo box per image at most
    assert fam['images'] == gt['images'] and len(fam['images']) == 16
    assert len({a['image_id'] for a in fam['annotations']}) == \
        len(fam['annotations'])
    # each detector was trained and tested: last checkpoint + test log
    for source in ('fam', 'cam', 'gt'):
        assert (tmp_path / 'det' / f'fcos_{source}' / 'epoch_1.pth').exists()
    out = capsys.readouterr().out
    assert '| detector trained on |' in out
    assert 'FAM pseudo boxes' in out and 'GT boxes' in out
    saved = json.loads((tmp_path / 'det' / 'results.json').read_text())
    assert set(saved['rows']) == {'fam', 'cam', 'gt'}
    # the demo's default (headline) pair, no pretraining stage: its configs
    # exported the pseudo boxes, the detectors' backbone was pretrained here
    assert saved['wsol_config'] == {
        m: f'configs/{m}_efficientnet-lite0_synthetic-finegrained.py'
        for m in ('fam', 'cam')}
    # the demo ran its headline pair only
    assert not (tmp_path / 'demo' / 'fam_crest').exists()
    # the detectors read the fine-grained data's images and classes
    with open(tmp_path / 'det' / 'annotations' / 'test_gt.json') as f:
        names = [c['name'] for c in json.load(f)['categories']]
    assert names[0] == 'blue_spotted_black-tail_dark-legs'
    assert not (tmp_path / 'demo' / 'pretrain').exists()
    assert saved['detector_backbone'] == dict(
        checkpoint=str(tmp_path / 'det' / 'pretrain' /
                       'backbone_pretrain.pth'), from_demo=False)
    assert osp.isfile(saved['detector_backbone']['checkpoint'])


def test_wsol_gt_to_coco_reads_missing_sizes_from_the_image(tmp_path):
    """Splits without image_sizes.txt: the size comes from the file header;
    a missing file is named."""
    import cv2
    to_coco = _load('tools/dataset_converters/wsol_to_coco.py')
    img = tmp_path / 'a.png'
    cv2.imwrite(str(img), np.zeros((30, 50, 3), np.uint8))

    class NoSizes:
        metainfo = dict(classes=('x', ))
        data_root = str(tmp_path)

        def __init__(self, paths):
            self.paths = paths

        def __len__(self):
            return len(self.paths)

        def get_data_info(self, idx):
            return dict(img_path=self.paths[idx], gt_label=0, ori_shape=None,
                        gt_bboxes=np.array([[1., 2., 11., 12.]]))

    coco = to_coco.gt_to_coco(NoSizes([str(img)]))
    assert coco['images'] == [dict(id=1, file_name='a.png', width=50,
                                   height=30)]
    assert coco['annotations'][0]['bbox'] == [1, 2, 10, 10]
    with pytest.raises(FileNotFoundError, match='missing.png'):
        to_coco.gt_to_coco(NoSizes([str(tmp_path / 'missing.png')]))


@requires_mmdet
def test_detector_config_follows_the_wsol_data(tmp_path):
    """The FCOS configs name the crest-only classes and data; a demo pair on
    the fine-grained variant gives its own classes and image root."""
    from fam_mm.datasets.synthetic_generator import class_names
    run = _load('projects/fam_pseudo_det/run_synthetic.py')
    names = class_names(8, fine_grained=True)
    test_gt = tmp_path / 'test_gt.json'
    test_gt.write_text(json.dumps(dict(
        images=[], annotations=[],
        categories=[dict(id=i + 1, name=n) for i, n in enumerate(names)])))
    files = dict(train_gt=str(tmp_path / 'train_gt.json'),
                 test_gt=str(test_gt))
    args = run.parse_args(['--work-dir', str(tmp_path / 'det')])
    cfg = run.detector_config(
        'gt', args, files, 'backbone.pth',
        wsol_config=osp.join(
            REPO, 'configs',
            'fam_efficientnet-lite0_synthetic-finegrained.py'))
    for loader in ('train_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.metainfo.classes == tuple(names)
        assert cfg[loader].dataset.data_root == \
            'data/synthetic_wsol_finegrained/'
    assert cfg.model.bbox_head.num_classes == 8
    # the crest-only data keeps the config's own classes
    test_gt.write_text(json.dumps(dict(
        images=[], annotations=[],
        categories=[dict(id=i + 1, name=n)
                    for i, n in enumerate(class_names(8))])))
    cfg = run.detector_config(
        'gt', args, files, 'backbone.pth',
        wsol_config=osp.join(REPO, 'configs',
                             'fam_efficientnet-lite0_synthetic.py'))
    assert tuple(cfg.train_dataloader.dataset.metainfo.classes) == \
        tuple(class_names(8))
    assert cfg.train_dataloader.dataset.data_root == 'data/synthetic_wsol/'
