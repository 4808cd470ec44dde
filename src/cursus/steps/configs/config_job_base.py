"""Settings every SageMaker job step shares, training or processing: framework image, encryption, network.

Defined once so that both job kinds accept the same values under the same names: one entry in
``configuration.shared`` (a KMS key, the VPC) configures every job of the pipeline. The job-kind
bases (``config_training_base``, ``config_processing_base``) add instances and limits.
Import-light (no ``sagemaker``).
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from cursus.core.base.config_base import BasePipelineConfig

# SageMaker scikit-learn images the SDK's tables list for training and processing in all 37 regions
# (SAGEMAKER.md). 1.2-1 is listed too but runs Python 3.9, where the shipped hyperparameters module
# (``int | None`` annotations under pydantic) does not import; only add versions whose Python is >= 3.10.
SKLEARN_FRAMEWORK_VERSIONS = ("1.4-2",)
_KMS_KEY = re.compile(r"^(arn:aws[a-z\-]*:kms:[a-z0-9\-]+:\d{12}:(key|alias)/.+|alias/.+|[0-9a-f\-]{36})$")
_VPC_ID_PREFIXES = {"subnets": "subnet-", "security_group_ids": "sg-"}


class JobStepConfigBase(BasePipelineConfig):
    """A step that launches one SageMaker job running a script on the scikit-learn framework image."""

    derived_fields: ClassVar[tuple[str, ...]] = (*BasePipelineConfig.derived_fields, "py_version")

    framework_version: Literal[SKLEARN_FRAMEWORK_VERSIONS] = Field(  # type: ignore[valid-type]
        default="1.4-2", description="SageMaker scikit-learn framework image that hosts the script."
    )
    volume_kms_key: str | None = Field(default=None, description="KMS key for the job's storage volume.")
    output_kms_key: str | None = Field(default=None, description="KMS key for what the job writes to S3.")
    subnets: list[str] | None = Field(default=None, description="VPC subnet IDs; set with security_group_ids.")
    security_group_ids: list[str] | None = None

    @field_validator("volume_kms_key", "output_kms_key")
    @classmethod
    def _check_kms(cls, v: str | None) -> str | None:
        if v is not None and not _KMS_KEY.match(v):
            raise ValueError(f"'{v}' is not a KMS key id, key ARN or alias (alias/name)")
        return v

    @field_validator("subnets", "security_group_ids")
    @classmethod
    def _check_ids(cls, v: list[str] | None, info: ValidationInfo) -> list[str] | None:
        prefix = _VPC_ID_PREFIXES[info.field_name]
        bad = [x for x in v or [] if not re.match(rf"^{prefix}[0-9a-z]+$", x)]
        if bad or v == []:
            raise ValueError(f"{info.field_name} must be a non-empty list of {prefix}... ids; got {v}")
        return v

    @model_validator(mode="after")
    def _check_network(self) -> "JobStepConfigBase":
        if (self.subnets is None) != (self.security_group_ids is None):
            raise ValueError("set both subnets and security_group_ids (a VPC needs both) or neither")
        return self

    # ----- derived, read-only -----
    @property
    def py_version(self) -> str:
        return "py3"
