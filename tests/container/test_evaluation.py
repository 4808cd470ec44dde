"""Metrics per task and aggregate, predictions files and split archives."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

from mtgbm import evaluation


def _data(n: int = 300, seed: int = 1):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, 3)) < [0.3, 0.1, 0.05]).astype(np.float32)
    p = np.clip(0.6 * y + 0.5 * rng.random((n, 3)), 0, 1)
    return y, p


def test_metrics_match_sklearn_per_task_and_aggregate():
    y, p = _data()
    tasks = ["main", "a", "b"]
    m = evaluation.compute_metrics(y, p, tasks, threshold=0.4, main_task="main")
    for k, t in enumerate(tasks):
        got = m["tasks"][t]
        assert got["auc_roc"] == pytest.approx(roc_auc_score(y[:, k], p[:, k]))
        assert got["average_precision"] == pytest.approx(average_precision_score(y[:, k], p[:, k]))
        assert got["f1"] == pytest.approx(f1_score(y[:, k], p[:, k] >= 0.4))
        assert (got["positives"], got["rows"]) == (int(y[:, k].sum()), 300)
    assert m["aggregate"]["mean_auc_roc"] == pytest.approx(np.mean([m["tasks"][t]["auc_roc"] for t in tasks]))
    assert m["aggregate"]["main_auc_roc"] == m["tasks"]["main"]["auc_roc"]


def test_one_class_task_has_null_auc_not_a_number():
    y, p = _data()
    y[:, 2] = 0
    m = evaluation.compute_metrics(y, p, ["main", "a", "b"], threshold=0.5, main_task="main")
    assert m["tasks"]["b"]["auc_roc"] is None and m["tasks"]["b"]["average_precision"] is None
    assert m["aggregate"]["mean_auc_roc"] == pytest.approx((m["tasks"]["main"]["auc_roc"] + m["tasks"]["a"]["auc_roc"]) / 2)


def test_predictions_archive_roundtrip_and_recompute(tmp_path):
    y, p = _data()
    tasks = ["main", "a", "b"]
    ids = np.arange(1000, 1300)
    preds = evaluation.predictions_frame(ids, y, p, tasks, "order_id")
    assert list(preds.columns) == ["order_id", "main_true", "main_prob", "a_true", "a_prob", "b_true", "b_prob"]
    metrics = evaluation.compute_metrics(y, p, tasks, threshold=0.5, main_task="main")
    path = evaluation.write_split_archive(tmp_path, "test", preds, metrics)
    assert path.name == "test.tar.gz"
    read_preds, read_metrics = evaluation.read_split_archive(path)
    assert read_metrics == metrics
    np.testing.assert_array_equal(read_preds["order_id"], ids)
    np.testing.assert_array_equal(read_preds["a_prob"].to_numpy(), p[:, 1])  # full precision survives CSV
    assert evaluation.metrics_from_predictions(read_preds, tasks, threshold=0.5, main_task="main") == metrics
