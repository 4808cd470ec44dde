"""Step specifications: a step as a DAG node, described by what it consumes and produces.

A specification names each dependency and output by the same logical name the script contract
uses (``cursus.core.alignment`` checks both ways), so the dependency resolver, the builder and the
script all agree on one vocabulary. Import-light (pydantic only): the registry loads specs without
``sagemaker``.
"""

from __future__ import annotations

import re
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cursus.core.base.contract_base import ScriptContract


class NodeType(str, Enum):
    """Where a step may sit in a DAG: sources only produce, sinks only consume."""

    SOURCE = "source"
    INTERNAL = "internal"
    SINK = "sink"
    SINGULAR = "singular"


class DependencyType(str, Enum):
    """The kind of data flowing along an edge; resolution only pairs compatible kinds."""

    TRAINING_DATA = "training_data"
    PROCESSING_OUTPUT = "processing_output"
    HYPERPARAMETERS = "hyperparameters"
    MODEL_ARTIFACTS = "model_artifacts"
    CUSTOM_PROPERTY = "custom_property"


# A dependency of the key type accepts outputs of these types (besides its own).
COMPATIBLE_TYPES: dict[DependencyType, frozenset[DependencyType]] = {
    DependencyType.TRAINING_DATA: frozenset({DependencyType.PROCESSING_OUTPUT}),
    DependencyType.PROCESSING_OUTPUT: frozenset({DependencyType.TRAINING_DATA}),
    DependencyType.HYPERPARAMETERS: frozenset({DependencyType.PROCESSING_OUTPUT}),
}

_PROPERTY_PATH = re.compile(r"^properties(\.[A-Za-z_]\w*|\[\d+\]|\['[^']+'\])+$")


class DependencySpec(BaseModel):
    """One input of a step: what it accepts and from which upstream steps."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    logical_name: str
    dependency_type: DependencyType
    required: bool = True
    compatible_sources: tuple[str, ...] = Field(default=(), description="Upstream step names this input accepts.")
    semantic_keywords: tuple[str, ...] = Field(default=(), description="Words expected in a matching output name.")
    description: str = ""

    def accepts_type(self, output_type: DependencyType) -> bool:
        return output_type == self.dependency_type or output_type in COMPATIBLE_TYPES.get(self.dependency_type, ())


class OutputSpec(BaseModel):
    """One output of a step and the SageMaker property path that refers to it at run time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    logical_name: str
    output_type: DependencyType
    property_path: str = Field(description="e.g. properties.ModelArtifacts.S3ModelArtifacts")
    aliases: tuple[str, ...] = ()
    description: str = ""

    @model_validator(mode="after")
    def _check_property_path(self) -> "OutputSpec":
        if not _PROPERTY_PATH.match(self.property_path):
            raise ValueError(
                f"output '{self.logical_name}' has property_path '{self.property_path}'; write it like "
                "properties.ModelArtifacts.S3ModelArtifacts or properties.ProcessingOutputConfig.Outputs['name'].S3Output.S3Uri"
            )
        return self

    @property
    def names(self) -> tuple[str, ...]:
        return (self.logical_name, *self.aliases)

    def property_steps(self) -> list[tuple[str, str | int]]:
        """``("attr", name)`` or ``("item", index or key)`` for each part after ``properties``."""
        steps: list[tuple[str, str | int]] = []
        for attr, index, key in re.findall(r"\.([A-Za-z_]\w*)|\[(\d+)\]|\['([^']+)'\]", self.property_path):
            steps.append(("attr", attr) if attr else ("item", int(index) if index else key))
        return steps


class StepSpecification(BaseModel):
    """A step type as a DAG node: node type, dependencies and outputs keyed by logical name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    step_type: str = Field(description="Registry name of the step, e.g. LightGBMMTTraining.")
    node_type: NodeType
    dependencies: tuple[DependencySpec, ...] = ()
    outputs: tuple[OutputSpec, ...] = ()
    script_contract: ScriptContract | None = None

    @model_validator(mode="after")
    def _check_shape(self) -> "StepSpecification":
        where = f"specification of {self.step_type}"
        if self.node_type == NodeType.SOURCE and self.dependencies:
            raise ValueError(f"{where}: a source node has no dependencies; make it internal or drop them.")
        if self.node_type == NodeType.SINK and self.outputs:
            raise ValueError(f"{where}: a sink node has no outputs; make it internal or drop them.")
        if self.node_type == NodeType.INTERNAL and not (self.dependencies and self.outputs):
            raise ValueError(f"{where}: an internal node needs dependencies and outputs.")
        dep_names = [d.logical_name for d in self.dependencies]
        out_names = [n for o in self.outputs for n in o.names]
        for kind, names in (("dependency", dep_names), ("output name or alias", out_names)):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{where}: {kind} {dupes} declared more than once; names must be unique.")
        return self

    def output(self, name: str) -> OutputSpec:
        """The output called ``name`` (logical name or alias)."""
        for out in self.outputs:
            if name in out.names:
                return out
        raise KeyError(name)
