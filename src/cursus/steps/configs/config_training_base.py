"""Settings every training step shares: instance, runtime, framework image, encryption, network, spot.

Training step configs extend this class and add their hyperparameters; the matching builder base is
``cursus.core.training_builder``. Import-light (no ``sagemaker``).
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from cursus.core.base.config_base import BasePipelineConfig, check_s3_uri
from cursus.core.instance_types import check_instance_type

# SageMaker scikit-learn images the SDK's tables list for training in all 37 regions (SAGEMAKER.md).
# 1.2-1 is listed too but runs Python 3.9, where the shipped hyperparameters module (``int | None``
# annotations under pydantic) does not import; only add versions whose Python is >= 3.10.
SKLEARN_FRAMEWORK_VERSIONS = ("1.4-2",)
_KMS_KEY = re.compile(r"^(arn:aws[a-z\-]*:kms:[a-z0-9\-]+:\d{12}:(key|alias)/.+|alias/.+|[0-9a-f\-]{36})$")


class TrainingStepConfigBase(BasePipelineConfig):
    """Training job settings; every field has a default that works for a small tabular model."""

    derived_fields: ClassVar[tuple[str, ...]] = (
        *BasePipelineConfig.derived_fields, "py_version", "training_output_path", "code_location",
        "effective_max_wait_seconds", "effective_checkpoint_s3_uri",
    )

    training_instance_type: str = "ml.m5.4xlarge"
    training_instance_count: int = Field(default=1, ge=1)
    training_volume_size: int = Field(default=30, ge=1, le=16384, description="EBS volume in GB.")
    max_runtime_seconds: int = Field(default=86400, ge=1, le=2419200)
    framework_version: Literal[SKLEARN_FRAMEWORK_VERSIONS] = Field(  # type: ignore[valid-type]
        default="1.4-2", description="SageMaker scikit-learn framework image that hosts the script."
    )
    volume_kms_key: str | None = Field(default=None, description="KMS key for the training volume.")
    output_kms_key: str | None = Field(default=None, description="KMS key for the model and output data.")
    subnets: list[str] | None = Field(default=None, description="VPC subnet IDs; set with security_group_ids.")
    security_group_ids: list[str] | None = None
    use_spot_instances: bool = False
    max_wait_time_seconds: int | None = Field(default=None, ge=1, le=2419200, description="Spot only; >= max_runtime_seconds.")
    checkpoint_s3_uri: str | None = Field(default=None, description="Spot checkpoints; defaults under pipeline_s3_loc.")

    @field_validator("training_instance_type")
    @classmethod
    def _check_instance_type(cls, v: str) -> str:
        return check_instance_type(v, "training", cpu_only=True)

    @field_validator("volume_kms_key", "output_kms_key")
    @classmethod
    def _check_kms(cls, v: str | None) -> str | None:
        if v is not None and not _KMS_KEY.match(v):
            raise ValueError(f"'{v}' is not a KMS key id, key ARN or alias (alias/name)")
        return v

    @field_validator("checkpoint_s3_uri")
    @classmethod
    def _check_checkpoint(cls, v: str | None) -> str | None:
        return None if v is None else check_s3_uri(v, "checkpoint_s3_uri")

    @field_validator("subnets", "security_group_ids")
    @classmethod
    def _check_ids(cls, v: list[str] | None, info) -> list[str] | None:
        prefix = "subnet-" if info.field_name == "subnets" else "sg-"
        bad = [x for x in v or [] if not re.match(rf"^{prefix}[0-9a-z]+$", x)]
        if bad or v == []:
            raise ValueError(f"{info.field_name} must be a non-empty list of {prefix}... ids; got {v}")
        return v

    @model_validator(mode="after")
    def _check_network_and_spot(self) -> "TrainingStepConfigBase":
        if (self.subnets is None) != (self.security_group_ids is None):
            raise ValueError("set both subnets and security_group_ids (a VPC needs both) or neither")
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
    def py_version(self) -> str:
        return "py3"

    @property
    def training_output_path(self) -> str:
        return f"{self.pipeline_s3_loc}/training"

    @property
    def code_location(self) -> str:
        return f"{self.pipeline_s3_loc}/code"

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
