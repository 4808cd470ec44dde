"""Step configs (import-light: pydantic and botocore's bundled model, no ``sagemaker``)."""

from cursus.steps.configs.config_job_base import JobStepConfigBase
from cursus.steps.configs.config_processing_base import ProcessingStepConfigBase
from cursus.steps.configs.config_training_base import TrainingStepConfigBase
from cursus.steps.configs.lightgbmmt_model_eval_config import LightGBMMTModelEvalConfig
from cursus.steps.configs.lightgbmmt_training_config import LightGBMMTTrainingConfig

__all__ = [
    "JobStepConfigBase",
    "LightGBMMTModelEvalConfig",
    "LightGBMMTTrainingConfig",
    "ProcessingStepConfigBase",
    "TrainingStepConfigBase",
]
