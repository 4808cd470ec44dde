"""MultiTaskBooster.predict's chunked, blocked, multi-threaded sum against the obvious tree-by-tree sum.

predict spreads row chunks over worker threads and sums each chunk in row blocks with one gather per
block; none of that may change a single bit: each row's sum must be init + tree 0 + tree 1 + ...
in that order, whatever the thread count, chunk size or block size.
"""

from __future__ import annotations

import numpy as np
import pytest

from cursus.sample_data import make_fraud_data
from cursus.steps.hyperparams.hyperparameters_lightgbmmt import LightGBMMtModelHyperparameters
from mtgbm import booster as booster_module
from mtgbm.booster import MultiTaskBooster, train


@pytest.fixture(scope="module")
def model_and_rows():
    df, schema = make_fraud_data(3000, n_numeric=6, n_payment_types=3, seed=5)
    X = df[schema.tab_field_list].to_numpy(np.float32)
    Y = df[schema.task_label_names].to_numpy()
    hp = LightGBMMtModelHyperparameters(**schema.hyperparameters(
        num_iterations=12, num_leaves=8, min_data_in_leaf=20, learning_rate=0.3, num_threads=2, boost_from_average=True,
    ))
    model = train(hp, X[:2000], Y[:2000], feature_names=schema.tab_field_list)
    return model, X[2000:]


def reference_raw(model: MultiTaskBooster, X: np.ndarray, n_trees: int) -> np.ndarray:
    leaves = model.structure.predict(X, num_iteration=n_trees, pred_leaf=True)
    out = np.empty((X.shape[0], model.num_tasks))
    out[:] = np.asarray(model.init_scores)
    for t in range(n_trees):
        out += model.leaf_values[t][leaves[:, t]]
    return out


@pytest.mark.parametrize("num_threads", [1, 2, 3])
@pytest.mark.parametrize("num_iteration, n_trees", [(None, 12), (5, 5), (-1, 12)])
def test_predict_is_bit_identical_to_the_tree_by_tree_sum(model_and_rows, monkeypatch, num_threads, num_iteration, n_trees):
    model, X = model_and_rows
    assert np.any(np.asarray(model.init_scores) != 0)  # init must be added first, not last
    # Small chunks (several per thread, a short last one) and small blocks (a partial last block).
    monkeypatch.setattr(booster_module, "_PREDICT_CHUNK_CELLS", 97 * n_trees)
    monkeypatch.setattr(booster_module, "_SUM_BLOCK_CELLS", 13 * n_trees * model.num_tasks)
    expected = reference_raw(model, X, n_trees)
    raw = model.predict(X, raw_score=True, num_iteration=num_iteration, num_threads=num_threads)
    np.testing.assert_array_equal(raw, expected)
    prob = model.predict(X, num_iteration=num_iteration, num_threads=num_threads)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(prob, 1.0 / (1.0 + np.exp(-expected)))


def test_predict_default_chunking_matches_and_handles_no_rows(model_and_rows):
    model, X = model_and_rows
    np.testing.assert_array_equal(model.predict(X, raw_score=True), reference_raw(model, X, model.best_iteration))
    assert model.predict(X[:0]).shape == (0, model.num_tasks)
