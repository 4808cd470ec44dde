"""Base pipeline config: the fields every step shares, in Cursus's three tiers.

1. essential: what only the user knows (no defaults): author, bucket, role, region, service name, version;
2. system: sensible defaults a user may override (bindings of unconnected inputs, tags);
3. derived: read-only properties computed from the above (AWS region, pipeline name, S3 locations).
   They are never accepted as input: a stale derived value in a saved file is an error, not silently kept.

Import-light (pydantic only): configs load and validate without ``sagemaker``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Cursus region codes (as in the public project) and the AWS region each stands for.
CURSUS_REGION_CODES = {"NA": "us-east-1", "EU": "eu-west-1", "FE": "us-west-2"}
_AWS_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_S3_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?$")
_PARAMETER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9\-_]{0,255}$")


def check_s3_uri(value: str, field: str) -> str:
    if not _S3_URI.match(value):
        raise ValueError(f"{field}='{value}' is not an S3 URI; write it as s3://bucket/prefix")
    return value.rstrip("/")


class ParameterBinding(BaseModel):
    """Bind an input to a pipeline parameter, so each execution can pass a different S3 URI."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    parameter: str = Field(description="Pipeline parameter name.")
    default: str | None = Field(default=None, description="Default S3 URI when an execution passes none.")

    @field_validator("parameter")
    @classmethod
    def _check_name(cls, v: str) -> str:
        if not _PARAMETER_NAME.match(v):
            raise ValueError(f"parameter name '{v}' must start with a letter and use only letters, digits, - and _")
        return v

    @field_validator("default")
    @classmethod
    def _check_default(cls, v: str | None) -> str | None:
        return None if v is None else check_s3_uri(v, "default")


class BasePipelineConfig(BaseModel):
    """Fields shared by every step config of a pipeline (the ``configuration.shared`` section)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Read-only properties, listed so that a saved file carrying one gets a clear error.
    derived_fields: ClassVar[tuple[str, ...]] = ("aws_region", "pipeline_name", "pipeline_s3_loc", "code_location")

    # ----- tier 1: essential user inputs -----
    author: str = Field(min_length=1, pattern=r"^[A-Za-z0-9\-]+$", description="Owner; part of the pipeline name.")
    bucket: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$", description="S3 bucket for code and outputs.")
    role: str = Field(pattern=r"^arn:aws[a-z\-]*:iam::\d{12}:role/.+$", description="IAM role ARN the jobs run as.")
    region: str = Field(description="Cursus region code (NA, EU, FE) or an AWS region name such as us-west-2.")
    service_name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9\-]+$")
    pipeline_version: str = Field(min_length=1, pattern=r"^[A-Za-z0-9.\-_]+$")

    # ----- tier 2: system inputs with defaults -----
    pipeline_description: str = ""
    input_bindings: dict[str, str | ParameterBinding] = Field(
        default_factory=dict,
        description="Dependency logical name -> S3 URI or pipeline parameter, for inputs no upstream step provides.",
    )
    tags: dict[str, str] = Field(default_factory=dict, description="Tags put on the jobs this step launches.")

    @model_validator(mode="before")
    @classmethod
    def _reject_derived(cls, data: Any) -> Any:
        if isinstance(data, dict):
            given = sorted(k for k in data if k in cls.derived_fields)
            if given:
                raise ValueError(f"{given} are derived from the other fields and read-only; remove them from the config.")
        return data

    @field_validator("region")
    @classmethod
    def _check_region(cls, v: str) -> str:
        if v not in CURSUS_REGION_CODES and not _AWS_REGION.match(v):
            raise ValueError(f"region='{v}' is neither a Cursus region code {sorted(CURSUS_REGION_CODES)} nor an AWS region like us-west-2")
        return v

    @field_validator("input_bindings")
    @classmethod
    def _check_bindings(cls, v: dict[str, str | ParameterBinding]) -> dict[str, str | ParameterBinding]:
        return {k: check_s3_uri(b, f"input_bindings.{k}") if isinstance(b, str) else b for k, b in v.items()}

    # ----- tier 3: derived, read-only -----
    @property
    def aws_region(self) -> str:
        return CURSUS_REGION_CODES.get(self.region, self.region)

    @property
    def pipeline_name(self) -> str:
        return f"{self.author}-{self.service_name}-{self.region}"

    @property
    def pipeline_s3_loc(self) -> str:
        """Root of everything this pipeline version writes: code, outputs, checkpoints."""
        return f"s3://{self.bucket}/cursus/{self.pipeline_name}/{self.pipeline_version}"

    @property
    def code_location(self) -> str:
        """Where the steps' code packages go (content-addressed, so steps sharing code share one object)."""
        return f"{self.pipeline_s3_loc}/code"

    @classmethod
    def field_tiers(cls) -> dict[str, list[str]]:
        """Field names by tier, for docs and for tools that write config files."""
        fields = cls.model_fields
        return {
            "essential": [n for n, f in fields.items() if f.is_required()],
            "system": [n for n, f in fields.items() if not f.is_required()],
            "derived": list(cls.derived_fields),
        }
