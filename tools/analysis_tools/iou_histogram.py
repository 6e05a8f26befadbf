"""Histogram of the per-image IoU of WSOL results (FAM paper, Fig. 6).

Reads the per-image records that ``tools/test.py --out RESULTS.pkl`` writes
(:class:`fam_mm.evaluation.metrics.DumpWSOLResults`), bins their ``iou``
(best IoU of the predicted box with a GT box, original pixels) in steps of
0.1 from 0 to 1 and draws one bar group per file, the mean IoU in the
legend. Records without an IoU (no GT box) are skipped.

Example:
    python tools/analysis_tools/iou_histogram.py fam.pkl cam.pkl \
        --labels FAM CAM --out iou_hist.png
"""
import argparse
import os.path as osp
from typing import List, Optional, Sequence

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import mmengine  # noqa: E402
import numpy as np  # noqa: E402

BINS = np.linspace(0.0, 1.0, 11)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Per-image IoU histogram of WSOL results')
    parser.add_argument(
        'results', nargs='+', help='.pkl/.json files of tools/test.py --out')
    parser.add_argument(
        '--labels',
        nargs='+',
        help='legend label of each file (default: the file names)')
    parser.add_argument(
        '--out', default='iou_hist.png', help='output image file')
    parser.add_argument(
        '--count',
        action='store_true',
        help='plot image counts instead of percentages of images')
    parser.add_argument('--title', default='IoU distribution')
    return parser.parse_args(argv)


def load_ious(path: str) -> np.ndarray:
    """The per-image IoUs of a results file.

    Args:
        path (str): ``.pkl``/``.pickle``/``.json`` file of
            ``DumpWSOLResults`` records.

    Returns:
        np.ndarray: float64 IoUs of the records that have one.
    """
    records = mmengine.load(path)
    if not isinstance(records, (list, tuple)):
        raise ValueError(f'{path}: expected a list of per-image records, got '
                         f'{type(records).__name__}')
    ious = [r.get('iou') for r in records if isinstance(r, dict)]
    ious = np.array([v for v in ious if v is not None], dtype=np.float64)
    if ious.size == 0:
        raise ValueError(f'{path}: no record has an IoU (are there GT boxes '
                         'in the evaluated split?)')
    if ious.min() < 0 or ious.max() > 1 + 1e-6:
        raise ValueError(f'{path}: IoUs outside [0, 1]')
    return np.clip(ious, 0, 1)


def plot_iou_histogram(ious: Sequence[np.ndarray],
                       labels: Sequence[str],
                       out_file: str,
                       count: bool = False,
                       title: str = 'IoU distribution') -> None:
    """Draw grouped bars of the IoU histograms and save the figure.

    Args:
        ious (Sequence[np.ndarray]): Per-image IoUs of each method.
        labels (Sequence[str]): Name of each method.
        out_file (str): Image file to write.
        count (bool): Counts instead of percentages. Defaults to False.
        title (str): Figure title.
    """
    n = len(ious)
    width = 0.1 / (n + 1)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    for i, (values, label) in enumerate(zip(ious, labels)):
        hist, _ = np.histogram(values, bins=BINS)
        heights = hist if count else 100.0 * hist / len(values)
        offsets = BINS[:-1] + width * (i + 1)
        ax.bar(
            offsets,
            heights,
            width=width,
            align='center',
            label=f'{label} (mean IoU {values.mean():.3f})')
    ax.set_xticks(BINS)
    ax.set_xlim(0, 1)
    ax.set_xlabel('IoU')
    ax.set_ylabel('images' if count else 'images (%)')
    ax.set_title(title)
    ax.legend()
    ax.grid(axis='y', alpha=0.3)
    fig.tight_layout()
    mmengine.mkdir_or_exist(osp.dirname(osp.abspath(out_file)))
    fig.savefig(out_file)
    plt.close(fig)


def main(argv: Optional[List[str]] = None) -> List[float]:
    args = parse_args(argv)
    labels = args.labels or [
        osp.splitext(osp.basename(p))[0] for p in args.results
    ]
    if len(labels) != len(args.results):
        raise ValueError(f'{len(labels)} label(s) for {len(args.results)} '
                         'result file(s)')
    ious = [load_ious(p) for p in args.results]
    means = []
    for label, values in zip(labels, ious):
        means.append(float(values.mean()))
        print(f'{label}: mean IoU {values.mean():.4f} over {len(values)} '
              'images')
    plot_iou_histogram(
        ious, labels, args.out, count=args.count, title=args.title)
    print(f'histogram written to {args.out}')
    return means


if __name__ == '__main__':
    main()
