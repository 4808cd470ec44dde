"""lightgbmmt_model_eval.py run as a subprocess in a /opt/ml/processing layout, as the processing job runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_predictor_fixture import trained_model

from cursus.core.staging import stage_code_dir
from cursus.steps.contracts.lightgbmmt_model_eval_contract import (
    LIGHTGBMMT_MODEL_EVAL_CONTRACT as CONTRACT,
    PROCESSING_EXIT_MESSAGE_PATH,
)
from mtgbm.evaluation import metrics_from_predictions, read_split_archive

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass
class EvalRun:
    returncode: int
    log: str
    base: Path

    def path(self, container_path: str) -> Path:
        return self.base / container_path.removeprefix("/opt/ml/")

    def output(self, name: str) -> Path:
        return self.path(CONTRACT.expected_output_paths[name])

    @property
    def message(self) -> str | None:
        file = self.path(PROCESSING_EXIT_MESSAGE_PATH)
        return file.read_text() if file.exists() else None


def run_eval(tmp: Path, model_archive: Path | None, eval_rows: pd.DataFrame) -> EvalRun:
    """Stage the code like the step does, lay out /opt/ml/processing under tmp, run the entry point."""
    base = tmp / "opt" / "ml"
    code = stage_code_dir("lightgbmmt", tmp / "code")
    model_in = base / CONTRACT.expected_input_paths["model_input"].removeprefix("/opt/ml/")
    data_in = base / CONTRACT.expected_input_paths["processed_data"].removeprefix("/opt/ml/")
    model_in.mkdir(parents=True)
    data_in.mkdir(parents=True)
    if model_archive is not None:
        shutil.copy(model_archive, model_in / "model.tar.gz")
    eval_rows.to_parquet(data_in / "part-0.parquet", index=False)  # a format other than the training CSVs
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(SAGEMAKER_BASE_DIR=str(base), OMP_WAIT_POLICY="PASSIVE")
    proc = subprocess.run([sys.executable, CONTRACT.entry_point], cwd=code, env=env, capture_output=True, text=True, timeout=300)
    return EvalRun(proc.returncode, proc.stdout + proc.stderr, base)


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
    run = run_eval(tmp_path, None, trained.split("test").head(50))
    assert run.returncode == 1
    assert "not a LightGBMMT model directory" in run.message and "model.tar.gz" in run.message
