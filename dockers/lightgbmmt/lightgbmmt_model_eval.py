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

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CODE_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(CODE_DIR))  # the processing job runs `python lightgbmmt_model_eval.py` from the code dir
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before lightgbm loads

from cursus.core.base.hyperparameters_base import HyperparameterError  # noqa: E402
from cursus.steps.contracts.lightgbmmt_model_eval_contract import (  # noqa: E402
    LIGHTGBMMT_MODEL_EVAL_CONTRACT,
    PROCESSING_EXIT_MESSAGE_PATH,
)
from lightgbmmt_training import container_path  # noqa: E402
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
    exit_message: Path


def resolve_paths(env: Mapping[str, str]) -> EvalPaths:
    """Every location from the contract, re-rooted under ``$SAGEMAKER_BASE_DIR`` when set."""
    inputs = LIGHTGBMMT_MODEL_EVAL_CONTRACT.expected_input_paths
    outputs = LIGHTGBMMT_MODEL_EVAL_CONTRACT.expected_output_paths
    return EvalPaths(
        model_input=container_path(inputs["model_input"], env),
        eval_data=container_path(inputs["processed_data"], env),
        eval_output=container_path(outputs["eval_output"], env),
        metrics_output=container_path(outputs["metrics_output"], env),
        exit_message=container_path(PROCESSING_EXIT_MESSAGE_PATH, env),
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
        _commit(stage_eval, paths.eval_output)
        _commit(stage_metrics, paths.metrics_output)
    for t in tasks:
        m = metrics["tasks"][t]
        auc = "n/a (one class)" if m["auc_roc"] is None else f"{m['auc_roc']:.4f}"
        log.info("eval %-24s AUC %s  F1 %.4f  (%d positives / %d rows)", t, auc, m["f1"], m["positives"], m["rows"])
    return metrics


def _commit(staging: Path, final: Path) -> None:
    """Move every entry of ``staging`` into ``final``, replacing same-named entries."""
    final.mkdir(parents=True, exist_ok=True)
    for entry in sorted(staging.iterdir()):
        target = final / entry.name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        shutil.move(str(entry), str(target))


def failure_reason(err: BaseException) -> str:
    """The error's own message for input problems (they name what and the fix), else type + message."""
    if isinstance(err, (MTGBMInputError, HyperparameterError)):
        return str(err).strip()
    return (
        f"Unexpected {type(err).__name__} in the evaluation script: {err}. This is a bug or an environment "
        "problem rather than bad input; the full traceback is in the job's log."
    )


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _, ignored = argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_known_args(argv)
    if ignored:
        log.info("ignoring command-line arguments %s; every path comes from the contract", ignored)
    paths = resolve_paths(env)
    try:
        evaluate(paths)
    except Exception as err:  # the job's last word: record why, then fail
        reason = failure_reason(err)
        if not isinstance(err, (MTGBMInputError, HyperparameterError)):
            traceback.print_exc()
        paths.exit_message.parent.mkdir(parents=True, exist_ok=True)
        paths.exit_message.write_text(reason + "\n", encoding="utf-8")
        log.error("evaluation failed: %s", reason)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
