"""Web demo: a local Gradio app showing a WSOL model's class, box and maps.

Examples:
    make web                               # installs Gradio when missing
    python demo/web_demo.py                # http://127.0.0.1:7860
    python demo/web_demo.py --config configs/fam_vgg16_cub.py \
        --checkpoint fam_vgg16_cub.pth --port 8080

Upload a photo or pick a sample one (photos that scikit-image and
matplotlib ship), choose a model, and see the predicted class with its
name and score, the box on the photo, the localization map with FAM's part
maps, and a box-threshold slider that redraws the box from the cached map
without running the model again.

The models offered:

* the ImageNet CAM (``configs/cam_efficientnet-lite0_imagenet.py``, 1000
  classes, its weights in an installed package: no training, no file);
* the FAM and CAM runs of ``make demo`` when their checkpoints are there
  (``--demo-dir``, default ``work_dirs/demo``), each with the box threshold
  the demo chose on the val split (its ``results.json``);
* every ``--config CONFIG --checkpoint CHECKPOINT`` pair given.

The test images of the trained models' data sets, when they are there
(``data/synthetic_wsol*``), join the samples.
"""
import argparse
import json
import os
import os.path as osp
import sys
import threading
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.runner import find_latest_checkpoint
from mmengine.visualization import Visualizer
from mmpretrain.structures import DataSample

from fam_mm.apis import WSOLInferencer
from fam_mm.evaluation.functional import original_box
from fam_mm.utils.misc import to_numpy
from fam_mm.visualization import draw_wsol_sample

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
IMAGENET_CONFIG = osp.join(REPO, 'configs',
                           'cam_efficientnet-lite0_imagenet.py')
IMAGENET_MODEL = 'ImageNet-1k CAM (no training)'
DEFAULT_DEMO_DIR = osp.join(REPO, 'work_dirs', 'demo')
#: Photos larger than this on their long side are scaled down before the
#: model sees them (the models take 224-256 px; this keeps the drawings and
#: the page small). Boxes are reported in the uploaded photo's pixels.
MAX_SIDE = 512
#: Classes listed with their scores.
TOP_K = 5
#: Sample photos: files that scikit-image (``skimage/data``) and matplotlib
#: (``mpl-data/sample_data``) ship.
SKIMAGE_PHOTOS = ('chelsea.png', 'coffee.png', 'astronaut.png', 'rocket.jpg')
MATPLOTLIB_PHOTOS = ('grace_hopper.jpg', )
#: Test images of each trained model's data set (when there) added to the
#: samples.
DEMO_EXAMPLES = 2
IMG_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.webp')


@dataclass(frozen=True)
class ModelSpec:
    """A model of the drop-down list.

    Args:
        name (str): Its name in the list.
        config (str): Config file.
        checkpoint (str, optional): Checkpoint file; None for a config that
            names its own weights (``load_from``).
        loc_threshold (float, optional): Box threshold to start from; None
            keeps the config's ``model.head.loc_threshold``.
        examples (tuple[str]): Images to add to the samples.
    """

    name: str
    config: str
    checkpoint: Optional[str] = None
    loc_threshold: Optional[float] = None
    examples: Tuple[str, ...] = ()


@dataclass
class Prediction:
    """One photo's prediction, cached so that a new threshold only redraws.

    Args:
        image (np.ndarray): RGB uint8 ``(h, w, 3)`` the model saw (the
            upload, scaled down to :data:`MAX_SIDE`).
        sample (DataSample): The model's prediction (``loc_map`` and
            ``part_maps`` in the network-input frame).
        classes (list[str], optional): Class names of the model.
        scale (float): Uploaded photo pixels per ``image`` pixel.
        model (str): Name of the model.
        method (str): ``'FAM'``, ``'CAM'`` (its head's name), for titles.
    """

    image: np.ndarray
    sample: DataSample
    classes: Optional[List[str]]
    scale: float
    model: str
    method: str = 'localization'

    @property
    def label(self) -> int:
        return int(to_numpy(self.sample.pred_label).reshape(-1)[0])

    @property
    def scores(self) -> np.ndarray:
        return to_numpy(self.sample.pred_score).astype(np.float64).reshape(-1)

    def class_name(self, label: int) -> str:
        if self.classes is not None and 0 <= label < len(self.classes):
            return str(self.classes[label])
        return f'class_{label}'

    def box(self, threshold: float) -> np.ndarray:
        """The box at ``threshold`` in ``image`` pixels: the head's own
        ``pred_bbox`` computation on the cached map."""
        homography = self.sample.get('homography_matrix', None)
        return original_box(
            self.sample.loc_map, threshold, self.sample.img_shape,
            self.sample.ori_shape,
            None if homography is None else np.asarray(homography))


def sample_photos() -> List[str]:
    """Photos shipped by scikit-image and matplotlib (those installed)."""
    photos = []
    try:
        import skimage
        folder = osp.join(osp.dirname(skimage.__file__), 'data')
        photos += [osp.join(folder, name) for name in SKIMAGE_PHOTOS]
    except ImportError:
        pass
    try:
        import matplotlib
        folder = osp.join(matplotlib.get_data_path(), 'sample_data')
        photos += [osp.join(folder, name) for name in MATPLOTLIB_PHOTOS]
    except ImportError:
        pass
    return [p for p in photos if osp.isfile(p)]


def _test_images(config: str, count: int) -> Tuple[str, ...]:
    """The first ``count`` images of the test split of a config's data set
    (``<data_root>/images/test``, the synthetic benchmark's layout), when
    they are there."""
    try:
        data_root = Config.fromfile(config).test_dataloader.dataset.data_root
    except (AttributeError, KeyError):
        return ()
    if not isinstance(data_root, str) or not data_root:
        return ()
    folder = osp.join(REPO, data_root, 'images', 'test')
    if not osp.isdir(folder):
        return ()
    names = sorted(n for n in os.listdir(folder)
                   if n.lower().endswith(IMG_EXTENSIONS))
    return tuple(osp.join(folder, n) for n in names[:count])


def demo_models(demo_dir: str) -> List[ModelSpec]:
    """The FAM and CAM runs of ``make demo`` (``tools/demo.py``) in
    ``demo_dir`` whose checkpoints are there.

    Each run's config and the box threshold chosen on val come from the
    demo's ``results.json``, the checkpoint from mmengine's
    ``last_checkpoint`` marker in ``<demo_dir>/<run>``.

    Returns:
        list[ModelSpec]: In ``results.json``'s order; empty without it.
    """
    results_file = osp.join(demo_dir, 'results.json')
    if not osp.isfile(results_file):
        return []
    with open(results_file) as f:
        results = json.load(f)
    specs = []
    for run, metrics in results.items():
        config = metrics.get('config') if isinstance(metrics, dict) else None
        checkpoint = find_latest_checkpoint(osp.join(demo_dir, run))
        if not config or not checkpoint or not osp.isfile(checkpoint):
            continue
        config = osp.normpath(osp.join(REPO, config))
        threshold = metrics.get('loc_threshold')
        specs.append(
            ModelSpec(
                name=f'{run.upper()} (make demo), '
                f'{osp.splitext(osp.basename(config))[0]}',
                config=config,
                checkpoint=checkpoint,
                loc_threshold=None if threshold is None else float(threshold),
                examples=_test_images(config, DEMO_EXAMPLES)))
    return specs


def model_specs(demo_dir: Optional[str] = DEFAULT_DEMO_DIR,
                pairs: Sequence[Tuple[str, str]] = (),
                imagenet: bool = True) -> Dict[str, ModelSpec]:
    """All models of the drop-down list, by name, in display order.

    Args:
        demo_dir (str, optional): ``make demo``'s work dir; None: none.
        pairs (Sequence[tuple]): ``(config, checkpoint)`` pairs.
        imagenet (bool): Offer the ImageNet CAM (first).

    Returns:
        dict[str, ModelSpec]: Unique names.
    """
    specs = [ModelSpec(IMAGENET_MODEL, IMAGENET_CONFIG)] if imagenet else []
    if demo_dir:
        specs += demo_models(demo_dir)
    for config, checkpoint in pairs:
        specs.append(
            ModelSpec(f'{osp.basename(config)} + {osp.basename(checkpoint)}',
                      config, checkpoint,
                      examples=_test_images(config, DEMO_EXAMPLES)))
    out: Dict[str, ModelSpec] = {}
    for spec in specs:
        name, n = spec.name, 2
        while name in out:
            name, n = f'{spec.name} ({n})', n + 1
        out[name] = ModelSpec(name, spec.config, spec.checkpoint,
                              spec.loc_threshold, spec.examples)
    return out


def load_model(spec: ModelSpec, device: Optional[str]) -> WSOLInferencer:
    """Build the inferencer of ``spec`` (its box threshold set)."""
    inferencer = WSOLInferencer(
        spec.config, pretrained=spec.checkpoint, device=device)
    if spec.loc_threshold is not None:
        inferencer.model.head.loc_threshold = spec.loc_threshold
    return inferencer


def fit_image(image: np.ndarray,
              max_side: Optional[int] = None) -> Tuple[np.ndarray, float]:
    """An RGB upload as RGB uint8, scaled down to ``max_side`` (default:
    :data:`MAX_SIDE`) on its long side.

    Returns:
        tuple: The image and the scale (upload pixels per image pixel).
    """
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4) or image.size == 0:
        raise ValueError(f'expected an RGB image, got shape {image.shape}')
    image = image[..., :3]
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    h, w = image.shape[:2]
    scale = max(h, w) / (max_side or MAX_SIDE)
    if scale <= 1:
        return np.ascontiguousarray(image), 1.0
    size = (max(1, round(w / scale)), max(1, round(h / scale)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return small, w / size[0]


class WebDemo:
    """The app's logic, without Gradio: models, predictions, pictures.

    Args:
        specs (dict[str, ModelSpec]): The models (see :func:`model_specs`).
        device (str, optional): Device of the models (default: cuda when
            available).
    """

    def __init__(self,
                 specs: Dict[str, ModelSpec],
                 device: Optional[str] = None) -> None:
        if not specs:
            raise ValueError('no model to show')
        self.specs = dict(specs)
        self.device = device
        self._models: Dict[str, WSOLInferencer] = {}
        # one model call or drawing at a time (Gradio runs events in
        # threads; the visualizer and the model cache are shared)
        self._lock = threading.Lock()
        self._visualizer = Visualizer(name=f'web_demo_{id(self)}')

    @property
    def model_names(self) -> List[str]:
        return list(self.specs)

    def examples(self) -> List[str]:
        """Sample photos, then the trained models' test images."""
        out = sample_photos()
        for spec in self.specs.values():
            out += [p for p in spec.examples if p not in out]
        return out

    def model(self, name: str) -> WSOLInferencer:
        """The inferencer of a model (loaded on first use, then kept)."""
        if name not in self.specs:
            raise KeyError(f'unknown model {name!r}; models: '
                           f'{", ".join(self.specs)}')
        if name not in self._models:
            self._models[name] = load_model(self.specs[name], self.device)
        return self._models[name]

    def default_threshold(self, name: str) -> float:
        """The box threshold the model starts from (its head's)."""
        with self._lock:
            return float(self.model(name).model.head.loc_threshold)

    def predict(self, image: np.ndarray, name: str) -> Prediction:
        """Run a model on an RGB photo.

        Args:
            image (np.ndarray): RGB ``(h, w, 3)`` (or grey) photo.
            name (str): Model name.

        Returns:
            Prediction: The cached prediction.
        """
        rgb, scale = fit_image(image)
        with self._lock:
            inferencer = self.model(name)
            parts = inferencer._head_supports_part_maps()
            sample = inferencer(
                np.ascontiguousarray(rgb[..., ::-1]),
                return_datasamples=True,
                return_part_maps=parts)[0]
            classes = inferencer.classes
            method = type(inferencer.model.head).__name__
        return Prediction(rgb, sample.cpu(), classes, scale, name,
                          method[:-len('Head')] if method.endswith('Head')
                          else method)

    def render(self, pred: Prediction,
               threshold: float) -> Tuple[np.ndarray, np.ndarray, str]:
        """Draw a prediction with its box at ``threshold``.

        Returns:
            tuple: The photo with the box and the class (RGB), the
            localization map (and the part maps) with the box (RGB) and a
            Markdown line: class, score, box in the upload's pixels.
        """
        box = pred.box(threshold)
        sample = pred.sample.clone()
        sample.pred_bbox = box
        plain = DataSample(metainfo=sample.metainfo)
        for key in ('pred_label', 'pred_score', 'pred_bbox'):
            plain.set_field(sample.get(key), key)
        with self._lock:
            photo = draw_wsol_sample(self._visualizer, pred.image, plain,
                                     pred.classes)
            maps = draw_wsol_sample(
                self._visualizer,
                pred.image,
                sample,
                pred.classes,
                draw_part_maps=True,
                map_title=f'{pred.method} map')
        return photo, maps, result_text(pred, threshold, box)

    def top_scores(self, pred: Prediction, k: int = TOP_K
                   ) -> Dict[str, float]:
        """The ``k`` best classes: name -> probability."""
        scores = pred.scores
        order = np.argsort(-scores, kind='stable')[:k]
        return {pred.class_name(int(i)): float(scores[i]) for i in order}


def result_text(pred: Prediction, threshold: float,
                box: Optional[np.ndarray] = None) -> str:
    """One Markdown line: class name and id, score, box and threshold."""
    box = pred.box(threshold) if box is None else box
    label = pred.label
    score = float(pred.scores[label])
    x1, y1, x2, y2 = (float(v) * pred.scale for v in box)
    where = 'no box (nothing above the threshold)' \
        if not (x2 > x1 and y2 > y1) else \
        f'box [{x1:.0f}, {y1:.0f}, {x2:.0f}, {y2:.0f}]'
    return (f'**{pred.class_name(label)}** (class {label}), score '
            f'{score:.3f}; {where} at threshold {threshold:.2f}')


def describe_error(name: str, err: BaseException) -> str:
    """One line: the model and the first line of the error."""
    lines = str(err).strip().splitlines()
    return f'{name}: {type(err).__name__}: {lines[0] if lines else ""}'


def build_app(demo: WebDemo):
    """The Gradio Blocks app of ``demo``."""
    import gradio as gr

    with gr.Blocks(title='fam-mm WSOL demo', analytics_enabled=False) as app:
        gr.Markdown(
            '# fam-mm: weakly supervised object localization\n'
            'Upload a photo or pick a sample, choose a model: the class '
            'with its score, the box (yellow) and the localization map. '
            'The slider redraws the box from the same map.')
        prediction = gr.State(None)
        first = demo.model_names[0]
        with gr.Row():
            with gr.Column(scale=1):
                image = gr.Image(
                    type='numpy',
                    label='photo',
                    sources=['upload', 'clipboard'],
                    elem_id='photo')
                model = gr.Dropdown(
                    demo.model_names, value=first, label='model',
                    elem_id='model')
                threshold = gr.Slider(
                    0.0,
                    1.0,
                    value=demo.default_threshold(first),
                    step=0.01,
                    label='box threshold',
                    info='the box is the largest region of the map above '
                    'it; moving it redraws the box without the model',
                    elem_id='threshold')
                examples = demo.examples()
                if examples:
                    gr.Examples([[p] for p in examples],
                                inputs=[image],
                                label='sample photos')
            with gr.Column(scale=2):
                text = gr.Markdown(elem_id='result')
                with gr.Row():
                    # the pictures carry their own titles and legends
                    photo = gr.Image(
                        label='box', show_label=False, format='png',
                        interactive=False, buttons=['download', 'fullscreen'],
                        scale=3, elem_id='box-image')
                    scores = gr.Label(
                        num_top_classes=TOP_K, label='classes', scale=2,
                        elem_id='scores')
        maps = gr.Image(
            label='localization map (and FAM part maps)', show_label=False,
            format='png', interactive=False,
            buttons=['download', 'fullscreen'], elem_id='map-image')

        def on_image(img, name, thr):
            """A new photo: run the model, keep the slider's threshold."""
            if img is None:
                return None, '', None, None, None
            try:
                pred = demo.predict(img, name)
            except Exception as err:  # shown in the page, one line
                raise gr.Error(describe_error(name, err))
            drawn_photo, drawn_maps, line = demo.render(pred, thr)
            return (pred, line, demo.top_scores(pred), drawn_photo,
                    drawn_maps)

        def on_model(img, name):
            """Another model: its own threshold, then as a new photo."""
            try:
                thr = demo.default_threshold(name)
            except Exception as err:  # e.g. a checkpoint of another model
                raise gr.Error(describe_error(name, err))
            return (*on_image(img, name, thr), thr)

        def on_threshold(pred, thr):
            """Redraw the cached prediction's box: no model call."""
            if pred is None:
                return gr.update(), gr.update(), gr.update()
            drawn_photo, drawn_maps, line = demo.render(pred, thr)
            return line, drawn_photo, drawn_maps

        outputs = [prediction, text, scores, photo, maps]
        image.change(on_image, [image, model, threshold], outputs)
        model.change(on_model, [image, model], outputs + [threshold])
        threshold.change(on_threshold, [prediction, threshold],
                         [text, photo, maps])
    return app


def allowed_paths(demo: WebDemo) -> List[str]:
    """Folders of the sample photos (Gradio serves no other files)."""
    return sorted({osp.dirname(osp.abspath(p)) for p in demo.examples()})


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='fam-mm web demo: a local Gradio app (class, box, '
        'localization map, part maps, box threshold)')
    parser.add_argument(
        '--config', action='append', default=[],
        help='config of a model to offer (repeat with --checkpoint)')
    parser.add_argument(
        '--checkpoint', action='append', default=[],
        help='its checkpoint, one per --config, in the same order')
    parser.add_argument(
        '--demo-dir', default=DEFAULT_DEMO_DIR,
        help='work dir of `make demo`: its FAM/CAM checkpoints are offered '
        'when present (default: %(default)s)')
    parser.add_argument(
        '--no-imagenet', action='store_true',
        help='leave out the ImageNet CAM')
    parser.add_argument(
        '--device', default=None,
        help='device, e.g. cpu or cuda:0 (default: cuda when available)')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to listen on (default: %(default)s)')
    parser.add_argument('--port', type=int, default=7860,
                        help='port (default: %(default)s)')
    parser.add_argument('--share', action='store_true',
                        help='ask Gradio for a public link')
    args = parser.parse_args(argv)
    if len(args.config) != len(args.checkpoint):
        parser.error(f'{len(args.config)} --config for '
                     f'{len(args.checkpoint)} --checkpoint: give them in '
                     'pairs')
    for path in args.config + args.checkpoint:
        if not osp.isfile(path):
            parser.error(f'file not found: {path}')
    return args


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    try:
        import gradio  # noqa: F401
    except ImportError:
        sys.exit('demo/web_demo.py: error: gradio is not installed: run '
                 '`make web-deps` (pip install -r requirements/web.txt)')
    specs = model_specs(args.demo_dir, list(zip(args.config,
                                                args.checkpoint)),
                        imagenet=not args.no_imagenet)
    if not specs:
        sys.exit('demo/web_demo.py: error: no model: drop --no-imagenet or '
                 'give --config/--checkpoint')
    demo = WebDemo(specs, args.device)
    # the first model and those of the command line load now: a bad
    # checkpoint stops here with one line (the others load when chosen)
    given = set(list(specs)[-len(args.config):]) if args.config else set()
    for name in specs:
        if name == demo.model_names[0] or name in given:
            try:
                demo.model(name)
            except Exception as err:
                sys.exit('demo/web_demo.py: error: ' +
                         describe_error(name, err))
    print('models: ' + '; '.join(specs), flush=True)
    build_app(demo).launch(
        server_name=args.host,
        server_port=args.port,
        share=args.share,
        allowed_paths=allowed_paths(demo),
        theme=_offline_theme())


def _offline_theme():
    """Gradio's default theme with local fonts (no web font download)."""
    import gradio as gr
    return gr.themes.Default(
        font=['ui-sans-serif', 'system-ui', 'sans-serif'],
        font_mono=['ui-monospace', 'monospace'])


if __name__ == '__main__':
    main()
