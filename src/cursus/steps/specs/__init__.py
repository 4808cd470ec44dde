"""Step specifications (import-light: pydantic only)."""

from cursus.steps.specs.lightgbmmt_model_eval_spec import LIGHTGBMMT_MODEL_EVAL_SPEC
from cursus.steps.specs.lightgbmmt_training_spec import LIGHTGBMMT_TRAINING_SPEC

__all__ = ["LIGHTGBMMT_MODEL_EVAL_SPEC", "LIGHTGBMMT_TRAINING_SPEC"]
