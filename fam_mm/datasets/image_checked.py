"""The base of the WSOL datasets: a bad image names its file and index.

mmcv's ``LoadImageFromFile`` fails on a corrupt or empty image with
``AssertionError: failed to load image`` or a ``cv2.error``, hundreds of
lines deep inside a DataLoader worker. The WSOL datasets load through
:class:`ImageCheckedDataset`, which says which sample it was and what is
wrong with the file (:func:`fam_mm.utils.image_check.check_image_file`).
"""
from typing import Any, Optional

from mmpretrain.datasets import BaseDataset

from fam_mm.utils.image_check import ImageFileError, check_image_file

__all__ = ['ImageCheckedDataset']


class ImageCheckedDataset(BaseDataset):
    """:class:`mmpretrain.datasets.BaseDataset` whose samples name their
    image file when it cannot be loaded.

    When the pipeline fails and the sample's ``img_path`` is a bad image
    file (missing, empty, corrupt, not an image), an
    :class:`~fam_mm.utils.image_check.ImageFileError` is raised instead,
    one line like ``SyntheticWSOL image 5 of 9: <path>: not an image (a
    text file, 23 bytes)``. Inside DataLoader workers torch re-raises it in
    the main process with the same one-line message, and the tools print
    it as one line. Any other failure propagates unchanged.
    """

    def _local_img_path(self, idx: int) -> Optional[str]:
        try:
            path = self.get_data_info(idx).get('img_path')
        except Exception:
            return None
        if not isinstance(path, str) or '://' in path:
            return None
        return path

    def prepare_data(self, idx: int) -> Any:
        """Run the pipeline on sample ``idx``; see the class docstring."""
        try:
            return super().prepare_data(idx)
        except Exception:
            path = self._local_img_path(idx)
            if path is None:
                raise
            try:
                check_image_file(path)
            except ImageFileError as bad:
                raise ImageFileError(
                    f'{type(self).__name__} image {idx} of {len(self)}: '
                    f'{bad}') from None
            raise
