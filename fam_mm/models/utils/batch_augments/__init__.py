from .hide_and_seek import HideAndSeek, hide_and_seek_mask

__all__ = ['HideAndSeek', 'hide_and_seek_mask']
