"""PluginBackbone: plugins after named submodules, state dict unchanged."""
import copy

import pytest
import torch
import torch.nn as nn
from mmpretrain.models import ResNet
from mmpretrain.registry import MODELS

from fam_mm.models.backbones import PluginBackbone
from fam_mm.models.utils import adl_drop_mask

# snippet -> (ADL places of clovaai/wsolevaluation in fam-mm's names (the
# EfficientNet-Lite0 ones are fam-mm's choice), a small input size)
ADL_PLACES = {
    'vgg16_wsol': (('features.9', 'features.12', 'features.16'), 32),
    'resnet50_wsol': (('layer3.0', 'layer4.0', 'layer4.2'), 32),
    'inception_v3_wsol': (('Mixed_5d', 'Mixed_6e', 'extra_convs.1'), 48),
    'efficientnet_lite0_wsol_synthetic_s8':
    (('stages.3.0', 'stages.4.0', 'stages.4.2'), 32),
}


def _tiny_resnet(**kwargs):
    return dict(type='ResNet', depth=18, base_channels=8,
                strides=(1, 2, 2, 1), out_indices=(3, ), **kwargs)


def _adl(after, drop_rate=1.0):
    return dict(type='ADL', after=after, drop_rate=drop_rate, gamma=0.9)


@pytest.mark.parametrize('name', sorted(ADL_PLACES))
def test_adl_places_keys_unchanged_and_hooks_fire(name, snippet):
    cfg, _ = snippet(name)
    cfg.pop('init_cfg', None)
    places, size = ADL_PLACES[name]
    torch.manual_seed(0)
    bare = MODELS.build(copy.deepcopy(cfg))
    plugged = MODELS.build(
        dict(type='PluginBackbone', backbone=cfg,
             plugins=[_adl(p) for p in places]))
    assert type(plugged) is type(bare)
    # same state-dict keys (ADL has no state): strict loading both ways
    assert list(plugged.state_dict()) == list(bare.state_dict())
    plugged.load_state_dict(bare.state_dict())
    # the hooks fire at the named places, once each, in order
    seen = []
    modules = dict(plugged.named_modules())
    for p in places:
        modules[p].register_forward_hook(
            lambda m, a, o, p=p: seen.append(p))
    fired = []
    for plugin, p in zip(plugged.plugins, places):
        plugin.register_forward_hook(lambda m, a, o, p=p: fired.append(p))
    x = torch.rand(2, 3, size, size)
    bare.eval()
    plugged.eval()
    with torch.no_grad():
        # eval: ADL is the identity
        torch.testing.assert_close(plugged(x), bare(x))
        assert fired == seen == list(places)
        plugged.train()
        bare.train()
        # train (drop_rate=1): the peak of the last place is dropped
        out = plugged(x)[0]
    assert fired == list(places) * 2
    assert plugged.plugins[0].training
    assert not torch.allclose(out, bare(x)[0])


def test_runs_after_the_named_module_and_changes_its_output():
    torch.manual_seed(0)
    plugged = PluginBackbone(_tiny_resnet(), [_adl('layer4.1')])
    plugged.train()  # (ResNet.train returns None)
    raw = {}
    # (a hook's non-None return value would replace the output)
    plugged.plugins[0].register_forward_hook(
        lambda m, args, o: raw.update({'in': args[0]}))
    out = plugged(torch.rand(2, 3, 64, 64))[0]
    # layer4.1 is the last block: the backbone output is the plugin's, the
    # drop mask applied to layer4.1's output
    block_out = raw['in']
    assert block_out.shape == out.shape == (2, 64, 4, 4)
    expected = block_out * adl_drop_mask(block_out.mean(1, True), 0.9)
    torch.testing.assert_close(out, expected)
    assert not torch.allclose(out, block_out)


def test_pretrained_init_cfg_still_loads(tmp_path, save_ckpt, perturb):
    source = MODELS.build(_tiny_resnet())
    state = perturb(source)
    ckpt = save_ckpt(state, tmp_path / 'in1k.pth')
    plugged = PluginBackbone(
        _tiny_resnet(init_cfg=dict(
            type='Pretrained', checkpoint=ckpt, prefix='backbone')),
        [_adl('layer3.0'), _adl('layer4.0')])
    plugged.init_weights()
    for key, value in plugged.state_dict().items():
        torch.testing.assert_close(value, state[key])


def test_deepcopy_keeps_its_own_plugins():
    """A deep copy (EMA, model soups) hooks its own plugins, not the
    original's: the copy in eval mode is the identity."""
    torch.manual_seed(0)
    plugged = PluginBackbone(_tiny_resnet(), [_adl('layer4.0')])
    plugged.train()
    clone = copy.deepcopy(plugged)
    clone.eval()
    assert plugged.plugins[0].training and not clone.plugins[0].training
    bare = MODELS.build(_tiny_resnet())
    bare.eval()
    bare.load_state_dict(clone.state_dict())
    x = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(clone(x), bare(x))


def test_frozen_stages_and_module_instance_kept():
    resnet = ResNet(depth=18, base_channels=8, frozen_stages=1,
                    out_indices=(3, ))
    plugged = PluginBackbone(resnet, [_adl('layer2.0')])
    assert plugged is resnet
    plugged.train()
    assert not plugged.layer1.training and plugged.layer2.training
    assert plugged.plugins[0].training


def test_unknown_place_and_bad_plugins_are_clear_errors():
    with pytest.raises(ValueError,
                       match=r"plugins\[1\].after='layer4.9'.*ResNet.*"
                       r'closest: layer4.1, layer4.0.*: conv1, bn1'):
        PluginBackbone(_tiny_resnet(), [_adl('layer4.0'), _adl('layer4.9')])
    with pytest.raises(ValueError, match=r"plugins\[0\].after=None"):
        PluginBackbone(_tiny_resnet(), [dict(type='ADL')])
    with pytest.raises(ValueError, match=r"after=''"):
        PluginBackbone(_tiny_resnet(), [_adl('')])
    with pytest.raises(ValueError, match='empty'):
        PluginBackbone(_tiny_resnet(), [])
    # a base config's backbone merged in (no _delete_=True)
    with pytest.raises(TypeError, match=r"\['depth', 'strides'\].*_delete_"):
        MODELS.build(dict(type='PluginBackbone', backbone=_tiny_resnet(),
                          plugins=[_adl('layer4.0')], depth=50,
                          strides=(1, 2, 2, 1)))

    class TupleOut(nn.Module):

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 1)

        def forward(self, x):
            return self.conv(x), x

    class Net(nn.Module):

        def __init__(self):
            super().__init__()
            self.block = TupleOut()

        def forward(self, x):
            return self.block(x)[0]

    net = PluginBackbone(Net(), [_adl('block')])
    with pytest.raises(TypeError, match="output of 'block'.*tuple"):
        net(torch.rand(1, 3, 4, 4))
