from .wsol_drawing import draw_wsol_sample, map_to_original, overlay_heatmap

__all__ = ['draw_wsol_sample', 'map_to_original', 'overlay_heatmap']
