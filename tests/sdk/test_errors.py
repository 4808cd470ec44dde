"""Every user mistake ends in one readable CursusError/HyperparameterError naming node, field and fix."""

from __future__ import annotations

import pytest
from botocore_check import create_training_job_problems
from conftest import EVAL_NODE, EXAMPLES, TRAINING_NODE, example_config, training_section, write_config

from cursus.core.base.config_base import ParameterBinding
from cursus.core.base.hyperparameters_base import HyperparameterError
from cursus.core.base.specification_base import DependencyType, NodeType, OutputSpec, StepSpecification
from cursus.core.compiler import compile_dag_to_pipeline
from cursus.core.dag import PipelineDAG
from cursus.core.dependency_resolver import UpstreamOutput, resolve_dependencies
from cursus.core.errors import AlignmentError, ConfigError, DAGError, DependencyResolutionError, UnknownStepError
from cursus.steps.specs import LIGHTGBMMT_TRAINING_SPEC

EXAMPLE_DAG = EXAMPLES / "lightgbmmt_dag.json"


def _compile(session, tmp_path, config, dag=EXAMPLE_DAG):
    return compile_dag_to_pipeline(dag, write_config(tmp_path, config), session)


def test_node_without_config_lists_the_known_sections(session, tmp_path):
    dag = PipelineDAG(["LightGBMMTTraining_trainig"])
    with pytest.raises(ConfigError, match=(
        r"\['LightGBMMTTraining_trainig'\] have no config.*has \['LightGBMMTModelEval_eval', 'LightGBMMTTraining_training'\]"
    )):
        _compile(session, tmp_path, example_config(), dag)


def test_unknown_config_class_names_the_known_ones(session, tmp_path):
    config = example_config()
    config["metadata"]["config_types"][TRAINING_NODE] = "XGBoostTrainingConfig"
    with pytest.raises(UnknownStepError, match="XGBoostTrainingConfig.*LightGBMMTTrainingConfig"):
        _compile(session, tmp_path, config)


def test_cycle_is_named():
    dag = PipelineDAG(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "d"), ("d", "b")])
    with pytest.raises(DAGError, match="cycle: b -> c -> d -> b"):
        dag.topological_order()


def test_required_dependency_without_source_says_how_to_bind_it(session, tmp_path):
    config = example_config()
    del training_section(config)["input_bindings"]
    with pytest.raises(DependencyResolutionError, match=(
        rf"node '{TRAINING_NODE}' \(LightGBMMTTraining\): required dependency 'input_path'.*input_bindings"
    )):
        _compile(session, tmp_path, config)


def test_one_output_into_two_inputs_is_refused():
    upstream = StepSpecification(
        step_type="ProcessingStep", node_type=NodeType.SOURCE,
        outputs=(OutputSpec(logical_name="processed_data", output_type=DependencyType.PROCESSING_OUTPUT,
                            property_path="properties.ProcessingOutputConfig.Outputs['processed_data'].S3Output.S3Uri"),),
    )
    # A ProcessingStep is a compatible source of both input_path and hyperparameters_s3_uri.
    with pytest.raises(DependencyResolutionError, match="prep.processed_data is wired into both 'input_path' and 'hyperparameters_s3_uri'"):
        resolve_dependencies("train", LIGHTGBMMT_TRAINING_SPEC, {"prep": upstream}, {})


def test_wiring_prefers_names_then_compatible_sources():
    upstream = StepSpecification(
        step_type="TabularPreprocessing", node_type=NodeType.SOURCE,
        outputs=(OutputSpec(logical_name="processed_data", output_type=DependencyType.PROCESSING_OUTPUT,
                            property_path="properties.ProcessingOutputConfig.Outputs['processed_data'].S3Output.S3Uri"),),
    )
    binding = ParameterBinding(parameter="Hp", default="s3://bkt/hp.json")
    wiring = resolve_dependencies("train", LIGHTGBMMT_TRAINING_SPEC, {"prep": upstream}, {"hyperparameters_s3_uri": binding})
    assert wiring == {"input_path": UpstreamOutput("prep", "processed_data"), "hyperparameters_s3_uri": binding}
    with pytest.raises(DependencyResolutionError, match="also bound in input_bindings"):
        resolve_dependencies("train", LIGHTGBMMT_TRAINING_SPEC, {"prep": upstream}, {"input_path": "s3://bkt/x"})
    with pytest.raises(DependencyResolutionError, match=r"\['inputpath'\], which are not dependencies"):
        resolve_dependencies("train", LIGHTGBMMT_TRAINING_SPEC, {}, {"inputpath": "s3://bkt/x"})


def test_contract_spec_mismatch_stops_the_compile(session, tmp_path, monkeypatch):
    broken = LIGHTGBMMT_TRAINING_SPEC.model_copy(update={
        "dependencies": tuple(
            d.model_copy(update={"logical_name": "training_data"}) if d.logical_name == "input_path" else d
            for d in LIGHTGBMMT_TRAINING_SPEC.dependencies
        ),
    })
    monkeypatch.setattr("cursus.steps.specs.lightgbmmt_training_spec.LIGHTGBMMT_TRAINING_SPEC", broken)
    with pytest.raises(AlignmentError, match="(?s)contract input 'input_path' has no dependency.*spec dependency 'training_data'"):
        _compile(session, tmp_path, example_config())


@pytest.mark.parametrize("overrides, message", [
    ({"main_task_index": 6}, "main_task_index=6 is out of range for 6 tasks"),
    ({"task_label_names": ["is_fraud"]}, r"task_label_names: List should have at least 2 items.*\(got \[\"is_fraud\"\]\)"),
    ({"tab_field_list": ["num_00", "is_fraud_cc"]}, "also listed as features"),
    ({"loss_type": "adaptve"}, r"loss_type: Input should be 'fixed', 'adaptive' or 'adaptive_kd' \(got \"adaptve\"\)"),
    ({"learning_rate": -0.1}, r"learning_rate: Input should be greater than 0 \(got -0\.1\)"),
    ({"lerning_rate": 0.1}, r"lerning_rate: unknown key \(value 0\.1\); remove it or fix its spelling"),
])
def test_bad_hyperparameters(session, tmp_path, overrides, message):
    config = example_config()
    training_section(config)["hyperparameters"].update(overrides)
    with pytest.raises(ConfigError, match=rf"(?s)node '{TRAINING_NODE}'.*Invalid hyperparameters.*{message}"):
        _compile(session, tmp_path, config)


def test_hyperparameter_error_type_is_kept_for_direct_use():
    from cursus.steps.hyperparams import LightGBMMtModelHyperparameters

    with pytest.raises(HyperparameterError):
        LightGBMMtModelHyperparameters.parse({"full_field_list": ["a"]})


@pytest.mark.parametrize("field, value, message", [
    ("training_instance_type", "ml.m5.4xlage", "not a SageMaker training instance type; did you mean ml.m5.4xlarge"),
    ("training_instance_type", "ml.p3.2xlarge", "CPU-only"),
    ("training_instance_count", 2, "trains on one instance"),
    ("subnets", ["subnet-1"], "both subnets and security_group_ids"),
    ("max_wait_time_seconds", 100, "spot training only"),
    ("pipeline_name", "x", "derived from the other fields and read-only"),
    ("output_kms_key", "not a key", "not a KMS key"),
])
def test_bad_config_fields(session, tmp_path, field, value, message):
    config = example_config()
    training_section(config)[field] = value
    with pytest.raises(ConfigError, match=rf"configuration.specific.{TRAINING_NODE}.*{message}"):
        _compile(session, tmp_path, config)


def test_spot_wait_shorter_than_runtime(session, tmp_path):
    config = example_config()
    training_section(config).update(use_spot_instances=True, max_wait_time_seconds=3600)
    with pytest.raises(ConfigError, match="max_wait_time_seconds=3600 is less than max_runtime_seconds=86400"):
        _compile(session, tmp_path, config)


def test_misspelt_shared_field(session, tmp_path):
    config = example_config()
    config["configuration"]["shared"]["athor"] = "x"
    with pytest.raises(ConfigError, match=r"shared has \['athor'\]"):
        _compile(session, tmp_path, config)


@pytest.mark.parametrize("section", ["specific", "config_types"])
def test_config_section_for_a_node_not_in_the_dag_is_named(session, tmp_path, section):
    config = example_config()
    parent = config["configuration"] if section == "specific" else config["metadata"]
    parent[section]["LightGBMMTModelEval_evl"] = parent[section][EVAL_NODE]
    where = "configuration.specific" if section == "specific" else "metadata.config_types"
    with pytest.raises(ConfigError, match=(
        rf"{where} in .* has \['LightGBMMTModelEval_evl'\], which are not nodes of the DAG; "
        rf"the DAG's nodes are \['{TRAINING_NODE}', '{EVAL_NODE}'\]: rename the entries"
    )):
        _compile(session, tmp_path, config)


@pytest.mark.parametrize("section, value, kind", [("shared", [1], "array"), ("specific", "x", "string")])
def test_config_section_that_is_not_an_object(session, tmp_path, section, value, kind):
    config = example_config()
    config["configuration"][section] = value
    with pytest.raises(ConfigError, match=rf"configuration\.{section} in .* is a JSON {kind}, not an object; write it as \{{\.\.\.\}}"):
        _compile(session, tmp_path, config)


def test_node_section_that_is_not_an_object(session, tmp_path):
    config = example_config()
    config["configuration"]["specific"][TRAINING_NODE] = ["x"]
    with pytest.raises(ConfigError, match=rf"configuration\.specific\.{TRAINING_NODE} in .* is a JSON array, not an object"):
        _compile(session, tmp_path, config)


def test_unknown_config_field_names_value_and_fix(session, tmp_path):
    config = example_config()
    training_section(config)["volume_sise"] = 30
    with pytest.raises(ConfigError, match=(
        rf"configuration\.specific\.{TRAINING_NODE}\.volume_sise: unknown field \(value 30\); remove it or fix its spelling"
    )):
        _compile(session, tmp_path, config)


def test_request_checker_catches_what_botocore_skips():
    bad = {
        "AlgorithmSpecification": {"TrainingInputMode": "File", "TrainingImage": "img"},
        "RoleArn": "arn:aws:iam::123456789012:role/x",
        "OutputDataConfig": {"S3OutputPath": {"Get": "Parameters.Out"}},
        "ResourceConfig": {"InstanceType": "ml.m5.huge", "InstanceCount": "1", "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 1},
        "InputDataConfig": [{"ChannelName": "bad name", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b"}}}],
        "HyperParameters": {f"k{i}": "x" * (2501 if i == 0 else 1) for i in range(101)},
    }
    problems = "\n".join(create_training_job_problems(bad))
    for expected in ("InstanceCount", "channel name 'bad name'", "101 hyperparameters", "k0 is 2501", "ml.m5.huge"):
        assert expected in problems
