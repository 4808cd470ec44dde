"""Processing step builder base: ``ProcessingStep(step_args=FrameworkProcessor.run(...))`` for script-mode steps.

The processing counterpart of :mod:`cursus.core.training_builder`: inputs and outputs come from the
contract's paths, outputs land under a per-execution prefix, and the code is the staged container
code (:meth:`StepBuilderBase.publish_code`) run on the SKLearn framework image.

Both the code package and the small ``runproc.sh`` that unpacks and runs it go through the
compiler's code publisher, so the processor receives S3 URIs only: left to itself,
``FrameworkProcessor`` would upload ``runproc.sh`` during ``pipeline.definition()``, which an offline
compile (no AWS account) cannot do.
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
from cursus.core.base.contract_base import ProcessingScriptContract
from cursus.core.code_package import CodePackage
from cursus.steps.configs.config_processing_base import ProcessingStepConfigBase

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


def runproc_package(contract: ProcessingScriptContract, code_location: str) -> CodePackage:
    """The bootstrap script as a content-addressed object next to the code packages."""
    script = RUNPROC_TEMPLATE.format(code_dir=contract.code_dir, entry_point=contract.entry_point).encode()
    digest = hashlib.sha256(script).hexdigest()
    return CodePackage(script, f"{code_location.rstrip('/')}/{digest}/runproc.sh")


class ProcessingStepBuilderBase(StepBuilderBase):
    """Builds a script-mode processing step: the staged code as ``sourcedir.tar.gz``, run by ``runproc.sh``."""

    config_class: ClassVar[type[ProcessingStepConfigBase]] = ProcessingStepConfigBase
    config: ProcessingStepConfigBase
    contract: ProcessingScriptContract

    def create_step(self, inputs: dict[str, Any], depends_on: list[Any]) -> ProcessingStep:
        self.check_inputs(inputs)
        package = self.publish_code()
        runproc = runproc_package(self.contract, self.config.code_location)
        self.code_publisher.publish(runproc)
        code_input = ProcessingInput(input_name="code", source=package.s3_uri, destination=self.contract.code_dir)
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
            instance_count=1,  # the scripts score every row on one instance; more would each redo the same
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
