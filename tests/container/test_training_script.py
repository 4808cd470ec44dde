"""The entry point as SageMaker runs it: a subprocess in a temp /opt/ml layout, string hyperparameters.

One successful run (module fixture, run with ``python -I`` from an unrelated cwd so only the staged
code dir and site-packages are importable) is shared by the output-checking tests; the fault tests
each run the script on a broken copy of the data; the resume test SIGKILLs a run after its first
checkpoint and restarts it.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cursus.local_run import LocalJob, prepare_local_job  # noqa: E402
from cursus.sample_data import write_sample_splits  # noqa: E402
from cursus.steps.contracts.lightgbmmt_training_contract import metric_definitions  # noqa: E402
from mtgbm import evaluation  # noqa: E402
from mtgbm.checkpoint import CHECKPOINT_FILE  # noqa: E402

STEP = "LightGBMMTTraining"
HP = {"num_iterations": 40, "checkpoint_frequency": 10, "learning_rate": 0.1, "num_leaves": 15,
      "loss_type": "adaptive", "smooth_factor": 0.01, "count_threshold": 3, "num_threads": 2}
SM_OVERRIDES = {"learning_rate": 0.12}  # arrives as the JSON string "0.12" and must win over the shipped 0.1
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data")
    write_sample_splits(path, n_rows=4000, seed=4, fractions=(0.5, 0.25, 0.25), **HP)
    return path


def run_isolated(job: LocalJob, cwd: Path) -> subprocess.CompletedProcess:
    """``python -I <code>/lightgbmmt_training.py <toolkit args>`` from ``cwd``: nothing but the staged dir and site-packages."""
    return subprocess.run(
        [sys.executable, "-I", str(job.code_dir / job.entry_point), *job.args],
        cwd=cwd, env=job.env, capture_output=True, text=True, timeout=300,
    )


@pytest.fixture(scope="module")
def trained(data_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("trained")
    job = prepare_local_job(STEP, data_dir, work / "job", sagemaker_overrides=SM_OVERRIDES)
    proc = run_isolated(job, cwd=tmp_path_factory.mktemp("elsewhere"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return job, proc.stdout + proc.stderr


def test_runs_from_the_staged_code_dir_only(trained):
    job, log = trained
    staged = str(job.code_dir)
    origins = re.search(r"code: mtgbm from (\S+), cursus from (\S+);", log)
    assert origins and all(p.startswith(staged) for p in origins.groups()), origins
    assert "ignoring" in log and "command-line argument" in log  # the toolkit's --key value args are tolerated


def test_model_dir_holds_every_artifact_as_json_or_text(trained, data_dir):
    job, _ = trained
    names = {p.name for p in job.model_dir.iterdir()}
    expected = {"hyperparameters.json", "feature_columns.txt", "impute_dict.json", "risk_table_map.json",
                "training_state.json", "weight_evolution.json"}
    assert expected <= names, names
    assert not [p for p in job.model_dir.rglob("*") if p.suffix in (".pkl", ".pickle", ".joblib")]
    hp = json.loads((job.model_dir / "hyperparameters.json").read_text())
    assert hp["learning_rate"] == 0.12 and hp["num_iterations"] == 40
    shipped = json.loads((data_dir / "hyperparameters.json").read_text())
    assert hp["task_label_names"] == shipped["task_label_names"]
    for name in ("impute_dict.json", "risk_table_map.json", "training_state.json", "weight_evolution.json"):
        json.loads((job.model_dir / name).read_text())
    features = [ln.split(",", 1)[1] for ln in (job.model_dir / "feature_columns.txt").read_text().splitlines()
                if not ln.startswith("#")]
    assert features == shipped["tab_field_list"] + shipped["cat_field_list"]
    tables = json.loads((job.model_dir / "risk_table_map.json").read_text())
    assert set(tables) == set(shipped["cat_field_list"])


def test_saved_model_reproduces_the_test_predictions(trained, data_dir):
    from mtgbm.booster import MultiTaskBooster
    from mtgbm.preprocessing import Preprocessor

    job, _ = trained
    test_df = pd.read_csv(data_dir / "test" / "data.csv")
    prob = MultiTaskBooster.load(job.model_dir).predict(Preprocessor.load(job.model_dir).transform(test_df))
    preds, _ = evaluation.read_split_archive(job.output_data_dir / "test.tar.gz")
    tasks = json.loads((data_dir / "hyperparameters.json").read_text())["task_label_names"]
    np.testing.assert_allclose(prob, preds[[f"{t}_prob" for t in tasks]].to_numpy(), rtol=1e-6, atol=1e-9)


def test_predictions_and_metrics_agree(trained, data_dir):
    job, _ = trained
    shipped = json.loads((data_dir / "hyperparameters.json").read_text())
    tasks, id_name = shipped["task_label_names"], shipped["id_name"]
    metrics = json.loads((job.output_data_dir / "metrics.json").read_text())
    assert set(metrics) == {"val", "test"}
    for split in ("val", "test"):
        preds, split_metrics = evaluation.read_split_archive(job.output_data_dir / f"{split}.tar.gz")
        expected_cols = [id_name] + [c for t in tasks for c in (f"{t}_true", f"{t}_prob")]
        assert list(preds.columns) == expected_cols
        raw = pd.read_csv(data_dir / split / "data.csv")
        np.testing.assert_array_equal(preds[id_name], raw[id_name])
        for t in tasks:
            np.testing.assert_array_equal(preds[f"{t}_true"], raw[t])
            assert preds[f"{t}_prob"].between(0, 1).all()
        recomputed = evaluation.metrics_from_predictions(preds, tasks, threshold=0.5, main_task=tasks[0])
        assert split_metrics == metrics[split]
        for t in tasks:
            for key in ("auc_roc", "average_precision", "f1", "positives", "rows"):
                assert recomputed["tasks"][t][key] == pytest.approx(metrics[split]["tasks"][t][key], rel=1e-9), (split, t, key)
        assert set(metrics[split]["aggregate"]) >= {"mean_auc_roc", "mean_average_precision", "mean_f1", "main_auc_roc"}
    assert metrics["test"]["tasks"][tasks[0]]["auc_roc"] > 0.7  # it learnt something


def test_training_summary(trained, data_dir):
    job, _ = trained
    summary = json.loads((job.output_data_dir / "training_summary.json").read_text())
    tasks = json.loads((data_dir / "hyperparameters.json").read_text())["task_label_names"]
    assert summary["task_names"] == tasks and summary["rounds_requested"] == 40
    assert 1 <= summary["rounds_trained"] <= 40 and summary["resumed_from_round"] is None
    assert summary["rows"] == {"train": 2000, "val": 1000, "test": 1000}
    assert set(summary["final_task_weights"]) == set(tasks)


def test_plots_are_valid_pngs(trained):
    job, _ = trained
    viz = job.output_data_dir / "visualizations"
    expected = {"roc_val.png", "pr_val.png", "roc_test.png", "pr_test.png", "training_curves.png",
                "weight_evolution.png", "feature_importance.png"}
    assert expected <= {p.name for p in viz.iterdir()}
    for name in expected:
        path = viz / name
        assert path.read_bytes()[:8] == PNG_SIGNATURE, name
        image = plt.imread(path)
        assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100, name


def test_metric_lines_match_the_builders_regexes_every_round(trained, data_dir):
    job, log = trained
    tasks = json.loads((data_dir / "hyperparameters.json").read_text())["task_label_names"]
    rounds = json.loads((job.output_data_dir / "training_summary.json").read_text())["rounds_trained"]
    for definition in metric_definitions(tasks):
        values = [float(m.group(1)) for m in re.finditer(definition["Regex"], log)]
        assert len(values) == rounds, definition["Name"]
        assert all(0 <= v <= 1 for v in values)
    assert re.search(r"round \d+/40 \(\d+%\), [\d.]+ rounds/s, ~\d+ s left", log)


def test_no_failure_file_and_no_staging_left(trained):
    job, _ = trained
    assert not job.failure_file.exists()
    assert [p.name for p in job.failure_file.parent.iterdir()] == ["data"]


# ----- faults: each ends with a failure file, a non-zero exit and no model -----
def _drop_column(split: str, column: str):
    def edit(d: Path) -> None:
        df = pd.read_csv(d / split / "data.csv")
        df.drop(columns=column).to_csv(d / split / "data.csv", index=False)
    return edit


def _set_values(split: str, column: str, values):
    def edit(d: Path) -> None:
        df = pd.read_csv(d / split / "data.csv")
        df[column] = df[column].astype(object)
        df.loc[: len(values) - 1, column] = values
        df.to_csv(d / split / "data.csv", index=False)
    return edit


def _no_positives(d: Path) -> None:
    df = pd.read_csv(d / "train" / "data.csv")
    df["is_fraud_cim"] = 0
    df.to_csv(d / "train" / "data.csv", index=False)


def _empty_split(d: Path) -> None:
    pd.read_csv(d / "test" / "data.csv").iloc[:0].to_csv(d / "test" / "data.csv", index=False)


FAULTS = {
    "missing channel": (lambda d: shutil.rmtree(d / "val"), {}, ["channel 'val' is missing", "val"]),
    "empty split": (_empty_split, {}, ["channel 'test' has no rows"]),
    "label column missing": (_drop_column("train", "is_fraud_cc"), {}, ["['is_fraud_cc']", "task_label_names", "channel 'train'"]),
    "label not binary": (_set_values("train", "is_fraud_dd", [2]), {}, ["'is_fraud_dd' is not binary", "[2.0]"]),
    "feature absent": (_drop_column("val", "num_03"), {}, ["['num_03']", "tab_field_list", "channel 'val'"]),
    "NaN labels": (_set_values("val", "is_fraud", [None, None]), {}, ["'is_fraud' has 2 missing value(s)", "order_id"]),
    "task without positives": (_no_positives, {}, ["task 'is_fraud_cim' has no positives", "channel 'train'"]),
    "bad hyperparameters": (lambda d: None, {"num_leaves": 1}, ["num_leaves", "greater than or equal to 2", "got 1"]),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_fails_with_a_reason_and_no_model(fault, data_dir, tmp_path):
    edit, overrides, phrases = FAULTS[fault]
    broken = tmp_path / "data"
    shutil.copytree(data_dir, broken)
    edit(broken)
    job = prepare_local_job(STEP, broken, tmp_path / "job", sagemaker_overrides=overrides)
    code = job.run(echo=False)
    assert code != 0
    reason = job.failure_reason()
    assert reason, "no failure file"
    for phrase in phrases:
        assert phrase in reason, (phrase, reason)
    assert "Traceback" not in reason and len(reason) < 1024
    assert list(job.model_dir.iterdir()) == [] and list(job.output_data_dir.iterdir()) == []


# ----- spot training: killed after the first checkpoint, restarted, same predictions -----
def test_killed_run_resumes_from_its_checkpoint_to_the_same_predictions(data_dir, tmp_path):
    # Many rounds, frequent checkpoints: the kill lands long before the end however fast the booster is.
    overrides = {**SM_OVERRIDES, "num_iterations": 200, "checkpoint_frequency": 5}
    reference = prepare_local_job(STEP, data_dir, tmp_path / "reference", sagemaker_overrides=overrides)
    assert reference.run(echo=False) == 0, reference.log_file.read_text()[-3000:]

    job = prepare_local_job(STEP, data_dir, tmp_path / "job", sagemaker_overrides=overrides)
    proc = job.start(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (job.checkpoint_dir / CHECKPOINT_FILE).is_file():  # renamed into place: complete
        assert proc.poll() is None, "the job ended before writing a checkpoint"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert list(job.model_dir.iterdir()) == [], "the job finished before it was killed; make it slower"
    assert list(job.output_data_dir.iterdir()) == []

    assert job.run(echo=False) == 0, job.log_file.read_text()[-3000:]
    log = job.log_file.read_text()
    assert "resumed from a checkpoint after round" in log
    summary = json.loads((job.output_data_dir / "training_summary.json").read_text())
    assert 0 < summary["resumed_from_round"] < 200
    for split in ("val", "test"):
        got, _ = evaluation.read_split_archive(job.output_data_dir / f"{split}.tar.gz")
        want, _ = evaluation.read_split_archive(reference.output_data_dir / f"{split}.tar.gz")
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, atol=1e-12)


def test_container_code_is_python_3_10_syntax():
    """The SKLearn 1.4-2 image runs Python 3.10: no 3.11+ syntax in anything staged into the code dir."""
    import ast

    container = Path(__file__).resolve().parents[2] / "dockers" / "lightgbmmt"
    for path in container.rglob("*.py"):
        ast.parse(path.read_text(), filename=str(path), feature_version=(3, 10))
