"""Step registry. Import-light: listing steps never imports ``sagemaker``."""

from cursus.registry.step_names import (
    STEP_REGISTRY,
    StepInfo,
    get_step_info,
    register_step,
    step_for_config_class,
    unregister_step,
)

__all__ = ["STEP_REGISTRY", "StepInfo", "get_step_info", "register_step", "step_for_config_class", "unregister_step"]
