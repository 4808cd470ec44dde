"""LightGBMMTTraining -> LightGBMMTModelEval compiled offline with the real SDK; the eval step checked as CreateProcessingJob.

Byte-identical recompiles of this two-step pipeline are checked on the shipped example (test_compile).
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from typing import Any

import pytest
from botocore_check import create_processing_job_problems
from conftest import BUCKET, EVAL_NODE, REPO, TRAINING_NODE, example_config, write_config

from cursus.core.alignment import check_contract_script, check_contract_spec
from cursus.core.compiler import compile_dag_to_pipeline
from cursus.core.dag import PipelineDAG
from cursus.core.errors import ConfigError, DependencyResolutionError
from cursus.registry import get_step_info
from cursus.steps.builders import LightGBMMTModelEvalStepBuilder
from cursus.steps.configs import LightGBMMTModelEvalConfig
from cursus.steps.contracts.lightgbmmt_model_eval_contract import LIGHTGBMMT_MODEL_EVAL_CONTRACT as CONTRACT
from cursus.steps.specs import LIGHTGBMMT_MODEL_EVAL_SPEC

pytestmark = pytest.mark.filterwarnings("ignore:Running within a PipelineSession")

EVAL_DATA = "s3://my-cursus-bucket/data/fraud/holdout"
MODEL_REFERENCE = {"Get": f"Steps.{TRAINING_NODE}.ModelArtifacts.S3ModelArtifacts"}


def two_step_config(eval_section: dict[str, Any] | None = None) -> dict:
    """The example config with the eval node's section replaced (default: the eval data as a plain S3 URI)."""
    config = example_config()
    section = {"input_bindings": {"processed_data": EVAL_DATA}} if eval_section is None else eval_section
    config["configuration"]["specific"][EVAL_NODE] = section
    config["metadata"]["config_types"][EVAL_NODE] = "LightGBMMTModelEvalConfig"
    return config


TWO_STEP_DAG = PipelineDAG([TRAINING_NODE, EVAL_NODE], [(TRAINING_NODE, EVAL_NODE)])


def compile_definition(session, tmp_path, config: dict) -> dict:
    return json.loads(compile_dag_to_pipeline(TWO_STEP_DAG, write_config(tmp_path, config), session).definition())


def eval_arguments(definition: dict) -> dict:
    step = next(s for s in definition["Steps"] if s["Name"] == EVAL_NODE)
    assert step["Type"] == "Processing"
    return step["Arguments"]


@pytest.fixture(scope="module")
def definition(session, tmp_path_factory):
    return compile_definition(session, tmp_path_factory.mktemp("two-step"), two_step_config())


def test_eval_step_is_a_valid_create_processing_job_request(definition):
    args = eval_arguments(definition)
    assert create_processing_job_problems(args) == []
    assert args["AppSpecification"]["ImageUri"].endswith(".us-east-1.amazonaws.com/sagemaker-scikit-learn:1.4-2-cpu-py3")
    assert args["AppSpecification"]["ContainerEntrypoint"] == ["/bin/bash", "/opt/ml/processing/input/entrypoint/runproc.sh"]
    assert args["ProcessingResources"]["ClusterConfig"] == {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}


def test_model_input_is_the_training_steps_model_artifacts_by_reference(definition):
    inputs = {i["InputName"]: i["S3Input"] for i in eval_arguments(definition)["ProcessingInputs"]}
    assert inputs["model_input"]["S3Uri"] == MODEL_REFERENCE
    assert inputs["model_input"]["LocalPath"] == CONTRACT.expected_input_paths["model_input"]
    assert inputs["processed_data"] == {**inputs["processed_data"], "S3Uri": EVAL_DATA,
                                        "LocalPath": CONTRACT.expected_input_paths["processed_data"]}
    assert [s["Name"] for s in definition["Steps"]] == [TRAINING_NODE, EVAL_NODE]
    assert "DependsOn" not in definition["Steps"][1]  # ordered by the property reference alone


def test_outputs_land_under_a_per_execution_prefix(definition):
    outputs = {o["OutputName"]: o["S3Output"] for o in eval_arguments(definition)["ProcessingOutputConfig"]["Outputs"]}
    assert sorted(outputs) == ["eval_output", "metrics_output"]
    for name, out in outputs.items():
        assert out["LocalPath"] == CONTRACT.expected_output_paths[name]
        assert out["S3Uri"] == {"Std:Join": {"On": "/", "Values": [
            f"s3://{BUCKET}/cursus/jdoe-fraud-mtgbm-NA/1.0.0/processing", {"Get": "Execution.PipelineExecutionId"},
            EVAL_NODE, name]}}


def test_code_is_the_staged_container_code_run_by_our_runproc(definition, aws):
    inputs = {i["InputName"]: i["S3Input"] for i in eval_arguments(definition)["ProcessingInputs"]}
    code_uri, runproc_uri = inputs["code"]["S3Uri"], inputs["entrypoint"]["S3Uri"]
    prefix = f"s3://{BUCKET}/cursus/jdoe-fraud-mtgbm-NA/1.0.0/code/"
    assert code_uri.startswith(prefix) and code_uri.endswith("/sourcedir.tar.gz")
    assert runproc_uri.startswith(prefix) and runproc_uri.endswith("/runproc.sh")
    body = aws.get_object(Bucket=BUCKET, Key=code_uri.removeprefix(f"s3://{BUCKET}/"))["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(body))) as tar:
        names = set(tar.getnames())
    assert {"lightgbmmt_model_eval.py", "lightgbmmt_training.py", "inference.py", "mtgbm/predictor.py",
            "requirements.txt", "cursus/steps/contracts/lightgbmmt_model_eval_contract.py"} <= names
    runproc = aws.get_object(Bucket=BUCKET, Key=runproc_uri.removeprefix(f"s3://{BUCKET}/"))["Body"].read().decode()
    assert "set -euo pipefail" in runproc.splitlines()[1]
    assert inputs["code"]["LocalPath"] == CONTRACT.code_dir and f"cd {CONTRACT.code_dir}" in runproc.splitlines()
    assert CONTRACT.failure_path == "/opt/ml/output/message"  # DescribeProcessingJob's ExitMessage
    assert runproc.rstrip().endswith('exec python lightgbmmt_model_eval.py "$@"')


def test_compile_uploads_only_through_the_code_publisher(session, tmp_path):
    from cursus.core.code_package import LocalCodePublisher

    publisher = LocalCodePublisher(tmp_path / "code")
    before = {o["Key"] for o in session.boto_session.client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    pipeline = compile_dag_to_pipeline(TWO_STEP_DAG, write_config(tmp_path, two_step_config()), session, code_publisher=publisher)
    pipeline.definition()
    after = {o["Key"] for o in session.boto_session.client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    assert after == before  # nothing uploaded during definition(): an offline compile needs no S3
    assert sorted(uri.rsplit("/", 1)[1] for _, uri in publisher.pending) == ["runproc.sh", "sourcedir.tar.gz", "sourcedir.tar.gz"]


def test_enterprise_settings_and_parameter_binding(session, tmp_path):
    section = {
        "input_bindings": {"processed_data": {"parameter": "EvalDataUri", "default": EVAL_DATA}},
        "processing_instance_type": "ml.c5.2xlarge", "processing_volume_size": 50, "max_runtime_seconds": 7200,
        "volume_kms_key": "alias/processing-volume", "output_kms_key": "alias/processing-output",
        "subnets": ["subnet-0abc"], "security_group_ids": ["sg-0abc"], "tags": {"team": "fraud"},
    }
    definition = compile_definition(session, tmp_path, two_step_config(section))
    args = eval_arguments(definition)
    assert create_processing_job_problems(args) == []
    inputs = {i["InputName"]: i["S3Input"] for i in args["ProcessingInputs"]}
    assert inputs["processed_data"]["S3Uri"] == {"Get": "Parameters.EvalDataUri"}
    assert {"Name": "EvalDataUri", "Type": "String", "DefaultValue": EVAL_DATA} in definition["Parameters"]
    assert args["ProcessingResources"]["ClusterConfig"] == {
        "InstanceType": "ml.c5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 50, "VolumeKmsKeyId": "alias/processing-volume"}
    assert args["ProcessingOutputConfig"]["KmsKeyId"] == "alias/processing-output"
    assert args["NetworkConfig"]["VpcConfig"] == {"Subnets": ["subnet-0abc"], "SecurityGroupIds": ["sg-0abc"]}
    assert args["StoppingCondition"] == {"MaxRuntimeInSeconds": 7200}


def test_eval_data_is_never_wired_from_the_training_steps_evaluation_output(session, tmp_path):
    with pytest.raises(DependencyResolutionError, match=r"required dependency 'processed_data' .* has no source"):
        compile_definition(session, tmp_path, two_step_config({}))


@pytest.mark.parametrize("field, value, fragment", [
    ("processing_instance_type", "ml.m5.xlarg", "did you mean"),
    ("processing_instance_type", "ml.p3.2xlarge", "CPU-only"),
    ("subnets", ["subnet-0abc"], "set both subnets and security_group_ids"),
    ("code_location", "s3://elsewhere", "read-only"),
])
def test_config_errors_name_the_node_field_and_fix(session, tmp_path, field, value, fragment):
    section = {"input_bindings": {"processed_data": EVAL_DATA}, field: value}
    with pytest.raises(ConfigError, match=rf"(?s){EVAL_NODE}.*{fragment}"):
        compile_definition(session, tmp_path, two_step_config(section))


def test_registry_entry():
    info = get_step_info("LightGBMMTModelEval")
    assert info.sagemaker_step_type == "Processing"
    assert info.load_config_class() is LightGBMMTModelEvalConfig
    assert info.load_builder_class() is LightGBMMTModelEvalStepBuilder
    assert info.load_spec() is LIGHTGBMMT_MODEL_EVAL_SPEC


def test_contract_spec_and_script_agree():
    check_contract_spec(LIGHTGBMMT_MODEL_EVAL_SPEC)
    check_contract_script(CONTRACT, REPO / "dockers" / "lightgbmmt")
    assert LIGHTGBMMT_MODEL_EVAL_SPEC.script_contract is CONTRACT


def test_the_request_check_catches_a_broken_request(definition):
    args = json.loads(json.dumps(eval_arguments(definition)))
    del args["RoleArn"]
    args["ProcessingResources"]["ClusterConfig"]["InstanceType"] = "ml.m5.huge"
    args["ProcessingInputs"][0]["S3Input"]["LocalPath"] = "/tmp/model"
    problems = "\n".join(create_processing_job_problems(args))
    assert "RoleArn" in problems and "unknown instance type ml.m5.huge" in problems and "/tmp/model" in problems
