"""Step configs (import-light: pydantic and botocore's bundled model, no ``sagemaker``)."""

from cursus.steps.configs.config_training_base import TrainingStepConfigBase
from cursus.steps.configs.lightgbmmt_training_config import LightGBMMTTrainingConfig

__all__ = ["LightGBMMTTrainingConfig", "TrainingStepConfigBase"]
