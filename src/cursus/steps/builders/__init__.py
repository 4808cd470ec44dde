"""Step builders. They import ``sagemaker``, so each is loaded on first access, not with this package.

    from cursus.steps.builders import LightGBMMTModelEvalStepBuilder  # imports sagemaker now
"""

from __future__ import annotations

from cursus.core.lazy_exports import lazy_getattr

_EXPORTS = {
    "LightGBMMTModelEvalStepBuilder": "cursus.steps.builders.builder_lightgbmmt_model_eval",
    "LightGBMMTTrainingStepBuilder": "cursus.steps.builders.builder_lightgbmmt_training",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
