"""Builder of the LightGBMMTTraining step: what is specific to MT-GBM on top of the training base."""

from __future__ import annotations

from typing import Any, ClassVar

from cursus.core.errors import ConfigError
from cursus.core.training_builder import TrainingStepBuilderBase
from cursus.steps.configs.lightgbmmt_training_config import LightGBMMTTrainingConfig
from cursus.steps.contracts.lightgbmmt_training_contract import DATA_CHANNELS, metric_definitions

# Config switch -> env var of the contract, each meaningful only with pre-computed artifacts wired in.
PRECOMPUTED_SWITCHES = {
    "use_precomputed_imputation": "USE_PRECOMPUTED_IMPUTATION",
    "use_precomputed_risk_tables": "USE_PRECOMPUTED_RISK_TABLES",
    "use_precomputed_features": "USE_PRECOMPUTED_FEATURES",
}


class LightGBMMTTrainingStepBuilder(TrainingStepBuilderBase):
    """Ships the MT-GBM container code with the full hyperparameters JSON inside."""

    config_class: ClassVar[type[LightGBMMTTrainingConfig]] = LightGBMMTTrainingConfig
    container_name: ClassVar[str] = LightGBMMTTrainingConfig.container_name
    data_splits: ClassVar[tuple[str, ...]] = DATA_CHANNELS
    config: LightGBMMTTrainingConfig

    def embedded_hyperparameters(self) -> dict[str, Any]:
        return self.config.hyperparameters.to_json_dict()

    def sagemaker_hyperparameters(self) -> dict[str, Any]:
        return self.config.hyperparameters.tunable_scalars()

    def metric_definitions(self) -> list[dict[str, str]]:
        return metric_definitions(self.config.hyperparameters.task_label_names)

    def environment(self, inputs: dict[str, Any]) -> dict[str, str]:
        """The USE_PRECOMPUTED_* switches the config turns on; they need the model_artifacts_input channel."""
        on = [env for field, env in PRECOMPUTED_SWITCHES.items() if getattr(self.config, field)]
        if on and "model_artifacts_input" not in inputs:
            raise ConfigError(
                f"node '{self.step_name}': {on} need pre-computed artifacts, but model_artifacts_input has no "
                "source; connect the step that computes them or bind it in input_bindings"
            )
        return {env: "true" for env in on}
