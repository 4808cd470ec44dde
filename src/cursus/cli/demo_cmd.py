"""``cursus demo --workdir DIR``: MT-GBM on built-in fraud-like data, next to a single-task LightGBM baseline.

Generates the sample dataset (main task ``is_fraud`` plus one sparse subtask per payment type, with
missing values and categorical columns), trains through ``run-local`` exactly as a SageMaker job
would run, then trains one ordinary LightGBM model on the main task in this process and prints
both side by side. Sized to finish in a couple of minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import lightgbm as lgb
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from cursus.local_run import prepare_local_job
from cursus.sample_data import SampleSchema, write_sample_splits
from cursus.steps.contracts.lightgbmmt_training_contract import METRIC_LINE_PREFIX

STEP = "LightGBMMTTraining"
DEMO_HYPERPARAMETERS = {
    "num_iterations": 200, "learning_rate": 0.08, "num_leaves": 31, "min_data_in_leaf": 40,
    "early_stopping_rounds": 40, "loss_type": "adaptive", "smooth_factor": 0.01, "count_threshold": 5,
    "checkpoint_frequency": 50,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workdir", type=Path, default=Path("demo-output"), help="Folder for data, job and plots.")
    parser.add_argument("--rows", type=int, default=20_000, help="Rows of sample data (train/val/test 70/15/15).")
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    code = train_and_compare(args.workdir.resolve(), args.rows, args.seed)
    # The offline compile of the example DAG runs here, after training (added with the DAG compiler).
    return code


def train_and_compare(workdir: Path, rows: int, seed: int) -> int:
    """Write sample data, train MT-GBM via run-local, train the baseline, print the comparison."""
    data_dir = workdir / "data"
    schema = write_sample_splits(data_dir, n_rows=rows, seed=seed, **DEMO_HYPERPARAMETERS)
    print(f"sample data: {rows} rows, tasks {schema.task_label_names}, written to {data_dir}", flush=True)
    job = prepare_local_job(STEP, data_dir, workdir / "job")
    print(f"training {STEP} as a SageMaker job would run it, in {job.base_dir} (full log: {job.log_file})\n", flush=True)
    started = time.monotonic()
    code = job.run(hide=(METRIC_LINE_PREFIX,))
    if code != 0:
        print(f"\nthe training job failed (exit {code}): {job.failure_reason()}", file=sys.stderr)
        return code
    mt_seconds = time.monotonic() - started
    metrics = json.loads((job.output_data_dir / "metrics.json").read_text())["test"]
    started = time.monotonic()
    baseline = single_task_baseline(data_dir, schema, DEMO_HYPERPARAMETERS, seed)
    print_comparison(schema, metrics, baseline, mt_seconds, time.monotonic() - started)
    print(f"\nplots:      {job.output_data_dir / 'visualizations'}")
    print(f"model:      {job.model_dir}")
    print(f"evaluation: {job.output_data_dir} (metrics.json, training_summary.json, val.tar.gz, test.tar.gz)")
    return 0


def single_task_baseline(data_dir: Path, schema: SampleSchema, hp: dict, seed: int) -> dict[str, float]:
    """Ordinary LightGBM on the main task (native categoricals, same rounds and early stopping)."""
    split = {s: pd.read_csv(data_dir / s / "data.csv") for s in ("train", "val", "test")}
    main = schema.task_label_names[0]
    categories = {c: sorted(split["train"][c].dropna().unique()) for c in schema.cat_field_list}
    for df in split.values():
        for col, cats in categories.items():
            df[col] = pd.Categorical(df[col], categories=cats)
    X = {s: df[[*schema.tab_field_list, *schema.cat_field_list]] for s, df in split.items()}
    params = {
        "objective": "binary", "learning_rate": hp["learning_rate"], "num_leaves": hp["num_leaves"],
        "min_data_in_leaf": hp["min_data_in_leaf"], "seed": seed, "verbose": -1, "num_threads": 0,
    }
    booster = lgb.train(
        params, lgb.Dataset(X["train"], split["train"][main]), num_boost_round=hp["num_iterations"],
        valid_sets=[lgb.Dataset(X["val"], split["val"][main])],
        callbacks=[lgb.early_stopping(hp["early_stopping_rounds"], verbose=False)],
    )
    prob = booster.predict(X["test"], num_iteration=booster.best_iteration)
    y = split["test"][main].to_numpy()
    return {"auc_roc": float(roc_auc_score(y, prob)), "average_precision": float(average_precision_score(y, prob)),
            "rounds": int(booster.best_iteration)}


def print_comparison(schema: SampleSchema, mt: dict, baseline: dict[str, float], mt_seconds: float, base_seconds: float) -> None:
    main = schema.task_label_names[0]
    print(f"\ntest metrics, MT-GBM (one model, {len(schema.task_label_names)} tasks) vs single-task LightGBM on '{main}':")
    print(f"  {'task':<18} {'positives':>9} {'MT AUC':>8} {'MT AP':>8} {'MT F1':>7} {'LGB AUC':>8} {'LGB AP':>8}")
    for task in schema.task_label_names:
        m = mt["tasks"][task]
        base = (f"{baseline['auc_roc']:>8.4f} {baseline['average_precision']:>8.4f}" if task == main else f"{'-':>8} {'-':>8}")
        print(f"  {task:<18} {m['positives']:>9} {_num(m['auc_roc'])} {_num(m['average_precision'])} {m['f1']:>7.4f} {base}")
    agg = mt["aggregate"]
    print(f"  {'mean':<18} {'':>9} {_num(agg['mean_auc_roc'])} {_num(agg['mean_average_precision'])} {agg['mean_f1']:>7.4f}")
    print(f"time: MT-GBM job {mt_seconds:.0f} s (all tasks, incl. data checks, evaluation and plots); "
          f"baseline {base_seconds:.0f} s (main task only, {baseline['rounds']} rounds)")


def _num(value: float | None) -> str:
    return f"{'n/a':>8}" if value is None else f"{value:>8.4f}"

