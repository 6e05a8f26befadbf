from .wsol_drawing import (
    DISPLAY_MAX_SIZE,
    DISPLAY_MIN_SIZE,
    GT_COLOR,
    METHOD_COLORS,
    PRED_COLOR,
    Panel,
    colorize,
    compose_figure,
    display_size,
    draw_method_rows,
    draw_wsol_grid,
    draw_wsol_sample,
    map_to_original,
    overlay_heatmap,
)

__all__ = [
    'DISPLAY_MAX_SIZE', 'DISPLAY_MIN_SIZE', 'GT_COLOR', 'METHOD_COLORS',
    'PRED_COLOR', 'Panel', 'colorize', 'compose_figure', 'display_size',
    'draw_method_rows', 'draw_wsol_grid', 'draw_wsol_sample',
    'map_to_original', 'overlay_heatmap'
]
