"""Insert layers (e.g. ADL) after named submodules of any backbone."""
import difflib
from functools import partial
from typing import Sequence, Union

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS

PLUGINS_ATTR = 'plugins'


def _run_plugin(plugin: nn.Module, path: str, module: nn.Module, args,
                output):
    """Forward hook: the plugin applied to ``module``'s output."""
    if not isinstance(output, torch.Tensor):
        raise TypeError(f'PluginBackbone: the output of {path!r} '
                        f'({type(module).__name__}) is a '
                        f'{type(output).__name__}, not a Tensor: '
                        f'{type(plugin).__name__} cannot follow it')
    return plugin(output)


@MODELS.register_module()
def PluginBackbone(backbone: Union[dict, nn.Module], plugins: Sequence[dict],
                   **unexpected) -> nn.Module:
    """Build a backbone with plugin layers inserted after named submodules.

    Each plugin is built from ``MODELS`` (its config without ``after``) and
    runs on the output of the submodule named by ``after`` (a path of
    ``backbone.named_modules()``, e.g. ``'layer4.0'`` of a ResNet or
    ``'features.12'`` of a :class:`WSOLVGG`), through a forward hook on that
    submodule. Several plugins after one submodule run in list order.

    This is a builder, not a wrapper: it returns the backbone itself, of its
    own class, so its state-dict keys, ``init_cfg`` (ImageNet checkpoints),
    ``train()`` (frozen stages, ``norm_eval``), ``out_indices`` and other
    attributes are those of the bare backbone. The plugins are registered as
    its child ``plugins`` (an ``nn.ModuleList``: they follow ``train()`` /
    ``eval()`` and ``.to()``); parameter-free ones such as :class:`ADL` add
    no state-dict key, so checkpoints of the bare backbone and of the
    plugged one are interchangeable.

    Example:
        >>> backbone = dict(
        ...     type='PluginBackbone',
        ...     backbone=dict(type='ResNet', depth=50, strides=(1, 2, 2, 1),
        ...                   out_indices=(3, )),
        ...     plugins=[
        ...         dict(type='ADL', after='layer3.0'),
        ...         dict(type='ADL', after='layer4.0'),
        ...         dict(type='ADL', after='layer4.2'),
        ...     ])

    Args:
        backbone (dict | nn.Module): The backbone (config or module).
        plugins (Sequence[dict]): Plugin configs, each with ``type``, its
            own arguments and ``after`` (the submodule path).
        **unexpected: Refused with a hint: they are usually the base
            config's backbone arguments, merged into ``PluginBackbone``'s
            dict by the config inheritance (``_delete_=True`` avoids it).

    Returns:
        nn.Module: The backbone, with the plugins hooked in.
    """
    if unexpected:
        raise TypeError(
            f'PluginBackbone got unexpected arguments {sorted(unexpected)}: '
            'when the base config already sets model.backbone, write '
            "model.backbone=dict(_delete_=True, type='PluginBackbone', "
            'backbone=..., plugins=...)')
    model = backbone if isinstance(backbone, nn.Module) \
        else MODELS.build(backbone)
    name = type(model).__name__
    if len(plugins) == 0:
        raise ValueError('PluginBackbone: `plugins` is empty')
    if hasattr(model, PLUGINS_ATTR):
        raise ValueError(f'PluginBackbone: {name} already has an attribute '
                         f'{PLUGINS_ATTR!r}')
    modules = dict(model.named_modules())
    built = nn.ModuleList()
    for i, plugin_cfg in enumerate(plugins):
        cfg = dict(plugin_cfg)
        after = cfg.pop('after', None)
        if not isinstance(after, str) or after not in modules or not after:
            close = difflib.get_close_matches(
                str(after), [k for k in modules if k], n=3)
            top = ', '.join(n for n, _ in model.named_children())
            raise ValueError(
                f'PluginBackbone: plugins[{i}].after={after!r} is not a '
                f'submodule of {name}'
                + (f' (closest: {", ".join(close)})' if close else '') +
                f'; its top-level modules: {top}')
        plugin = MODELS.build(cfg)
        modules[after].register_forward_hook(
            partial(_run_plugin, plugin, after))
        built.append(plugin)
    model.add_module(PLUGINS_ATTR, built)
    return model
