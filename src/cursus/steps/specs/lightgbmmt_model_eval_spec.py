"""Specification of the LightGBMMTModelEval step: a trained model plus rows to score in, predictions and metrics out.

Logical names are the contract's (checked both ways by ``cursus.core.alignment``). The eval data's
keywords deliberately avoid "eval"/"evaluation": the training step's own ``evaluation_output`` (an
output.tar.gz of metrics) must never be wired in as rows to score.
"""

from cursus.core.base.specification_base import DependencySpec, DependencyType, NodeType, OutputSpec, StepSpecification
from cursus.steps.contracts.lightgbmmt_model_eval_contract import LIGHTGBMMT_MODEL_EVAL_CONTRACT
from cursus.steps.specs.lightgbmmt_training_spec import TRAINING_DATA_SOURCES


def _processing_output(name: str) -> str:
    return f"properties.ProcessingOutputConfig.Outputs['{name}'].S3Output.S3Uri"


LIGHTGBMMT_MODEL_EVAL_SPEC = StepSpecification(
    step_type="LightGBMMTModelEval",
    node_type=NodeType.INTERNAL,
    script_contract=LIGHTGBMMT_MODEL_EVAL_CONTRACT,
    dependencies=(
        DependencySpec(
            logical_name="model_input",
            dependency_type=DependencyType.MODEL_ARTIFACTS,
            required=True,
            compatible_sources=("LightGBMMTTraining",),
            semantic_keywords=("model", "artifacts"),
            description="The training step's model.tar.gz (its model_output).",
        ),
        DependencySpec(
            logical_name="processed_data",
            dependency_type=DependencyType.PROCESSING_OUTPUT,
            required=True,
            compatible_sources=TRAINING_DATA_SOURCES,
            semantic_keywords=("processed", "calibration", "holdout", "test_data", "eval_data"),
            description="Folder of rows to score: features, the id column and every task label.",
        ),
    ),
    outputs=(
        OutputSpec(
            logical_name="eval_output",
            output_type=DependencyType.PROCESSING_OUTPUT,
            property_path=_processing_output("eval_output"),
            aliases=("predictions", "eval_predictions"),
            description="predictions.csv: id, <task>_true and <task>_prob for every task.",
        ),
        OutputSpec(
            logical_name="metrics_output",
            output_type=DependencyType.PROCESSING_OUTPUT,
            property_path=_processing_output("metrics_output"),
            aliases=("metrics", "eval_metrics"),
            description="metrics.json (per task and aggregate) and visualizations/ (ROC and PR curves).",
        ),
    ),
)
