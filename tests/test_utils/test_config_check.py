"""Config keys checked before the build (``fam_mm.utils.config_check``).

Every shipped config must pass; each typo of issue 20 (and one per kind of
registry-built part) must stop with its one-line message. Nothing is built:
the whole file runs in about a second after the imports.
"""
import argparse
import copy
import glob
import os.path as osp
from typing import Union

import pytest
import torch
from mmengine.config import Config

from fam_mm.utils import (
    CfgOptionsAction,
    ConfigKeyError,
    InputError,
    check_config,
    run_tool,
)
from fam_mm.utils.config_check import accepted_keys, runner_keys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', '*.py')))
PROJECT_CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'projects', '*', 'configs', '*.py')))
SYNTHETIC = osp.join(REPO, 'configs', 'fam_resnet18_synthetic.py')
CUB = osp.join(REPO, 'configs', 'fam_vgg16_cub.py')


@pytest.fixture(scope='module')
def synthetic():
    return Config.fromfile(SYNTHETIC)


def test_configs_found():
    assert len(CONFIGS) >= 30


@pytest.mark.parametrize(
    'config', CONFIGS, ids=[osp.basename(c) for c in CONFIGS])
def test_shipped_config_passes(config):
    check_config(Config.fromfile(config))


@pytest.mark.parametrize(
    'config',
    PROJECT_CONFIGS,
    ids=[osp.basename(c) for c in PROJECT_CONFIGS])
def test_project_config_passes(config):
    pytest.importorskip('mmdet', reason='the project configs are mmdet\'s')
    check_config(Config.fromfile(config))


# ---------------------------------------------------------------------------
# the typos, and one per registry-built part
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('options, message', [
    ({'train_cfg.max_epoch': 1},
     "train_cfg: unknown key 'max_epoch' (did you mean 'max_epochs'?)"),
    ({'model.head.loc_treshold': 0.3},
     "model.head: unknown key 'loc_treshold' (did you mean "
     "'loc_threshold'?)"),
    ({'model.haed.x': 1},
     "model: unknown key 'haed' (did you mean 'head'?)"),
    ({'train_dataloader.batchsize': 4},
     "train_dataloader: unknown key 'batchsize' (did you mean "
     "'batch_size'?)"),
    ({'model.head.loc_threshold': 'O.3'},
     "model.head.loc_threshold: expected a number, got 'O.3'"),
    ({'train_cfgs.max_epochs': 1},
     "--cfg-options train_cfgs.max_epochs: unknown top-level key "
     "'train_cfgs' (did you mean 'train_cfg'?)"),
    ({'model.backbone.depht': 34},
     "model.backbone: unknown key 'depht' (did you mean 'depth'?)"),
    ({'model.neck.num_memroy': 2},
     "model.neck: unknown key 'num_memroy' (did you mean 'num_memory'?)"),
    ({'model.head.loss.loss_wieght': 2.0},
     "model.head.loss: unknown key 'loss_wieght' (did you mean "
     "'loss_weight'?)"),
    ({'model.head.type': 'FAMHaed'},
     "model.head.type: unknown type 'FAMHaed' (did you mean 'FAMHead'?)"),
    ({'data_preprocessor.meen': [0, 0, 0]},
     "data_preprocessor: unknown key 'meen' (did you mean 'mean'?)"),
    ({'val_dataloader.dataset.splt': 'val'},
     "val_dataloader.dataset: unknown key 'splt' (did you mean 'split'?)"),
    ({'train_dataloader.sampler.shufle': False},
     "train_dataloader.sampler: unknown key 'shufle' (did you mean "
     "'shuffle'?)"),
    ({'train_dataloader.dataset.pipeline.2.crop_szie': 64},
     "train_dataloader.dataset.pipeline.2: unknown key 'crop_szie' (did "
     "you mean 'crop_size'?)"),
    ({'optim_wrapper.optimizer.momentun': 0.9},
     "optim_wrapper.optimizer: unknown key 'momentun' (did you mean "
     "'momentum'?)"),
    ({'optim_wrapper.clip_gard': None},
     "optim_wrapper: unknown key 'clip_gard' (did you mean 'clip_grad'?)"),
    ({'param_scheduler.0.eta_mn': 0.0},
     "param_scheduler.0: unknown key 'eta_mn' (did you mean 'eta_min'?)"),
    ({'val_cfg.fp61': True},
     "val_cfg: unknown key 'fp61' (did you mean 'fp16'?)"),
    ({'default_hooks.logger.intervall': 10},
     "default_hooks.logger: unknown key 'intervall' (did you mean "
     "'interval'?)"),
    ({'custom_hooks.0.patiense': 3},
     "custom_hooks.0: unknown key 'patiense' (did you mean 'patience'?)"),
    ({'test_evaluator.loc_treshold': 0.3},
     "test_evaluator: unknown key 'loc_treshold' (did you mean "
     "'loc_threshold'?)"),
    ({'visualizer.vis_backends.0.save_dirr': 'x'},
     "visualizer.vis_backends.0: unknown key 'save_dirr' (did you mean "
     "'save_dir'?)"),
    ({'model.train_cfg': dict(augments=[dict(type='Mixup', alhpa=0.2)])},
     "model.train_cfg.augments.0: unknown key 'alhpa' (did you mean "
     "'alpha'?)"),
    ({'train_dataloader.collate_fn': dict(type='default_collate', y=1)},
     "train_dataloader.collate_fn: unknown key 'y'"),
    ({'val_cfg.type': 'ValLop'},
     "val_cfg.type: unknown type 'ValLop' (did you mean 'ValLoop'?)"),
    ({'model.head.use_importance': 'ture'},
     "model.head.use_importance: expected True or False, got 'ture'"),
    # not in the config: the kind comes from FAMHead's default
    ({'model.head.spa_warmup_iters': 'ten'},
     "model.head.spa_warmup_iters: expected a number, got 'ten'"),
    ({'train_cfg.max_epochs.x': 1},
     "--cfg-options train_cfg.max_epochs.x: train_cfg.max_epochs is 8, "
     "which has no key 'x'"),
])
def test_typo(synthetic, options, message):
    with pytest.raises(ConfigKeyError) as e:
        check_config(synthetic, options)
    assert str(e.value) == message


def test_plugin_backbone_keys():
    """PluginBackbone takes `after` out of each plugin dict; a typo there
    or in the plugin's own arguments is still named."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'adl_resnet50_cub.py'))
    check_config(cfg)
    with pytest.raises(
            ConfigKeyError,
            match=r"model.backbone.plugins.1: unknown key 'aftr' "
            r"\(did you mean 'after'\?\)"):
        check_config(cfg, {'model.backbone.plugins.1.aftr': 'layer4.0'})
    with pytest.raises(
            ConfigKeyError,
            match=r"model.backbone.plugins.0: unknown key 'gama'"):
        check_config(cfg, {'model.backbone.plugins.0.gama': 0.5})


def test_typo_in_the_config_file_itself(synthetic):
    cfg = copy.deepcopy(synthetic)
    cfg.train_cfg = dict(by_epoch=True, max_epoch=3)  # -> EpochBasedTrainLoop
    with pytest.raises(ConfigKeyError, match="train_cfg: unknown key "
                       "'max_epoch' .did you mean 'max_epochs'"):
        check_config(cfg)
    cfg.train_cfg = dict(by_epoch=False, max_iter=3)  # -> IterBased
    with pytest.raises(ConfigKeyError, match="did you mean 'max_iters'"):
        check_config(cfg)


def test_valid_options_pass(synthetic):
    check_config(
        synthetic, {
            'train_cfg.max_epochs': 2,
            'model.head.loc_threshold': 0.3,
            'model.head.spa_warmup_iters': 0,
            'model.backbone.init_cfg': None,
            'data_root': '/tmp/elsewhere',
            'work_dir': 'work_dirs/x',  # not in the file: a Runner key
            'train_dataloader.num_workers': 0,
            'train_dataloader.persistent_workers': False,
            'val_evaluator.cam_curve_interval': 0.01,
            'optim_wrapper.clip_grad': dict(max_norm=1.0),
            'param_scheduler': [dict(type='ConstantLR', factor=1.0)],
            'custom_hooks': [],
        })
    assert synthetic.train_cfg.max_epochs == 8  # not changed


def test_evaluators_hooks_and_schedulers_in_their_other_forms(synthetic):
    cfg = copy.deepcopy(synthetic)
    cfg.val_evaluator = [dict(type='WSOLMetric'), dict(type='WSOLMetric')]
    cfg.test_evaluator = dict(metrics=[dict(type='WSOLMetric', x=1)])
    cfg.param_scheduler = dict(type='ConstantLR', factor=1.0)
    cfg.default_hooks.visualization = None
    with pytest.raises(ConfigKeyError,
                       match=r"^test_evaluator\.metrics\.0: unknown key 'x'"):
        check_config(cfg)
    cfg.test_evaluator = cfg.val_evaluator
    check_config(cfg)
    cfg.val_evaluator[1]['loc_treshold'] = 0.5
    with pytest.raises(ConfigKeyError, match=r'^val_evaluator\.1: unknown'):
        check_config(cfg)


def test_types_given_as_classes():
    from mmpretrain.models import ImageClassifier, ResNet
    cfg = Config(
        dict(
            model=dict(
                type=ImageClassifier,
                backbone=dict(type=ResNet, depth=18, dpeth=18))))
    with pytest.raises(ConfigKeyError,
                       match="model.backbone: unknown key 'dpeth'"):
        check_config(cfg)
    cfg.model.backbone.pop('dpeth')
    check_config(cfg)


def test_unknown_scope_is_not_checked():
    cfg = Config(
        dict(
            default_scope='not_installed_pkg',
            model=dict(type='Anything', whatever=1)))
    check_config(cfg)  # its types cannot be resolved: no false alarm
    with pytest.raises(ConfigKeyError, match='unknown top-level key'):
        check_config(cfg, {'modle.x': 1})


def test_runner_keys():
    keys = runner_keys()
    assert {'model', 'train_cfg', 'work_dir', 'default_scope',
            'randomness', 'launcher', 'model_wrapper_cfg'} <= keys


def test_config_key_error_is_an_input_error():
    assert issubclass(ConfigKeyError, InputError)
    assert ConfigKeyError.exit_code == 2


# ---------------------------------------------------------------------------
# what a class takes
# ---------------------------------------------------------------------------
class _Base:

    def __init__(self, a, b=1):
        pass


class _PassesOn(_Base):

    def __init__(self, c, **kwargs):
        super().__init__(**kwargs)


class _PopsThenPassesOn(_PassesOn):

    def __init__(self, *args, **kwargs):
        self.x = kwargs.pop('x', None)
        super().__init__(*args, **kwargs)


class _Stores(_Base):

    def __init__(self, **kwargs):
        self.kwargs = kwargs


class _ReadsOnly(_Base):

    def __init__(self, **kwargs):
        self.x = kwargs.get('x')


class _Module(torch.nn.Module):

    def __init__(self, p, **kwargs):
        super().__init__(**kwargs)


class _Inherits(_PassesOn):
    pass


def _function(x, y=1):
    pass


def _open_function(x, **kw):
    pass


@pytest.mark.parametrize('obj, expected', [
    (_Base, {'a', 'b'}),
    (_PassesOn, {'a', 'b', 'c'}),
    (_PopsThenPassesOn, {'a', 'b', 'c', 'x'}),
    (_Inherits, {'a', 'b', 'c'}),
    (_Stores, None),
    (_ReadsOnly, None),
    (_Module, {'p'}),
    (_function, {'x', 'y'}),
    (_open_function, None),
])
def test_accepted_keys(obj, expected):
    got = accepted_keys(obj)
    assert (None if got is None else set(got)) == expected


# ---------------------------------------------------------------------------
# --cfg-options words and the exit status
# ---------------------------------------------------------------------------
def _parser():
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    return parser


def test_cfg_options_action_parses_like_dict_action():
    args = _parser().parse_args(
        ['--cfg-options', 'a.b=1', 'c=O.3', 'd=[1,2]', 'e=True'])
    assert args.cfg_options == {'a.b': 1, 'c': 'O.3', 'd': [1, 2], 'e': True}


@pytest.mark.parametrize('words, message', [
    (['train_cfg.max_epochs', '1'],
     "--cfg-options train_cfg.max_epochs: expected KEY=VALUE, got "
     "'train_cfg.max_epochs' (did you mean train_cfg.max_epochs=1?)"),
    (['a=1', 'b'], "--cfg-options b: expected KEY=VALUE, got 'b'"),
    (['=3'], "--cfg-options: '=3' has no key (expected KEY=VALUE)"),
    (['model.head.topk=[1,5'],
     '--cfg-options model.head.topk: Imbalanced brackets exist in [1,5'),
])
def test_cfg_options_action_names_the_word(words, message):
    with pytest.raises(ConfigKeyError) as e:
        _parser().parse_args(['--cfg-options', *words])
    assert str(e.value) == message


def test_run_tool_exits_2_on_a_config_key(capsys):

    def main():
        raise ConfigKeyError("model: unknown key 'haed'")

    with pytest.raises(SystemExit) as e:
        run_tool(main, 'tools/x.py')
    assert e.value.code == 2
    assert capsys.readouterr().err == \
        "tools/x.py: error: model: unknown key 'haed'\n"


class _Annotated:

    def __init__(self, n=1, s: Union[int, str] = 0, flag=False):
        pass


@pytest.mark.parametrize('options, message', [
    ({'model.n': 2.5}, None),
    ({'model.s': 'auto'}, None),  # its annotation admits a string
    ({'model.flag': 1}, None),
    ({'model.n': 'x'}, "model.n: expected a number, got 'x'"),
    ({'model.flag': 'yes'}, "model.flag: expected True or False, got 'yes'"),
])
def test_values_against_the_signature_defaults(options, message):
    cfg = Config(dict(model=dict(type=_Annotated)))
    if message is None:
        check_config(cfg, options)
    else:
        with pytest.raises(ConfigKeyError) as e:
            check_config(cfg, options)
        assert str(e.value) == message
