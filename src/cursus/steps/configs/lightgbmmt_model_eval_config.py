"""Config of the LightGBMMTModelEval step: processing-job settings; the model says everything else.

Task names, id column and F1 threshold are read from the evaluated model's ``hyperparameters.json``,
so this config cannot disagree with the training step. Field names match the training config's
(``framework_version``, ``max_runtime_seconds``, KMS keys, VPC), so one value in
``configuration.shared`` configures both steps.

``ProcessingStepConfigBase`` is the processing counterpart of ``TrainingStepConfigBase``; it lives
here until a second processing step needs it (then: ``steps/configs/config_processing_base.py``).
Import-light (no ``sagemaker``).
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from cursus.core.base.config_base import BasePipelineConfig
from cursus.core.instance_types import check_instance_type
# _KMS_KEY: one pattern for both job kinds until the enterprise fields move into a shared base.
from cursus.steps.configs.config_training_base import _KMS_KEY, SKLEARN_FRAMEWORK_VERSIONS
from cursus.steps.contracts.lightgbmmt_model_eval_contract import LIGHTGBMMT_MODEL_EVAL_CONTRACT


class ProcessingStepConfigBase(BasePipelineConfig):
    """Processing job settings; every field has a default that works for scoring a tabular dataset."""

    derived_fields: ClassVar[tuple[str, ...]] = (*BasePipelineConfig.derived_fields, "py_version", "code_location", "processing_output_root")

    processing_instance_type: str = "ml.m5.xlarge"
    processing_volume_size: int = Field(default=30, ge=1, le=16384, description="EBS volume in GB.")
    max_runtime_seconds: int = Field(default=86400, ge=1, le=777600)
    framework_version: Literal[SKLEARN_FRAMEWORK_VERSIONS] = Field(  # type: ignore[valid-type]
        default="1.4-2", description="SageMaker scikit-learn framework image that hosts the script."
    )
    volume_kms_key: str | None = Field(default=None, description="KMS key for the processing volume.")
    output_kms_key: str | None = Field(default=None, description="KMS key for the outputs (and the code upload).")
    subnets: list[str] | None = Field(default=None, description="VPC subnet IDs; set with security_group_ids.")
    security_group_ids: list[str] | None = None

    @field_validator("processing_instance_type")
    @classmethod
    def _check_instance_type(cls, v: str) -> str:
        return check_instance_type(v, "processing", cpu_only=True)

    @field_validator("volume_kms_key", "output_kms_key")
    @classmethod
    def _check_kms(cls, v: str | None) -> str | None:
        if v is not None and not _KMS_KEY.match(v):
            raise ValueError(f"'{v}' is not a KMS key id, key ARN or alias (alias/name)")
        return v

    @field_validator("subnets", "security_group_ids")
    @classmethod
    def _check_ids(cls, v: list[str] | None, info) -> list[str] | None:
        prefix = "subnet-" if info.field_name == "subnets" else "sg-"
        bad = [x for x in v or [] if not re.match(rf"^{prefix}[0-9a-z]+$", x)]
        if bad or v == []:
            raise ValueError(f"{info.field_name} must be a non-empty list of {prefix}... ids; got {v}")
        return v

    @model_validator(mode="after")
    def _check_network(self) -> "ProcessingStepConfigBase":
        if (self.subnets is None) != (self.security_group_ids is None):
            raise ValueError("set both subnets and security_group_ids (a VPC needs both) or neither")
        return self

    # ----- derived, read-only -----
    @property
    def py_version(self) -> str:
        return "py3"

    @property
    def code_location(self) -> str:
        return f"{self.pipeline_s3_loc}/code"

    @property
    def processing_output_root(self) -> str:
        """Outputs go to ``<root>/<execution id>/<node>/<output>``: executions never overwrite each other."""
        return f"{self.pipeline_s3_loc}/processing"


class LightGBMMTModelEvalConfig(ProcessingStepConfigBase):
    """No essential field beyond the shared ones: the model and the data arrive as inputs."""

    container_name: ClassVar[str] = "lightgbmmt"
    derived_fields: ClassVar[tuple[str, ...]] = (*ProcessingStepConfigBase.derived_fields, "processing_entry_point")

    @property
    def processing_entry_point(self) -> str:
        return LIGHTGBMMT_MODEL_EVAL_CONTRACT.entry_point
