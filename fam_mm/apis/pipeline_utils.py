"""Find and split the test pipeline of a config (inference and export)."""
import copy
from typing import List, Optional, Tuple

from mmengine.config import Config, ConfigDict

LOADING_TRANSFORM = 'LoadImageFromFile'


def _type_name(transform_cfg) -> str:
    """The class name of a transform config's ``type`` (scope stripped)."""
    if isinstance(transform_cfg, dict):
        t = transform_cfg.get('type', '')
    else:
        t = transform_cfg
    name = t if isinstance(t, str) else getattr(t, '__name__',
                                                type(t).__name__)
    return name.split('.')[-1]


def find_pipeline_dataset(dataset_cfg: dict) -> Optional[dict]:
    """The (innermost) dataset config that holds a ``pipeline``.

    Dataset wrappers are followed through their ``dataset`` key
    (``RepeatDataset``, ``ClassBalancedDataset``, ...) or the first of their
    ``datasets`` (``ConcatDataset``).

    Args:
        dataset_cfg (dict): A dataset config.

    Returns:
        dict | None: The config dict itself (not a copy), or None when no
        level has a ``pipeline``.
    """
    cfg = dataset_cfg
    while isinstance(cfg, dict):
        if 'pipeline' in cfg:
            return cfg
        if 'dataset' in cfg:
            cfg = cfg['dataset']
        elif cfg.get('datasets'):
            cfg = cfg['datasets'][0]
        else:
            return None
    return None


def get_test_pipeline_cfg(cfg: Config) -> List[dict]:
    """The test pipeline of a config.

    Looks at ``test_dataloader.dataset`` (through dataset wrappers), then at
    a top-level ``test_pipeline`` and finally at ``val_dataloader.dataset``.

    Args:
        cfg (Config): A full (training/testing) config.

    Returns:
        list[dict]: A deep copy of the pipeline's transform configs.

    Raises:
        ValueError: When the config has none of them.
    """
    loader = cfg.get('test_dataloader', None)
    if isinstance(loader, dict):
        dataset = find_pipeline_dataset(loader.get('dataset', {}))
        if dataset is not None:
            return copy.deepcopy(list(dataset['pipeline']))
    if cfg.get('test_pipeline', None) is not None:
        return copy.deepcopy(list(cfg.test_pipeline))
    loader = cfg.get('val_dataloader', None)
    if isinstance(loader, dict):
        dataset = find_pipeline_dataset(loader.get('dataset', {}))
        if dataset is not None:
            return copy.deepcopy(list(dataset['pipeline']))
    raise ValueError(
        'the config has no test pipeline: set test_dataloader.dataset.'
        'pipeline or test_pipeline')


def split_loading_transform(
        pipeline_cfg: List[dict]) -> Tuple[Optional[dict], List[dict]]:
    """Separate the image-loading step from the rest of a pipeline.

    Args:
        pipeline_cfg (list[dict]): Transform configs.

    Returns:
        tuple[dict | None, list[dict]]: The ``LoadImageFromFile`` config
        (any scope, e.g. ``mmcv.LoadImageFromFile``; None when absent) and
        the other transforms, in order (deep copies).
    """
    loader, rest = None, []
    for transform in pipeline_cfg:
        if loader is None and _type_name(transform) == LOADING_TRANSFORM:
            loader = copy.deepcopy(transform)
        else:
            rest.append(copy.deepcopy(transform))
    if isinstance(loader, ConfigDict):
        loader = loader.to_dict()
    return loader, rest
