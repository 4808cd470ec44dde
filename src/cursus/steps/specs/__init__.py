"""Step specifications (import-light: pydantic only)."""

from cursus.steps.specs.lightgbmmt_training_spec import LIGHTGBMMT_TRAINING_SPEC

__all__ = ["LIGHTGBMMT_TRAINING_SPEC"]
