"""The web demo's logic (demo/web_demo.py) without a browser: the model list,
the class text, and the threshold slider's redraw from the cached map."""
import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


web = _load('fam_web_demo', osp.join(REPO, 'demo', 'web_demo.py'))
tiny = _load('tiny_wsol', osp.join(REPO, 'tests', 'test_apis',
                                   'tiny_wsol.py'))


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp('web_demo')
    out = dict(root=root)
    for head in ('FAM', 'CAM'):
        out[head] = (tiny.write_config(str(root / f'{head.lower()}.py'),
                                       head),
                     tiny.write_checkpoint(str(root / f'{head.lower()}.pth'),
                                           head))
    return out


def _demo(files, head='FAM'):
    """A WebDemo of one tiny model; FAM's map is a fixed off-centre blob."""
    specs = web.model_specs(None, [files[head]], imagenet=False)
    demo = web.WebDemo(specs, device='cpu')
    name = demo.model_names[0]
    if head == 'FAM':
        tiny.force_fam_map(demo.model(name).model)
    return demo, name


def _photo(h=70, w=50):
    """An RGB photo: dark, one bright ellipse."""
    import cv2
    img = np.full((h, w, 3), 20, np.uint8)
    cv2.ellipse(img, (w // 3, h // 2), (w // 5, h // 4), 0, 0, 360,
                (230, 200, 90), -1)
    return img


def _write_demo_dir(files, root):
    """A ``make demo`` work dir: results.json and last_checkpoint files."""
    results = {
        'fam': dict(config=files['FAM'][0], loc_threshold=0.35),
        'cam': dict(config=files['CAM'][0], loc_threshold=0.6),
        'fam_crest': dict(config=files['FAM'][0], loc_threshold=0.8),
    }
    demo_dir = root / 'demo'
    os.makedirs(demo_dir / 'fam')
    os.makedirs(demo_dir / 'cam')
    (demo_dir / 'fam' / 'last_checkpoint').write_text(files['FAM'][1])
    # a marker naming a deleted checkpoint; fam_crest has no run folder
    (demo_dir / 'cam' / 'last_checkpoint').write_text(
        str(root / 'deleted.pth'))
    (demo_dir / 'results.json').write_text(json.dumps(results))
    return str(demo_dir)


def test_model_list(files, tmp_path):
    demo_dir = _write_demo_dir(files, tmp_path)
    specs = web.model_specs(demo_dir, [files['CAM'], files['CAM']])
    names = list(specs)
    assert names == [
        web.IMAGENET_MODEL, 'FAM (make demo), fam', 'cam.py + cam.pth',
        'cam.py + cam.pth (2)'
    ]
    imagenet = specs[web.IMAGENET_MODEL]
    assert imagenet.config.endswith('configs/cam_efficientnet-lite0_'
                                    'imagenet.py')
    assert imagenet.checkpoint is None and osp.isfile(imagenet.config)
    # the demo's run: its checkpoint and the threshold chosen on val
    fam = specs['FAM (make demo), fam']
    assert fam.checkpoint == files['FAM'][1]
    assert fam.loc_threshold == 0.35
    assert specs['cam.py + cam.pth'].loc_threshold is None
    # no results.json: no demo models
    assert web.demo_models(str(tmp_path / 'nothing')) == []
    assert list(web.model_specs(None, imagenet=False)) == []
    with pytest.raises(ValueError, match='no model'):
        web.WebDemo({})


def test_test_images_join_the_samples(files, tmp_path):
    data = tmp_path / 'data'
    os.makedirs(data / 'images' / 'test')
    for name in ('c.png', 'a.png', 'b.jpg', 'notes.txt'):
        (data / 'images' / 'test' / name).write_bytes(b'')
    cfg = tiny.write_config(str(tmp_path / 'fam.py'), 'FAM',
                            data_root=str(data))
    specs = web.model_specs(None, [(cfg, files['FAM'][1])], imagenet=False)
    expected = [str(data / 'images' / 'test' / n) for n in ('a.png', 'b.jpg')]
    assert list(specs['fam.py + fam.pth'].examples) == expected
    demo = web.WebDemo(specs, device='cpu')
    assert demo.examples() == web.sample_photos() + expected
    # a config without such a folder adds none
    assert web.model_specs(None, [files['FAM']],
                           imagenet=False)['fam.py + fam.pth'].examples == ()


def test_demo_threshold_is_the_models(files, tmp_path):
    specs = web.model_specs(_write_demo_dir(files, tmp_path), [files['FAM']],
                            imagenet=False)
    demo = web.WebDemo(specs, device='cpu')
    assert demo.default_threshold('FAM (make demo), fam') == 0.35
    assert demo.model('FAM (make demo), fam').model.head.loc_threshold == 0.35
    # a pair keeps its config's threshold (the head's default here)
    assert demo.default_threshold('fam.py + fam.pth') == 0.5
    with pytest.raises(KeyError, match='unknown model'):
        demo.model('nope')


def test_slider_redraws_the_box_without_the_model(files):
    demo, name = _demo(files)
    calls = []
    demo.model(name).model.backbone.register_forward_hook(
        lambda *args: calls.append(1))
    pred = demo.predict(_photo(), name)
    assert len(calls) == 1
    threshold = demo.default_threshold(name)
    # at the model's threshold the redraw is the head's own box
    np.testing.assert_array_equal(
        pred.box(threshold), pred.sample.pred_bbox.numpy())
    photo_lo, maps_lo, text_lo = demo.render(pred, 0.3)
    photo_hi, maps_hi, text_hi = demo.render(pred, 0.9)
    assert len(calls) == 1  # no model call for a new threshold
    box_lo, box_hi = pred.box(0.3), pred.box(0.9)
    # a higher threshold keeps a smaller region inside the lower one's
    assert box_hi[0] >= box_lo[0] and box_hi[1] >= box_lo[1]
    assert box_hi[2] <= box_lo[2] and box_hi[3] <= box_lo[3]
    assert not np.array_equal(box_lo, box_hi)
    assert photo_lo.shape == photo_hi.shape
    assert not np.array_equal(photo_lo, photo_hi)
    assert not np.array_equal(maps_lo, maps_hi)
    assert text_lo != text_hi and 'threshold 0.30' in text_lo
    # FAM's part maps (3) follow the map: the maps picture is wider
    assert pred.sample.part_maps.shape[0] == 3
    assert maps_lo.shape[1] > 3 * photo_lo.shape[1]
    assert pred.method == 'FAM'


def test_cam_has_no_part_maps(files):
    demo, name = _demo(files, 'CAM')
    pred = demo.predict(_photo(), name)
    photo, maps, _ = demo.render(pred, 0.5)
    assert 'part_maps' not in pred.sample and pred.method == 'CAM'
    # the map and its colour bar only
    assert photo.shape[1] < maps.shape[1] < 2 * photo.shape[1]


def test_class_text_and_scores(files, monkeypatch):
    demo, name = _demo(files)
    # a 140 x 100 upload is scaled to 70 x 50 (MAX_SIDE 70): the text
    # gives the box in the upload's pixels
    monkeypatch.setattr(web, 'MAX_SIDE', 70)
    pred = demo.predict(_photo(140, 100), name)
    assert pred.image.shape == (70, 50, 3) and pred.scale == 2.0
    label = pred.label
    scores = pred.scores
    assert label == int(np.argmax(scores))
    box = pred.box(0.5)
    assert box[2] > box[0] and box[3] > box[1]
    x1, y1, x2, y2 = (int(round(v * 2)) for v in box)
    assert web.result_text(pred, 0.5) == (
        f'**{tiny.CLASSES[label]}** (class {label}), score '
        f'{scores[label]:.3f}; box [{x1}, {y1}, {x2}, {y2}] at threshold '
        '0.50')
    assert web.result_text(pred, 1.0).endswith(
        'no box (nothing above the threshold) at threshold 1.00')
    top = demo.top_scores(pred, k=2)
    assert list(top) == [tiny.CLASSES[i] for i in np.argsort(-scores)[:2]]
    assert list(top.values()) == pytest.approx(sorted(scores)[::-1][:2])
    # without class names: class_<id>
    pred.classes = None
    assert demo.top_scores(pred, k=1) == {
        f'class_{label}': pytest.approx(scores[label])
    }


def test_fit_image():
    grey = np.zeros((30, 40), np.uint8)
    img, scale = web.fit_image(grey)
    assert img.shape == (30, 40, 3) and scale == 1.0
    rgba = np.zeros((30, 40, 4), np.uint8)
    assert web.fit_image(rgba)[0].shape == (30, 40, 3)
    big, scale = web.fit_image(np.zeros((600, 1024, 3), np.uint8))
    assert big.shape == (300, 512, 3) and scale == 2.0
    with pytest.raises(ValueError, match='expected an RGB image'):
        web.fit_image(np.zeros((3, 30, 40), np.uint8))


def test_sample_photos():
    photos = web.sample_photos()
    names = [osp.basename(p) for p in photos]
    assert 'chelsea.png' in names  # scikit-image, a test requirement
    assert all(osp.isfile(p) for p in photos)


def test_parse_args(files, capsys):
    cfg, ckpt = files['FAM']
    args = web.parse_args(['--config', cfg, '--checkpoint', ckpt,
                           '--port', '8000'])
    assert args.config == [cfg] and args.checkpoint == [ckpt]
    assert args.port == 8000 and args.host == '127.0.0.1'
    with pytest.raises(SystemExit) as err:
        web.parse_args(['--config', cfg])
    assert err.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(
        'error: 1 --config for 0 --checkpoint: give them in pairs')
    with pytest.raises(SystemExit):
        web.parse_args(['--config', cfg, '--checkpoint', 'missing.pth'])
    assert capsys.readouterr().err.strip().endswith(
        'error: file not found: missing.pth')


def test_bad_checkpoint_stops_with_one_line(files, tmp_path, capsys):
    pytest.importorskip('gradio', reason='the web extra is not installed '
                        '(make web-deps)')
    broken = tmp_path / 'broken.pth'
    broken.write_text('not a checkpoint\n')
    with pytest.raises(SystemExit) as err:
        web.main(['--no-imagenet', '--device', 'cpu', '--demo-dir',
                  str(tmp_path / 'none'), '--config', files['FAM'][0],
                  '--checkpoint', str(broken)])
    message = str(err.value.code)
    assert message.startswith('demo/web_demo.py: error: fam.py + '
                              'broken.pth: ')
    assert '\n' not in message
    assert web.describe_error('m', ValueError('first\nsecond')) == \
        'm: ValueError: first'


def test_build_app(files):
    gr = pytest.importorskip('gradio', reason='the web extra is not '
                             'installed (make web-deps)')
    demo, name = _demo(files)
    app = web.build_app(demo)
    assert isinstance(app, gr.Blocks)
    ids = {getattr(block, 'elem_id', None) for block in app.blocks.values()}
    assert {'photo', 'model', 'threshold', 'result', 'scores', 'box-image',
            'map-image'} <= ids
    assert osp.dirname(web.sample_photos()[0]) in web.allowed_paths(demo)
