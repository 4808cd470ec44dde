"""Settings every processing step shares: instance and runtime (image, encryption, network: the job base).

The processing counterpart of ``config_training_base``; field names match it where the meaning is
the same (``max_runtime_seconds``), so one value in ``configuration.shared`` sets both job kinds.
The matching builder base is ``cursus.core.processing_builder``. Import-light (no ``sagemaker``).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from cursus.core.instance_types import check_instance_type
from cursus.steps.configs.config_job_base import JobStepConfigBase


class ProcessingStepConfigBase(JobStepConfigBase):
    """Processing job settings; every field has a default that works for scoring a tabular dataset."""

    derived_fields: ClassVar[tuple[str, ...]] = (*JobStepConfigBase.derived_fields, "processing_output_root")

    processing_instance_type: str = "ml.m5.xlarge"
    processing_volume_size: int = Field(default=30, ge=1, le=16384, description="EBS volume in GB.")
    max_runtime_seconds: int = Field(default=86400, ge=1, le=777600)

    @field_validator("processing_instance_type")
    @classmethod
    def _check_instance_type(cls, v: str) -> str:
        return check_instance_type(v, "processing", cpu_only=True)

    # ----- derived, read-only -----
    @property
    def processing_output_root(self) -> str:
        """Outputs go to ``<root>/<execution id>/<node>/<output>``: executions never overwrite each other."""
        return f"{self.pipeline_s3_loc}/processing"
