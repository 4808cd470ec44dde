"""The MT-GBM booster on stock LightGBM: one shared tree per round, per-task leaf values.

:func:`train` is one loop, in the order of MTGBM.md "One boosting round":

1. probabilities, gradients and hessians of every task from OUR raw scores F (N×K float64);
2. task weights (``weighting``), aggregated (G, H) — z-scored for the adaptive losses;
3. LightGBM grows one tree on (G, H) (``objective="none"``); rows outside our own bag get G = H = 0;
4. each training row's leaf from the change of LightGBM's kept training score (``leaves``), each
   task's leaf values −lr·Σg/(Σh+λ2) from its own raw g, h over in-bag rows;
5. F += v[leaf] for training rows, and for validation rows (their leaves read the same way);
6. validation AUC, knowledge distillation, best round / early stopping (counted in ROUNDS),
   history, callbacks, checkpoint.

Arrays are row-major N×K with columns in ``hp.task_label_names`` order everywhere.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import lightgbm as lgb
import numpy as np
from threadpoolctl import threadpool_limits

from . import checkpoint as ckpt
from . import model_io
from .errors import MTGBMInputError
from .leaves import (
    LeafSums,
    boost_one_round,
    leaf_assignment,
    leaf_values_from_sums,
    merge_trees_in_front,
    predict_leaf,
    read_inner_score,
    tree_leaf_values,
)
from .state import TRAIN_AUC_MAX_ROWS, TrainingState
from .task_auc import TaskAuc
from .weighting import GradientAggregator, KnowledgeDistillation, make_weighting

log = logging.getLogger(__name__)

# predict: one worker's pred_leaf chunk holds about this many leaf indexes (int32: 8 MiB) ...
_PREDICT_CHUNK_CELLS = 1 << 21
# ... and is summed in row blocks whose gathered (trees × rows × tasks) float64 values fill about
# this many cells (2 MiB, about one core's L2): measured fastest at 100 trees × 6 tasks.
_SUM_BLOCK_CELLS = 1 << 18


@dataclass
class RoundInfo:
    """What a callback sees after each round (``iteration`` is 1-based rounds done)."""

    iteration: int
    total: int
    elapsed_seconds: float
    val_auc: list[float] | None
    mean_val_auc: float | None
    weights: list[float]
    best_iteration: int
    best_score: float | None
    train_auc: list[float] | None = None
    kd_events: list[dict[str, Any]] = field(default_factory=list)


def lightgbm_params(hp: Any) -> dict[str, Any]:
    """LightGBM parameters of the shared tree (``objective="none"``: we supply the gradients).

    Bagging is NOT passed: LightGBM would not tell which rows were in the bag, and per-task leaf sums
    must exclude out-of-bag rows, so :class:`RowBagger` does it. ``deterministic`` + ``force_col_wise``
    stop LightGBM from picking its histogram layout by a timing test, which could change results
    between runs. A plain single-task LightGBM with these parameters and ``objective="binary"`` is
    the exact comparison model for ``loss_type="fixed", loss_beta=0``.
    """
    return {
        "objective": "none",
        "learning_rate": hp.learning_rate,
        "num_leaves": hp.num_leaves,
        "max_depth": hp.max_depth,
        "min_data_in_leaf": hp.min_data_in_leaf,
        "min_sum_hessian_in_leaf": hp.min_sum_hessian_in_leaf,
        "feature_fraction": hp.feature_fraction,
        "feature_fraction_seed": feature_fraction_seed(hp.seed, 0),
        "lambda_l1": hp.lambda_l1,
        "lambda_l2": hp.lambda_l2,
        "min_gain_to_split": hp.min_gain_to_split,
        "max_delta_step": hp.max_delta_step,
        "max_bin": hp.max_bin,
        "seed": hp.seed,
        "num_threads": hp.num_threads,
        "boost_from_average": False,
        "deterministic": True,
        "force_col_wise": True,
        "metric": "None",
        "verbosity": -1,
    }


def feature_fraction_seed(seed: int, iteration: int) -> int:
    """Seed of LightGBM's column sampler for ``iteration`` (0 = the booster's construction).

    LightGBM's sampler RNG restarts with every new Booster, so a resumed run would draw different
    columns. Re-seeding it every round from (seed, iteration) makes round t's columns independent
    of where training started. Consecutive iterations always get different seeds (LightGBM only
    re-seeds when the value changes).
    """
    return int(((seed & 0x7FFFFFFF) + 104_729 * iteration) % 2_147_483_647)


class RowBagger:
    """Our bagging: every ``freq`` rounds a new Bernoulli(``fraction``) row mask from (seed, bag number).

    Out-of-bag rows get G = H = 0 for the tree and are left out of the per-task leaf sums. Derived
    from the round number only, so resumed training draws the same bags.
    """

    def __init__(self, num_rows: int, fraction: float, freq: int, seed: int) -> None:
        self.num_rows, self.fraction, self.freq, self.seed = num_rows, fraction, freq, seed
        self._bag_no = -1
        self.mask32 = np.empty(num_rows, dtype=np.float32)
        self.mask64 = np.empty(num_rows, dtype=np.float64)

    @property
    def active(self) -> bool:
        return self.freq > 0 and self.fraction < 1.0

    def masks(self, iteration: int) -> tuple[np.ndarray, np.ndarray]:
        """(float32, float64) 0/1 in-bag masks for ``iteration`` (1-based)."""
        bag_no = (iteration - 1) // self.freq
        if bag_no != self._bag_no:
            rng = np.random.default_rng([self.seed & 0x7FFFFFFF, bag_no])
            inbag = rng.random(self.num_rows) < self.fraction
            self.mask32[:] = inbag
            self.mask64[:] = inbag
            self._bag_no = bag_no
        return self.mask32, self.mask64


# ============================================================================ model


class MultiTaskBooster:
    """A trained MT-GBM model: shared LightGBM trees plus per-task leaf values.

    ``predict`` reads each row's leaf in every tree with ``pred_leaf`` once, then sums each task's
    values tree by tree (the order training accumulated them in, so train-row predictions equal the
    training scores bit for bit); see :meth:`predict` for how that is spread over threads.
    """

    def __init__(
        self,
        *,
        structure: lgb.Booster,
        leaf_values: list[np.ndarray],
        leaf_sums: list[np.ndarray],
        task_names: list[str],
        main_task_index: int,
        feature_names: list[str],
        best_iteration: int,
        init_scores: list[float],
        lambda_l2: float,
        state: TrainingState,
        params: dict[str, Any],
    ) -> None:
        self.structure = structure
        self.leaf_values = leaf_values
        self.leaf_sums = leaf_sums
        self.task_names = list(task_names)
        self.main_task_index = main_task_index
        self.feature_names = list(feature_names)
        self.best_iteration = best_iteration
        self.init_scores = [float(s) for s in init_scores]
        self.lambda_l2 = lambda_l2
        self.state = state
        self.params = dict(params)
        self._offsets = np.concatenate([[0], np.cumsum([v.shape[0] for v in leaf_values])]).astype(np.int64)
        if self._offsets[-1] > np.iinfo(np.int32).max:
            raise ValueError(f"{self._offsets[-1]} leaves in all trees: predict indexes them with int32")
        self._flat_values = (
            np.vstack(leaf_values) if leaf_values else np.zeros((0, len(task_names)), dtype=np.float64)
        )

    @property
    def num_trees(self) -> int:
        """Trees (= rounds) in the model, including those after the best iteration."""
        return len(self.leaf_values)

    @property
    def num_tasks(self) -> int:
        return len(self.task_names)

    def _resolve_iterations(self, num_iteration: int | None) -> int:
        if num_iteration is None:
            num_iteration = self.best_iteration
        if num_iteration <= 0 or num_iteration > self.num_trees:
            return self.num_trees
        return num_iteration

    def predict(
        self, X: np.ndarray, raw_score: bool = False, num_iteration: int | None = None, num_threads: int | None = None
    ) -> np.ndarray:
        """(N, K) probabilities (or raw log-odds) of every task.

        ``num_iteration``: None = best iteration (as LightGBM), <= 0 = all trees, else the first n.
        ``num_threads``: None or <= 0 = as many as LightGBM's own predict would use (``OMP_NUM_THREADS``,
        else the CPUs this process may run on).

        The rows are cut into chunks of about ``_PREDICT_CHUNK_CELLS`` leaf indexes; each worker thread
        takes a chunk, reads its leaves with a single-threaded ``pred_leaf`` (LightGBM releases the GIL)
        and sums its per-task values (:func:`_sum_leaf_values`, numpy releases the GIL too). Workers
        never wait for one another, unlike an OpenMP leaf pass followed by a numpy pass. Each row's sum
        runs init, tree 0, tree 1, ... in that order, as training accumulated it, so train-row
        predictions equal the training scores bit for bit and the result does not depend on threads.
        """
        X = _as_feature_matrix(X, "X", len(self.feature_names))
        n_iter = self._resolve_iterations(num_iteration)
        out = np.empty((X.shape[0], self.num_tasks), dtype=np.float64)
        if n_iter == 0 or X.shape[0] == 0:
            out[:] = np.asarray(self.init_scores)
            return out if raw_score else _sigmoid_inplace(out)
        n_leaves = int(self._offsets[n_iter])
        table = self._flat_values[:n_leaves]
        tree_offsets = self._offsets[:n_iter].astype(np.int32)
        init = np.asarray(self.init_scores, dtype=np.float64)
        chunk = max(1, _PREDICT_CHUNK_CELLS // n_iter)
        block = max(1, _SUM_BLOCK_CELLS // (n_iter * self.num_tasks))

        def score_chunk(lo: int) -> None:
            hi = min(lo + chunk, X.shape[0])
            leaves = self.structure.predict(
                X[lo:hi], num_iteration=n_iter, pred_leaf=True, validate_features=False, num_threads=1
            )
            leaves = np.asarray(leaves, dtype=np.int32).reshape(hi - lo, n_iter)
            leaves += tree_offsets  # leaf index in its tree -> row of ``table``
            _sum_leaf_values(leaves, table, init, out[lo:hi], block)
            if not raw_score:
                _sigmoid_inplace(out[lo:hi])

        starts = range(0, X.shape[0], chunk)
        threads = min(_resolve_threads(num_threads), len(starts))
        if threads == 1:
            for lo in starts:
                score_chunk(lo)
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                list(pool.map(score_chunk, starts))  # list(): re-raise a worker's exception here
        return out

    def feature_importance(self, importance_type: str = "split") -> dict[str, np.ndarray]:
        """Per-task importance over the trees up to the best iteration, one array per task (feature order).

        ``split``: how often a feature splits. The trees are shared, so every task gets the same counts.
        ``gain``: per task, the split gain recomputed from that task's own per-leaf Σg, Σh (raw, in-bag)
        — see :func:`model_io.per_task_gain`; negative when a split hurts that task.
        """
        n_iter = self._resolve_iterations(None)
        if importance_type == "split":
            counts = self.structure.feature_importance("split", iteration=n_iter).astype(np.float64)
            return {t: counts.copy() for t in self.task_names}
        if importance_type == "gain":
            gain = model_io.per_task_gain(self.structure, self.leaf_sums, self.num_tasks, self.lambda_l2, n_iter)
            return {t: gain[:, k].copy() for k, t in enumerate(self.task_names)}
        raise ValueError(f"importance_type={importance_type!r}; use 'split' or 'gain'")

    def save(self, directory: Path) -> None:
        """Write the model directory (layout in :mod:`mtgbm.model_io`)."""
        directory = Path(directory)
        n_best = self._resolve_iterations(None)
        main = self.main_task_index
        task_files = {t: model_io.task_file_name(t, k) for k, t in enumerate(self.task_names)}
        task_texts = {
            task_files[t]: model_io.model_with_leaf_values(
                self.structure, [v[:, k] for v in self.leaf_values], self.init_scores[k], n_best
            )
            for k, t in enumerate(self.task_names)
        }
        structure_text = model_io.model_with_leaf_values(
            self.structure, [v[:, main] for v in self.leaf_values], self.init_scores[main], -1
        )
        manifest = {
            "format_version": model_io.FORMAT_VERSION,
            "model_type": "mtgbm",
            "tasks": self.task_names,
            "main_task_index": main,
            "best_iteration": self.best_iteration,
            "num_trees": self.num_trees,
            "feature_names": self.feature_names,
            "init_scores": self.init_scores,
            "lambda_l2": self.lambda_l2,
            "lightgbm_version": lgb.__version__,
            "params": self.params,
            "files": {
                "structure": model_io.STRUCTURE_FILE,
                "leaf_values": model_io.LEAF_VALUES_FILE,
                "task_models": task_files,
                "training_state": model_io.STATE_FILE,
                "weight_evolution": model_io.WEIGHTS_FILE,
            },
        }
        model_io.write_model_dir(
            directory,
            manifest=manifest,
            structure_text=structure_text,
            leaf_values=self.leaf_values,
            leaf_sums=self.leaf_sums,
            task_texts=task_texts,
            state=self.state.to_dict(),
            weight_evolution=self.state.weight_evolution(),
        )

    @classmethod
    def load(cls, directory: Path) -> "MultiTaskBooster":
        """Read a directory written by :meth:`save`; predicts identically to the saved model."""
        parts = model_io.read_model_dir(Path(directory))
        manifest = parts["manifest"]
        return cls(
            structure=parts["structure"],
            leaf_values=parts["leaf_values"],
            leaf_sums=parts["leaf_sums"],
            task_names=manifest["tasks"],
            main_task_index=manifest["main_task_index"],
            feature_names=manifest["feature_names"],
            best_iteration=manifest["best_iteration"],
            init_scores=manifest["init_scores"],
            lambda_l2=manifest["lambda_l2"],
            state=TrainingState.from_dict(parts["state"]),
            params=manifest.get("params", {}),
        )


def _sum_leaf_values(leaves: np.ndarray, table: np.ndarray, init: np.ndarray, out: np.ndarray, block_rows: int) -> None:
    """out[i] = init + table[leaves[i, 0]] + table[leaves[i, 1]] + ..., added left to right.

    ``leaves`` (rows × trees, int32) index rows of ``table`` (all trees' leaves × K). Per block of
    rows: ONE gather of every tree's values, laid out trees × rows × K, then ``np.add.reduce`` over
    the tree axis. Reducing over the outer axis adds whole rows × K slices one tree after the
    other (no pairwise summation, which numpy only uses along the contiguous axis), so the order of
    additions is exactly training's; adding ``init`` to the first tree's slice first keeps it first.
    One gather per block instead of one per tree and block: 0.7 vs 1.2–1.9 ns per value measured.
    """
    for b0 in range(0, leaves.shape[0], block_rows):
        ids = leaves[b0:b0 + block_rows]
        # A fresh array: ``take(out=...)`` buffers the whole result again unless bounds go unchecked.
        gathered = np.take(table, ids.T, axis=0)
        gathered[0] += init
        np.add.reduce(gathered, axis=0, out=out[b0:b0 + ids.shape[0]])


def _sigmoid_inplace(raw: np.ndarray) -> np.ndarray:
    """raw <- 1 / (1 + exp(-raw)), the same operations as the out-of-place expression; exp overflow gives 0."""
    with np.errstate(over="ignore"):
        np.negative(raw, out=raw)
        np.exp(raw, out=raw)
    raw += 1.0
    np.reciprocal(raw, out=raw)
    return raw


def _resolve_threads(num_threads: int | None) -> int:
    """Python worker threads (predict, per-task AUC): ``num_threads`` if > 0, else LightGBM's OpenMP default."""
    if num_threads is not None and num_threads > 0:
        return num_threads
    env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


# ============================================================================ input checks


def _as_feature_matrix(X: Any, name: str, num_features: int | None = None) -> np.ndarray:
    if not isinstance(X, np.ndarray):
        raise MTGBMInputError(f"{name} is a {type(X).__name__}; pass a 2-D numpy float array (e.g. df.to_numpy(np.float32)).")
    if X.ndim != 2:
        raise MTGBMInputError(f"{name} has shape {X.shape}; pass a 2-D array (rows × features).")
    if X.dtype not in (np.float32, np.float64):
        if not (np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_):
            raise MTGBMInputError(
                f"{name} has dtype {X.dtype}; features must be numeric (encode categoricals as integer codes first)."
            )
        X = X.astype(np.float64)
    if num_features is not None and X.shape[1] != num_features:
        raise MTGBMInputError(f"{name} has {X.shape[1]} columns but the model has {num_features} features; pass the same columns in the same order.")
    return np.ascontiguousarray(X)


def _check_labels(Y: Any, name: str, tasks: list[str], num_rows: int, x_name: str) -> np.ndarray:
    if not isinstance(Y, np.ndarray):
        raise MTGBMInputError(f"{name} is a {type(Y).__name__}; pass an N×K numpy array of 0/1 labels.")
    if Y.ndim != 2:
        raise MTGBMInputError(f"{name} has shape {Y.shape}; pass an N×K array, one 0/1 column per task {tasks}.")
    if Y.shape[1] < 2:
        raise MTGBMInputError(
            f"{name} has {Y.shape[1]} task column(s); multi-task training needs K >= 2 tasks "
            "(a main task and at least one subtask). For one task use plain LightGBM."
        )
    if Y.shape[1] != len(tasks):
        raise MTGBMInputError(
            f"{name} has {Y.shape[1]} columns but task_label_names lists {len(tasks)} tasks {tasks}; "
            "pass one label column per task, in task_label_names order."
        )
    if Y.shape[0] != num_rows:
        raise MTGBMInputError(f"{name} has {Y.shape[0]} rows but {x_name} has {num_rows}; they must describe the same rows.")
    if not (np.issubdtype(Y.dtype, np.number) or Y.dtype == np.bool_):
        raise MTGBMInputError(f"{name} has dtype {Y.dtype}; labels must be numeric 0/1.")
    Yf = Y.astype(np.float64)
    for k, task in enumerate(tasks):
        col = Yf[:, k]
        n_nan = int(np.isnan(col).sum())
        if n_nan:
            raise MTGBMInputError(f"{name}: task '{task}' has {n_nan} NaN label(s); fill or drop those rows (labels must be 0/1).")
        bad = col[(col != 0) & (col != 1)]
        if bad.size:
            raise MTGBMInputError(
                f"{name}: task '{task}' has label value(s) {sorted(set(bad.tolist()))[:5]}; labels must be 0 or 1."
            )
        n_pos = int(col.sum())
        if n_pos == 0 or n_pos == col.shape[0]:
            which = "positive" if n_pos == 0 else "negative"
            raise MTGBMInputError(
                f"{name}: task '{task}' has no {which} labels ({n_pos} positives of {col.shape[0]} rows); its gradients "
                "and AUC are undefined. Use a split containing both classes for every task, or drop the task."
            )
    return Yf


def _validate(
    hp: Any,
    X_train: Any,
    Y_train: Any,
    X_val: Any,
    Y_val: Any,
    feature_names: Sequence[str],
    categorical_feature: Sequence[int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    tasks = list(hp.task_label_names)
    X = _as_feature_matrix(X_train, "X_train")
    if X.shape[0] == 0:
        raise MTGBMInputError("X_train has 0 rows; training needs data.")
    Y = _check_labels(Y_train, "Y_train", tasks, X.shape[0], "X_train")
    if len(feature_names) != X.shape[1]:
        raise MTGBMInputError(
            f"feature_names has {len(feature_names)} names but X_train has {X.shape[1]} columns; pass one name per column."
        )
    for idx in categorical_feature:
        if not (isinstance(idx, (int, np.integer)) and 0 <= int(idx) < X.shape[1]):
            raise MTGBMInputError(f"categorical_feature contains {idx!r}; use column indices 0..{X.shape[1] - 1}.")
    if (X_val is None) != (Y_val is None):
        raise MTGBMInputError("pass both X_val and Y_val, or neither.")
    Xv = Yv = None
    if X_val is not None:
        Xv = _as_feature_matrix(X_val, "X_val", X.shape[1])
        Yv = _check_labels(Y_val, "Y_val", tasks, Xv.shape[0], "X_val")
    else:
        if hp.early_stopping_rounds is not None:
            raise MTGBMInputError(
                f"early_stopping_rounds={hp.early_stopping_rounds} needs validation data; pass X_val/Y_val or unset it."
            )
        if hp.loss_type == "adaptive_kd":
            raise MTGBMInputError("loss_type='adaptive_kd' watches validation AUC per task; pass X_val/Y_val or use 'adaptive'.")
    return X, Y, Xv, Yv


# ============================================================================ training


def _prior_log_odds(Y: np.ndarray) -> np.ndarray:
    rate = Y.mean(axis=0)
    return np.log(rate / (1.0 - rate))


_MIN_BLOCK_ROWS = 16384


def _sigmoid_into(F: np.ndarray, out: np.ndarray, eps: float) -> np.ndarray:
    """out = clip(sigmoid(F), eps, 1 - eps) in float32 (1 - eps rounds to 1 in float32 for eps < 6e-8)."""
    with np.errstate(over="ignore"):
        np.negative(F, out=out, casting="same_kind")
        np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)
    np.clip(out, eps, 1.0 - eps, out=out)
    return out


class _RowBlocks:
    """Runs an elementwise step on contiguous row blocks, one per thread (the caller's thread takes the first).

    numpy releases the GIL in ufuncs with ``out=``, so the blocks run concurrently. Every row goes
    through the same operations in the same order whatever the split, so results are bit-identical
    to one whole-array pass. Block starts are multiples of 1024 rows (same SIMD alignment as the whole
    array); below ``_MIN_BLOCK_ROWS`` rows per block the hand-off costs more than it saves.
    """

    def __init__(self, num_rows: int, executor: ThreadPoolExecutor | None, threads: int) -> None:
        self._executor = executor
        parts = min(threads, num_rows // _MIN_BLOCK_ROWS) if executor is not None else 1
        bounds = [0, *(((num_rows * i // parts) // 1024) * 1024 for i in range(1, max(parts, 1))), num_rows]
        self.blocks = [slice(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]

    def __call__(self, step: Callable[[slice], None]) -> None:
        if len(self.blocks) == 1:
            step(self.blocks[0])
            return
        futures = [self._executor.submit(step, rows) for rows in self.blocks[1:]]
        step(self.blocks[0])
        for future in futures:
            future.result()  # re-raise a worker's exception here


class _LeafFinder:
    """Leaf of every row of one dataset in the newest tree: score-change match, ``pred_leaf`` fallback."""

    def __init__(self, booster: lgb.Booster, data_idx: int, X: np.ndarray, rows: _RowBlocks | None = None) -> None:
        self.booster, self.data_idx, self.X, self.rows = booster, data_idx, X, rows
        self._prev = read_inner_score(booster, data_idx, np.empty(X.shape[0], dtype=np.float64))
        self._cur = np.empty_like(self._prev)
        self._delta = np.empty_like(self._prev)
        # |kept score| <= |score at start| + Σ max|leaf value|: bounds the rounding of score differences.
        self._scale = float(np.abs(self._prev).max()) if X.shape[0] else 0.0

    def __call__(self, tree_index: int, tree_values: np.ndarray) -> tuple[np.ndarray, str]:
        read_inner_score(self.booster, self.data_idx, self._cur)
        np.subtract(self._cur, self._prev, out=self._delta)
        self._prev, self._cur = self._cur, self._prev
        self._scale += float(np.abs(tree_values).max())
        leaf = leaf_assignment(self._delta, tree_values, self._scale, self.rows)
        if leaf is not None:
            return leaf, "score"
        return predict_leaf(self.booster, self.X, tree_index), "pred_leaf"


def _early_stopping_metric(hp: Any, val_auc: list[float]) -> float:
    if hp.early_stopping_metric == "mean_auc":
        return float(np.mean(val_auc))
    return float(val_auc[hp.main_task_index])


def train(
    hp: Any,
    X_train: np.ndarray,
    Y_train: np.ndarray,
    X_val: np.ndarray | None = None,
    Y_val: np.ndarray | None = None,
    *,
    feature_names: Sequence[str],
    categorical_feature: Sequence[int] = (),
    callbacks: Sequence[Callable[[RoundInfo], None]] = (),
    checkpoint_dir: Path | None = None,
) -> MultiTaskBooster:
    """Train MT-GBM (MTGBM.md) with ``hp`` (LightGBMMtModelHyperparameters); see the module docstring.

    X: N×F float array (NaN = missing). Y: N×K 0/1, columns in ``hp.task_label_names`` order.
    ``categorical_feature``: column indices for LightGBM native categoricals. Validation data is
    required for early stopping and ``adaptive_kd``. ``callbacks`` get a :class:`RoundInfo` after
    every round. With ``checkpoint_dir``, a checkpoint is written every ``hp.checkpoint_frequency``
    rounds and a matching one found at start is resumed; the result equals an uninterrupted run.
    """
    X, Y, Xv, Yv = _validate(hp, X_train, Y_train, X_val, Y_val, feature_names, categorical_feature)
    tasks = list(hp.task_label_names)
    K, main, N = len(tasks), hp.main_task_index, X.shape[0]
    total = hp.num_iterations
    eps = hp.loss_epsilon
    has_val = Xv is not None
    params = lightgbm_params(hp)

    train_set = lgb.Dataset(
        X,
        label=np.ascontiguousarray(Y[:, main]),  # a strided column: LightGBM would warn and copy it
        feature_name=list(feature_names),
        categorical_feature=[int(i) for i in categorical_feature] if len(categorical_feature) else "auto",
        params=params,
        free_raw_data=True,
    )
    booster = lgb.Booster(params=params, train_set=train_set)
    if has_val:
        booster.add_valid(lgb.Dataset(Xv, label=np.ascontiguousarray(Yv[:, main]), reference=train_set, params=params), "val")

    # ---- state: fresh, or restored from a checkpoint ----
    init = _prior_log_odds(Y) if hp.boost_from_average else np.zeros(K)
    F = np.empty((N, K), dtype=np.float64)
    F[:] = init
    Fv = None
    if has_val:
        Fv = np.empty((Xv.shape[0], K), dtype=np.float64)
        Fv[:] = init
    labels = Y.astype(np.float32)  # our own copy: knowledge distillation rewrites columns
    weighting = make_weighting(hp, labels[:, main])
    kd = KnowledgeDistillation(tasks, hp.loss_patience, N) if hp.loss_type == "adaptive_kd" else None
    state = TrainingState(
        task_names=tasks,
        main_task_index=main,
        early_stopping_metric=hp.early_stopping_metric,
        total_rounds=total,
    )
    tree_values: list[np.ndarray] = []
    tree_sums: list[np.ndarray] = []

    fp = ckpt.fingerprint(hp, [X, Y, Xv, Yv]) if checkpoint_dir is not None else ""
    restored = ckpt.read_checkpoint(checkpoint_dir, fp) if checkpoint_dir is not None else None
    if restored is not None:
        meta, model_text, arrays = restored
        merge_trees_in_front(booster, lgb.Booster(model_str=model_text))
        counts = arrays["leaf_counts"]
        splits = np.cumsum(counts)[:-1]
        tree_values = list(np.split(arrays["leaf_values"], splits))
        tree_sums = list(np.split(arrays["leaf_sums"], splits))
        F[:] = arrays["F"]
        labels[:] = arrays["labels"]
        if has_val:
            Fv[:] = arrays["F_val"]
        state = TrainingState.from_dict(meta["state"])
        state.total_rounds = total
        weighting.load_state_dict(meta["weighting"])
        if kd is not None:
            kd.load_state_dict(meta["kd"], arrays["kd_best_scores"])
            if kd.replaced[main]:
                weighting.set_main_labels(labels[:, main])
        log.info("resumed from checkpoint at round %d of %d", state.rounds_done, total)

    # ---- preallocated buffers (float32 gradients; g and h contiguous: ufuncs writing into column slices
    # of one N×2K block ran 9x slower, an inner loop of K per row) ----
    P = np.empty((N, K), dtype=np.float32)
    g = np.empty((N, K), dtype=np.float32)
    h = np.empty((N, K), dtype=np.float32)
    gathered = np.empty((N, K), dtype=np.float64)
    # Threads for the elementwise numpy work on row blocks and the per-task AUC sorts between trees
    # (LightGBM's own threads are idle then).
    n_threads = _resolve_threads(hp.num_threads)
    workers = ThreadPoolExecutor(max_workers=n_threads) if n_threads > 1 else None
    rows = _RowBlocks(N, workers, n_threads)
    val_rows = _RowBlocks(Xv.shape[0], workers, n_threads) if has_val else None
    gathered_val = np.empty_like(Fv) if has_val else None
    aggregate = GradientAggregator(N, K, hp.loss_epsilon_norm, rows)
    leaf_sums = LeafSums(N)
    bagger = RowBagger(N, hp.bagging_fraction, hp.bagging_freq, hp.seed)
    train_leaves = _LeafFinder(booster, 0, X, rows)
    val_leaves = _LeafFinder(booster, 1, Xv, val_rows) if has_val else None
    val_auc_of = TaskAuc(Yv, workers) if has_val else None
    sample = np.sort(np.random.default_rng(hp.seed).permutation(N)[:TRAIN_AUC_MAX_ROWS])
    train_auc_of = TaskAuc(Y[sample], workers)

    # A checkpoint written when training stopped (early stopping, no split) is a finished run.
    start = total if state.stop_reason else state.rounds_done
    clock0 = time.perf_counter() - (state.elapsed_seconds[-1] if state.elapsed_seconds else 0.0)
    # OpenBLAS worker threads spin after each of our small matrix-vector products and steal the cores
    # LightGBM's OpenMP threads grow the tree on (measured: tree growth 1.6x slower, aggregation 4x).
    with threadpool_limits(limits=1, user_api="blas"), workers or contextlib.nullcontext():
        for it in range(start + 1, total + 1):
            # 1-2. probabilities, gradients, weights, aggregated (G, H)
            def gradients(r: slice) -> None:
                _sigmoid_into(F[r], P[r], eps)
                np.subtract(P[r], labels[r], out=g[r])
                np.multiply(P[r], P[r], out=h[r])
                np.subtract(P[r], h[r], out=h[r])

            rows(gradients)
            w = weighting.weights(it, P)
            G, H = aggregate(g, h, w, weighting.zscore)
            mask64 = None
            if bagger.active:
                mask32, mask64 = bagger.masks(it)

                def bag(r: slice) -> None:
                    np.multiply(G[r], mask32[r], out=G[r])
                    np.multiply(H[r], mask32[r], out=H[r])

                rows(bag)
            if hp.feature_fraction < 1.0:
                booster.reset_parameter({"feature_fraction_seed": feature_fraction_seed(hp.seed, it)})

            # 3. one shared tree
            tree_index = len(tree_values)
            finished = boost_one_round(booster, G, H)
            if finished:
                if booster.num_trees() > tree_index:  # LightGBM keeps a constant first tree
                    raise MTGBMInputError(
                        f"LightGBM found no split in round 1 (min_data_in_leaf={hp.min_data_in_leaf}, "
                        f"min_sum_hessian_in_leaf={hp.min_sum_hessian_in_leaf}, min_gain_to_split={hp.min_gain_to_split}); "
                        "relax these or check that the features vary."
                    )
                state.stop_reason = f"no split possible in round {it}"
                log.info("stopping: %s", state.stop_reason)
                break

            # 4. leaves and per-task leaf values
            lgb_values = tree_leaf_values(booster, tree_index)
            leaf, how = train_leaves(tree_index, lgb_values)
            sums = leaf_sums(leaf, lgb_values.shape[0], (g, h), mask64)
            values = leaf_values_from_sums(sums[:, :K], sums[:, K:], hp.learning_rate, hp.lambda_l2, hp.max_delta_step)
            tree_values.append(values)
            tree_sums.append(sums)

            # 5. scores
            def add_tree(r: slice) -> None:
                np.take(values, leaf[r], axis=0, out=gathered[r])
                np.add(F[r], gathered[r], out=F[r])

            rows(add_tree)
            val_auc = None
            if has_val:
                vleaf, _ = val_leaves(tree_index, lgb_values)

                def add_tree_val(r: slice) -> None:
                    np.take(values, vleaf[r], axis=0, out=gathered_val[r])
                    np.add(Fv[r], gathered_val[r], out=Fv[r])

                val_rows(add_tree_val)
                val_auc = val_auc_of(Fv)

            # 6. metrics, distillation, best round, history, callbacks, checkpoint
            train_auc = train_auc_of(F[sample]) if (it % state.train_auc_every == 0 or it == total) else None
            events: list[dict[str, Any]] = []
            if kd is not None:
                events = kd.observe(it, val_auc, F, labels, eps)
                state.kd_events.extend(events)
                if any(e["task"] == tasks[main] for e in events):
                    weighting.set_main_labels(labels[:, main])
            if has_val:
                metric = _early_stopping_metric(hp, val_auc)
                if state.best_score is None or metric > state.best_score:
                    state.best_score, state.best_iteration = metric, it
            else:
                state.best_iteration = it
            elapsed = time.perf_counter() - clock0
            state.record(it, elapsed, w.tolist(), train_auc, val_auc, how)
            info = RoundInfo(
                iteration=it,
                total=total,
                elapsed_seconds=elapsed,
                val_auc=val_auc,
                mean_val_auc=float(np.mean(val_auc)) if val_auc is not None else None,
                weights=w.tolist(),
                best_iteration=state.best_iteration,
                best_score=state.best_score,
                train_auc=train_auc,
                kd_events=events,
            )
            for callback in callbacks:
                callback(info)
            stop = hp.early_stopping_rounds is not None and it - state.best_iteration >= hp.early_stopping_rounds
            if stop:
                state.stopped_early = True
                state.stop_reason = (
                    f"early stopping: no {hp.early_stopping_metric} gain for {hp.early_stopping_rounds} rounds "
                    f"(best round {state.best_iteration})"
                )
            if checkpoint_dir is not None and (it % hp.checkpoint_frequency == 0 or stop or it == total):
                _write_checkpoint(checkpoint_dir, fp, booster, tree_values, tree_sums, F, Fv, labels, state, weighting, kd)
            if stop:
                log.info("%s", state.stop_reason)
                break

    # The structure booster carries the main task's values: on its own it is the main task's model,
    # and it is byte-identical to the one a save/load round trip gives back.
    structure = lgb.Booster(model_str=booster.model_to_string(num_iteration=-1))
    model_io.set_leaf_values(structure, [v[:, main] for v in tree_values], float(init[main]))
    structure = lgb.Booster(model_str=model_io.with_binary_objective(structure.model_to_string(num_iteration=-1)))
    del booster, train_set
    best = state.best_iteration if hp.early_stopping_rounds is not None else len(tree_values)
    return MultiTaskBooster(
        structure=structure,
        leaf_values=tree_values,
        leaf_sums=tree_sums,
        task_names=tasks,
        main_task_index=main,
        feature_names=list(feature_names),
        best_iteration=best,
        init_scores=init.tolist(),
        lambda_l2=hp.lambda_l2,
        state=state,
        params={k: v for k, v in params.items() if k != "feature_fraction_seed"},
    )


def _write_checkpoint(
    directory: Path,
    fp: str,
    booster: lgb.Booster,
    tree_values: list[np.ndarray],
    tree_sums: list[np.ndarray],
    F: np.ndarray,
    Fv: np.ndarray | None,
    labels: np.ndarray,
    state: TrainingState,
    weighting: Any,
    kd: KnowledgeDistillation | None,
) -> None:
    arrays = {
        "leaf_counts": np.array([v.shape[0] for v in tree_values], dtype=np.int64),
        "leaf_values": np.vstack(tree_values),
        "leaf_sums": np.vstack(tree_sums),
        "F": F,
        "labels": labels,
    }
    if Fv is not None:
        arrays["F_val"] = Fv
    meta: dict[str, Any] = {"fingerprint": fp, "state": state.to_dict(), "weighting": weighting.state_dict()}
    if kd is not None:
        meta["kd"] = kd.state_dict()
        arrays["kd_best_scores"] = kd.best_scores
    ckpt.write_checkpoint(directory, meta, booster.model_to_string(num_iteration=-1), arrays)


__all__ = ["MultiTaskBooster", "RoundInfo", "RowBagger", "feature_fraction_seed", "lightgbm_params", "train"]
