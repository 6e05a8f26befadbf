from .checkpoint_safety import register_checkpoint_safe_globals
from .config_check import CfgOptionsAction, ConfigKeyError, check_config
from .dist import (
    exit_after_distributed_run,
    setup_cpu_distributed,
    teardown_distributed,
)
from .run_checks import (
    InputError,
    apply_cfg_options,
    check_checkpoint_fits,
    check_init_checkpoints,
    run_tool,
    set_data_root,
)
from .schedule import check_schedule, set_max_epochs

__all__ = [
    'register_checkpoint_safe_globals', 'setup_cpu_distributed',
    'teardown_distributed', 'exit_after_distributed_run', 'InputError',
    'check_checkpoint_fits', 'check_init_checkpoints', 'run_tool',
    'set_data_root', 'apply_cfg_options', 'set_max_epochs', 'check_schedule',
    'check_config', 'ConfigKeyError', 'CfgOptionsAction'
]
