from .foreground_collapse_hook import (
    ForegroundCollapseHook,
    foreground_stats,
    part_map_diversity,
)
from .rank_zero_logger_hook import RankZeroLoggerHook, use_rank_zero_logger
from .wsol_visualization_hook import WSOLVisualizationHook

__all__ = [
    'WSOLVisualizationHook', 'ForegroundCollapseHook', 'foreground_stats',
    'part_map_diversity', 'RankZeroLoggerHook', 'use_rank_zero_logger'
]
