"""Compile the example DAG with the real SDK, offline, and check what SageMaker would receive."""

from __future__ import annotations

import gzip
import io
import json
import tarfile

import pytest
from botocore_check import create_training_job_problems
from conftest import BUCKET, EVAL_NODE, EXAMPLES, TRAINING_NODE, example_config, registered_step, training_section, write_config

from cursus.core.compiler import compile_dag_to_pipeline
from cursus.core.dag import PipelineDAG
from cursus.steps.contracts.lightgbmmt_training_contract import metric_definitions
from cursus.steps.hyperparams import LightGBMMtModelHyperparameters

EXAMPLE_DAG = EXAMPLES / "lightgbmmt_dag.json"
pytestmark = pytest.mark.filterwarnings("ignore:Running within a PipelineSession")


def _definition(session, dag, config_path, **kw) -> dict:
    return json.loads(compile_dag_to_pipeline(dag, config_path, session, **kw).definition())


def _training_args(definition: dict, name: str = TRAINING_NODE) -> dict:
    step = next(s for s in definition["Steps"] if s["Name"] == name)
    assert step["Type"] == "Training"
    return step["Arguments"]


@pytest.fixture(scope="module")
def example_definition_text(session) -> str:
    """The shipped example (training, then eval) compiled from the DAG file, as ``definition()`` returns it."""
    return compile_dag_to_pipeline(EXAMPLE_DAG, EXAMPLES / "lightgbmmt_config.json", session).definition()


@pytest.fixture(scope="module")
def example_definition(example_definition_text) -> dict:
    return json.loads(example_definition_text)


def test_example_compiles_to_a_valid_create_training_job_request(example_definition):
    args = _training_args(example_definition)
    assert create_training_job_problems(args) == []
    assert [c["ChannelName"] for c in args["InputDataConfig"]] == ["train", "val", "test"]
    assert args["ProfilerConfig"] == {"DisableProfiler": True}
    assert args["AlgorithmSpecification"]["TrainingImage"].endswith("sagemaker-scikit-learn:1.4-2-cpu-py3")
    assert ".us-east-1." in args["AlgorithmSpecification"]["TrainingImage"]
    assert args["OutputDataConfig"]["S3OutputPath"] == f"s3://{BUCKET}/cursus/jdoe-fraud-mtgbm-NA/1.0.0/training"
    assert example_definition["Parameters"] == [
        {"Name": "TrainingDataUri", "Type": "String", "DefaultValue": "s3://my-cursus-bucket/data/fraud/splits"},
        {"Name": "EvalDataUri", "Type": "String", "DefaultValue": "s3://my-cursus-bucket/data/fraud/holdout"},
    ]
    train_uri = args["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"]
    assert train_uri == {"Std:Join": {"On": "/", "Values": [{"Get": "Parameters.TrainingDataUri"}, "train"]}}


def test_hyperparameters_scalars_exposed_and_full_set_shipped_in_the_code(example_definition, aws):
    args = _training_args(example_definition)
    hp = LightGBMMtModelHyperparameters.parse(training_section(example_config())["hyperparameters"])
    hps = args["HyperParameters"]
    for key, value in hp.tunable_scalars().items():
        assert json.loads(hps[key]) == value
    assert "full_field_list" not in hps and "task_label_names" not in hps
    assert args["AlgorithmSpecification"]["MetricDefinitions"] == metric_definitions(hp.task_label_names)

    code_uri = json.loads(hps["sagemaker_submit_directory"])
    assert code_uri.startswith(f"s3://{BUCKET}/cursus/jdoe-fraud-mtgbm-NA/1.0.0/code/")
    assert json.loads(hps["sagemaker_program"]) == "lightgbmmt_training.py"
    key = code_uri.removeprefix(f"s3://{BUCKET}/")
    body = aws.get_object(Bucket=BUCKET, Key=key)["Body"].read()  # uploaded to (moto) S3 during compile
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(body))) as tar:
        names = tar.getnames()
        shipped = json.loads(tar.extractfile("hyperparams/hyperparameters.json").read())
    assert shipped == hp.to_json_dict()
    assert {"lightgbmmt_training.py", "cursus/steps/hyperparams/hyperparameters_lightgbmmt.py"} <= set(names)


def test_two_compiles_give_byte_identical_definitions(session, example_definition_text):
    again = compile_dag_to_pipeline(PipelineDAG.from_json(EXAMPLE_DAG), EXAMPLES / "lightgbmmt_config.json", session)
    assert [s.name for s in again.steps] == [TRAINING_NODE, EVAL_NODE]
    assert again.definition() == example_definition_text


def test_enterprise_settings_reach_the_request(session, tmp_path):
    config = example_config()
    training_section(config).update(
        volume_kms_key="alias/training-volume",
        output_kms_key="arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        subnets=["subnet-0abc"], security_group_ids=["sg-0abc"],
        use_spot_instances=True, max_wait_time_seconds=90000,
        input_bindings={"input_path": "s3://my-cursus-bucket/data/splits/",
                        "model_artifacts_input": "s3://my-cursus-bucket/artifacts"},
        use_precomputed_risk_tables=True, tags={"team": "fraud", "cost-center": "42"},
    )
    args = _training_args(_definition(session, EXAMPLE_DAG, write_config(tmp_path, config)))
    assert create_training_job_problems(args) == []
    assert args["ResourceConfig"]["VolumeKmsKeyId"] == "alias/training-volume"
    assert args["OutputDataConfig"]["KmsKeyId"].startswith("arn:aws:kms:")
    assert args["VpcConfig"] == {"Subnets": ["subnet-0abc"], "SecurityGroupIds": ["sg-0abc"]}
    assert args["EnableManagedSpotTraining"] is True
    assert args["StoppingCondition"] == {"MaxRuntimeInSeconds": 86400, "MaxWaitTimeInSeconds": 90000}
    assert args["CheckpointConfig"]["S3Uri"] == f"s3://{BUCKET}/cursus/jdoe-fraud-mtgbm-NA/1.0.0/checkpoints"
    assert args["Environment"] == {"USE_PRECOMPUTED_RISK_TABLES": "true"}
    channels = {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"] for c in args["InputDataConfig"]}
    assert channels == {
        "train": "s3://my-cursus-bucket/data/splits/train", "val": "s3://my-cursus-bucket/data/splits/val",
        "test": "s3://my-cursus-bucket/data/splits/test", "model_artifacts_input": "s3://my-cursus-bucket/artifacts",
    }


def test_downstream_step_gets_the_model_artifacts_property_reference(session, tmp_path):
    from fake_steps import CONSUMER_INFO

    config = example_config()
    for sections in (config["configuration"]["specific"], config["metadata"]["config_types"]):
        del sections[EVAL_NODE]  # not a node of this DAG
    config["configuration"]["specific"]["Consumer"] = {}
    config["metadata"]["config_types"]["Consumer"] = "ModelConsumerConfig"
    dag = PipelineDAG([TRAINING_NODE, "Consumer"], [(TRAINING_NODE, "Consumer")])
    with registered_step(CONSUMER_INFO):
        definition = _definition(session, dag, write_config(tmp_path, config))
    consumer = next(s for s in definition["Steps"] if s["Name"] == "Consumer")
    source = consumer["Arguments"]["ProcessingInputs"][0]["S3Input"]["S3Uri"]
    assert source == {"Get": f"Steps.{TRAINING_NODE}.ModelArtifacts.S3ModelArtifacts"}
    assert "DependsOn" not in consumer  # ordered by the data reference alone


def test_evaluation_output_reference_points_at_the_jobs_output_tarball(session, tmp_path):
    from cursus.core.code_package import LocalCodePublisher
    from cursus.core.config_loader import load_node_configs
    from cursus.registry import get_step_info

    info, config = load_node_configs(EXAMPLES / "lightgbmmt_config.json", [TRAINING_NODE, EVAL_NODE])[TRAINING_NODE]
    builder = info.load_builder_class()(
        config, info.load_spec(), step_name=TRAINING_NODE, sagemaker_session=session, role=config.role,
        code_publisher=LocalCodePublisher(tmp_path),
    )
    step = builder.create_step({"input_path": "s3://my-cursus-bucket/data"}, [])
    assert get_step_info("LightGBMMTTraining") is info
    assert builder.output_reference(step, "evaluation_output").expr == {"Std:Join": {"On": "/", "Values": [
        {"Get": f"Steps.{TRAINING_NODE}.OutputDataConfig.S3OutputPath"},
        {"Get": f"Steps.{TRAINING_NODE}.TrainingJobName"}, "output", "output.tar.gz",
    ]}}
    assert builder.output_reference(step, "model_artifacts").expr == {"Get": f"Steps.{TRAINING_NODE}.ModelArtifacts.S3ModelArtifacts"}
