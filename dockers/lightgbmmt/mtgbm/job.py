"""One training job, from the files SageMaker delivers to the files it uploads.

Order matters for failing well: hyperparameters and every data check run before the first
boosting round; all outputs are written to a staging folder and moved into the model and output
dirs only after everything succeeded, so a failed job never leaves a model that looks complete.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cursus
import lightgbm
import numpy as np
import pandas as pd

from cursus.steps.contracts.lightgbmmt_training_contract import DATA_CHANNELS
from cursus.steps.hyperparams.hyperparameters_lightgbmmt import LightGBMMtModelHyperparameters
from mtgbm import evaluation, plots
from mtgbm.booster import MultiTaskBooster, train
from mtgbm.data import check_both_classes, check_columns, label_matrix, read_channel
from mtgbm.entrypoint import commit_outputs
from mtgbm.errors import MTGBMInputError
from mtgbm.preprocessing import Precomputed, Preprocessor, check_precomputed_state, load_precomputed, select_features
from mtgbm.progress import ProgressLog

log = logging.getLogger(__name__)

STAGING_DIR_NAME = ".mtgbm-staging"


@dataclass(frozen=True)
class JobPaths:
    """Every location the job reads or writes, resolved from the contract (see the entry point)."""

    channels: dict[str, Path]
    model_artifacts_input: Path
    config_hyperparameters: Path
    sagemaker_hyperparameters: Path
    embedded_hyperparameters: Path
    model_dir: Path
    output_data_dir: Path
    checkpoint_dir: Path
    failure_file: Path


@dataclass(frozen=True)
class Switches:
    """The USE_PRECOMPUTED_* environment switches."""

    imputation: bool = False
    risk_tables: bool = False
    features: bool = False


# ----- hyperparameters -----
# Keys SageMaker adds to hyperparameters.json for itself (script mode, tuning jobs); anything else is ours.
SAGEMAKER_RESERVED_PREFIXES = ("sagemaker_", "_tuning_")


def decode_sagemaker_hyperparameters(raw: dict[str, Any]) -> dict[str, Any]:
    """SageMaker's hyperparameters.json: every value a JSON-encoded string; SageMaker's own keys dropped.

    A value that is not valid JSON (typed in the console as ``adaptive`` rather than ``"adaptive"``)
    is kept as the plain string, as the SageMaker toolkit does.
    """
    decoded = {}
    for key, value in raw.items():
        if key.startswith(SAGEMAKER_RESERVED_PREFIXES):
            continue
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass  # a bare string is its own value
        decoded[key] = value
    return decoded


def _read_json_object(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise MTGBMInputError(f"{what} {path} is not valid JSON ({err}); fix or regenerate it.") from err
    if not isinstance(data, dict):
        raise MTGBMInputError(f"{what} {path} must hold a JSON object of name -> value, not {type(data).__name__}.")
    log.info("hyperparameters: %d keys from %s %s", len(data), what, path)
    return data


def load_hyperparameters(paths: JobPaths) -> LightGBMMtModelHyperparameters:
    """The shipped file, overridden by the optional ``config`` channel, overridden by tuned values.

    SageMaker's hyperparameters.json repeats every scalar of the shipped file (the builder exposes them
    so a tuning job can change them); only values that differ from the shipped file are overrides.
    Without that rule, a config channel from an upstream step could never change a scalar.
    """
    channel_dir = paths.config_hyperparameters.parent
    if channel_dir.is_dir() and not paths.config_hyperparameters.is_file():
        found = sorted(p.name for p in channel_dir.iterdir())
        raise MTGBMInputError(
            f"the config channel {channel_dir} holds {found} but no {paths.config_hyperparameters.name}; "
            f"name the upstream hyperparameters file {paths.config_hyperparameters.name}."
        )
    if not paths.embedded_hyperparameters.is_file() and not paths.config_hyperparameters.is_file():
        raise MTGBMInputError(
            f"no hyperparameters file: neither {paths.embedded_hyperparameters} (shipped in the code) nor "
            f"{paths.config_hyperparameters} (config channel) exists; stage the code with its hyperparameters."
        )
    read = {}
    for name, path in (("shipped file", paths.embedded_hyperparameters), ("config channel", paths.config_hyperparameters),
                       ("SageMaker hyperparameters", paths.sagemaker_hyperparameters)):
        if path.is_file():
            read[name] = _read_json_object(path, name)
    shipped, channel = read.get("shipped file", {}), read.get("config channel", {})
    sagemaker = decode_sagemaker_hyperparameters(read.get("SageMaker hyperparameters", {}))
    tuned = {k: v for k, v in sagemaker.items() if shipped.get(k) != v}
    clashes = sorted(k for k in tuned if k in channel and channel[k] != tuned[k])
    if clashes:
        raise MTGBMInputError(
            "the config channel and SageMaker's hyperparameters set different values for "
            + ", ".join(f"{k} ({channel[k]!r} vs {tuned[k]!r})" for k in clashes)
            + "; set each in one place only (tune it, or put it in the upstream hyperparameters file)."
        )
    if tuned:
        log.info("hyperparameters overridden by SageMaker (e.g. a tuning job): %s", sorted(tuned))
    hp = LightGBMMtModelHyperparameters.parse(
        {**shipped, **channel, **tuned}, source="hyperparameters (" + " < ".join(read) + ")"
    )
    return hp  # type: ignore[return-value]


# ----- data -----
@dataclass
class Prepared:
    """Model-ready matrices of every split, the fitted preprocessor and the raw ids."""

    preprocessor: Preprocessor
    X: dict[str, np.ndarray]
    Y: dict[str, np.ndarray]
    ids: dict[str, pd.Series]


def prepare_data(hp: LightGBMMtModelHyperparameters, paths: JobPaths, switches: Switches) -> Prepared:
    """Read and check every split, fit preprocessing on train, transform all three."""
    artifacts_dir = paths.model_artifacts_input if paths.model_artifacts_input.is_dir() else None
    pre: Precomputed = load_precomputed(
        artifacts_dir, imputation=switches.imputation, risk_tables=switches.risk_tables, features=switches.features
    )
    numeric, categorical = select_features(hp.tab_field_list, hp.cat_field_list, pre.selected_features)
    tasks = hp.task_label_names
    frames = {c: read_channel(paths.channels[c], c) for c in DATA_CHANNELS}
    roles = {"id_name": [hp.id_name], "task_label_names": tasks, "tab_field_list": numeric, "cat_field_list": categorical}
    Y = {}
    for channel, df in frames.items():
        check_columns(df, roles, channel)
        Y[channel] = label_matrix(df, tasks, channel, hp.id_name)
    check_both_classes(Y["train"], tasks, "train")
    check_both_classes(Y["val"], tasks, "val")
    one_class = [t for k, t in enumerate(tasks) if Y["test"][:, k].min() == Y["test"][:, k].max()]
    if one_class:
        log.warning("test split: tasks %s have one class only; their test AUC is reported as null", one_class)
    check_precomputed_state(frames["train"], pre, numeric, categorical, hp.categorical_handling)
    preprocessor = Preprocessor.fit(
        frames["train"], Y["train"][:, hp.main_task_index], numeric_features=numeric, categorical_features=categorical,
        categorical_handling=hp.categorical_handling, smooth_factor=hp.smooth_factor, count_threshold=hp.count_threshold,
        impute_dict=pre.impute_dict, risk_tables=pre.risk_tables, categories_mapped=pre.risk_tables is not None,
    )
    X = {c: preprocessor.transform(df) for c, df in frames.items()}
    ids = {c: df[hp.id_name] for c, df in frames.items()}
    return Prepared(preprocessor, X, Y, ids)


# ----- outputs -----
def write_evaluation(hp: LightGBMMtModelHyperparameters, data: Prepared, booster: MultiTaskBooster, out: Path) -> dict[str, Any]:
    """metrics.json, ``<split>.tar.gz`` and the plots; returns the metrics."""
    tasks, main = hp.task_label_names, hp.label_name
    viz = out / "visualizations"
    viz.mkdir(parents=True, exist_ok=True)
    all_metrics: dict[str, Any] = {}
    for split in ("val", "test"):
        prob = booster.predict(data.X[split])
        metrics = evaluation.compute_metrics(data.Y[split], prob, tasks, threshold=hp.evaluation_threshold, main_task=main)
        preds = evaluation.predictions_frame(data.ids[split], data.Y[split], prob, tasks, hp.id_name)
        evaluation.write_split_archive(out, split, preds, metrics)
        plots.plot_roc_pr(data.Y[split], prob, tasks, split, viz)
        all_metrics[split] = metrics
    (out / "metrics.json").write_text(json.dumps(all_metrics, indent=2) + "\n")
    history = booster_history(booster)
    plots.plot_training_curves(history["iterations"], history["val_auc"], tasks, viz, booster.best_iteration)
    plots.plot_weight_evolution(history["iterations"], history["weights"], tasks, viz)
    plots.plot_feature_importance(booster.feature_importance("gain"), data.preprocessor.feature_names, viz)
    return all_metrics


def booster_history(booster: MultiTaskBooster) -> dict[str, Any]:
    """Rounds, validation AUC and weights (rounds x tasks arrays) from the booster's per-round history."""
    state = booster.state
    k = len(state.task_names)
    return {
        "iterations": list(state.iterations),
        "val_auc": np.array([a if a is not None else [np.nan] * k for a in state.val_auc], dtype=np.float64).reshape(-1, k),
        "weights": np.array(state.weights, dtype=np.float64).reshape(-1, k),
    }


def training_summary(hp: LightGBMMtModelHyperparameters, data: Prepared, booster: MultiTaskBooster,
                     progress: ProgressLog, metrics: dict[str, Any], switches: Switches) -> dict[str, Any]:
    """What happened, for a person and for the pipeline: sizes, rounds, timing, headline metrics."""
    history = booster_history(booster)
    tasks = hp.task_label_names
    return {
        "task_names": tasks,
        "main_task": hp.label_name,
        "loss_type": hp.loss_type,
        "rounds_requested": hp.num_iterations,
        "rounds_trained": len(history["iterations"]),
        "best_iteration": booster.best_iteration,
        "resumed_from_round": progress.resumed_from,
        "training_seconds": round(progress.elapsed, 3),
        "rows": {c: int(len(y)) for c, y in data.Y.items()},
        "positives": {c: dict(zip(tasks, y.sum(axis=0).astype(int).tolist())) for c, y in data.Y.items()},
        "features": {
            "numeric": len(data.preprocessor.numeric_features),
            "categorical": len(data.preprocessor.categorical_features),
            "categorical_handling": data.preprocessor.categorical_handling,
        },
        "precomputed": {"imputation": switches.imputation, "risk_tables": switches.risk_tables, "features": switches.features},
        "final_task_weights": dict(zip(tasks, history["weights"][-1].tolist())) if len(history["weights"]) else None,
        "val_auc": {t: metrics["val"]["tasks"][t]["auc_roc"] for t in tasks},
        "test_auc": {t: metrics["test"]["tasks"][t]["auc_roc"] for t in tasks},
        "lightgbm_version": lightgbm.__version__,
    }


def run(paths: JobPaths, switches: Switches) -> dict[str, Any]:
    """The whole job; raises MTGBMInputError / HyperparameterError for anything a person must fix."""
    started = time.monotonic()
    log.info("code: mtgbm from %s, cursus from %s; lightgbm %s, pandas %s, numpy %s", Path(__file__).parent,
             Path(cursus.__file__).parent, lightgbm.__version__, pd.__version__, np.__version__)
    hp = load_hyperparameters(paths)
    tasks = hp.task_label_names
    log.info("tasks: %s (main: %s); loss_type=%s; %d rounds", tasks, hp.label_name, hp.loss_type, hp.num_iterations)
    data = prepare_data(hp, paths, switches)
    log.info(
        "features: %d numeric + %d categorical (%s); data checks passed in %.1f s",
        len(data.preprocessor.numeric_features), len(data.preprocessor.categorical_features),
        data.preprocessor.categorical_handling, time.monotonic() - started,
    )
    staging = paths.failure_file.parent / STAGING_DIR_NAME
    if staging.exists():
        shutil.rmtree(staging)  # left by a killed attempt
    stage_model, stage_out = staging / "model", staging / "data"
    stage_model.mkdir(parents=True)
    stage_out.mkdir(parents=True)
    try:
        checkpoint_dir = paths.checkpoint_dir if paths.checkpoint_dir.is_dir() else None
        if checkpoint_dir is None:
            log.info("no checkpoint dir %s: progress is not saved (enable checkpoints for spot training)", paths.checkpoint_dir)
        progress = ProgressLog(tasks, hp.num_iterations)
        booster = train(
            hp, data.X["train"], data.Y["train"], data.X["val"], data.Y["val"],
            feature_names=data.preprocessor.feature_names, categorical_feature=data.preprocessor.categorical_indices,
            callbacks=(progress,), checkpoint_dir=checkpoint_dir,
        )
        progress.finish()
        booster.save(stage_model)
        data.preprocessor.save(stage_model)
        (stage_model / "hyperparameters.json").write_text(json.dumps(hp.to_json_dict(), indent=2, sort_keys=True) + "\n")
        metrics = write_evaluation(hp, data, booster, stage_out)
        summary = training_summary(hp, data, booster, progress, metrics, switches)
        summary["total_seconds"] = round(time.monotonic() - started, 3)
        (stage_out / "training_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        commit_outputs(stage_out, paths.output_data_dir)
        commit_outputs(stage_model, paths.model_dir)  # the model last: if it is there, so is its evaluation
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for t in tasks:
        m = metrics["test"]["tasks"][t]
        log.info("test %-24s AUC %s  AP %s  F1 %.4f  (%d positives / %d rows)", t, _fmt(m["auc_roc"]),
                 _fmt(m["average_precision"]), m["f1"], m["positives"], m["rows"])
    log.info("job done in %.1f s: model in %s, evaluation in %s", time.monotonic() - started, paths.model_dir, paths.output_data_dir)
    return summary


def _fmt(value: float | None) -> str:
    return "n/a   " if value is None else f"{value:.4f}"
