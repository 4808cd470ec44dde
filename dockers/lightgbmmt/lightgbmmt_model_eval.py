#!/usr/bin/env python3
"""Entry point of the LightGBMMTModelEval processing job: score a dataset with a trained model, per task.

Reads the model (the training step's model.tar.gz) and the rows to score from the paths in the
step's contract, scores them through :class:`mtgbm.predictor.MultiTaskPredictor` (the code the
endpoint uses), and writes what the training job writes for its test split, in the same formats:

- ``eval_output/predictions.csv``: the id column, then ``<task>_true`` and ``<task>_prob`` per task;
- ``metrics_output/metrics.json``: ``{"eval": {per-task AUC-ROC, AP, F1, positives/rows; aggregates}}``;
- ``metrics_output/visualizations/roc_eval.png`` and ``pr_eval.png``.

Task names, id column and F1 threshold come from the model's ``hyperparameters.json``. Outputs are
written to a temporary folder and moved into place at the end, so a failed job leaves none; the
reason goes to ``/opt/ml/output/message`` (the job's ExitMessage) and the exit code is 1. Local
runs re-root the ``/opt/ml/...`` paths under ``$SAGEMAKER_BASE_DIR``, as the training script does.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CODE_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(CODE_DIR))  # the processing job runs `python lightgbmmt_model_eval.py` from the code dir
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before lightgbm loads

from cursus.steps.contracts.lightgbmmt_model_eval_contract import LIGHTGBMMT_MODEL_EVAL_CONTRACT  # noqa: E402
from mtgbm.entrypoint import commit_outputs, container_path, run_entry_point  # noqa: E402
from mtgbm.errors import MTGBMInputError  # noqa: E402

SPLIT = "eval"
DATA_CHANNEL = "processed_data"
log = logging.getLogger("lightgbmmt_model_eval")


@dataclass(frozen=True)
class EvalPaths:
    model_input: Path
    eval_data: Path
    eval_output: Path
    metrics_output: Path


def failure_file(env: Mapping[str, str]) -> Path:
    """The contract's failure file: SageMaker shows its first 1 KB as the processing job's ExitMessage."""
    return container_path(LIGHTGBMMT_MODEL_EVAL_CONTRACT.failure_path, env)


def resolve_paths(env: Mapping[str, str]) -> EvalPaths:
    """Every location from the contract, re-rooted under ``$SAGEMAKER_BASE_DIR`` when set."""
    inputs = LIGHTGBMMT_MODEL_EVAL_CONTRACT.expected_input_paths
    outputs = LIGHTGBMMT_MODEL_EVAL_CONTRACT.expected_output_paths
    return EvalPaths(
        model_input=container_path(inputs["model_input"], env),
        eval_data=container_path(inputs["processed_data"], env),
        eval_output=container_path(outputs["eval_output"], env),
        metrics_output=container_path(outputs["metrics_output"], env),
    )


def evaluate(paths: EvalPaths) -> dict[str, Any]:
    """Score, measure and plot; returns the metrics. Raises MTGBMInputError / HyperparameterError for bad input."""
    from cursus.steps.hyperparams.hyperparameters_lightgbmmt import LightGBMMtModelHyperparameters
    from mtgbm import evaluation, plots
    from mtgbm.data import check_columns, label_matrix, read_channel
    from mtgbm.predictor import HYPERPARAMETERS_FILE, MultiTaskPredictor

    predictor = MultiTaskPredictor.load(paths.model_input)
    if not predictor.hyperparameters:
        raise MTGBMInputError(
            f"the model in {paths.model_input} has no {HYPERPARAMETERS_FILE}; evaluate the model.tar.gz of a "
            "LightGBMMTTraining job (it names the id column and the tasks)."
        )
    hp = LightGBMMtModelHyperparameters.parse(predictor.hyperparameters, source=f"the model's {HYPERPARAMETERS_FILE}")
    tasks, id_name = hp.task_label_names, hp.id_name
    log.info("model: tasks %s (main %s), %d features", tasks, hp.label_name, len(predictor.feature_names))

    df = read_channel(paths.eval_data, DATA_CHANNEL)
    check_columns(df, {"id_name": [id_name], "task_label_names": tasks}, DATA_CHANNEL)
    labels = label_matrix(df, tasks, DATA_CHANNEL, id_name)
    prob = predictor.predict(df)[[f"{t}_prob" for t in tasks]].to_numpy()
    metrics = evaluation.compute_metrics(labels, prob, tasks, threshold=hp.evaluation_threshold, main_task=hp.label_name)
    predictions = evaluation.predictions_frame(df[id_name], labels, prob, tasks, id_name)

    with tempfile.TemporaryDirectory(prefix="mtgbm-eval-") as tmp:
        stage_eval, stage_metrics = Path(tmp) / "eval", Path(tmp) / "metrics"
        viz = stage_metrics / "visualizations"
        for d in (stage_eval, viz):
            d.mkdir(parents=True)
        predictions.to_csv(stage_eval / evaluation.PREDICTIONS_FILE, index=False)
        (stage_metrics / evaluation.SPLIT_METRICS_FILE).write_text(json.dumps({SPLIT: metrics}, indent=2) + "\n")
        plots.plot_roc_pr(labels, prob, tasks, SPLIT, viz)
        commit_outputs(stage_eval, paths.eval_output)
        commit_outputs(stage_metrics, paths.metrics_output)
    for t in tasks:
        m = metrics["tasks"][t]
        auc = "n/a (one class)" if m["auc_roc"] is None else f"{m['auc_roc']:.4f}"
        log.info("eval %-24s AUC %s  F1 %.4f  (%d positives / %d rows)", t, auc, m["f1"], m["positives"], m["rows"])
    return metrics


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    return run_entry_point("evaluation", log, __doc__.splitlines()[0], argv,
                           job=lambda: evaluate(resolve_paths(env)), failure_file=lambda: failure_file(env))


if __name__ == "__main__":
    sys.exit(main())
