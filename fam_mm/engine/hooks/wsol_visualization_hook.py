"""Visualize WSOL predictions (map, boxes, classes) during val/test."""
import os.path as osp
import warnings
from typing import Optional, Sequence

import mmcv
from mmengine.fileio import get
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmengine.visualization import Visualizer
from mmpretrain.registry import HOOKS
from mmpretrain.structures import DataSample

from fam_mm.visualization import DISPLAY_MIN_SIZE, draw_wsol_sample


@HOOKS.register_module()
class WSOLVisualizationHook(Hook):
    """Draw every ``interval``-th val/test prediction on its original image.

    Each picture (:func:`fam_mm.visualization.draw_wsol_sample`) shows the
    localization map as a heat-map overlay, the predicted box (yellow), the
    GT box(es) (green) and the predicted / GT class names, with a legend of
    the box colours and a colour bar of the map values; with
    ``draw_part_maps`` the FAM part maps follow on the right, titled
    ``part 1`` .. ``part K`` (paper Fig. 5; the head must be built with
    ``return_part_maps=True``). Small images are upsampled for display.

    Pictures go through mmengine's current ``Visualizer`` (so the
    configured backends, e.g. ``LocalVisBackend`` or
    ``TensorboardVisBackend``, receive them), or to ``out_dir`` as PNG files
    when it is set.

    Args:
        enable (bool): Draw anything at all. Defaults to False.
        interval (int): Draw every ``interval``-th image. Defaults to 50.
        show (bool): Show each picture in a window. Defaults to False.
        out_dir (str, optional): Folder for PNG files; a relative path is
            placed under ``work_dir/timestamp``. Defaults to None (use the
            visualizer's backends).
        draw_part_maps (bool): Draw the part maps. Defaults to False.
        wait_time (float): Seconds to show each window. Defaults to 0.
        map_title (str): Title of the map panel, e.g. ``'FAM map'``.
            Defaults to ``'localization map'``.
        min_size (int): Short side to which smaller images are upsampled
            for display. Defaults to 192.
    """

    priority = 'NORMAL'

    def __init__(self,
                 enable: bool = False,
                 interval: int = 50,
                 show: bool = False,
                 out_dir: Optional[str] = None,
                 draw_part_maps: bool = False,
                 wait_time: float = 0.,
                 map_title: str = 'localization map',
                 min_size: int = DISPLAY_MIN_SIZE) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.enable = enable
        self.interval = interval
        self.show = show
        self.out_dir = out_dir
        self.draw_part_maps = draw_part_maps
        self.wait_time = wait_time
        self.map_title = map_title
        self.min_size = min_size
        self._warned_no_path = False

    def _draw_batch(self, runner: Runner, batch_idx: int, data_batch: dict,
                    outputs: Sequence[DataSample], step: int,
                    prefix: str) -> None:
        if not self.enable:
            return
        visualizer = Visualizer.get_current_instance()
        classes = (visualizer.dataset_meta or {}).get('classes')
        if classes is None:
            loader = getattr(runner, f'{prefix}_dataloader', None)
            meta = getattr(getattr(loader, 'dataset', None), 'metainfo', {})
            classes = meta.get('classes')
        batch_size = len(outputs)
        out_dir = self.out_dir
        if out_dir is not None and not osp.isabs(out_dir):
            out_dir = osp.join(runner.work_dir, runner.timestamp, out_dir)
        for i, sample in enumerate(outputs):
            # the dataset index when packed (global across ranks)
            index = int(sample.get('sample_idx', batch_idx * batch_size + i))
            if index % self.interval != 0:
                continue
            img_path = sample.get('img_path', None)
            if img_path is None:
                if not self._warned_no_path:
                    warnings.warn('WSOLVisualizationHook: predictions have '
                                  'no `img_path`; nothing is drawn')
                    self._warned_no_path = True
                continue
            image = mmcv.imfrombytes(get(img_path), channel_order='rgb')
            drawn = draw_wsol_sample(
                visualizer, image, sample, classes=classes,
                draw_part_maps=self.draw_part_maps,
                min_size=self.min_size,
                map_title=self.map_title)
            name = f'{prefix}_{index:06d}_' + \
                osp.splitext(osp.basename(img_path))[0]
            if out_dir is not None:
                mmcv.imwrite(drawn[..., ::-1],
                             osp.join(out_dir, name + '.png'))
            else:
                visualizer.add_image(name, drawn, step=step)
            if self.show:
                visualizer.show(drawn, win_name=name,
                                wait_time=self.wait_time)

    def after_val_iter(self, runner: Runner, batch_idx: int, data_batch: dict,
                       outputs: Sequence[DataSample]) -> None:
        self._draw_batch(runner, batch_idx, data_batch, outputs,
                         step=runner.epoch, prefix='val')

    def after_test_iter(self, runner: Runner, batch_idx: int,
                        data_batch: dict,
                        outputs: Sequence[DataSample]) -> None:
        self._draw_batch(runner, batch_idx, data_batch, outputs,
                         step=batch_idx, prefix='test')
