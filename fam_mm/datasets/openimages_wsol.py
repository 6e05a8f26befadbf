"""OpenImages30k of the WSOL evaluation protocol (masks, evaluated by PxAP).

The metadata has the layout of :class:`WSOLMetadataDataset`, except that
``image_sizes.txt`` is empty and ``localization.txt`` lists masks instead of
boxes, one line per instance mask::

    image_id,mask_path,ignore_path

``mask_path`` and ``ignore_path`` are relative to the mask root; the ignore
path is given on an image's first line and empty on the others (it may be
empty on every line: no ignore region). Masks are PNGs, nonzero =
foreground; the ignore mask marks pixels left out of PxAP (minus the
foreground). ``train`` (train-weaksup) has no masks; ``val``
(train-fullsup) and ``test`` have at least one per image.
"""
import os.path as osp
from typing import Dict, List, Optional, Tuple

from mmpretrain.registry import DATASETS

from .annotation_utils import AnnotationError, iter_lines
from .wsol_metadata import WSOLMetadataDataset, load_wsol_metadata


def load_mask_metadata(
        split_dir: str) -> Dict[str, Tuple[List[str], Optional[str]]]:
    """Parse a split's ``localization.txt`` of mask paths.

    Args:
        split_dir (str): The split folder.

    Returns:
        dict[str, tuple[list[str], str | None]]: image id -> (instance mask
        paths in file order, ignore mask path or None). Empty when the file
        is missing or empty.

    Raises:
        AnnotationError: For a line without three fields, an empty mask
            path, or a second ignore path for an image (naming file and
            line).
    """
    path = osp.join(split_dir, 'localization.txt')
    out: Dict[str, Tuple[List[str], Optional[str]]] = {}
    if not osp.isfile(path):
        return out
    for lineno, line in iter_lines(path):
        fields = line.rsplit(',', 2)
        if len(fields) != 3 or not fields[0].strip() or \
                not fields[1].strip():
            raise AnnotationError(
                f'malformed line {line!r}: expected '
                'image_id,mask_path,ignore_path (ignore_path may be empty)',
                path, lineno)
        image_id, mask, ignore = (f.strip() for f in fields)
        masks, old_ignore = out.get(image_id, ([], None))
        if ignore and old_ignore is not None:
            raise AnnotationError(
                f'second ignore path {ignore!r} for image {image_id!r} '
                f'(first: {old_ignore!r})', path, lineno)
        masks.append(mask)
        out[image_id] = (masks, ignore or old_ignore)
    return out


@DATASETS.register_module()
class OpenImagesWSOL(WSOLMetadataDataset):
    """OpenImages30k (wsolevaluation metadata): image labels and masks.

    Each sample of a split with masks carries ``mask_paths`` (list of
    instance mask files) and ``ignore_path`` (file or None);
    :class:`~fam_mm.datasets.transforms.LoadWSOLMasks` turns them into
    ``gt_masks`` / ``ignore_mask`` for PxAP. There are no boxes
    (``gt_bboxes`` is not set), so ``WSOLMetric`` reports classification
    and ``pxap`` only.

    Args:
        data_root (str): Root of the images (image ids are relative to it).
        metadata_root (str): Folder with ``train``, ``val``, ``test``.
        mask_root (str, optional): Root of the mask paths. Defaults to
            ``data_root``.
        split (str): Defaults to ``'test'``.
        **kwargs: Other arguments of :class:`WSOLMetadataDataset`.
    """

    def __init__(self,
                 data_root: str,
                 metadata_root: str,
                 mask_root: Optional[str] = None,
                 split: str = 'test',
                 **kwargs) -> None:
        self.mask_root = osp.expanduser(mask_root or data_root)
        super().__init__(
            data_root=data_root,
            metadata_root=metadata_root,
            split=split,
            **kwargs)

    def _load_records(self) -> List[dict]:
        """Image records with their mask paths (see the class docstring)."""
        records = load_wsol_metadata(self.split_dir, with_boxes=False)
        masks = load_mask_metadata(self.split_dir)
        loc_file = osp.join(self.split_dir, 'localization.txt')
        ids = {record['img_id'] for record in records}
        unknown = [image_id for image_id in masks if image_id not in ids]
        if unknown:
            raise AnnotationError(
                f'{len(unknown)} image id(s) with masks are not in '
                f'image_ids.txt, e.g. {unknown[0]!r}', loc_file)
        for record in records:
            del record['gt_bboxes']
            if not masks:
                continue
            if record['img_id'] not in masks:
                raise AnnotationError(
                    f'image {record["img_id"]!r} has no mask in {loc_file}')
            paths, ignore = masks[record['img_id']]
            record['mask_paths'] = [
                osp.join(self.mask_root, p) for p in paths
            ]
            record['ignore_path'] = (
                osp.join(self.mask_root, ignore) if ignore else None)
        return records
