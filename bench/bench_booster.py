"""Benchmark: MT-GBM booster vs one single-task LightGBM vs one LightGBM per task, same data, one run.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/bench_booster.py [--rows 200000 --rounds 300 --threads 2 --repeat 3]

The parent generates fraud-like data (``make_fraud_data``: main task + 5 payment-type subtasks;
the two string categoricals become integer-code numeric features) and saves it as .npy files.
Each model is trained in its own child process, so its peak memory (``ru_maxrss`` of the child,
which covers LightGBM's C++ allocations) is measured separately; every child loads the same
arrays. All models see a validation set and compute its AUC every round (LightGBM's ``auc``
metric for the plain models, per-task AUC for MT-GBM). Test AUC: every task on all test rows, and
each subtask on the test rows of its own payment type. Targets (issue 3): MT time <= 1.5x single
(aim 1.3x), peak memory <= 1.3x single, sparse-subtask AUC not below the independent models'.
With ``--repeat n`` the single-task and MT models are trained n times in interleaved pairs (the
independent models once): the table shows each model's best run, the time ratio is the median of
the per-pair ratios (each pair ran under the same machine load). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "dockers" / "lightgbmmt"))
sys.path.insert(0, str(REPO / "src"))


def _hp(rounds: int, threads: int, tasks: list[str], features: list[str]):
    from cursus.steps.hyperparams.hyperparameters_lightgbmmt import LightGBMMtModelHyperparameters

    return LightGBMMtModelHyperparameters(
        full_field_list=["id", *tasks, *features],
        tab_field_list=features,
        id_name="id",
        label_name=tasks[0],
        task_label_names=tasks,
        num_iterations=rounds,
        num_leaves=31,
        learning_rate=0.1,
        num_threads=threads,
        loss_type="adaptive",
    )


def worker(mode: str, data_dir: Path, rounds: int, threads: int) -> dict:
    """Train one configuration; return timing, peak RSS and test scores (N_test × K)."""
    import lightgbm as lgb
    import numpy as np

    from mtgbm.booster import lightgbm_params, train

    d = {name: np.load(data_dir / f"{name}.npy") for name in ("X", "Y", "Xv", "Yv", "Xt")}
    meta = json.loads((data_dir / "meta.json").read_text())
    tasks, features = meta["tasks"], meta["features"]
    hp = _hp(rounds, threads, tasks, features)
    K = len(tasks)
    plain_params = {**lightgbm_params(hp), "objective": "binary", "metric": "auc"}

    def plain(k: int) -> lgb.Booster:
        ds = lgb.Dataset(d["X"], d["Y"][:, k].astype(np.float32), feature_name=features, params=plain_params)
        val = lgb.Dataset(d["Xv"], d["Yv"][:, k].astype(np.float32), reference=ds, params=plain_params)
        return lgb.train(plain_params, ds, rounds, valid_sets=[val])

    t0 = time.perf_counter()
    if mode == "single":
        models = [plain(0)]
    elif mode == "independent":
        models = [plain(k) for k in range(K)]
    else:
        mt = train(hp, d["X"], d["Y"], d["Xv"], d["Yv"], feature_names=features)
    seconds = time.perf_counter() - t0
    if mode == "mt":
        scores = mt.predict(d["Xt"], num_iteration=-1)
        extra = {"leaf_assignment": sorted(set(mt.state.leaf_assignment))}
    else:
        scores = np.column_stack([m.predict(d["Xt"]) for m in models])
        extra = {}
    np.save(data_dir / f"scores_{mode}.npy", scores)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    return {"mode": mode, "seconds": seconds, "peak_mb": peak_mb, **extra}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000, help="training rows (validation = rows/4, test = rows/2)")
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--features", type=int, default=44, help="numeric features (2 categorical codes are added)")
    ap.add_argument("--repeat", type=int, default=1, help="single + MT runs (interleaved pairs); the median ratio is reported")
    ap.add_argument("--worker", choices=["single", "independent", "mt"], help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.data, args.rounds, args.threads)))
        return

    import numpy as np
    from sklearn.metrics import roc_auc_score

    from cursus.sample_data import make_fraud_data

    n_val, n_test = args.rows // 4, args.rows // 2
    df, schema = make_fraud_data(args.rows + n_val + n_test, n_numeric=args.features, seed=0)
    payment = df["payment_type"].to_numpy()
    for col in schema.cat_field_list:
        df[col] = df[col].astype("category").cat.codes.astype(np.float32)
    features = [*schema.tab_field_list, *schema.cat_field_list]
    X = df[features].to_numpy(np.float32)
    Y = df[schema.task_label_names].to_numpy(np.int8)
    cut1, cut2 = args.rows, args.rows + n_val
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        for name, arr in {"X": X[:cut1], "Y": Y[:cut1], "Xv": X[cut1:cut2], "Yv": Y[cut1:cut2], "Xt": X[cut2:]}.items():
            np.save(data_dir / f"{name}.npy", arr)
        (data_dir / "meta.json").write_text(json.dumps({"tasks": schema.task_label_names, "features": features}))
        runs: dict[str, list[dict]] = {"single": [], "independent": [], "mt": []}
        scores = {}
        # independent (6x the work) once; single and MT interleaved --repeat times, so each MT run
        # has a single-task run next to it under the same machine load.
        for mode in ("single", "independent", "mt", *(["single", "mt"] * (args.repeat - 1))):
            cmd = [sys.executable, __file__, "--worker", mode, "--data", str(data_dir), "--rounds", str(args.rounds), "--threads", str(args.threads)]
            out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
            runs[mode].append(json.loads(out.strip().splitlines()[-1]))
            scores[mode] = np.load(data_dir / f"scores_{mode}.npy")
        results = {mode: min(r, key=lambda x: x["seconds"]) for mode, r in runs.items()}

    Yt, pay_t = Y[cut2:], payment[cut2:]
    base = results["single"]
    print(f"data: {args.rows} train / {n_val} val / {n_test} test rows, {X.shape[1]} features, {Y.shape[1]} tasks, "
          f"{args.rounds} rounds, 31 leaves, num_threads={args.threads}, OMP_WAIT_POLICY=PASSIVE, repeat={args.repeat}")
    print(f"{'model (best run)':<22}{'train s':>9}{'x single':>10}{'peak MB':>9}{'x single':>10}")
    for mode, label in (("single", "single-task (main)"), ("independent", "6 independent"), ("mt", "MT-GBM booster")):
        r = results[mode]
        print(f"{label:<22}{r['seconds']:>9.2f}{r['seconds'] / base['seconds']:>10.2f}{r['peak_mb']:>9.0f}{r['peak_mb'] / base['peak_mb']:>10.2f}")
    pairs = [m["seconds"] / s["seconds"] for s, m in zip(runs["single"], runs["mt"])]
    ratio = statistics.median(pairs)
    print(f"MT / single time, median of {len(pairs)} interleaved pair(s): {ratio:.2f}x "
          f"(per pair: {', '.join(f'{p:.2f}' for p in pairs)}); target <= 1.5x (aim 1.3x): {'met' if ratio <= 1.5 else 'MISSED'}")
    print(f"MT leaf assignment path(s): {results['mt']['leaf_assignment']}")
    print(f"\n{'test AUC':<22}{'rows':>8}{'pos':>6}{'single':>9}{'indep.':>9}{'MT-GBM':>9}{'MT-ind':>9}")
    for k, task in enumerate(schema.task_label_names):
        subsets = [("all", np.ones(len(Yt), bool))]
        if k > 0:
            subsets.append((task.removeprefix("is_fraud_"), pay_t == task.removeprefix("is_fraud_")))
        for name, rows in subsets:
            y = Yt[rows, k]
            ind, mt = roc_auc_score(y, scores["independent"][rows, k]), roc_auc_score(y, scores["mt"][rows, k])
            single = f"{roc_auc_score(y, scores['single'][rows, 0]):>9.4f}" if k == 0 else f"{'':>9}"
            print(f"{task + ' [' + name + ']':<22}{int(rows.sum()):>8}{int(y.sum()):>6}{single}{ind:>9.4f}{mt:>9.4f}{mt - ind:>+9.4f}")


if __name__ == "__main__":
    main()
