"""Tiny WSOL models, configs, images and checkpoints for the API/tool tests.

Loaded by path (``load_helpers``) from the tests of ``tests/test_apis`` and
``tests/test_tools``; not a test module itself.
"""
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np
import torch

# sorted, as mmpretrain's CustomDataset orders its class folders
CLASSES = ('gull', 'sparrow', 'wren')
INPUT_SIZE = 48
# (h, w) of the generated images: different sizes and aspect ratios
IMAGE_SHAPES = ((40, 64), (70, 50), (33, 33))

WSOL_TEST_PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='WSOLResize', scale=(INPUT_SIZE, INPUT_SIZE)),
    dict(type='PackWSOLInputs'),
]
# mmcv/mmpretrain transforms only: no homography_matrix is recorded, the
# head falls back to a pure ori_shape -> img_shape resize
PLAIN_TEST_PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(INPUT_SIZE, INPUT_SIZE)),
    dict(type='PackInputs'),
]
CROP_TEST_PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='WSOLResize', scale=(60, 60)),
    dict(type='WSOLCenterCrop', crop_size=INPUT_SIZE),
    dict(type='PackWSOLInputs'),
]
TRAIN_PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='WSOLRandomResizedCrop', scale=INPUT_SIZE),
    dict(type='WSOLRandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackWSOLInputs'),
]


def model_cfg(head: str = 'FAM',
              loc_threshold: float = None,
              cam_target: str = 'gt') -> dict:
    """A ResNet-CIFAR stub (3 stages, 32 channels at stride 4) + FAM/CAM."""
    feat = 32
    backbone = dict(
        type='ResNet_CIFAR',
        depth=18,
        stem_channels=8,
        base_channels=8,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2, ))
    preprocessor = dict(
        type='ClsDataPreprocessor',
        num_classes=len(CLASSES),
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True)
    if head == 'FAM':
        cfg = dict(
            type='ImageClassifier',
            data_preprocessor=preprocessor,
            backbone=backbone,
            neck=dict(type='FAMNeck', in_channels=feat, num_memory=3),
            head=dict(
                type='FAMHead',
                num_classes=len(CLASSES),
                in_channels=feat,
                num_parts=3))
    else:
        cfg = dict(
            type='ImageClassifier',
            data_preprocessor=preprocessor,
            backbone=backbone,
            head=dict(
                type='CAMHead',
                num_classes=len(CLASSES),
                in_channels=feat,
                cam_target=cam_target))
    if loc_threshold is not None:
        cfg['head']['loc_threshold'] = loc_threshold
    return cfg


def write_images(root: str,
                 shapes: Sequence[Tuple[int, int]] = IMAGE_SHAPES,
                 ext: str = '.png') -> List[str]:
    """Write dark images with one bright ellipse each; return the paths."""
    rng = np.random.default_rng(0)
    paths = []
    for i, (h, w) in enumerate(shapes):
        img = rng.integers(0, 40, (h, w, 3), dtype=np.uint8)
        centre = (int(w * (0.3 + 0.4 * rng.random())),
                  int(h * (0.3 + 0.4 * rng.random())))
        axes = (max(3, w // 5), max(3, h // 4))
        color = tuple(int(c) for c in rng.integers(150, 256, 3))
        cv2.ellipse(img, centre, axes, 0, 0, 360, color, -1)
        path = osp.join(root, f'img_{i}{ext}')
        assert cv2.imwrite(path, img)
        paths.append(path)
    return paths


def write_class_folders(root: str) -> Dict[str, List[str]]:
    """An mmpretrain ``CustomDataset`` tree ``root/<class>/<image>``."""
    import os
    out = {}
    for k, name in enumerate(CLASSES):
        folder = osp.join(root, name)
        os.makedirs(folder, exist_ok=True)
        shapes = [IMAGE_SHAPES[(k + j) % len(IMAGE_SHAPES)] for j in range(2)]
        out[name] = write_images(folder, shapes)
    return out


def write_config(path: str,
                 head: str = 'FAM',
                 test_pipeline=None,
                 data_root: str = '',
                 loc_threshold: float = None,
                 cam_target: str = 'gt') -> str:
    """Write a full runnable config (model, dataloaders, runtime)."""
    test_pipeline = test_pipeline or WSOL_TEST_PIPELINE
    cfg = dict(
        default_scope='mmpretrain',
        custom_imports=dict(imports=['fam_mm'], allow_failed_imports=False),
        model=model_cfg(head, loc_threshold, cam_target),
        train_dataloader=dict(
            batch_size=2,
            num_workers=0,
            dataset=dict(
                type='CustomDataset',
                data_root=data_root,
                pipeline=TRAIN_PIPELINE),
            sampler=dict(type='DefaultSampler', shuffle=True)),
        test_dataloader=dict(
            batch_size=2,
            num_workers=0,
            dataset=dict(
                type='CustomDataset',
                data_root=data_root,
                pipeline=test_pipeline),
            sampler=dict(type='DefaultSampler', shuffle=False)),
        test_evaluator=dict(type='Accuracy'),
        test_cfg=dict(),
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=50),
            visualization=dict(type='VisualizationHook', enable=False)),
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        log_level='WARNING',
    )
    with open(path, 'w') as f:
        for key, value in cfg.items():
            f.write(f'{key} = {value!r}\n')
    return path


def build_model(head: str = 'FAM', seed: int = 0, loc_threshold=None):
    """Build and initialise a tiny model (deterministic)."""
    import logging

    from mmengine.logging import MMLogger
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS

    import fam_mm  # noqa: F401  (registers the modules)
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(model_cfg(head, loc_threshold))
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)  # init_weights logs every parameter
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
    return model.eval()


def blob_map(h: int, w: int, centre: Tuple[float, float],
             sigma: float) -> torch.Tensor:
    """A Gaussian foreground map ``(1, 1, h, w)`` peaking at ``centre``."""
    ys = torch.arange(h, dtype=torch.float32)[:, None] + 0.5
    xs = torch.arange(w, dtype=torch.float32)[None, :] + 0.5
    d2 = (xs - centre[0])**2 + (ys - centre[1])**2
    return torch.exp(-d2 / (2 * sigma**2))[None, None]


def force_fam_map(model, centre=(4.0, 5.0), sigma=2.0):
    """Make a FAM model's foreground map a fixed off-centre blob.

    A randomly initialised FAM neck gives maps close to 0.5 everywhere; a
    known blob (in feature-map pixels) makes box checks meaningful.
    """

    def hook(module, inputs, output):
        x, fg_map = output
        blob = blob_map(fg_map.shape[-2], fg_map.shape[-1], centre, sigma)
        return x, blob.to(fg_map).expand_as(fg_map).contiguous()

    return model.neck.register_forward_hook(hook)


def write_checkpoint(path: str,
                     head: str = 'FAM',
                     seed: int = 0,
                     loc_threshold=None) -> str:
    """Save a randomly initialised model with the class names in its meta."""
    model = build_model(head, seed, loc_threshold)
    torch.save(
        dict(
            state_dict=model.state_dict(),
            meta=dict(dataset_meta=dict(classes=list(CLASSES)))), path)
    return path
