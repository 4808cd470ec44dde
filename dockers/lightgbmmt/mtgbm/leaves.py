"""Per-round tree plumbing on stock LightGBM: grow, find each row's leaf, compute per-task leaf values.

MTGBM.md, "One boosting round": LightGBM grows the shared tree on the aggregated (G, H); every
task then gets its own value in every leaf from its own raw gradients. Stock LightGBM does not say
which leaf each training row fell in, so we read the training score it keeps (C API
``LGBM_BoosterGetPredict``) before and after the tree: each row's score moved by exactly its leaf's
value. That match is only trusted when the leaf values are distinct and every row matches one;
otherwise :func:`leaf_assignment` returns ``None`` and the caller falls back to ``pred_leaf``.
"""

from __future__ import annotations

import ctypes
import re
from typing import Callable, Sequence

import lightgbm as lgb
import numpy as np
import scipy.sparse as sp
from lightgbm.basic import _LIB, _safe_call

_LEAF_VALUE_RE = re.compile(r"^leaf_value=(.*)$", re.MULTILINE)
_NUM_LEAVES_RE = re.compile(r"^num_leaves=(\d+)$", re.MULTILINE)
# A score change is (s + v) - s in double precision: its error is a few ulps of |s| + |v|.
_ULP_FACTOR = 64 * np.finfo(np.float64).eps
# Bucket tables larger than this (leaf values spread over more than ~300k of their smallest gaps)
# are not worth building: fall back to pred_leaf.
_MAX_BUCKETS = 1_000_000


def boost_one_round(booster: lgb.Booster, grad: np.ndarray, hess: np.ndarray) -> bool:
    """Grow one tree on ``grad``/``hess`` (float32, C-contiguous); True when LightGBM found no split.

    Calls ``LGBM_BoosterUpdateOneIterCustom`` directly: ``Booster.update(fobj=...)`` would first copy
    the whole training score for a callback we do not need (our gradients come from our own scores).
    """
    if grad.dtype != np.float32 or hess.dtype != np.float32 or not (grad.flags.c_contiguous and hess.flags.c_contiguous):
        raise TypeError("grad and hess must be C-contiguous float32 arrays")
    finished = ctypes.c_int(0)
    _safe_call(
        _LIB.LGBM_BoosterUpdateOneIterCustom(
            booster._handle,
            grad.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
            hess.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
            ctypes.byref(finished),
        )
    )
    return finished.value == 1


def read_inner_score(booster: lgb.Booster, data_idx: int, out: np.ndarray) -> np.ndarray:
    """Copy LightGBM's kept raw score of dataset ``data_idx`` (0 = train, 1 = first valid) into ``out``."""
    out_len = ctypes.c_int64(0)
    _safe_call(
        _LIB.LGBM_BoosterGetPredict(
            booster._handle, ctypes.c_int(data_idx), ctypes.byref(out_len), out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
        )
    )
    if out_len.value != out.shape[0]:
        raise RuntimeError(f"LightGBM returned {out_len.value} scores for dataset {data_idx}, expected {out.shape[0]}")
    return out


def merge_trees_in_front(booster: lgb.Booster, earlier: lgb.Booster) -> None:
    """Put ``earlier``'s trees before ``booster``'s own (what ``lgb.train(init_model=...)`` does).

    Used on resume: the fresh training booster carries the checkpoint's trees so the final model
    holds every round, while its kept training score (which we only read as differences) starts at 0.
    """
    _safe_call(_LIB.LGBM_BoosterMerge(booster._handle, earlier._handle))


def tree_leaf_values(booster: lgb.Booster, tree_index: int) -> np.ndarray:
    """Leaf values (shrinkage applied) of one tree, read from its text block (no whole-model dump)."""
    text = booster.model_to_string(start_iteration=tree_index, num_iteration=1)
    values = np.array(_LEAF_VALUE_RE.search(text).group(1).split(), dtype=np.float64)
    num_leaves = int(_NUM_LEAVES_RE.search(text).group(1))
    if values.shape[0] != num_leaves:
        raise RuntimeError(f"tree {tree_index}: {values.shape[0]} leaf values for {num_leaves} leaves")
    return values


def leaf_assignment(
    delta: np.ndarray,
    leaf_values: np.ndarray,
    score_scale: float,
    for_rows: Callable[[Callable[[slice], None]], None] | None = None,
) -> np.ndarray | None:
    """Leaf index of each row from its score change ``delta``, or None when the match is not exact.

    ``score_scale`` bounds |score| so the tolerance covers double rounding of (s + v) - s. Requires
    the leaf values to be pairwise farther apart than 4 tolerances (ties, e.g. from max_delta_step,
    make the leaf ambiguous) and every row's change to be within tolerance of its leaf's value.

    Lookup is a bucket table rather than ``np.searchsorted`` (a binary search per row, ~30 ns each,
    was 6 ms per round at 200k rows): buckets of width gap/3 hold at most one leaf value, and each
    value also claims its two neighbour buckets, so a change within tolerance of it always lands on it.
    ``for_rows`` runs the per-row lookup on row blocks (possibly concurrently); default: one block.
    """
    num_leaves = leaf_values.shape[0]
    if num_leaves == 1:
        leaf = np.zeros(delta.shape[0], dtype=np.int32)
        ok = float(np.abs(delta - leaf_values[0]).max(initial=0.0)) <= _ULP_FACTOR * (score_scale + abs(leaf_values[0])) + 1e-300
        return leaf if ok else None
    tol = _ULP_FACTOR * (score_scale + float(np.abs(leaf_values).max())) + 1e-300
    order = np.argsort(leaf_values)
    sorted_values = leaf_values[order]
    gap = float(np.diff(sorted_values).min())
    if gap <= 4 * tol:
        return None
    lo, width = float(sorted_values[0]), gap / 3.0
    size = int((float(sorted_values[-1]) - lo) / width) + 4
    if size > _MAX_BUCKETS:
        return None
    table = np.zeros(size, dtype=np.int32)
    home = ((leaf_values - lo) / width).astype(np.int64) + 1
    for shift in (-1, 1, 0):  # neighbours first, so each value's own bucket wins
        table[home + shift] = np.arange(num_leaves, dtype=np.int32)
    leaf = np.empty(delta.shape[0], dtype=np.int32)
    worst: list[float] = []

    def match(rows: slice) -> None:
        pos = (delta[rows] - lo) * (1.0 / width)
        np.clip(pos, -1.0, size - 2.0, out=pos)
        np.take(table, pos.astype(np.int64) + 1, out=leaf[rows])
        worst.append(float(np.abs(delta[rows] - leaf_values[leaf[rows]]).max()))

    (for_rows or (lambda step: step(slice(0, delta.shape[0]))))(match)
    if not all(w <= tol for w in worst):  # also False for NaN
        return None
    return leaf


def predict_leaf(booster: lgb.Booster, X: np.ndarray, tree_index: int) -> np.ndarray:
    """Leaf of each row in one tree by ``pred_leaf`` (the slow, always-correct path)."""
    leaf = booster.predict(X, start_iteration=tree_index, num_iteration=1, pred_leaf=True, validate_features=False)
    return np.ascontiguousarray(leaf.reshape(-1), dtype=np.int32)


class LeafSums:
    """Per-leaf, per-task sums of raw g and h: a sparse one-hot (L×N) times g and times h (N×K each).

    Returns [Σg | Σh] (L×2K), accumulated in float64; ``row_weight`` (1 in the bag, 0 out of it)
    keeps out-of-bag rows out of the sums. Each output column is accumulated row by row on its own,
    so the sums do not depend on which columns share a product.
    """

    def __init__(self, num_rows: int) -> None:
        self._indptr = np.arange(num_rows + 1, dtype=np.int32)
        self._ones = np.ones(num_rows, dtype=np.float64)

    def __call__(
        self, leaf: np.ndarray, num_leaves: int, parts: Sequence[np.ndarray], row_weight: np.ndarray | None = None
    ) -> np.ndarray:
        data = self._ones if row_weight is None else row_weight
        one_hot = sp.csc_matrix((data, leaf, self._indptr), shape=(num_leaves, leaf.shape[0]))
        return np.hstack([np.asarray(one_hot @ part, dtype=np.float64) for part in parts])


def leaf_values_from_sums(
    sum_grad: np.ndarray, sum_hess: np.ndarray, learning_rate: float, lambda_l2: float, max_delta_step: float
) -> np.ndarray:
    """v = -lr · Σg / (Σh + λ2), |Σg/(Σh+λ2)| capped at max_delta_step when > 0; 0 where Σh + λ2 is 0.

    lambda_l1 is deliberately not applied here: MTGBM.md / issue 3 regularise per-task leaves with
    lambda_l2 and max_delta_step only (L1 acts on the shared split search).
    """
    denom = sum_hess + lambda_l2
    raw = np.zeros_like(sum_grad)
    np.divide(-sum_grad, denom, out=raw, where=denom > 0)
    if max_delta_step > 0:
        np.clip(raw, -max_delta_step, max_delta_step, out=raw)
    return raw * learning_rate
