"""The ``cursus`` commands as a user runs them (subprocesses), including their error output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from botocore_check import step_problems
from conftest import EVAL_NODE, EXAMPLES, TRAINING_NODE, example_config, training_section, write_config

PY = sys.executable
CURSUS = str(Path(PY).parent / "cursus")
# A clean environment: no AWS credentials at all, so an offline compile cannot lean on them.
ENV = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {"SAGEMAKER_SUPPRESS_V2_WARNING": "1"}


def _cursus(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the installed console script (what ``pip install`` puts on PATH)."""
    return subprocess.run([CURSUS, *args], capture_output=True, text=True, env=ENV, cwd=cwd, timeout=120)


def test_steps_lists_the_registry_without_importing_sagemaker():
    code = "import sys; from cursus.cli import main; main(['steps', '-v']); print('sagemaker' in sys.modules)"
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, env=ENV, timeout=60).stdout
    assert "LightGBMMTTraining" in out and "Training" in out and "LightGBMMTTrainingConfig" in out
    assert "LightGBMMTModelEval" in out and "Processing" in out and "LightGBMMTModelEvalConfig" in out
    assert out.strip().endswith("False")


def test_registry_and_hyperparameters_import_light():
    code = ("import sys; import cursus.registry, cursus.steps.hyperparams, cursus.steps.specs, cursus.api; "
            "print('sagemaker' in sys.modules)")
    loaded = subprocess.run([PY, "-c", code], capture_output=True, text=True, env=ENV, timeout=60).stdout.strip()
    assert loaded == "False"


def test_shipped_example_compiles_offline_to_training_then_eval(tmp_path):
    out = tmp_path / "pipeline.json"
    result = _cursus("compile", str(EXAMPLES / "lightgbmmt_dag.json"), "--config", str(EXAMPLES / "lightgbmmt_config.json"),
                     "--output", str(out), "--offline")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no SDK notices, warnings or tracebacks
    definition = json.loads(out.read_text())
    training, evaluation = definition["Steps"]
    assert (training["Name"], evaluation["Name"]) == (TRAINING_NODE, EVAL_NODE)
    assert [step_problems(step) for step in definition["Steps"]] == [[], []]
    eval_inputs = {i["InputName"]: i["S3Input"]["S3Uri"] for i in evaluation["Arguments"]["ProcessingInputs"]}
    assert eval_inputs["model_input"] == {"Get": f"Steps.{TRAINING_NODE}.ModelArtifacts.S3ModelArtifacts"}
    assert eval_inputs["processed_data"] == {"Get": "Parameters.EvalDataUri"}

    training_code = json.loads(training["Arguments"]["HyperParameters"]["sagemaker_submit_directory"])
    uploads = [training_code, eval_inputs["code"], eval_inputs["entrypoint"]]
    for uri in uploads:
        local = tmp_path / "pipeline.json.code" / uri.removeprefix("s3://")
        assert local.is_file()
        assert f"aws s3 cp {local} {uri}" in result.stdout
    assert result.stdout.count("aws s3 cp") == len(uploads)


def test_errors_are_one_readable_message_and_nonzero_exit(tmp_path):
    config = example_config()
    training_section(config)["training_instance_type"] = "ml.m5.4xlage"
    result = _cursus("compile", str(EXAMPLES / "lightgbmmt_dag.json"), "--config", str(write_config(tmp_path, config)),
                     "--output", str(tmp_path / "p.json"), "--offline")
    assert result.returncode == 2
    assert result.stderr.startswith("cursus compile: error: config of node 'LightGBMMTTraining_training'")
    assert "did you mean ml.m5.4xlarge" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "p.json").exists()

    (tmp_path / "cyclic.json").write_text(json.dumps({"nodes": ["a", "b"], "edges": [["a", "b"], ["b", "a"]]}))
    result = _cursus("compile", str(tmp_path / "cyclic.json"), "--config", str(EXAMPLES / "lightgbmmt_config.json"),
                     "--output", str(tmp_path / "p.json"), "--offline")
    assert result.returncode == 2 and "cycle: a -> b -> a" in result.stderr and "Traceback" not in result.stderr
