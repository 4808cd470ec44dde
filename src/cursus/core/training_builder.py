"""Training step builder base: the part every SageMaker training step shares.

A concrete training builder only says which container code to ship, what goes into the shipped
hyperparameters file, which scalars SageMaker sees as hyperparameters and which metrics to scrape.
Channels come from the contract's input paths, the code from :mod:`cursus.core.code_package`.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from typing import Any, ClassVar

from sagemaker.inputs import TrainingInput
from sagemaker.sklearn import SKLearn
from sagemaker.workflow.functions import Join
from sagemaker.workflow.steps import TrainingStep

from cursus.core.base.builder_base import StepBuilderBase
from cursus.core.errors import ConfigError
from cursus.steps.configs.config_training_base import TrainingStepConfigBase

DATA_ROOT = "/opt/ml/input/data"
OUTPUT_DATA_ROOT = "/opt/ml/output/data"
# SageMaker limits botocore does not check (CreateTrainingJob): checked here, before anything launches.
MAX_HYPERPARAMETERS = 100
MAX_HYPERPARAMETER_VALUE_CHARS = 2500
# Keys the SDK adds to the hyperparameters of a script-mode job.
SDK_HYPERPARAMETER_KEYS = 4


class TrainingStepBuilderBase(StepBuilderBase):
    """Builds ``TrainingStep(step_args=estimator.fit(...))`` under a PipelineSession."""

    config_class: ClassVar[type[TrainingStepConfigBase]] = TrainingStepConfigBase
    config: TrainingStepConfigBase
    # An input whose contract path is the data root itself arrives as one channel per split.
    data_splits: ClassVar[tuple[str, ...]]

    @abstractmethod
    def embedded_hyperparameters(self) -> dict[str, Any]:
        """The full hyperparameters, shipped as JSON inside the code (no size limit there)."""

    @abstractmethod
    def sagemaker_hyperparameters(self) -> dict[str, Any]:
        """Scalars also passed as SageMaker hyperparameters, so a tuning job can override them."""

    @abstractmethod
    def metric_definitions(self) -> list[dict[str, str]]:
        """Regexes SageMaker matches against the job's log to record metrics."""

    def environment(self, inputs: dict[str, Any]) -> dict[str, str]:
        """Environment variables of the job; none by default."""
        return {}

    def create_step(self, inputs: dict[str, Any], depends_on: list[Any]) -> TrainingStep:
        self.check_inputs(inputs)
        package = self.publish_code(self.embedded_hyperparameters(), self.contract.embedded_hyperparameters_file)
        estimator = self.create_estimator(package.s3_uri, inputs)
        return TrainingStep(
            name=self.step_name, step_args=estimator.fit(inputs=self.channels(inputs)), depends_on=depends_on or None
        )

    def create_estimator(self, source_dir_uri: str, inputs: dict[str, Any]) -> SKLearn:
        cfg = self.config
        spot = {}
        if cfg.use_spot_instances:
            spot = {"use_spot_instances": True, "max_wait": cfg.effective_max_wait_seconds}
        if cfg.effective_checkpoint_s3_uri:
            spot["checkpoint_s3_uri"] = cfg.effective_checkpoint_s3_uri
        return SKLearn(
            entry_point=self.contract.entry_point,
            source_dir=source_dir_uri,
            framework_version=cfg.framework_version,
            py_version=cfg.py_version,
            instance_type=cfg.training_instance_type,
            instance_count=cfg.training_instance_count,
            volume_size=cfg.training_volume_size,
            max_run=cfg.max_runtime_seconds,
            role=self.role,
            sagemaker_session=self.session,
            output_path=cfg.training_output_path,
            code_location=cfg.code_location,
            disable_profiler=True,
            hyperparameters=self._checked_hyperparameters(),
            metric_definitions=self.metric_definitions(),
            environment=self.environment(inputs) or None,
            tags=self.tag_list() or None,
            **self.kms_kwargs(),
            **self.network_kwargs(),
            **spot,
        )

    def channels(self, inputs: dict[str, Any]) -> dict[str, TrainingInput]:
        """One channel per input, named after its contract path below /opt/ml/input/data."""
        channels: dict[str, TrainingInput] = {}
        for name, value in sorted(inputs.items()):
            path = self.contract.expected_input_paths[name]
            if path == DATA_ROOT:
                for split in self.data_splits:
                    channels[split] = TrainingInput(_join(value, split))
            elif path.startswith(DATA_ROOT + "/"):
                channels[path[len(DATA_ROOT) + 1:].split("/")[0]] = TrainingInput(value)
            else:
                raise ConfigError(
                    f"{self.spec.step_type}: input '{name}' maps to {path}, which no channel delivers; "
                    f"put it under {DATA_ROOT} in the contract"
                )
        return channels

    def output_reference(self, step: TrainingStep, name: str) -> Any:
        """Outputs written to /opt/ml/output/data land in {output path}/{job}/output/output.tar.gz."""
        logical = self.spec.output(name).logical_name
        if self.contract.expected_output_paths.get(logical) == OUTPUT_DATA_ROOT:
            props = step.properties
            return Join(on="/", values=[props.OutputDataConfig.S3OutputPath, props.TrainingJobName, "output", "output.tar.gz"])
        return super().output_reference(step, name)

    def _checked_hyperparameters(self) -> dict[str, Any]:
        hps = self.sagemaker_hyperparameters()
        if len(hps) + SDK_HYPERPARAMETER_KEYS > MAX_HYPERPARAMETERS:
            raise ConfigError(
                f"node '{self.step_name}': {len(hps)} SageMaker hyperparameters plus the SDK's "
                f"{SDK_HYPERPARAMETER_KEYS} exceed SageMaker's limit of {MAX_HYPERPARAMETERS}; keep the rest in the shipped file"
            )
        too_long = sorted(k for k, v in hps.items() if len(json.dumps(v)) > MAX_HYPERPARAMETER_VALUE_CHARS)
        if too_long:
            raise ConfigError(
                f"node '{self.step_name}': SageMaker hyperparameters {too_long} exceed "
                f"{MAX_HYPERPARAMETER_VALUE_CHARS} characters; keep them in the shipped file only"
            )
        return hps


def _join(prefix: Any, suffix: str) -> Any:
    """``prefix/suffix`` for a plain S3 URI, a ``Std:Join`` for a pipeline variable."""
    if isinstance(prefix, str):
        return f"{prefix.rstrip('/')}/{suffix}"
    return Join(on="/", values=[prefix, suffix])
