"""Packing of WSOL samples into mmpretrain data samples."""
import numpy as np
import torch
from mmpretrain.datasets.transforms import PackInputs
from mmpretrain.registry import TRANSFORMS

from fam_mm.evaluation.functional import transform_boxes


@TRANSFORMS.register_module()
class PackWSOLInputs(PackInputs):
    """Pack a WSOL sample: the input tensor and a ``DataSample``.

    Packs like :class:`mmpretrain.datasets.PackInputs` (``inputs``,
    ``gt_label``, the meta keys) and adds, following ``docs/contracts.md``:

    - ``gt_bboxes``: float32 Tensor ``(n, 4)`` in the **original** frame
      (``ori_gt_bboxes``, or ``gt_bboxes`` when no geometric transform ran),
    - ``img_gt_bboxes``: float32 Tensor ``(n, 4)`` in the input frame
      (``gt_bboxes`` as tracked by the ``WSOL*`` transforms),
    - ``gt_masks`` (``uint8``), ``ignore_mask`` (bool) and
      ``gt_part_mask`` (``uint8`` part labels) when ``LoadWSOLMasks``
      loaded them, ``(H, W)`` in the **original** frame,
    - metainfo ``homography_matrix`` (float32 ``3x3``, original -> input;
      identity when the image kept its original shape), ``img_id``,
      ``ori_shape``, ``img_shape`` and mmpretrain's default meta keys.

    A sample with boxes whose image changed shape without a ``WSOL*``
    transform (so the boxes' frame is unknown) is rejected.

    Args:
        input_key (str): Key of the network input. Defaults to ``'img'``.
        algorithm_keys (Sequence[str]): Extra keys set as data fields.
            Defaults to ``()``.
        meta_keys (Sequence[str]): Keys set as metainfo. Defaults to
            :attr:`DEFAULT_META_KEYS`.
    """

    DEFAULT_META_KEYS = PackInputs.DEFAULT_META_KEYS + ('img_id',
                                                        'homography_matrix')

    def __init__(self,
                 input_key: str = 'img',
                 algorithm_keys=(),
                 meta_keys=DEFAULT_META_KEYS) -> None:
        super().__init__(
            input_key=input_key,
            algorithm_keys=algorithm_keys,
            meta_keys=meta_keys)

    @staticmethod
    def _frame(results: dict) -> np.ndarray:
        """The original -> input matrix of a sample."""
        matrix = results.get('homography_matrix')
        if matrix is not None:
            return np.asarray(matrix, dtype=np.float32)
        img_shape = results.get('img_shape')
        if img_shape is None:
            return np.eye(3, dtype=np.float32)
        ori_shape = results.get('ori_shape') or img_shape
        if tuple(img_shape[:2]) == tuple(ori_shape[:2]):
            return np.eye(3, dtype=np.float32)
        if results.get('gt_bboxes') is not None:
            raise ValueError(
                f'{results.get("img_path", "<image>")}: the image changed '
                f'from {tuple(ori_shape[:2])} to {tuple(img_shape[:2])} '
                'without a box-aware transform, so the frame of gt_bboxes '
                'is unknown. Use WSOLResize, WSOLRandomResizedCrop, '
                'WSOLRandomCrop, WSOLCenterCrop and WSOLRandomFlip.')
        # no boxes: the contract's fallback, a pure resize
        return np.diag(
            [img_shape[1] / ori_shape[1], img_shape[0] / ori_shape[0],
             1.0]).astype(np.float32)

    def transform(self, results: dict) -> dict:
        """Pack the results.

        Args:
            results (dict): Pipeline results.

        Returns:
            dict: ``inputs`` (Tensor) and ``data_samples`` (``DataSample``).
        """
        matrix = self._frame(results)
        results['homography_matrix'] = matrix
        packed = super().transform(results)
        data_sample = packed['data_samples']
        if 'homography_matrix' not in self.meta_keys:
            data_sample.set_metainfo(dict(homography_matrix=matrix))
        boxes = results.get('gt_bboxes')
        if boxes is not None:
            boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
            ori = results.get('ori_gt_bboxes')
            if ori is None:  # no geometric transform: boxes are original
                ori = boxes
                img_boxes = transform_boxes(boxes, matrix)
            else:
                img_boxes = boxes
            data_sample.set_field(
                torch.from_numpy(
                    np.ascontiguousarray(ori, dtype=np.float32).reshape(-1,
                                                                        4)),
                'gt_bboxes')
            data_sample.set_field(
                torch.from_numpy(
                    np.ascontiguousarray(img_boxes, dtype=np.float32)),
                'img_gt_bboxes')
        # PxAP ground truth (LoadWSOLMasks), in the original frame
        if results.get('gt_masks') is not None:
            data_sample.set_field(
                torch.from_numpy(
                    np.ascontiguousarray(results['gt_masks'], np.uint8)),
                'gt_masks')
        if results.get('ignore_mask') is not None:
            data_sample.set_field(
                torch.from_numpy(
                    np.ascontiguousarray(results['ignore_mask'], bool)),
                'ignore_mask')
        # GT part labels (LoadWSOLMasks(with_part_masks=True)), original
        # frame, for FAMMapMetric's part purity
        if results.get('gt_part_mask') is not None:
            data_sample.set_field(
                torch.from_numpy(
                    np.ascontiguousarray(results['gt_part_mask'], np.uint8)),
                'gt_part_mask')
        return packed
