"""Task weighting: the formulas of MTGBM.md checked by hand (scipy's jensenshannon) and through training."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon

from cursus.sample_data import make_fraud_data
from cursus.steps.hyperparams.hyperparameters_lightgbmmt import LightGBMMtModelHyperparameters
from mtgbm.booster import train
from mtgbm.errors import MTGBMInputError
from mtgbm.task_auc import binary_auc
from mtgbm.weighting import (
    DeltaStep,
    EveryNRounds,
    GradientAggregator,
    KnowledgeDistillation,
    MainLabelDistribution,
    js_distances,
    similarity_weights,
)


@pytest.fixture(scope="module")
def data():
    df, schema = make_fraud_data(3000, n_numeric=6, n_payment_types=3, seed=2)
    X = df[schema.tab_field_list].to_numpy(np.float32)
    Y = df[schema.task_label_names].to_numpy()
    return {"X": X[:2000], "Y": Y[:2000], "Xv": X[2000:], "Yv": Y[2000:], "schema": schema}


def make_hp(data, **overrides) -> LightGBMMtModelHyperparameters:
    base = {"num_iterations": 6, "num_leaves": 8, "learning_rate": 0.3, "num_threads": 2}
    base.update(overrides)
    return LightGBMMtModelHyperparameters(**data["schema"].hyperparameters(**base))


def test_js_distance_equals_scipy_for_hard_and_soft_labels():
    rng = np.random.default_rng(0)
    probs = rng.uniform(1e-6, 1, size=(500, 4)).astype(np.float32)
    for labels in ((rng.random(500) < 0.1).astype(np.float32), rng.random(500).astype(np.float32)):
        got = js_distances(MainLabelDistribution(labels), probs, probs.sum(axis=0, dtype=np.float64), np.arange(1, 4))
        want = [jensenshannon(labels.astype(float), probs[:, j].astype(float)) for j in range(1, 4)]
        np.testing.assert_allclose(got, want, rtol=1e-9)


def test_identical_distributions_hit_the_distance_floor():
    labels = np.array([0, 1, 0, 1], dtype=np.float32)
    d = js_distances(MainLabelDistribution(labels), labels[:, None].repeat(2, 1), np.array([2.0, 2.0]), np.array([1]))
    assert d[0] == pytest.approx(0.0, abs=1e-7)
    w = similarity_weights(np.array([0.0, 0.5]), lam=0.1, min_distance=1e-10)
    s = np.array([1e10, 2.0])
    np.testing.assert_allclose(w, 0.1 * s / np.linalg.norm(s))
    assert np.isfinite(w).all()


def test_main_labels_without_positives_are_rejected():
    with pytest.raises(MTGBMInputError, match="sum to 0"):
        MainLabelDistribution(np.zeros(10, dtype=np.float32))


def test_aggregation_zscores_gradients_not_hessians_and_guards_constant_columns():
    rng = np.random.default_rng(1)
    g = rng.normal(0.3, 0.2, size=(1000, 3)).astype(np.float32)
    g[:, 2] = 0.5  # zero variance
    h = rng.uniform(0.01, 0.25, size=(1000, 3)).astype(np.float32)
    w = np.array([1.0, 0.4, 0.7])
    agg = GradientAggregator(1000, 3, eps_norm=1e-10)
    G, H = agg(g, h, w, zscore=True)
    g64 = g[:, :2].astype(np.float64)
    z = (g64 - g64.mean(axis=0)) / (g64.std(axis=0) + 1e-10)
    np.testing.assert_allclose(G, z @ w[:2], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(H, h.astype(np.float64) @ w, rtol=1e-5)
    G, _ = agg(g, h, w, zscore=False)
    np.testing.assert_allclose(G, g.astype(np.float64) @ w, rtol=1e-5)


def test_strategies_hold_and_step():
    sims = iter([np.array([0.2, 0.4]), np.array([0.3, 0.1]), np.array([0.6, 0.2]), np.array([0.5, 0.5])])
    every2 = EveryNRounds(2)
    out = [every2.update(i, lambda: next(sims)).copy() for i in (1, 2, 3, 4)]
    np.testing.assert_array_equal(out[0], out[1])  # round 2 holds round 1's weights
    np.testing.assert_array_equal(out[2], [0.3, 0.1])  # round 3 recomputes (the second similarity drawn)
    delta = DeltaStep(0.1)
    s1, s2, s3 = np.array([0.2, 0.4]), np.array([0.3, 0.1]), np.array([0.6, 0.2])
    w1 = delta.update(1, lambda: s1).copy()
    w2 = delta.update(2, lambda: s2).copy()
    w3 = delta.update(3, lambda: s3).copy()
    np.testing.assert_allclose(w1, s1)
    np.testing.assert_allclose(w2, s1 + 0.1 * (s2 - s1))
    np.testing.assert_allclose(w3, w2 + 0.1 * (s3 - s2))


def expected_similarity(model, hp, X, Y, iteration) -> np.ndarray:
    """λ·s/‖s‖ from the model's own training predictions before ``iteration``, via scipy."""
    raw = np.zeros((X.shape[0], len(hp.task_label_names))) if iteration == 1 else model.predict(X, raw_score=True, num_iteration=iteration - 1)
    p = np.clip(1 / (1 + np.exp(-raw)), hp.loss_epsilon, 1 - hp.loss_epsilon)
    d = np.array([jensenshannon(Y[:, 0].astype(float), p[:, j]) for j in range(1, Y.shape[1])])
    s = 1 / np.maximum(d, 1 / hp.loss_clip_similarity_inverse)
    return hp.effective_weight_lr * s / np.linalg.norm(s)


@pytest.mark.parametrize("method", [None, "tenIters", "sqrt", "delta"])
def test_logged_weights_match_the_formulas(data, method):
    hp = make_hp(data, loss_type="adaptive", loss_weight_method=method, loss_weight_update_frequency=3, loss_delta_lr=0.3)
    model = train(hp, data["X"], data["Y"], feature_names=data["schema"].tab_field_list)
    logged = np.array(model.state.weights)
    assert (logged[:, 0] == 1.0).all()
    sims = [expected_similarity(model, hp, data["X"], data["Y"], t) for t in range(1, hp.num_iterations + 1)]
    expected = []
    for t, sim in enumerate(sims, start=1):
        if method is None:
            expected.append(sim)
        elif method == "tenIters":
            expected.append(sims[3 * ((t - 1) // 3)])
        elif method == "sqrt":
            expected.append(np.sqrt(sim))
        else:
            expected.append(sim if t == 1 else expected[-1] + 0.3 * (sim - sims[t - 2]))
    np.testing.assert_allclose(logged[:, 1:], np.array(expected), rtol=2e-5)
    # The weights move: nothing is stuck on stale predictions.
    if method != "tenIters":
        assert not np.allclose(logged[1, 1:], logged[-1, 1:])
    if method == "sqrt":
        assert hp.effective_weight_lr == 0.5


def test_fixed_weights(data):
    hp = make_hp(data, loss_type="fixed", loss_main_task_weight=2.0, loss_beta=0.25, num_iterations=2)
    model = train(hp, data["X"], data["Y"], feature_names=data["schema"].tab_field_list)
    assert model.state.weights == [[2.0, 0.5, 0.5, 0.5]] * 2


def test_knowledge_distillation_unit():
    kd = KnowledgeDistillation(["a", "b"], patience=2, num_rows=3)
    labels = np.array([[1, 0], [0, 1], [0, 0]], dtype=np.float32)
    scores = np.array([[2.0, -1.0], [-1.0, 1.0], [0.0, 0.0]])
    assert kd.observe(1, [0.7, 0.6], scores, labels, 1e-15) == []
    assert kd.observe(2, [0.6, 0.65], scores + 5, labels, 1e-15) == []  # b improves at round 2
    events = kd.observe(3, [0.6, 0.6], scores + 9, labels, 1e-15)
    assert events == [{"task": "a", "iteration": 3, "best_iteration": 1, "best_val_auc": 0.7}]
    np.testing.assert_allclose(labels[:, 0], 1 / (1 + np.exp(-scores[:, 0])), rtol=1e-6)  # round-1 probabilities
    np.testing.assert_array_equal(labels[:, 1], [0, 1, 0])
    assert kd.observe(9, [0.1, 0.1], scores, labels, 1e-15)[0]["task"] == "b"  # a is never replaced twice
    assert kd.replaced == [True, True]


def test_adaptive_kd_changes_training_only_after_the_event(data):
    common = {"learning_rate": 0.9, "num_iterations": 12, "loss_patience": 2, "num_leaves": 31, "min_data_in_leaf": 5}
    kd_model = train(make_hp(data, loss_type="adaptive_kd", **common), data["X"], data["Y"], data["Xv"], data["Yv"],
                     feature_names=data["schema"].tab_field_list)
    plain = train(make_hp(data, loss_type="adaptive", **common), data["X"], data["Y"], data["Xv"], data["Yv"],
                  feature_names=data["schema"].tab_field_list)
    events = kd_model.state.kd_events
    assert events, "high learning rate should overfit some task"
    first = min(e["iteration"] for e in events)
    for e in events:
        assert e["iteration"] - e["best_iteration"] == 2
        assert e["best_val_auc"] == max(a[data["schema"].task_label_names.index(e["task"])] for a in kd_model.state.val_auc[: e["iteration"]])
    for t in range(first):  # identical up to and including the round of the first event
        np.testing.assert_array_equal(kd_model.leaf_values[t], plain.leaf_values[t])
    assert any(not np.array_equal(a, b) for a, b in zip(kd_model.leaf_values[first:], plain.leaf_values[first:]))


def test_binary_auc_matches_sklearn_with_ties():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    y = rng.random(2000) < 0.05
    s = np.round(rng.normal(size=2000) + y, 1)  # many ties
    assert binary_auc(s[y], s[~y]) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    y2 = ~y  # positives the larger class: the other branch
    assert binary_auc(s[y2], s[~y2]) == pytest.approx(roc_auc_score(y2, s), abs=1e-12)
