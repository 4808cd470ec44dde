"""Per-task ROC AUC for the per-round history, fast enough to run every round.

The positives and negatives of each task are indexed once; each evaluation sorts both classes and
binary-searches the positives into the negatives (ties count one half).
"""

from __future__ import annotations

import numpy as np


def binary_auc(pos_scores: np.ndarray, neg_scores: np.ndarray) -> float:
    """P(score of a positive > score of a negative) + ½ P(equal): the ROC AUC with ties averaged.

    Both classes are sorted, then the positives are binary-searched into the negatives: searching
    sorted keys is several times faster than searching unsorted ones (cache and branch friendly).
    """
    n_pos, n_neg = pos_scores.shape[0], neg_scores.shape[0]
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    neg = np.sort(neg_scores)
    pos = np.sort(pos_scores)
    lo = np.searchsorted(neg, pos, side="left")
    hi = np.searchsorted(neg, pos, side="right")
    # For each positive: negatives strictly below it = lo, tied with it = hi - lo.
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
