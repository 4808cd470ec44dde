"""Specification of the LightGBMMTTraining step: its dependencies and outputs as a DAG node.

Logical names are the contract's (checked both ways by ``cursus.core.alignment``).
"""

from cursus.core.base.specification_base import DependencySpec, DependencyType, NodeType, OutputSpec, StepSpecification
from cursus.steps.contracts.lightgbmmt_training_contract import LIGHTGBMMT_TRAINING_CONTRACT

# Upstream steps whose output is a folder with train/, val/ and test/ below it.
TRAINING_DATA_SOURCES = (
    "TabularPreprocessing",
    "RiskTableMapping",
    "MissingValueImputation",
    "StratifiedSampling",
    "CurrencyConversion",
    "FeatureSelection",
    "ProcessingStep",
)

LIGHTGBMMT_TRAINING_SPEC = StepSpecification(
    step_type="LightGBMMTTraining",
    node_type=NodeType.INTERNAL,
    script_contract=LIGHTGBMMT_TRAINING_CONTRACT,
    dependencies=(
        DependencySpec(
            logical_name="input_path",
            dependency_type=DependencyType.TRAINING_DATA,
            required=True,
            compatible_sources=TRAINING_DATA_SOURCES,
            semantic_keywords=("data", "input", "training", "processed", "train", "dataset"),
            description="Folder with train/, val/ and test/ subfolders (CSV or Parquet).",
        ),
        DependencySpec(
            logical_name="hyperparameters_s3_uri",
            dependency_type=DependencyType.HYPERPARAMETERS,
            required=False,
            compatible_sources=("HyperparameterPrep", "ProcessingStep"),
            semantic_keywords=("hyperparameters", "config", "params"),
            description="A hyperparameters.json that replaces the one shipped with the code.",
        ),
        DependencySpec(
            logical_name="model_artifacts_input",
            dependency_type=DependencyType.MODEL_ARTIFACTS,
            required=False,
            compatible_sources=("MissingValueImputation", "RiskTableMapping", "FeatureSelection"),
            semantic_keywords=("imputation", "risk_table", "artifacts", "feature_selection"),
            description="Pre-computed imputation values, risk tables or selected features (JSON).",
        ),
    ),
    outputs=(
        OutputSpec(
            logical_name="model_output",
            output_type=DependencyType.MODEL_ARTIFACTS,
            property_path="properties.ModelArtifacts.S3ModelArtifacts",
            aliases=("model_artifacts", "model_data", "model_input", "ModelArtifacts"),
            description="model.tar.gz: the booster, preprocessing artifacts and hyperparameters.",
        ),
        OutputSpec(
            logical_name="evaluation_output",
            output_type=DependencyType.PROCESSING_OUTPUT,
            # The job writes /opt/ml/output/data to {S3OutputPath}/{job name}/output/output.tar.gz;
            # the builder derives that URI from this property.
            property_path="properties.OutputDataConfig.S3OutputPath",
            aliases=("evaluation_data", "training_evaluation"),
            description="output.tar.gz: per-task metrics, predictions and plots on val and test.",
        ),
    ),
)
