"""Per-task and aggregate metrics, prediction files and per-split archives.

Shared by the training job and any later evaluation step: both compute metrics with
:func:`compute_metrics`, and :func:`metrics_from_predictions` recomputes them from a
``predictions.csv`` alone (id, then ``<task>_true`` and ``<task>_prob`` for every task).
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

PREDICTIONS_FILE = "predictions.csv"
SPLIT_METRICS_FILE = "metrics.json"
# pandas < 3 parses floats to within 1 ulp unless asked for round-trip precision (the default since 3.0).
_EXACT_FLOATS = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}


def task_metrics(y_true: np.ndarray, y_prob: np.ndarray, threshold: float) -> dict[str, Any]:
    """AUC-ROC, average precision, F1 at ``threshold``, positives and rows of one binary task.

    AUC and average precision are ``None`` when the labels have one class only: undefined, and a
    number there would be a lie.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_prob = np.asarray(y_prob, dtype=np.float64)
    positives = int(y_true.sum())
    both = 0 < positives < len(y_true)
    return {
        "auc_roc": float(roc_auc_score(y_true, y_prob)) if both else None,
        "average_precision": float(average_precision_score(y_true, y_prob)) if both else None,
        "f1": float(f1_score(y_true, (y_prob >= threshold).astype(np.int64), zero_division=0)),
        "positives": positives,
        "rows": int(len(y_true)),
        "positive_rate": positives / len(y_true) if len(y_true) else None,
    }


def compute_metrics(y_true: np.ndarray, y_prob: np.ndarray, task_names: list[str], *, threshold: float,
                    main_task: str) -> dict[str, Any]:
    """Metrics of every task (columns of the N x K arrays) plus their means and the main task's AUC."""
    tasks = {t: task_metrics(y_true[:, k], y_prob[:, k], threshold) for k, t in enumerate(task_names)}

    def mean(key: str) -> float | None:
        values = [m[key] for m in tasks.values() if m[key] is not None]
        return float(np.mean(values)) if values else None

    return {
        "threshold": threshold,
        "main_task": main_task,
        "tasks": tasks,
        "aggregate": {
            "main_auc_roc": tasks[main_task]["auc_roc"],
            "mean_auc_roc": mean("auc_roc"),
            "mean_average_precision": mean("average_precision"),
            "mean_f1": mean("f1"),
        },
    }


def predictions_frame(ids: Any, y_true: np.ndarray, y_prob: np.ndarray, task_names: list[str], id_name: str) -> pd.DataFrame:
    """``id_name``, then ``<task>_true`` and ``<task>_prob`` for every task, in task order."""
    columns: dict[str, Any] = {id_name: np.asarray(ids)}
    for k, task in enumerate(task_names):
        columns[f"{task}_true"] = y_true[:, k].astype(np.int64)
        columns[f"{task}_prob"] = y_prob[:, k].astype(np.float64)
    return pd.DataFrame(columns)


def metrics_from_predictions(predictions: pd.DataFrame, task_names: list[str], *, threshold: float,
                             main_task: str) -> dict[str, Any]:
    """Recompute :func:`compute_metrics` from a predictions frame (e.g. a read ``predictions.csv``)."""
    y_true = predictions[[f"{t}_true" for t in task_names]].to_numpy(dtype=np.int64)
    y_prob = predictions[[f"{t}_prob" for t in task_names]].to_numpy(dtype=np.float64)
    return compute_metrics(y_true, y_prob, task_names, threshold=threshold, main_task=main_task)


def write_split_archive(out_dir: Path, split: str, predictions: pd.DataFrame, metrics: dict[str, Any]) -> Path:
    """``<out_dir>/<split>.tar.gz`` holding ``predictions.csv`` and that split's ``metrics.json``."""
    path = Path(out_dir) / f"{split}.tar.gz"
    members = {
        PREDICTIONS_FILE: predictions.to_csv(index=False).encode(),
        SPLIT_METRICS_FILE: (json.dumps(metrics, indent=2) + "\n").encode(),
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return path


def read_split_archive(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The predictions and metrics stored by :func:`write_split_archive`."""
    with tarfile.open(path, "r:gz") as tar:
        predictions = pd.read_csv(tar.extractfile(PREDICTIONS_FILE), **_EXACT_FLOATS)
        metrics = json.load(tar.extractfile(SPLIT_METRICS_FILE))
    return predictions, metrics
