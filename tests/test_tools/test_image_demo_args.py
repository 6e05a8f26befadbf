"""demo/image_demo.py refuses to run without a checkpoint unless told to.

Without ``--checkpoint`` it used to predict with random weights and no
warning.
"""
import importlib.util
import os.path as osp

import pytest

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
