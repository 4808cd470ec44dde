"""A step defined outside ``cursus`` and registered at run time: proves the compiler takes third-party steps.

Built directly on ``StepBuilderBase`` (no job base, its own image), and consuming a model, so the
training step's output references must work for any downstream builder, not only the shipped ones.
"""

from __future__ import annotations

from typing import Any, ClassVar

from cursus.core.base.builder_base import StepBuilderBase
from cursus.core.base.config_base import BasePipelineConfig
from cursus.core.base.contract_base import ProcessingScriptContract
from cursus.core.base.specification_base import DependencySpec, DependencyType, NodeType, OutputSpec, StepSpecification
from cursus.registry import StepInfo

CONSUMER_CONTRACT = ProcessingScriptContract(
    entry_point="consume.py",
    expected_input_paths={"model_input": "/opt/ml/processing/input/model"},
    expected_output_paths={"report": "/opt/ml/processing/output/report"},
)

CONSUMER_SPEC = StepSpecification(
    step_type="ModelConsumer",
    node_type=NodeType.INTERNAL,
    script_contract=CONSUMER_CONTRACT,
    dependencies=(
        DependencySpec(
            logical_name="model_input", dependency_type=DependencyType.MODEL_ARTIFACTS,
            compatible_sources=("LightGBMMTTraining",), semantic_keywords=("model",),
        ),
    ),
    outputs=(
        OutputSpec(
            logical_name="report", output_type=DependencyType.PROCESSING_OUTPUT,
            property_path="properties.ProcessingOutputConfig.Outputs['report'].S3Output.S3Uri",
        ),
    ),
)


class ModelConsumerConfig(BasePipelineConfig):
    instance_type: str = "ml.m5.xlarge"


class ModelConsumerBuilder(StepBuilderBase):
    config_class: ClassVar[type[BasePipelineConfig]] = ModelConsumerConfig

    def create_step(self, inputs: dict[str, Any], depends_on: list[Any]) -> Any:
        from sagemaker.processing import ProcessingInput, ProcessingOutput, Processor
        from sagemaker.workflow.steps import ProcessingStep

        self.check_inputs(inputs)
        processor = Processor(
            role=self.role, image_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/consumer:1",
            instance_count=1, instance_type=self.config.instance_type, sagemaker_session=self.session,
            entrypoint=["python3", "/opt/ml/code/consume.py"], **self.kms_kwargs(),
        )
        paths = self.contract.expected_input_paths
        args = processor.run(
            inputs=[ProcessingInput(source=inputs["model_input"], destination=paths["model_input"], input_name="model_input")],
            outputs=[ProcessingOutput(output_name="report", source=self.contract.expected_output_paths["report"],
                                      destination=f"{self.config.pipeline_s3_loc}/report")],
        )
        return ProcessingStep(name=self.step_name, step_args=args, depends_on=depends_on or None)


CONSUMER_INFO = StepInfo(
    name="ModelConsumer",
    config_class="fake_steps:ModelConsumerConfig",
    builder_class="fake_steps:ModelConsumerBuilder",
    spec="fake_steps:CONSUMER_SPEC",
    sagemaker_step_type="Processing",
    description="test-only consumer of a model",
)
