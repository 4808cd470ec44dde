"""Config of the LightGBMMTTraining step: training-job settings plus the MT-GBM hyperparameters."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import field_validator, model_validator

from cursus.core.staging import container_source_dir
from cursus.steps.configs.config_training_base import TrainingStepConfigBase
from cursus.steps.contracts.lightgbmmt_training_contract import LIGHTGBMMT_TRAINING_CONTRACT
from cursus.steps.hyperparams.hyperparameters_lightgbmmt import LightGBMMtModelHyperparameters


class LightGBMMTTrainingConfig(TrainingStepConfigBase):
    """``hyperparameters`` is the only essential field beyond the shared ones.

    The code is the shipped container code (``source_dir``, read-only): the builder stages it with
    the hyperparameters inside, so the script, its contract and its hyperparameters class always match.
    """

    container_name: ClassVar[str] = "lightgbmmt"
    derived_fields: ClassVar[tuple[str, ...]] = (
        *TrainingStepConfigBase.derived_fields, "training_entry_point", "source_dir",
    )

    hyperparameters: LightGBMMtModelHyperparameters
    # Switch on reading pre-computed artifacts from the model_artifacts_input channel (contract env vars).
    use_precomputed_imputation: bool = False
    use_precomputed_risk_tables: bool = False
    use_precomputed_features: bool = False

    @field_validator("hyperparameters", mode="before")
    @classmethod
    def _parse_hyperparameters(cls, v: Any) -> Any:
        # parse() phrases every problem as "field: message (got value)"; it raises HyperparameterError.
        return LightGBMMtModelHyperparameters.parse(v) if isinstance(v, dict) else v

    @model_validator(mode="after")
    def _single_instance(self) -> "LightGBMMTTrainingConfig":
        if self.training_instance_count != 1:
            raise ValueError(
                f"training_instance_count={self.training_instance_count}, but LightGBMMT trains on one instance "
                "(more would each train the same model); set it to 1 and pick a larger training_instance_type"
            )
        return self

    @property
    def training_entry_point(self) -> str:
        return LIGHTGBMMT_TRAINING_CONTRACT.entry_point

    @property
    def source_dir(self) -> Path:
        """The shipped container code (inside the wheel, or ``dockers/lightgbmmt`` in a checkout)."""
        return container_source_dir(self.container_name)
