"""Builder of the LightGBMMTModelEval step: ``ProcessingStep(step_args=FrameworkProcessor.run(...))``.

The eval script ships in the LightGBMMT container code (the same staged code directory as the
training step, built by :func:`cursus.core.code_package.build_code_package`), runs on the SKLearn
framework image, and gets the training step's ``model_output`` as a property reference.

Both the code package and the small ``runproc.sh`` that unpacks and runs it go through the
compiler's code publisher, so the processor receives S3 URIs only: left to itself,
``FrameworkProcessor`` would upload ``runproc.sh`` during ``pipeline.definition()``, which an offline
compile (no AWS account) cannot do.

``ProcessingStepBuilderBase`` is the processing counterpart of ``cursus.core.training_builder``: inputs
and outputs come from the contract, outputs land under a per-execution prefix. It lives here until a
second processing step needs it (then: ``cursus/core/processing_builder.py``).
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from sagemaker.network import NetworkConfig
from sagemaker.processing import FrameworkProcessor, ProcessingInput, ProcessingOutput
from sagemaker.sklearn import SKLearn
from sagemaker.workflow.execution_variables import ExecutionVariables
from sagemaker.workflow.functions import Join
from sagemaker.workflow.steps import ProcessingStep

from cursus.core.base.builder_base import StepBuilderBase
from cursus.core.code_package import CodePackage, build_code_package
from cursus.steps.configs.lightgbmmt_model_eval_config import LightGBMMTModelEvalConfig, ProcessingStepConfigBase
from cursus.steps.contracts.lightgbmmt_training_contract import LIGHTGBMMT_TRAINING_CONTRACT

CODE_DIR = "/opt/ml/processing/input/code"
# What FrameworkProcessor's own runproc.sh does, except that a broken archive or install fails the job.
RUNPROC_TEMPLATE = """#!/bin/bash
set -euo pipefail
cd {code_dir}
tar -xzf sourcedir.tar.gz
if [[ -f requirements.txt ]]; then
    python -m pip install --disable-pip-version-check -r requirements.txt
fi
exec python {entry_point} "$@"
"""


def runproc_package(entry_point: str, code_location: str) -> CodePackage:
    """The bootstrap script as a content-addressed object next to the code packages."""
    script = RUNPROC_TEMPLATE.format(code_dir=CODE_DIR, entry_point=entry_point).encode()
    digest = hashlib.sha256(script).hexdigest()
    return CodePackage(script, f"{code_location.rstrip('/')}/{digest}/runproc.sh")


class ProcessingStepBuilderBase(StepBuilderBase):
    """Builds a script-mode processing step: the staged code as ``sourcedir.tar.gz``, run by ``runproc.sh``."""

    config_class: ClassVar[type[ProcessingStepConfigBase]] = ProcessingStepConfigBase
    container_name: ClassVar[str]
    config: ProcessingStepConfigBase

    def create_step(self, inputs: dict[str, Any], depends_on: list[Any]) -> ProcessingStep:
        self.check_inputs(inputs)
        package = build_code_package(
            self.container_name, None, LIGHTGBMMT_TRAINING_CONTRACT.embedded_hyperparameters_file, self.config.code_location
        )
        runproc = runproc_package(self.contract.entry_point, self.config.code_location)
        for published in (package, runproc):
            self.code_publisher.publish(published)
        code_input = ProcessingInput(input_name="code", source=package.s3_uri, destination=CODE_DIR)
        step_args = self.create_processor().run(
            code=runproc.s3_uri,  # an S3 URI: the processor adds it as the "entrypoint" input, uploads nothing
            inputs=[*self.processing_inputs(inputs), code_input],
            outputs=self.processing_outputs(),
        )
        return ProcessingStep(name=self.step_name, step_args=step_args, depends_on=depends_on or None)

    def create_processor(self) -> FrameworkProcessor:
        cfg = self.config
        network = self.network_kwargs()
        return FrameworkProcessor(
            estimator_cls=SKLearn,
            framework_version=cfg.framework_version,
            py_version=cfg.py_version,
            role=self.role,
            instance_type=cfg.processing_instance_type,
            instance_count=1,  # the script scores all rows on one instance; more would each redo the same
            volume_size_in_gb=cfg.processing_volume_size,
            max_runtime_in_seconds=cfg.max_runtime_seconds,
            code_location=cfg.code_location,
            base_job_name=self.spec.step_type,
            sagemaker_session=self.session,
            tags=self.tag_list() or None,
            network_config=NetworkConfig(**network) if network else None,
            **self.kms_kwargs(),
        )

    def processing_inputs(self, inputs: dict[str, Any]) -> list[ProcessingInput]:
        """One input per wired dependency, named by its logical name, at the contract's path."""
        paths = self.contract.expected_input_paths
        return [
            ProcessingInput(input_name=name, source=value, destination=paths[name])
            for name, value in sorted(inputs.items())
        ]

    def processing_outputs(self) -> list[ProcessingOutput]:
        """Every contract output, uploaded to ``<processing_output_root>/<execution id>/<node>/<output>``."""
        return [
            ProcessingOutput(
                output_name=name,
                source=path,
                destination=Join(on="/", values=[
                    self.config.processing_output_root, ExecutionVariables.PIPELINE_EXECUTION_ID, self.step_name, name,
                ]),
            )
            for name, path in self.contract.expected_output_paths.items()
        ]


class LightGBMMTModelEvalStepBuilder(ProcessingStepBuilderBase):
    """Evaluates a LightGBMMT model on a dataset with the container's ``lightgbmmt_model_eval.py``."""

    config_class: ClassVar[type[LightGBMMTModelEvalConfig]] = LightGBMMTModelEvalConfig
    container_name: ClassVar[str] = LightGBMMTModelEvalConfig.container_name
    config: LightGBMMTModelEvalConfig
