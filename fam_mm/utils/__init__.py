from .checkpoint_safety import register_checkpoint_safe_globals
from .dist import (
    exit_after_distributed_run,
    setup_cpu_distributed,
    teardown_distributed,
)

__all__ = [
    'register_checkpoint_safe_globals', 'setup_cpu_distributed',
    'teardown_distributed', 'exit_after_distributed_run'
]
