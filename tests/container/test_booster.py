"""The MT-GBM booster against its definition (MTGBM.md) with real LightGBM: leaf values, the
single-task special case, save/load, resume, determinism, early stopping and input errors."""

from __future__ import annotations

import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest

from cursus.sample_data import make_fraud_data
from cursus.steps.hyperparams.hyperparameters_lightgbmmt import LightGBMMtModelHyperparameters
from mtgbm.booster import MultiTaskBooster, RoundInfo, RowBagger, lightgbm_params, train
from mtgbm.errors import MTGBMInputError
from mtgbm.leaves import leaf_values_from_sums


@pytest.fixture(scope="module")
def data():
    df, schema = make_fraud_data(4000, n_numeric=6, n_payment_types=3, seed=1)
    X = df[schema.tab_field_list].to_numpy(np.float32)
    Y = df[schema.task_label_names].to_numpy()
    n = 2700
    return {"X": X[:n], "Y": Y[:n], "Xv": X[n:], "Yv": Y[n:], "schema": schema, "features": schema.tab_field_list, "df": df}


def make_hp(data, **overrides) -> LightGBMMtModelHyperparameters:
    base = {"num_iterations": 8, "num_leaves": 8, "min_data_in_leaf": 20, "learning_rate": 0.2, "num_threads": 2}
    base.update(overrides)
    return LightGBMMtModelHyperparameters(**data["schema"].hyperparameters(**base))


def fit(data, hp, **kwargs) -> MultiTaskBooster:
    return train(hp, data["X"], data["Y"], data["Xv"], data["Yv"], feature_names=data["features"], **kwargs)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def expected_leaf_values(model: MultiTaskBooster, hp, X, Y) -> list[np.ndarray]:
    """Recompute every tree's per-task leaf values from scratch: pred_leaf assignments, float64 gradients."""
    leaves = model.structure.predict(X, pred_leaf=True, num_iteration=model.num_trees)
    bagger = RowBagger(X.shape[0], hp.bagging_fraction, hp.bagging_freq, hp.seed)
    F = np.tile(np.asarray(model.init_scores), (X.shape[0], 1))
    out = []
    for t in range(model.num_trees):
        p = np.clip(sigmoid(F), hp.loss_epsilon, 1 - hp.loss_epsilon)
        g, h = p - Y, p * (1 - p)
        inbag = bagger.masks(t + 1)[1] if bagger.active else np.ones(X.shape[0])
        L = model.leaf_values[t].shape[0]
        values = np.zeros((L, Y.shape[1]))
        for leaf in range(L):
            rows = (leaves[:, t] == leaf) & (inbag > 0)
            sg, sh = g[rows].sum(axis=0), h[rows].sum(axis=0)
            raw = np.where(sh + hp.lambda_l2 > 0, -sg / np.where(sh + hp.lambda_l2 > 0, sh + hp.lambda_l2, 1), 0.0)
            if hp.max_delta_step > 0:
                raw = np.clip(raw, -hp.max_delta_step, hp.max_delta_step)
            values[leaf] = hp.learning_rate * raw
        out.append(values)
        F = F + values[leaves[:, t]]
    return out


@pytest.mark.parametrize(
    "overrides",
    [
        {"lambda_l2": 1.5, "loss_type": "adaptive"},
        {"lambda_l2": 0.0, "loss_type": "fixed", "bagging_fraction": 0.7, "bagging_freq": 2},
        {"max_delta_step": 2.5, "loss_type": "adaptive", "learning_rate": 0.5},
    ],
    ids=["l2-adaptive", "bagging-fixed", "max_delta_step"],
)
def test_per_task_leaf_values_follow_the_formula(data, overrides):
    hp = make_hp(data, **overrides)
    model = fit(data, hp)
    expected = expected_leaf_values(model, hp, data["X"], data["Y"].astype(np.float64))
    assert model.num_trees == hp.num_iterations
    for t, (got, want) in enumerate(zip(model.leaf_values, expected)):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=1e-7, err_msg=f"tree {t}")
    # Subtask leaves really differ from the main task's (shared structure, own values).
    assert any(not np.allclose(v[:, 0], v[:, 1]) for v in model.leaf_values)
    if hp.max_delta_step > 0:  # the cap binds somewhere and is never exceeded
        top = max(np.abs(v).max() for v in model.leaf_values)
        assert top == pytest.approx(hp.learning_rate * hp.max_delta_step, abs=1e-12)


def test_leaf_with_zero_hessian_gets_zero():
    sum_grad = np.array([[0.0, 2.0], [-1.0, 0.5]])
    sum_hess = np.array([[0.0, 4.0], [2.0, 0.0]])
    v = leaf_values_from_sums(sum_grad, sum_hess, learning_rate=0.1, lambda_l2=0.0, max_delta_step=0.0)
    np.testing.assert_allclose(v, [[0.0, -0.05], [0.05, 0.0]])
    assert np.isfinite(v).all()


def test_max_delta_step_ties_fall_back_to_pred_leaf(data):
    # A tiny cap makes most leaves share the value ±lr·cap: the score-change match is ambiguous.
    model = fit(data, make_hp(data, max_delta_step=0.01, num_iterations=3))
    assert "pred_leaf" in model.state.leaf_assignment
    plain = fit(data, make_hp(data, num_iterations=3))
    assert set(plain.state.leaf_assignment) == {"score"}


def test_fixed_beta_zero_equals_plain_lightgbm(data):
    hp = make_hp(data, loss_type="fixed", loss_beta=0.0, lambda_l2=0.5, num_iterations=15)
    model = fit(data, hp)
    params = {**lightgbm_params(hp), "objective": "binary"}
    plain = lgb.train(params, lgb.Dataset(data["X"], data["Y"][:, 0].astype(float), params=params), hp.num_iterations)
    for X in (data["X"], data["Xv"]):
        np.testing.assert_allclose(model.predict(X, raw_score=True)[:, 0], plain.predict(X, raw_score=True), atol=1e-6)
    # Per-task gain of the main task = LightGBM's own gain importance (G is the main gradient here).
    gain = model.feature_importance("gain")
    np.testing.assert_allclose(gain[data["schema"].task_label_names[0]], plain.feature_importance("gain"), rtol=1e-4)
    split = model.feature_importance("split")
    assert all(np.array_equal(v, plain.feature_importance("split")) for v in split.values())


@pytest.mark.parametrize("metric", ["main_auc", "mean_auc"])
def test_early_stopping_counts_rounds_and_sets_the_default_iteration(data, metric):
    hp = make_hp(data, early_stopping_rounds=3, early_stopping_metric=metric, learning_rate=0.9, num_iterations=40,
                 num_leaves=31, min_data_in_leaf=2)
    model = fit(data, hp)
    st = model.state
    assert st.stopped_early and model.num_trees == st.best_iteration + 3 < 40
    assert model.best_iteration == st.best_iteration
    np.testing.assert_array_equal(model.predict(data["Xv"]), model.predict(data["Xv"], num_iteration=model.best_iteration))
    assert not np.allclose(model.predict(data["Xv"]), model.predict(data["Xv"], num_iteration=-1))
    # The best round really is the best validation metric seen.
    seen = [a[0] if metric == "main_auc" else float(np.mean(a)) for a in st.val_auc]
    assert st.best_score == max(seen) == seen[st.best_iteration - 1]


def test_save_load_and_plain_lightgbm_task_files(data, tmp_path):
    df = data["df"]
    # One native categorical column (payment type codes) to exercise categorical splits end to end.
    codes = df["payment_type"].astype("category").cat.codes.to_numpy(np.float32)[:, None]
    X = np.hstack([data["X"], codes[: len(data["X"])]])
    Xv = np.hstack([data["Xv"], codes[len(data["X"]) :]])
    features = [*data["features"], "payment_code"]
    hp = make_hp(data, boost_from_average=True, early_stopping_rounds=2, num_iterations=20, learning_rate=0.8)
    model = train(hp, X, data["Y"], Xv, data["Yv"], feature_names=features, categorical_feature=[X.shape[1] - 1])
    prior = data["Y"].mean(axis=0)
    np.testing.assert_allclose(model.init_scores, np.log(prior / (1 - prior)))
    model.save(tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "mtgbm_model.json").read_text())
    assert manifest["tasks"] == hp.task_label_names and manifest["best_iteration"] == model.best_iteration
    assert manifest["feature_names"] == features
    files = sorted(p.relative_to(tmp_path / "m").as_posix() for p in (tmp_path / "m").rglob("*") if p.is_file())
    assert not any(f.endswith((".pkl", ".pickle", ".joblib")) for f in files)
    assert {"training_state.json", "weight_evolution.json", "leaf_values.json", "structure_model.txt"} <= set(files)

    loaded = MultiTaskBooster.load(tmp_path / "m")
    assert loaded.structure.model_to_string() == model.structure.model_to_string()
    for Xs in (X, Xv):
        np.testing.assert_array_equal(loaded.predict(Xs, raw_score=True), model.predict(Xs, raw_score=True))
        np.testing.assert_array_equal(loaded.predict(Xs, num_iteration=-1), model.predict(Xs, num_iteration=-1))
    assert loaded.best_iteration == model.best_iteration and loaded.task_names == model.task_names
    assert loaded.state.to_dict() == json.loads(json.dumps(model.state.to_dict()))
    for imp in ("split", "gain"):
        a, b = loaded.feature_importance(imp), model.feature_importance(imp)
        assert all(np.array_equal(a[t], b[t]) for t in a)

    raw = model.predict(Xv, raw_score=True)
    for k, task in enumerate(hp.task_label_names):
        plain = lgb.Booster(model_file=str(tmp_path / "m" / manifest["files"]["task_models"][task]))
        assert plain.num_trees() == model.best_iteration
        np.testing.assert_allclose(plain.predict(Xv, raw_score=True), raw[:, k], rtol=0, atol=1e-12)
        np.testing.assert_allclose(plain.predict(Xv), sigmoid(raw[:, k]), atol=1e-12)
    weights = json.loads((tmp_path / "m" / "weight_evolution.json").read_text())
    assert weights["iterations"] == list(range(1, model.num_trees + 1))
    assert set(weights["weights"]) == set(hp.task_label_names)


def test_resume_from_checkpoint_equals_uninterrupted_run(data, tmp_path):
    hp = make_hp(
        data,
        num_iterations=12,
        checkpoint_frequency=5,
        loss_type="adaptive_kd",
        loss_patience=2,
        learning_rate=0.9,
        loss_weight_method="delta",
        bagging_fraction=0.7,
        bagging_freq=3,
        feature_fraction=0.6,
    )
    reference = fit(data, hp)
    assert reference.state.kd_events, "the case should exercise knowledge distillation"

    class Crash(RuntimeError):
        pass

    def crash_at_7(info: RoundInfo) -> None:
        if info.iteration == 7:
            raise Crash

    with pytest.raises(Crash):
        fit(data, hp, checkpoint_dir=tmp_path, callbacks=[crash_at_7])
    assert (tmp_path / "mtgbm_checkpoint.npz").is_file()
    seen: list[int] = []
    resumed = fit(data, hp, checkpoint_dir=tmp_path, callbacks=[lambda info: seen.append(info.iteration)])
    assert seen == list(range(6, 13))  # rounds 1-5 came from the checkpoint
    assert resumed.num_trees == reference.num_trees
    for a, b in zip(resumed.leaf_values, reference.leaf_values):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(resumed.predict(data["Xv"], raw_score=True), reference.predict(data["Xv"], raw_score=True))
    assert resumed.structure.model_to_string() == reference.structure.model_to_string()
    assert resumed.state.weights == reference.state.weights
    assert resumed.state.kd_events == reference.state.kd_events


def test_checkpoint_for_other_parameters_is_ignored(data, tmp_path):
    fit(data, make_hp(data, num_iterations=4, checkpoint_frequency=2), checkpoint_dir=tmp_path)
    seen: list[int] = []
    fit(data, make_hp(data, num_iterations=4, learning_rate=0.05), checkpoint_dir=tmp_path, callbacks=[lambda i: seen.append(i.iteration)])
    assert seen == [1, 2, 3, 4]


def test_deterministic_for_a_seed(data):
    hp = make_hp(data, feature_fraction=0.5, bagging_fraction=0.6, bagging_freq=1)
    a, b = fit(data, hp), fit(data, hp)
    np.testing.assert_array_equal(a.predict(data["Xv"]), b.predict(data["Xv"]))
    c = fit(data, make_hp(data, feature_fraction=0.5, bagging_fraction=0.6, bagging_freq=1, seed=7))
    assert not np.allclose(a.predict(data["Xv"]), c.predict(data["Xv"]))


def test_round_info_reaches_callbacks(data):
    infos: list[RoundInfo] = []
    model = fit(data, make_hp(data, num_iterations=10), callbacks=[infos.append])
    assert [i.iteration for i in infos] == list(range(1, 11)) and all(i.total == 10 for i in infos)
    last = infos[-1]
    assert len(last.val_auc) == 4 and last.mean_val_auc == pytest.approx(np.mean(last.val_auc))
    assert len(last.weights) == 4 and last.weights[0] == 1.0
    assert last.best_iteration == model.state.best_iteration
    assert all(b.elapsed_seconds >= a.elapsed_seconds for a, b in zip(infos, infos[1:]))
    assert infos[9].train_auc is not None and infos[0].train_auc is None  # train AUC every 10 rounds
    # The validation AUC reported is the AUC of the model's own validation predictions.
    from sklearn.metrics import roc_auc_score

    p = model.predict(data["Xv"], num_iteration=-1)
    assert last.val_auc == pytest.approx([roc_auc_score(data["Yv"][:, k], p[:, k]) for k in range(4)], abs=1e-12)


def test_without_validation(data):
    hp = make_hp(data, num_iterations=3)
    model = train(hp, data["X"], data["Y"], feature_names=data["features"])
    assert model.best_iteration == 3 and model.state.val_auc == [None, None, None]


def _bad(data, **change):
    args = {"X_train": data["X"], "Y_train": data["Y"], "X_val": data["Xv"], "Y_val": data["Yv"]}
    args.update(change)
    return args


@pytest.mark.parametrize(
    "case, match",
    [
        ("label_2", r"task 'is_fraud_cc' has label value\(s\) \[2.0\]; labels must be 0 or 1"),
        ("label_nan", r"task 'is_fraud' has 1 NaN label"),
        ("no_pos_train", r"Y_train: task 'is_fraud_dd' has no positive labels \(0 positives of 2700 rows\)"),
        ("no_pos_val", r"Y_val: task 'is_fraud_cc' has no positive labels"),
        ("one_task", r"needs K >= 2 tasks"),
        ("wrong_columns", r"Y_train has 3 columns but task_label_names lists 4 tasks"),
        ("rows", r"Y_train has 2699 rows but X_train has 2700"),
        ("val_rows", r"Y_val has 1299 rows but X_val has 1300"),
        ("val_features", r"X_val has 5 columns but the model has 6 features"),
    ],
)
def test_bad_inputs_raise_clear_errors(data, case, match):
    Y, Yv = data["Y"].astype(float).copy(), data["Yv"].astype(float).copy()
    change = {
        "label_2": lambda: {"Y_train": np.where(np.arange(len(Y))[:, None] == 3, 2.0, Y)},
        "label_nan": lambda: {"Y_train": np.where((np.arange(len(Y)) == 5)[:, None] & (np.arange(4) == 0), np.nan, Y)},
        "no_pos_train": lambda: {"Y_train": np.where(np.arange(4) == 2, 0.0, Y)},
        "no_pos_val": lambda: {"Y_val": np.where(np.arange(4) == 1, 0.0, Yv)},
        "one_task": lambda: {"Y_train": Y[:, :1]},
        "wrong_columns": lambda: {"Y_train": Y[:, :3]},
        "rows": lambda: {"Y_train": Y[:-1]},
        "val_rows": lambda: {"Y_val": Yv[:-1]},
        "val_features": lambda: {"X_val": data["Xv"][:, :5]},
    }[case]()
    if case == "label_2":
        change["Y_train"][3, 1] = 2.0
        change["Y_train"][3, [0, 2, 3]] = Y[3, [0, 2, 3]]
    args = _bad(data, **change)
    with pytest.raises(MTGBMInputError, match=match):
        train(make_hp(data), args["X_train"], args["Y_train"], args["X_val"], args["Y_val"], feature_names=data["features"])


@pytest.mark.parametrize(
    "overrides, match",
    [
        ({"early_stopping_rounds": 5}, "early_stopping_rounds=5 needs validation data"),
        ({"loss_type": "adaptive_kd"}, "adaptive_kd' watches validation AUC"),
    ],
)
def test_settings_that_need_missing_inputs(data, overrides, match):
    with pytest.raises(MTGBMInputError, match=match):
        train(make_hp(data, **overrides), data["X"], data["Y"], feature_names=data["features"])


def test_feature_names_must_match_columns(data):
    with pytest.raises(MTGBMInputError, match="feature_names has 2 names but X_train has 6 columns"):
        train(make_hp(data), data["X"], data["Y"], feature_names=["a", "b"])


def test_predict_checks_columns(data):
    model = fit(data, make_hp(data, num_iterations=2))
    with pytest.raises(MTGBMInputError, match="X has 3 columns but the model has 6 features"):
        model.predict(data["Xv"][:, :3])


def test_model_dir_needs_manifest(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="not an MT-GBM model directory"):
        MultiTaskBooster.load(tmp_path)
