"""demo/image_demo.py refuses to run without a checkpoint unless told to.

Without ``--checkpoint`` it used to predict with random weights and no
warning.
"""
import importlib.util
import os.path as osp

import numpy as np
import pytest
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _demo():
    spec = importlib.util.spec_from_file_location(
        'fam_image_demo_args', osp.join(REPO, 'demo', 'image_demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_checkpoint_required(capsys):
    demo = _demo()
    with pytest.raises(SystemExit) as e:
        demo.parse_args(['img.jpg', 'configs/fam_resnet18_synthetic.py'])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].endswith(
        'error: --checkpoint is required: without it the model has random '
        'weights (pass --random-weights to run anyway)')


def test_random_weights_on_request():
    demo = _demo()
    args = demo.parse_args(
        ['img.jpg', 'configs/fam_resnet18_synthetic.py', '--random-weights'])
    assert args.checkpoint is None and args.random_weights
    args = demo.parse_args(
        ['img.jpg', 'configs/fam_resnet18_synthetic.py', '--checkpoint', 'c'])
    assert args.checkpoint == 'c' and not args.random_weights


def test_cfg_options_set_the_box_threshold(tmp_path, capsys):
    """``--cfg-options model.head.loc_threshold=...`` reaches the model:
    the box of a FAM map of ~0.5 everywhere (random weights) covers the
    whole image at 0.01 and is empty at 0.999."""
    spec = importlib.util.spec_from_file_location(
        'tiny_wsol_args', osp.join(REPO, 'tests', 'test_apis', 'tiny_wsol.py'))
    tiny = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tiny)
    cfg = tiny.write_config(str(tmp_path / 'fam.py'), 'FAM')
    ckpt = tiny.write_checkpoint(str(tmp_path / 'fam.pth'), 'FAM')
    (tmp_path / 'img').mkdir()
    image = tiny.write_images(str(tmp_path / 'img'))[0]
    h, w = tiny.IMAGE_SHAPES[0]
    demo = _demo()
    boxes = {}
    for threshold in (0.01, 0.999):
        result, = demo.main([
            image, cfg, '--checkpoint', ckpt, '--device', 'cpu',
            '--cfg-options', f'model.head.loc_threshold={threshold}'
        ])
        boxes[threshold] = [float(v) for v in result['pred_bbox']]
    assert boxes[0.01] == [0.0, 0.0, float(w), float(h)]
    assert boxes[0.999] == [0.0, 0.0, 0.0, 0.0]
    assert 'box [0.0, 0.0, 0.0, 0.0]' in capsys.readouterr().out


def test_cfg_options_typo_is_one_line(tmp_path, capsys):
    """A mistyped ``--cfg-options`` key stops with the config check's one
    line (exit status 2) before the model is built."""
    demo = _demo()
    image = tmp_path / 'img.png'
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(image)
    argv = [
        str(image), 'configs/cam_efficientnet-lite0_imagenet.py',
        '--cfg-options', 'model.head.loc_treshold=0.3'
    ]
    with pytest.raises(SystemExit) as e:
        demo.run_tool(lambda: demo.main(argv), demo.PROG)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        "demo/image_demo.py: error: model.head: unknown key 'loc_treshold' "
        "(did you mean 'loc_threshold'?)")
