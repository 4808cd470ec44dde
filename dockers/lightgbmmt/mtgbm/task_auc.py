"""Per-task ROC AUC for the per-round history, fast enough to run every round.

The positives and negatives of each task are indexed once; each evaluation sorts only the smaller
class and binary-searches the larger one into it (ties count one half), instead of sorting all rows
K times per round.
"""

from __future__ import annotations

import numpy as np


def binary_auc(pos_scores: np.ndarray, neg_scores: np.ndarray) -> float:
    """P(score of a positive > score of a negative) + ½ P(equal): the ROC AUC with ties averaged."""
    n_pos, n_neg = pos_scores.shape[0], neg_scores.shape[0]
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    if n_pos <= n_neg:
        ref = np.sort(pos_scores)
        lo = np.searchsorted(ref, neg_scores, side="left")
        hi = np.searchsorted(ref, neg_scores, side="right")
        # For each negative: positives above it = n_pos - hi, tied = hi - lo.
        wins = n_pos * n_neg - int(hi.sum(dtype=np.int64)) + 0.5 * int((hi - lo).sum(dtype=np.int64))
    else:
        ref = np.sort(neg_scores)
        lo = np.searchsorted(ref, pos_scores, side="left")
        hi = np.searchsorted(ref, pos_scores, side="right")
        # For each positive: negatives below it = lo, tied = hi - lo.
        wins = int(lo.sum(dtype=np.int64)) + 0.5 * int((hi - lo).sum(dtype=np.int64))
    return float(wins / (n_pos * n_neg))


class TaskAuc:
    """AUC of every column of a score matrix against fixed 0/1 labels (N×K)."""

    def __init__(self, labels: np.ndarray) -> None:
        labels = np.asarray(labels)
        self._pos = [np.flatnonzero(labels[:, k] == 1) for k in range(labels.shape[1])]
        self._neg = [np.flatnonzero(labels[:, k] == 0) for k in range(labels.shape[1])]

    def __call__(self, scores: np.ndarray) -> list[float]:
        return [binary_auc(scores[pos, k], scores[neg, k]) for k, (pos, neg) in enumerate(zip(self._pos, self._neg))]
