"""Step builder base: what every builder shares, whatever SageMaker job it creates.

A builder turns (config, specification, resolved inputs) into one SageMaker pipeline step. This base
checks the inputs against the specification, follows output property paths for downstream steps,
publishes the step's staged container code and formats the enterprise settings (VPC, KMS, tags) the
same way for training and processing jobs. Job-specific bases (``cursus.core.training_builder``,
``cursus.core.processing_builder``) add the estimator or processor and import ``sagemaker``; this
base does not, so the registry and the specs can refer to it cheaply.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from cursus.core.base.config_base import BasePipelineConfig
from cursus.core.base.specification_base import StepSpecification
from cursus.core.code_package import CodePackage, build_code_package
from cursus.core.errors import ConfigError, DependencyResolutionError


class StepBuilderBase(ABC):
    """Builds the step of one DAG node. Subclasses set ``config_class`` and implement :meth:`create_step`."""

    config_class: ClassVar[type[BasePipelineConfig]]
    # Folder under dockers/ whose code the job runs (job steps; see :meth:`publish_code`).
    container_name: ClassVar[str]

    def __init__(
        self, config: BasePipelineConfig, spec: StepSpecification, *, step_name: str,
        sagemaker_session: Any, role: str, code_publisher: Any,
    ) -> None:
        if not isinstance(config, self.config_class):
            raise ConfigError(
                f"node '{step_name}': {type(self).__name__} needs a {self.config_class.__name__}, got "
                f"{type(config).__name__}; fix metadata.config_types.{step_name}"
            )
        if spec.script_contract is None:
            raise ConfigError(f"specification of {spec.step_type} has no script contract; a buildable step needs one")
        self.config = config
        self.spec = spec
        self.contract = spec.script_contract
        self.step_name = step_name
        self.session = sagemaker_session
        self.role = role
        self.code_publisher = code_publisher

    @abstractmethod
    def create_step(self, inputs: dict[str, Any], depends_on: list[Any]) -> Any:
        """The SageMaker step, given each wired dependency's value (S3 URI or pipeline variable)."""

    def check_inputs(self, inputs: dict[str, Any]) -> None:
        """Every required dependency is present and every given input is a declared dependency."""
        declared = [d.logical_name for d in self.spec.dependencies]
        unknown = sorted(set(inputs) - set(declared))
        if unknown:
            raise DependencyResolutionError(f"node '{self.step_name}': inputs {unknown} are not dependencies of {self.spec.step_type} {declared}")
        missing = [d.logical_name for d in self.spec.dependencies if d.required and d.logical_name not in inputs]
        if missing:
            raise DependencyResolutionError(
                f"node '{self.step_name}' ({self.spec.step_type}): required input {missing} has no value; "
                "connect an upstream step that produces it or set input_bindings in this node's config"
            )

    def output_reference(self, step: Any, name: str) -> Any:
        """The run-time reference to output ``name`` (logical name or alias): its property path on ``step``."""
        ref = step.properties
        for kind, part in self.spec.output(name).property_steps():
            ref = getattr(ref, part) if kind == "attr" else ref[part]
        return ref

    def publish_code(
        self, hyperparameters: dict[str, Any] | None = None, hyperparameters_file: str | None = None
    ) -> CodePackage:
        """Stage ``container_name`` as a content-addressed package and hand it to the code publisher.

        Every job step ships its code this way rather than through the SDK, which would upload during
        ``pipeline.definition()`` (impossible offline) under a key that depends on local paths.
        """
        package = build_code_package(self.container_name, self.config.code_location, hyperparameters, hyperparameters_file)
        self.code_publisher.publish(package)
        return package

    # ----- enterprise settings shared by every job type -----
    def network_kwargs(self) -> dict[str, Any]:
        """VPC settings for an Estimator or Processor (``network_config`` for processors is built from these)."""
        subnets = getattr(self.config, "subnets", None)
        if not subnets:
            return {}
        return {"subnets": list(subnets), "security_group_ids": list(self.config.security_group_ids)}

    def kms_kwargs(self) -> dict[str, str]:
        """Volume and output KMS keys that are set (same keyword names on Estimator and Processor)."""
        keys = {k: getattr(self.config, k, None) for k in ("volume_kms_key", "output_kms_key")}
        return {k: v for k, v in keys.items() if v}

    def tag_list(self) -> list[dict[str, str]]:
        """Tags in SageMaker's list form, sorted so that definitions are reproducible."""
        return [{"Key": k, "Value": v} for k, v in sorted(self.config.tags.items())]

