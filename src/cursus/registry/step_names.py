"""The step registry: step name -> config class, builder class, specification, SageMaker step type.

Classes are named by dotted path and imported only when asked for, so listing the registry
(``cursus steps``) stays fast and never imports ``sagemaker``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from cursus.core.errors import UnknownStepError


@dataclass(frozen=True)
class StepInfo:
    """Where to find each part of a step. Paths are ``module:attribute``."""

    name: str
    config_class: str
    builder_class: str
    spec: str
    sagemaker_step_type: str
    description: str

    @property
    def config_class_name(self) -> str:
        return self.config_class.rpartition(":")[2]

    def load_config_class(self) -> type:
        return load_object(self.config_class)

    def load_builder_class(self) -> type:
        return load_object(self.builder_class)

    def load_spec(self) -> Any:
        return load_object(self.spec)


STEP_REGISTRY: dict[str, StepInfo] = {}


def register_step(info: StepInfo) -> StepInfo:
    """Add a step; a second step under the same name or config class is refused, never replaced."""
    clash = [s.name for s in STEP_REGISTRY.values() if s.name == info.name or s.config_class_name == info.config_class_name]
    if clash:
        raise UnknownStepError(f"step '{info.name}' ({info.config_class_name}) clashes with registered step {clash[0]}")
    STEP_REGISTRY[info.name] = info
    return info


def unregister_step(name: str) -> None:
    STEP_REGISTRY.pop(name, None)


register_step(
    StepInfo(
        name="LightGBMMTTraining",
        config_class="cursus.steps.configs.lightgbmmt_training_config:LightGBMMTTrainingConfig",
        builder_class="cursus.steps.builders.builder_lightgbmmt_training:LightGBMMTTrainingStepBuilder",
        spec="cursus.steps.specs.lightgbmmt_training_spec:LIGHTGBMMT_TRAINING_SPEC",
        sagemaker_step_type="Training",
        description="Multi-task gradient boosting (MT-GBM) on LightGBM: one model, a main task and related subtasks.",
    )
)
register_step(
    StepInfo(
        name="LightGBMMTModelEval",
        config_class="cursus.steps.configs.lightgbmmt_model_eval_config:LightGBMMTModelEvalConfig",
        builder_class="cursus.steps.builders.builder_lightgbmmt_model_eval:LightGBMMTModelEvalStepBuilder",
        spec="cursus.steps.specs.lightgbmmt_model_eval_spec:LIGHTGBMMT_MODEL_EVAL_SPEC",
        sagemaker_step_type="Processing",
        description="Scores a dataset with a trained LightGBMMT model: per-task predictions, metrics and plots.",
    )
)


def get_step_info(name: str) -> StepInfo:
    try:
        return STEP_REGISTRY[name]
    except KeyError:
        raise UnknownStepError(f"unknown step '{name}'; registered steps: {sorted(STEP_REGISTRY)}") from None


def step_for_config_class(config_class_name: str) -> StepInfo:
    """The step whose config class is called ``config_class_name`` (as in ``metadata.config_types``)."""
    for info in STEP_REGISTRY.values():
        if info.config_class_name == config_class_name:
            return info
    known = sorted(i.config_class_name for i in STEP_REGISTRY.values())
    raise UnknownStepError(f"no registered step uses config class '{config_class_name}'; known config classes: {known}")


def load_object(path: str) -> Any:
    module_name, _, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr)
