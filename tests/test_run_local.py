"""run-local lays out /opt/ml from the contract and writes what SageMaker writes; the CLI runs jobs end to end."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from cursus.cli import main as cursus_main
from cursus.local_run import LocalJob, LocalRunError, local_steps, prepare_local_job, prepare_local_processing_job, toolkit_cmd_args
from cursus.sample_data import write_sample_splits
from cursus.steps.contracts.lightgbmmt_model_eval_contract import LIGHTGBMMT_MODEL_EVAL_CONTRACT as EVAL_CONTRACT
from cursus.steps.contracts.lightgbmmt_training_contract import LIGHTGBMMT_TRAINING_CONTRACT as CONTRACT

STEP = "LightGBMMTTraining"
EVAL_STEP = "LightGBMMTModelEval"


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data")
    write_sample_splits(path, n_rows=1500, seed=6, fractions=(0.5, 0.25, 0.25), num_iterations=12, learning_rate=0.2, checkpoint_frequency=5)
    return path


def test_layout_follows_the_contract(small_data, tmp_path):
    job = prepare_local_job(STEP, small_data, tmp_path / "w", sagemaker_overrides={"num_leaves": 7})
    base = job.base_dir
    assert base == tmp_path.resolve() / "w" / "opt" / "ml"

    def at(container_path: str) -> Path:
        return base / container_path.removeprefix("/opt/ml/")

    for channel in ("train", "val", "test"):
        assert (at(CONTRACT.expected_input_paths["input_path"]) / channel / "data.csv").is_file()
    for out in CONTRACT.expected_output_paths.values():
        assert at(out).is_dir() and not any(at(out).iterdir())
    assert at(CONTRACT.checkpoint_path).is_dir()
    assert (at(CONTRACT.code_dir) / CONTRACT.entry_point).is_file()
    assert (at(CONTRACT.code_dir) / "requirements.txt").is_file()
    assert (at(CONTRACT.code_dir) / "cursus" / "steps" / "contracts" / "lightgbmmt_training_contract.py").is_file()
    shipped = json.loads((at(CONTRACT.embedded_hyperparameters_path)).read_text())
    source = json.loads((small_data / "hyperparameters.json").read_text())
    assert {k: shipped[k] for k in source} == source  # the full set, validated and completed with defaults

    hps = json.loads(at(CONTRACT.sagemaker_hyperparameters_path).read_text())
    assert all(isinstance(v, str) for v in hps.values())  # SageMaker's format: every value a JSON string
    assert json.loads(hps["num_leaves"]) == 7 and json.loads(hps["num_iterations"]) == 12
    assert json.loads(hps["sagemaker_program"]) == CONTRACT.entry_point
    assert "task_label_names" not in hps  # lists stay in the shipped file (SageMaker's 2500-char limit)


def test_environment_is_what_the_toolkit_sets(small_data, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")
    job = prepare_local_job(STEP, small_data, tmp_path / "w")
    env = job.env
    assert "PYTHONPATH" not in env
    assert env["SAGEMAKER_BASE_DIR"] == str(job.base_dir)
    assert env["SM_MODEL_DIR"] == str(job.model_dir) and env["SM_OUTPUT_DATA_DIR"] == str(job.output_data_dir)
    assert json.loads(env["SM_CHANNELS"]) == ["test", "train", "val"]
    for channel in ("train", "val", "test"):
        assert Path(env[f"SM_CHANNEL_{channel.upper()}"]).is_dir()
    assert json.loads(env["SM_HPS"])["num_iterations"] == 12
    assert Path(env["SM_INPUT_CONFIG_DIR"], "hyperparameters.json").is_file()
    assert int(env["SM_NUM_CPUS"]) >= 1 and json.loads(env["SM_HOSTS"]) == [env["SM_CURRENT_HOST"]]


def test_cmd_args_are_the_real_toolkits():
    from sagemaker_training import mapping  # a test dependency: the real toolkit's own conversion

    hps = {"b_flag": json.dumps(True), "a_rate": json.dumps(0.05), "names": json.dumps(["x", "y"]),
           "sagemaker_program": json.dumps("x.py"), "n": json.dumps(3)}
    decoded = {k: json.loads(v) for k, v in hps.items() if not k.startswith("sagemaker_")}
    assert toolkit_cmd_args(hps) == mapping.to_cmd_args(decoded)


def test_cli_runs_a_job_end_to_end(small_data, tmp_path, capsys):
    code = cursus_main(["run-local", STEP, "--data", str(small_data), "--workdir", str(tmp_path / "w")])
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    model_dir = tmp_path.resolve() / "w" / "opt" / "ml" / "model"
    assert (model_dir / "training_state.json").is_file()
    assert f"model: {model_dir}" in out
    assert (tmp_path / "w" / "job.log").read_text().count("[mtgbm-metrics]") >= 1

    # the processing step on the model just trained: --model + --data, laid out from the eval contract
    code = cursus_main(["run-local", EVAL_STEP, "--model", str(model_dir), "--data", str(small_data / "test"),
                        "--workdir", str(tmp_path / "e")])
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    outputs = {name: tmp_path.resolve() / "e" / path.removeprefix("/") for name, path in EVAL_CONTRACT.expected_output_paths.items()}
    assert f"metrics_output: {outputs['metrics_output']}" in out
    metrics = json.loads((outputs["metrics_output"] / "metrics.json").read_text())["eval"]
    training = json.loads((tmp_path / "w" / "opt" / "ml" / "output" / "data" / "metrics.json").read_text())["test"]
    assert metrics == training
    assert (outputs["eval_output"] / "predictions.csv").is_file()


def test_cli_reports_setup_errors_without_a_traceback(tmp_path, capsys):
    (tmp_path / "data" / "train").mkdir(parents=True)
    code = cursus_main(["run-local", STEP, "--data", str(tmp_path / "data"), "--workdir", str(tmp_path / "w")])
    err = capsys.readouterr().err
    assert code == 2 and "--hyperparameters" in err and "Traceback" not in err
    code = cursus_main(["run-local", EVAL_STEP, "--data", str(tmp_path / "data"), "--workdir", str(tmp_path / "w")])
    err = capsys.readouterr().err
    assert code == 2 and "--model" in err and "Traceback" not in err


def test_steps_come_from_the_registry_and_processing_layout_from_its_contract(small_data, tmp_path):
    assert local_steps() == [EVAL_STEP, STEP]
    (tmp_path / "model").mkdir()
    job = prepare_local_processing_job(
        EVAL_STEP, {"model_input": tmp_path / "model", "processed_data": small_data / "test"}, tmp_path / "e"
    )
    base = job.base_dir

    def at(container_path: str):
        return base / container_path.removeprefix("/opt/ml/")

    assert (at(EVAL_CONTRACT.expected_input_paths["processed_data"]) / "data.csv").is_file()
    assert at(EVAL_CONTRACT.expected_input_paths["model_input"]).is_dir()
    assert job.outputs == {name: at(path) for name, path in EVAL_CONTRACT.expected_output_paths.items()}
    assert job.failure_file == at(EVAL_CONTRACT.failure_path) and job.code_dir == at(EVAL_CONTRACT.code_dir)
    assert (job.code_dir / EVAL_CONTRACT.entry_point).is_file() and "PYTHONPATH" not in job.env
    with pytest.raises(LocalRunError, match=r"missing \['processed_data'\]"):
        prepare_local_processing_job(EVAL_STEP, {"model_input": tmp_path / "model"}, tmp_path / "e")
    with pytest.raises(LocalRunError, match="training channels"):
        prepare_local_processing_job(STEP, {}, tmp_path / "e")


def test_run_kills_a_job_that_outlives_its_timeout(tmp_path):
    (tmp_path / "sleeper.py").write_text("import time\nprint('started', flush=True)\ntime.sleep(60)\n")
    job = LocalJob(base_dir=tmp_path, code_dir=tmp_path, entry_point="sleeper.py", args=[], env=dict(os.environ),
                   outputs={}, failure_file=tmp_path / "failure", log_file=tmp_path / "job.log")
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        job.run(echo=False, timeout=1)
    assert time.monotonic() - started < 30
    assert "started" in job.log_file.read_text()
