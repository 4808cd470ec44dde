"""Settings every training step shares: instance, runtime, spot (image, encryption, network: the job base).

Training step configs extend this class and add their hyperparameters; the matching builder base is
``cursus.core.training_builder``. Import-light (no ``sagemaker``).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from cursus.core.base.config_base import check_s3_uri
from cursus.core.instance_types import check_instance_type
from cursus.steps.configs.config_job_base import JobStepConfigBase


class TrainingStepConfigBase(JobStepConfigBase):
    """Training job settings; every field has a default that works for a small tabular model."""

    derived_fields: ClassVar[tuple[str, ...]] = (
        *JobStepConfigBase.derived_fields, "training_output_path", "effective_max_wait_seconds",
        "effective_checkpoint_s3_uri",
    )

    training_instance_type: str = "ml.m5.4xlarge"
    training_instance_count: int = Field(default=1, ge=1)
    training_volume_size: int = Field(default=30, ge=1, le=16384, description="EBS volume in GB.")
    max_runtime_seconds: int = Field(default=86400, ge=1, le=2419200)
    use_spot_instances: bool = False
    max_wait_time_seconds: int | None = Field(default=None, ge=1, le=2419200, description="Spot only; >= max_runtime_seconds.")
    checkpoint_s3_uri: str | None = Field(default=None, description="Spot checkpoints; defaults under pipeline_s3_loc.")

    @field_validator("training_instance_type")
    @classmethod
    def _check_instance_type(cls, v: str) -> str:
        return check_instance_type(v, "training", cpu_only=True)

    @field_validator("checkpoint_s3_uri")
    @classmethod
    def _check_checkpoint(cls, v: str | None) -> str | None:
        return None if v is None else check_s3_uri(v, "checkpoint_s3_uri")

    @model_validator(mode="after")
    def _check_spot(self) -> "TrainingStepConfigBase":
        if self.max_wait_time_seconds is not None:
            if not self.use_spot_instances:
                raise ValueError("max_wait_time_seconds applies to spot training only; set use_spot_instances=true or remove it")
            if self.max_wait_time_seconds < self.max_runtime_seconds:
                raise ValueError(
                    f"max_wait_time_seconds={self.max_wait_time_seconds} is less than max_runtime_seconds="
                    f"{self.max_runtime_seconds}; spot training waits at least as long as it runs"
                )
        return self

    # ----- derived, read-only -----
    @property
    def training_output_path(self) -> str:
        return f"{self.pipeline_s3_loc}/training"

    @property
    def effective_max_wait_seconds(self) -> int | None:
        """Spot wait limit: the user's value, else the runtime limit."""
        if not self.use_spot_instances:
            return None
        return self.max_wait_time_seconds or self.max_runtime_seconds

    @property
    def effective_checkpoint_s3_uri(self) -> str | None:
        if self.checkpoint_s3_uri or not self.use_spot_instances:
            return self.checkpoint_s3_uri
        return f"{self.pipeline_s3_loc}/checkpoints"
