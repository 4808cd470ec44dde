"""Benchmark: batch scoring with MultiTaskPredictor (all 6 tasks) vs plain LightGBM (main task alone), one run.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/bench_predict.py [--rows 1000000 --rounds 100 --threads 2]

Trains a small MT-GBM model and a plain single-task LightGBM of the same size (rounds, leaves) on the
same preprocessed data, saves the MT model as the training job does (booster + preprocessing
artifacts) and loads it back through ``MultiTaskPredictor.load``. Then scores ``--rows`` raw rows
(``make_fraud_data``: 20 numeric features with gaps, 2 string categoricals, 6 tasks) and reports the
best of ``--repeat`` timings of:

- predictor end to end: ``predictor.predict(df)`` = preprocessing + all K tasks;
- its two parts: ``transform(df)`` (imputation + risk tables) and ``predict_matrix(X)`` (K tasks);
- plain LightGBM: ``Booster.predict(X)`` of the main task on the already-preprocessed matrix;
- K plain LightGBM predictions (the ``task_models/<task>.txt`` files), what a naive predictor costs;
- ``booster.predict(X, raw_score=True)`` (the model part without the sigmoid), checked bit-identical
  to a straightforward tree-by-tree sum of the per-task leaf values (:func:`reference_raw_scores`).

Every variant runs once per repetition, interleaved, so each repetition has its own plain-LightGBM
baseline; the ratios printed are the MEDIAN over repetitions of (variant time / plain time in the
same repetition), next to each variant's best time. On a shared machine that is the least
disturbed comparison.

Target (issue 5): the predictor at most 1.5x plain LightGBM's time. Threads: ``--threads`` = LightGBM's
OpenMP threads for plain predict (``OMP_NUM_THREADS``) = worker threads of ``MultiTaskBooster.predict``
(each runs a one-thread leaf pass and the numpy sums of its chunk). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "dockers" / "lightgbmmt"))
sys.path.insert(0, str(REPO / "src"))


def timed(repeat: int, variants: dict[str, Callable[[], object]]) -> tuple[dict[str, list[float]], dict[str, object]]:
    """Wall time of each variant in each of ``repeat`` interleaved rounds, and each one's last result."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    results: dict[str, object] = {}
    for _ in range(repeat):
        for name, fn in variants.items():
            start = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - start)
    return times, results


def median_ratio(times: dict[str, list[float]], name: str, base: str = "plain") -> float:
    """Median over repetitions of time(name) / time(base) measured in the same repetition."""
    return statistics.median(a / b for a, b in zip(times[name], times[base]))


def reference_raw_scores(booster, X):
    """Raw scores the obvious way: init, then every tree's per-task leaf values added one tree at a time."""
    import numpy as np

    n_trees = booster.best_iteration
    leaves = booster.structure.predict(X, num_iteration=n_trees, pred_leaf=True)
    out = np.empty((X.shape[0], len(booster.task_names)))
    out[:] = np.asarray(booster.init_scores)
    for t in range(n_trees):
        out += booster.leaf_values[t][leaves[:, t]]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows to score")
    parser.add_argument("--train-rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--leaves", type=int, default=31)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # before lightgbm loads: one thread count for every predict

    import lightgbm as lgb
    import numpy as np

    from cursus.sample_data import make_fraud_data
    from cursus.steps.hyperparams.hyperparameters_lightgbmmt import LightGBMMtModelHyperparameters
    from mtgbm.booster import lightgbm_params, train
    from mtgbm.data import label_matrix
    from mtgbm.predictor import MultiTaskPredictor
    from mtgbm.preprocessing import Preprocessor

    n_train = args.train_rows
    df, schema = make_fraud_data(n_train + n_train // 5 + args.rows, seed=11)
    train_df, val_df, score_df = df.iloc[:n_train], df.iloc[n_train:n_train + n_train // 5], df.iloc[n_train + n_train // 5:]
    hp = LightGBMMtModelHyperparameters.model_validate(schema.hyperparameters(
        num_iterations=args.rounds, num_leaves=args.leaves, learning_rate=0.1, num_threads=args.threads, loss_type="adaptive",
    ))
    tasks = hp.task_label_names
    Y, Yv = (label_matrix(d, tasks, s, hp.id_name) for d, s in ((train_df, "train"), (val_df, "val")))
    pre = Preprocessor.fit(train_df, Y[:, hp.main_task_index], numeric_features=hp.tab_field_list, categorical_features=hp.cat_field_list)
    X, Xv = pre.transform(train_df), pre.transform(val_df)

    start = time.perf_counter()
    booster = train(hp, X, Y, Xv, Yv, feature_names=pre.feature_names)
    mt_train = time.perf_counter() - start
    params = {**lightgbm_params(hp), "objective": "binary"}
    plain = lgb.train(params, lgb.Dataset(X, label=np.ascontiguousarray(Y[:, hp.main_task_index]), params=params), num_boost_round=args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        booster.save(Path(tmp))
        pre.save(Path(tmp))
        predictor = MultiTaskPredictor.load(tmp)
        task_models = [lgb.Booster(model_file=str(p)) for p in sorted(Path(tmp, "task_models").glob("*.txt"))]
    assert predictor.booster.best_iteration == plain.num_trees() == args.rounds, "compare models of equal size"

    n = len(score_df)
    X_score = predictor.transform(score_df)
    t, out = timed(args.repeat, {
        "plain": lambda: plain.predict(X_score),
        "end_to_end": lambda: predictor.predict(score_df),
        "transform": lambda: predictor.transform(score_df),
        "matrix": lambda: predictor.predict_matrix(X_score),
        "k_plain": lambda: [m.predict(X_score) for m in task_models],
        "booster_raw": lambda: predictor.booster.predict(X_score, raw_score=True),
    })
    reference = reference_raw_scores(predictor.booster, X_score[:100_000])
    identical = np.array_equal(out["booster_raw"][:100_000], reference)

    print(f"scored {n:,} rows x {len(pre.feature_names)} features, {len(tasks)} tasks, {args.rounds} trees of "
          f"{args.leaves} leaves; LightGBM {lgb.__version__}, {args.threads} thread(s), "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}; {args.repeat} interleaved repetitions, "
          f"ratios = median of per-repetition ratios (MT training took {mt_train:.1f} s)")
    rows = [
        ("plain LightGBM, main task only (preprocessed X)", "plain"),
        ("MultiTaskPredictor.predict(df), all tasks", "end_to_end"),
        ("  transform(df): imputation + risk tables", "transform"),
        ("  predict_matrix(X): one leaf pass, K tasks", "matrix"),
        (f"{len(tasks)} plain LightGBM predicts (task_models/*.txt)", "k_plain"),
        (f"booster.predict(X, raw_score=True) (bit-identical: {identical})", "booster_raw"),
    ]
    for label, key in rows:
        best = min(t[key])
        print(f"{label:<62} best {best:7.3f} s  {n / best / 1e6:6.2f} M rows/s  median {median_ratio(t, key):5.2f}x plain")
    ratio = median_ratio(t, "end_to_end")
    print(f"predictor / plain LightGBM = {ratio:.2f}x (target <= 1.5x): {'met' if ratio <= 1.5 else 'MISSED'}; "
          f"model part alone {median_ratio(t, 'matrix'):.2f}x; per repetition: "
          + ", ".join(f"{a / b:.2f}" for a, b in zip(t["end_to_end"], t["plain"])))
    main_col = f"{predictor.main_task}_prob"
    print(f"sanity: mean main-task probability MT {out['end_to_end'][main_col].mean():.4f}, plain {np.mean(out['plain']):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
