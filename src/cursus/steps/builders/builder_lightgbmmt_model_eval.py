"""Builder of the LightGBMMTModelEval step: what is specific to it on top of the processing base.

The eval script ships in the LightGBMMT container code (the same staged code directory as the
training step), runs on the SKLearn framework image, and gets the training step's ``model_output``
as a property reference.
"""

from __future__ import annotations

from typing import ClassVar

from cursus.core.processing_builder import ProcessingStepBuilderBase
from cursus.steps.configs.lightgbmmt_model_eval_config import LightGBMMTModelEvalConfig


class LightGBMMTModelEvalStepBuilder(ProcessingStepBuilderBase):
    """Evaluates a LightGBMMT model on a dataset with the container's ``lightgbmmt_model_eval.py``."""

    config_class: ClassVar[type[LightGBMMTModelEvalConfig]] = LightGBMMTModelEvalConfig
    container_name: ClassVar[str] = LightGBMMTModelEvalConfig.container_name
    config: LightGBMMTModelEvalConfig
