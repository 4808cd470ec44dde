"""Config of the LightGBMMTModelEval step: processing-job settings; the model says everything else.

Task names, id column and F1 threshold are read from the evaluated model's ``hyperparameters.json``,
so this config cannot disagree with the training step. Import-light (no ``sagemaker``).
"""

from __future__ import annotations

from typing import ClassVar

from cursus.steps.configs.config_processing_base import ProcessingStepConfigBase
from cursus.steps.contracts.lightgbmmt_model_eval_contract import LIGHTGBMMT_MODEL_EVAL_CONTRACT


class LightGBMMTModelEvalConfig(ProcessingStepConfigBase):
    """No essential field beyond the shared ones: the model and the data arrive as inputs."""

    container_name: ClassVar[str] = "lightgbmmt"
    derived_fields: ClassVar[tuple[str, ...]] = (*ProcessingStepConfigBase.derived_fields, "processing_entry_point")

    @property
    def processing_entry_point(self) -> str:
        return LIGHTGBMMT_MODEL_EVAL_CONTRACT.entry_point
