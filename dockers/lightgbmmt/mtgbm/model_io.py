"""The model directory: readable with LightGBM and JSON alone, no pickle.

Layout (all paths relative to the directory, listed in the manifest):

- ``mtgbm_model.json``: format version, tasks, main task index, best iteration, feature names,
  per-task initial scores, lambda_l2 (for per-task gain), file names.
- ``structure_model.txt``: every tree, in LightGBM's text format. Its leaf values are the main task's
  (initial score folded into tree 0), so it is also a plain model of the main task over all rounds.
- ``leaf_values.json``: per tree, per leaf, per task: leaf value, Σg and Σh (the sums feed per-task gain).
- ``task_models/<task>.txt``: one plain binary LightGBM model per task, truncated at the best iteration:
  ``lightgbm.Booster(model_file=...).predict(X, raw_score=True)`` is that task's raw score and
  ``predict(X)`` its probability.
- ``training_state.json`` and ``weight_evolution.json``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from .errors import MTGBMInputError

MANIFEST = "mtgbm_model.json"
FORMAT_VERSION = 1
STRUCTURE_FILE = "structure_model.txt"
LEAF_VALUES_FILE = "leaf_values.json"
STATE_FILE = "training_state.json"
WEIGHTS_FILE = "weight_evolution.json"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
# Custom-objective models save no objective line and reload as raw-score models; a binary objective
# line makes predict() return probabilities. Header lines are outside the trees, so tree_sizes stays valid.
_OBJECTIVE_LINE = "objective=binary sigmoid:1\n"


def task_file_name(task: str, index: int) -> str:
    """``task_models/<task>.txt``, or ``task_models/task_<k>.txt`` when the name is not filename-safe."""
    stem = task if _SAFE_NAME.match(task) and task not in {".", ".."} else f"task_{index}"
    return f"task_models/{stem}.txt"


def model_with_leaf_values(structure: lgb.Booster, values: list[np.ndarray], init_score: float, num_iteration: int) -> str:
    """Model text of the shared trees carrying one task's leaf values (init score folded into tree 0).

    Uses ``set_leaf_output`` + ``model_to_string`` rather than editing text, which would invalidate
    the ``tree_sizes`` header (LightGBM aborts the process on such a file).
    """
    booster = lgb.Booster(model_str=structure.model_to_string(num_iteration=-1))
    set_leaf_values(booster, values, init_score)
    return with_binary_objective(booster.model_to_string(num_iteration=num_iteration))


def set_leaf_values(booster: lgb.Booster, values: list[np.ndarray], init_score: float) -> None:
    """Write one task's leaf values into ``booster`` in place (init score added to tree 0's leaves)."""
    for t, tree_values in enumerate(values):
        shift = init_score if t == 0 else 0.0
        for leaf, value in enumerate(tree_values):
            booster.set_leaf_output(t, leaf, float(value) + shift)


def with_binary_objective(text: str) -> str:
    """Model text whose header declares the binary objective (predict() then returns probabilities)."""
    if re.search(r"^objective=", text, flags=re.MULTILINE):
        return re.sub(r"^objective=.*\n", _OBJECTIVE_LINE, text, count=1, flags=re.MULTILINE)
    marker = "feature_names="
    at = text.index(marker)
    return text[:at] + _OBJECTIVE_LINE + text[at:]


def write_model_dir(
    directory: Path,
    *,
    manifest: dict[str, Any],
    structure_text: str,
    leaf_values: list[np.ndarray],
    leaf_sums: list[np.ndarray],
    task_texts: dict[str, str],
    state: dict[str, Any],
    weight_evolution: dict[str, Any],
) -> None:
    """Write every file of the model directory (created if missing)."""
    directory = Path(directory)
    (directory / "task_models").mkdir(parents=True, exist_ok=True)
    (directory / STRUCTURE_FILE).write_text(structure_text)
    num_tasks = len(manifest["tasks"])
    leaves = {
        "format_version": FORMAT_VERSION,
        "tasks": manifest["tasks"],
        "init_scores": manifest["init_scores"],
        "leaf_values": [v.tolist() for v in leaf_values],
        "grad_sums": [s[:, :num_tasks].tolist() for s in leaf_sums],
        "hess_sums": [s[:, num_tasks:].tolist() for s in leaf_sums],
    }
    (directory / LEAF_VALUES_FILE).write_text(json.dumps(leaves, allow_nan=False))
    for rel, text in task_texts.items():
        (directory / rel).write_text(text)
    (directory / STATE_FILE).write_text(json.dumps(state, allow_nan=False, indent=1) + "\n")
    (directory / WEIGHTS_FILE).write_text(json.dumps(weight_evolution, allow_nan=False, indent=1) + "\n")
    (directory / MANIFEST).write_text(json.dumps(manifest, allow_nan=False, indent=2) + "\n")


class ModelFileMissingError(MTGBMInputError, FileNotFoundError):
    """A file of the model directory is missing (still a FileNotFoundError for callers that catch that)."""


_REQUIRED_MANIFEST_KEYS = ("tasks", "main_task_index", "feature_names", "best_iteration", "init_scores", "lambda_l2", "files")
_REQUIRED_FILES = ("structure", "leaf_values", "training_state")
_ONE_JOB_FIX = "use the unpacked model.tar.gz of one LightGBMMTTraining job, unmodified"


def read_model_dir(directory: Path) -> dict[str, Any]:
    """Manifest, structure booster, leaf values/sums and state dict of a saved model directory.

    Every problem with the files is an :class:`MTGBMInputError` naming the file, what is wrong and the fix.
    """
    directory = Path(directory)
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise ModelFileMissingError(
            f"{manifest_path} not found: {directory} is not an MT-GBM model directory; {_ONE_JOB_FIX} (save() writes it)"
        )
    manifest = _read_json(manifest_path)
    if not isinstance(manifest, dict):
        raise MTGBMInputError(f"{manifest_path} holds a JSON {type(manifest).__name__}, not an object; {_ONE_JOB_FIX}")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise MTGBMInputError(
            f"{manifest_path} has format_version={json.dumps(version)}; this code reads format_version={FORMAT_VERSION}: "
            "retrain with this version of the container (or load it with the version that wrote it)"
        )
    missing = [k for k in _REQUIRED_MANIFEST_KEYS if k not in manifest]
    files = manifest.get("files")
    if isinstance(files, dict):
        missing += [f"files.{k}" for k in _REQUIRED_FILES if k not in files]
    elif "files" not in missing:
        missing.append("files (not an object)")
    if missing:
        raise MTGBMInputError(f"{manifest_path} lacks key(s) {missing}; {_ONE_JOB_FIX}")
    for key in _REQUIRED_FILES:
        if not (directory / files[key]).is_file():
            raise ModelFileMissingError(
                f"{directory / files[key]} not found (files.{key} of {manifest_path}); {_ONE_JOB_FIX}"
            )
    leaves_path = directory / files["leaf_values"]
    leaves = _read_json(leaves_path)
    num_tasks = len(manifest["tasks"])
    try:
        values = [np.asarray(v, dtype=np.float64).reshape(-1, num_tasks) for v in leaves["leaf_values"]]
        sums = [
            np.hstack([np.asarray(g, dtype=np.float64), np.asarray(h, dtype=np.float64)]).reshape(len(v), -1)
            for g, h, v in zip(leaves["grad_sums"], leaves["hess_sums"], values)
        ]
    except (KeyError, TypeError, ValueError) as err:
        detail = f"lacks key {err}" if isinstance(err, KeyError) else f"does not match {num_tasks} tasks ({err})"
        raise MTGBMInputError(f"{leaves_path} {detail}; {_ONE_JOB_FIX}") from None
    structure_path = directory / files["structure"]
    try:
        structure = lgb.Booster(model_file=str(structure_path))
    except lgb.basic.LightGBMError as err:
        raise MTGBMInputError(f"{structure_path} is not a readable LightGBM model ({err}); {_ONE_JOB_FIX}") from None
    return {
        "manifest": manifest,
        "structure": structure,
        "leaf_values": values,
        "leaf_sums": sums,
        "state": _read_json(directory / files["training_state"]),
    }


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ModelFileMissingError(f"{path} not found; {_ONE_JOB_FIX}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise MTGBMInputError(f"cannot read {path} ({err}); {_ONE_JOB_FIX}") from None
    except json.JSONDecodeError as err:
        raise MTGBMInputError(
            f"{path} is not valid JSON ({err.msg} at line {err.lineno} column {err.colno}); {_ONE_JOB_FIX}"
        ) from None


def per_task_gain(structure: lgb.Booster, leaf_sums: list[np.ndarray], num_tasks: int, lambda_l2: float, num_iteration: int) -> np.ndarray:
    """Gain of every split for every task from that task's own leaf sums: (num_features, K).

    For a node with children L, R: score(G_L, H_L) + score(G_R, H_R) − score(G_L+G_R, H_L+H_R), with
    score(G, H) = G²/(H + λ2) (0 when H + λ2 is 0) — LightGBM's split gain evaluated on task k's raw
    gradients instead of the aggregated ones. A split can hurt a task, so a task's gain may be negative.
    """
    dump = structure.dump_model(num_iteration=num_iteration)
    gain = np.zeros((len(dump["feature_names"]), num_tasks), dtype=np.float64)

    def score(g: np.ndarray, h: np.ndarray) -> np.ndarray:
        denom = h + lambda_l2
        out = np.zeros_like(g)
        np.divide(g * g, denom, out=out, where=denom > 0)
        return out

    def walk(node: dict[str, Any], sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if "leaf_index" in node:
            row = sums[node["leaf_index"]]
            return row[:num_tasks], row[num_tasks:]
        gl, hl = walk(node["left_child"], sums)
        gr, hr = walk(node["right_child"], sums)
        g, h = gl + gr, hl + hr
        gain[node["split_feature"]] += score(gl, hl) + score(gr, hr) - score(g, h)
        return g, h

    for info in dump["tree_info"]:
        tree = info["tree_structure"]
        if "split_feature" in tree:
            walk(tree, leaf_sums[info["tree_index"]])
    return gain
