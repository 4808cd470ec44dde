"""lightgbmmt_model_eval.py run as a subprocess in a /opt/ml/processing layout, as the processing job runs it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_predictor_fixture import trained_model

from cursus.local_run import LocalJob, prepare_local_processing_job
from cursus.steps.contracts.lightgbmmt_model_eval_contract import LIGHTGBMMT_MODEL_EVAL_CONTRACT as CONTRACT
from mtgbm.evaluation import metrics_from_predictions, read_split_archive

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
STEP = "LightGBMMTModelEval"


@dataclass
class EvalRun:
    returncode: int
    log: str
    job: LocalJob

    def output(self, name: str) -> Path:
        return self.job.outputs[name]

    @property
    def message(self) -> str | None:
        return self.job.failure_reason()


def run_eval(tmp: Path, model: Path, eval_rows: pd.DataFrame) -> EvalRun:
    """The processing job through run-local (the CLI's path): /opt/ml/processing under tmp, staged code, subprocess."""
    rows = tmp / "rows"
    rows.mkdir()
    eval_rows.to_parquet(rows / "part-0.parquet", index=False)  # a format other than the training CSVs
    job = prepare_local_processing_job(STEP, {"model_input": model, "processed_data": rows}, tmp / "work")
    code = job.run(echo=False, timeout=300)
    return EvalRun(code, job.log_file.read_text(), job)


@pytest.fixture(scope="module")
def trained():
    return trained_model()


@pytest.fixture(scope="module")
def archive(trained, tmp_path_factory):
    return trained.archive(tmp_path_factory.mktemp("archive") / "model.tar.gz")


@pytest.fixture(scope="module")
def evaluated(trained, archive, tmp_path_factory):
    """The eval job on the training run's own test split, so its results must equal the job's test results."""
    return run_eval(tmp_path_factory.mktemp("eval"), archive, trained.split("test"))


def test_writes_predictions_in_the_training_jobs_format_and_values(trained, evaluated):
    assert evaluated.returncode == 0, evaluated.log
    ours = pd.read_csv(evaluated.output("eval_output") / "predictions.csv")
    theirs, _ = read_split_archive(trained.output_dir / "test.tar.gz")
    assert list(ours.columns) == list(theirs.columns)
    assert list(ours.columns) == [trained.id_name, *[f"{t}_{k}" for t in trained.task_names for k in ("true", "prob")]]
    pd.testing.assert_frame_equal(ours, theirs)


def test_metrics_match_the_predictions_and_the_training_jobs_test_metrics(trained, evaluated):
    metrics = json.loads((evaluated.output("metrics_output") / "metrics.json").read_text())
    assert list(metrics) == ["eval"]
    predictions = pd.read_csv(evaluated.output("eval_output") / "predictions.csv")
    hp = json.loads((trained.model_dir / "hyperparameters.json").read_text())
    recomputed = metrics_from_predictions(predictions, trained.task_names, threshold=hp["evaluation_threshold"], main_task="is_fraud")
    assert metrics["eval"] == json.loads(json.dumps(recomputed))
    training = json.loads((trained.output_dir / "metrics.json").read_text())["test"]
    assert metrics["eval"] == training
    assert set(metrics["eval"]["tasks"]) == set(trained.task_names)
    assert np.isfinite(metrics["eval"]["aggregate"]["main_auc_roc"])


def test_writes_roc_and_pr_plots(evaluated):
    viz = evaluated.output("metrics_output") / "visualizations"
    assert sorted(p.name for p in viz.iterdir()) == ["pr_eval.png", "roc_eval.png"]
    for png in viz.iterdir():
        assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size > 5000
    assert evaluated.message is None


def test_missing_label_column_fails_with_a_reason_and_no_outputs(trained, archive, tmp_path):
    run = run_eval(tmp_path, archive, trained.split("test").drop(columns=["is_fraud_dd"]).head(300))
    assert run.returncode == 1
    assert "column(s) ['is_fraud_dd'] named in task_label_names are not in the data" in run.message
    assert "Traceback" not in run.message
    for name in CONTRACT.expected_output_paths:
        folder = run.output(name)
        assert not folder.exists() or not any(folder.iterdir()), name


def test_missing_model_fails_with_a_reason(trained, tmp_path):
    (tmp_path / "no-model").mkdir()
    run = run_eval(tmp_path, tmp_path / "no-model", trained.split("test").head(50))
    assert run.returncode == 1
    assert "not a LightGBMMT model directory" in run.message and "model.tar.gz" in run.message
