"""``cursus demo --workdir DIR``: the whole LightGBMMT story on this machine, in a couple of minutes on 2 cores.

1. writes built-in fraud-like sample data (main task ``is_fraud`` plus one sparse subtask per
   payment type, with missing values and categorical columns);
2. trains ``LightGBMMTTraining`` through ``run-local``, exactly as a SageMaker training job runs it;
3. trains one ordinary LightGBM model on the main task in this process and prints both side by side;
4. scores the held-out test split with the trained model through ``run-local`` of the
   ``LightGBMMTModelEval`` processing step, and prints its main-task metrics;
5. compiles the example DAG (``examples/``) into a SageMaker pipeline definition offline (no AWS account);

then prints where the plots, the model, the eval outputs and the pipeline definition are.
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

from cursus.local_run import LocalJob, prepare_local_job, prepare_local_processing_job
from cursus.sample_data import SampleSchema, write_sample_splits
from cursus.steps.contracts.lightgbmmt_training_contract import METRIC_LINE_PREFIX

STEP = "LightGBMMTTraining"
EVAL_STEP = "LightGBMMTModelEval"
STAGES = 5
EXAMPLE_DAG_FILE, EXAMPLE_CONFIG_FILE = "lightgbmmt_dag.json", "lightgbmmt_config.json"
DEMO_HYPERPARAMETERS = {
    "num_iterations": 200, "learning_rate": 0.08, "num_leaves": 31, "min_data_in_leaf": 40,
    "early_stopping_rounds": 40, "loss_type": "adaptive", "smooth_factor": 0.01, "count_threshold": 5,
    "checkpoint_frequency": 50,
}


class DemoError(RuntimeError):
    """A stage failed; the message says which and why (the job's own failure reason)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workdir", type=Path, default=Path("demo-output"), help="Folder for data, jobs and outputs.")
    parser.add_argument("--rows", type=int, default=20_000, help="Rows of sample data (train/val/test 70/15/15).")
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    workdir = args.workdir.resolve()
    started = time.monotonic()
    print(f"cursus demo: MT-GBM end to end on this machine, everything under {workdir}", flush=True)
    try:
        data_dir, schema = stage_sample_data(workdir, args.rows, args.seed)
        training = stage_training(workdir, data_dir)
        stage_baseline(data_dir, schema, training, args.seed)
        evaluation = stage_evaluation(workdir, data_dir, training, schema)
        pipeline = stage_compile(workdir)
    except DemoError as err:
        print(f"\ncursus demo: {err}", file=sys.stderr)
        return 1
    print_locations(training, evaluation, pipeline)
    print(f"\ndemo finished in {time.monotonic() - started:.0f} s", flush=True)
    return 0


def stage(number: int, title: str) -> float:
    """Print a stage header; returns its start time for :func:`done`."""
    print(f"\n[{number}/{STAGES}] {title}", flush=True)
    return time.monotonic()


def done(started: float, what: str = "done") -> None:
    print(f"      {what} in {time.monotonic() - started:.1f} s", flush=True)


def stage_sample_data(workdir: Path, rows: int, seed: int) -> tuple[Path, SampleSchema]:
    started = stage(1, f"Writing {rows} rows of fraud-like sample data (train/val/test 70/15/15)")
    data_dir = workdir / "data"
    schema = write_sample_splits(data_dir, n_rows=rows, seed=seed, **DEMO_HYPERPARAMETERS)
    print(f"      tasks {schema.task_label_names} (main: {schema.task_label_names[0]}); "
          f"{len(schema.tab_field_list)} numeric + {len(schema.cat_field_list)} categorical features -> {data_dir}")
    done(started)
    return data_dir, schema


def stage_training(workdir: Path, data_dir: Path) -> LocalJob:
    job = prepare_local_job(STEP, data_dir, workdir / "job")
    started = stage(2, f"Training {STEP} through run-local, as a SageMaker training job runs it "
                       f"(in {job.base_dir}; per-round metrics in {job.log_file})")
    code = job.run(hide=(METRIC_LINE_PREFIX,))
    if code != 0:
        raise DemoError(f"the training job failed (exit {code}): {job.failure_reason()}")
    done(started, "training job finished")
    return job


def stage_baseline(data_dir: Path, schema: SampleSchema, job: LocalJob, seed: int) -> None:
    started = stage(3, f"Training a single-task LightGBM on '{schema.task_label_names[0]}' for comparison")
    baseline = single_task_baseline(data_dir, schema, DEMO_HYPERPARAMETERS, seed)
    metrics = json.loads((job.output_data_dir / "metrics.json").read_text())["test"]
    summary = json.loads((job.output_data_dir / "training_summary.json").read_text())
    print_comparison(schema, metrics, baseline, summary["total_seconds"], time.monotonic() - started)


def stage_evaluation(workdir: Path, data_dir: Path, training: LocalJob, schema: SampleSchema) -> LocalJob:
    job = prepare_local_processing_job(
        EVAL_STEP, {"model_input": training.model_dir, "processed_data": data_dir / "test"}, workdir / "eval"
    )
    started = stage(4, f"Scoring the held-out test split with {EVAL_STEP} through run-local, as a SageMaker "
                       f"processing job runs it (in {job.base_dir})")
    code = job.run()
    if code != 0:
        raise DemoError(f"the evaluation job failed (exit {code}): {job.failure_reason()}")
    metrics = json.loads((job.outputs["metrics_output"] / "metrics.json").read_text())["eval"]
    main = metrics["main_task"]
    m = metrics["tasks"][main]
    print(f"\n      eval of main task '{main}' on {m['rows']} held-out rows ({m['positives']} positives): "
          f"AUC {_num(m['auc_roc']).strip()}, AP {_num(m['average_precision']).strip()}, F1 {m['f1']:.4f} "
          f"at threshold {metrics['threshold']}; mean AUC over {len(schema.task_label_names)} tasks "
          f"{_num(metrics['aggregate']['mean_auc_roc']).strip()}")
    done(started, "evaluation job finished")
    return job


def stage_compile(workdir: Path) -> Path:
    started = stage(5, f"Compiling the example pipeline {EXAMPLE_DAG_FILE} + {EXAMPLE_CONFIG_FILE} offline "
                       "(no AWS account or network)")
    from cursus.api import CursusError, compile_offline
    from cursus.core.base.hyperparameters_base import HyperparameterError
    from cursus.core.staging import examples_dir

    examples = examples_dir()
    try:
        compiled = compile_offline(examples / EXAMPLE_DAG_FILE, examples / EXAMPLE_CONFIG_FILE,
                                   workdir / "pipeline" / "pipeline.json")
    except (CursusError, HyperparameterError) as err:
        raise DemoError(f"compiling the example pipeline failed: {err}") from None
    print(f"      pipeline '{compiled.pipeline_name}' with steps {list(compiled.step_names)} -> {compiled.definition_path}")
    print("      to run it on SageMaker, upload its code package(s) first:")
    for command in compiled.upload_commands:
        print(f"        {command}")
    done(started)
    return compiled.definition_path


def print_locations(training: LocalJob, evaluation: LocalJob, pipeline: Path) -> None:
    print("\nwhere to look:")
    print(f"plots:      {training.output_data_dir / 'visualizations'}")
    print(f"model:      {training.model_dir}")
    print(f"evaluation: {training.output_data_dir} (metrics.json, training_summary.json, val.tar.gz, test.tar.gz)")
    print(f"eval step:  {evaluation.outputs['eval_output'] / 'predictions.csv'}, "
          f"{evaluation.outputs['metrics_output'] / 'metrics.json'} and its visualizations/")
    print(f"pipeline:   {pipeline} (code packages under {pipeline.name}.code/ beside it)")


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
          f"baseline {base_seconds:.0f} s (main task only, {baseline['rounds']} rounds)", flush=True)


def _num(value: float | None) -> str:
    return f"{'n/a':>8}" if value is None else f"{value:>8.4f}"

