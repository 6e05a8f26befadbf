"""The WSOL backbone config snippets: shapes, ImageNet loading, gradients."""
import pytest
import torch
from mmpretrain.registry import MODELS

# snippet -> (channels, size) of the feature map at 224 x 224 input.
EXPECTED_224 = {
    'vgg16_wsol': (1024, 14),
    'vgg16bn_wsol': (1024, 14),
    'resnet50_wsol': (2048, 14),
    'inception_v3_wsol': (1024, 28),
    'mobilenet_v1_wsol': (1024, 14),
}

# snippet -> (plain model whose ImageNet checkpoint the snippet loads,
#             prefix of the WSOL-only parameters,
#             prefixes of the plain parameters the WSOL model drops).
# MobileNetV1 has no mmpretrain counterpart: it loads its own state dict.
PLAIN = {
    'vgg16_wsol': (dict(type='VGG', depth=16,
                        num_classes=-1), ('extra_convs.', ), ()),
    'vgg16bn_wsol':
    (dict(type='VGG', depth=16, norm_cfg=dict(type='BN'),
          num_classes=-1), ('extra_convs.', ), ()),
    'resnet50_wsol': (dict(type='ResNet', depth=50), (), ()),
    'inception_v3_wsol':
    (dict(type='InceptionV3', num_classes=1000,
          aux_logits=False), ('extra_convs.', ), ('Mixed_7', 'fc.')),
    'mobilenet_v1_wsol': (None, (), ()),
}

# Small inputs for the gradient check (batch 2 so that BN trains).
SMALL_INPUT = {
    'vgg16_wsol': 32,
    'vgg16bn_wsol': 32,
    'resnet50_wsol': 32,
    'inception_v3_wsol': 48,
    'mobilenet_v1_wsol': 32,
}


@pytest.mark.parametrize('name', sorted(EXPECTED_224))
def test_feature_shape_at_224(name, snippet):
    cfg, feat_channels = snippet(name)
    channels, size = EXPECTED_224[name]
    assert feat_channels == channels
    model = MODELS.build(cfg)
    model.eval()
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 224, 224))
    assert isinstance(outs, tuple) and len(outs) == 1
    assert outs[0].shape == (1, channels, size, size)


@pytest.mark.parametrize('name', sorted(PLAIN))
def test_loads_imagenet_checkpoint_keys(name, snippet, save_ckpt, perturb,
                                        tmp_path):
    cfg, _ = snippet(name)
    plain_cfg, wsol_only, dropped = PLAIN[name]
    assert cfg['init_cfg']['type'] == 'Pretrained'
    assert cfg['init_cfg']['prefix'] == 'backbone'
    if plain_cfg is None:
        plain_cfg = dict(cfg, init_cfg=None)
    torch.manual_seed(0)
    plain_state = perturb(MODELS.build(plain_cfg))
    # Released mmpretrain checkpoints also hold classifier weights.
    ckpt_state = dict(plain_state, **{'classifier.6.bias': torch.zeros(3)})
    cfg['init_cfg']['checkpoint'] = save_ckpt(ckpt_state,
                                              tmp_path / 'in1k.pth')

    model = MODELS.build(cfg)
    model.init_weights()
    state = model.state_dict()

    # Every WSOL parameter comes from the checkpoint, except the new layers.
    new_keys = [k for k in state if k not in plain_state]
    assert all(k.startswith(wsol_only) for k in new_keys), new_keys
    assert bool(new_keys) == bool(wsol_only)
    # Every checkpoint entry is used, except those of the removed layers.
    unused = [k for k in plain_state if k not in state]
    assert all(k.startswith(dropped) for k in unused), unused
    assert bool(unused) == bool(dropped)
    for key, value in plain_state.items():
        if key in state:
            assert torch.equal(state[key], value), key


@pytest.mark.parametrize('name', sorted(SMALL_INPUT))
def test_gradient_flow(name, snippet):
    cfg, _ = snippet(name)
    model = MODELS.build(cfg)
    model.train()
    size = SMALL_INPUT[name]
    x = torch.rand(2, 3, size, size, requires_grad=True)
    outs = model(x)
    outs[-1].mean().backward()
    no_grad = [
        n for n, p in model.named_parameters()
        if p.requires_grad and p.grad is None
    ]
    assert not no_grad, no_grad
    assert x.grad is not None and x.grad.abs().sum() > 0
