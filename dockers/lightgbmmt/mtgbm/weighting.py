"""Task weighting of MT-GBM (MTGBM.md, "Task weights"): how the K gradients become the one (G, H).

Three losses: :class:`FixedWeighting` (constant weights), :class:`AdaptiveWeighting` (z-scored
gradients, subtask weights from the Jensen–Shannon distance between the main task's labels and each
subtask's predictions) and adaptive + :class:`KnowledgeDistillation` (``adaptive_kd``). The adaptive
weights are refreshed by one of four strategies (:class:`EveryRound`, :class:`EveryNRounds`,
:class:`SqrtOfSimilarity`, :class:`DeltaStep`). Every object here is told explicitly when its inputs
change (``set_main_labels``); nothing is cached by ``id()``, which made the reference code train on
stale predictions.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Protocol

import numpy as np

from .errors import MTGBMInputError

_LOG2 = math.log(2.0)


# ----------------------------------------------------------------------------- similarity


class MainLabelDistribution:
    """The main task's labels as a probability distribution over rows (renormalised to sum 1).

    Binary labels make it sparse: only rows with a positive label carry mass, so the JS distance
    needs logarithms on those rows only (the rest contribute b·log 2 in closed form).
    """

    def __init__(self, labels: np.ndarray) -> None:
        labels = np.asarray(labels)
        total = float(labels.sum(dtype=np.float64))
        if not total > 0:
            raise MTGBMInputError(
                "the main task's training labels sum to 0 (no positive rows): the adaptive weights compare "
                "its label distribution with each subtask's predictions and need at least one positive; "
                "check the main label column."
            )
        self.support = np.flatnonzero(labels > 0)
        self.mass = labels[self.support].astype(np.float64) / total


def js_distances(dist: MainLabelDistribution, probs: np.ndarray, prob_sums: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Jensen–Shannon DISTANCE (natural log; sqrt of the divergence) from ``dist`` to each column.

    Equals ``scipy.spatial.distance.jensenshannon(labels, probs[:, j])`` for every j in ``columns``:
    both sides are renormalised to sum 1 (``prob_sums`` are the column sums of ``probs``).
    """
    a = dist.mass[:, None]
    b = probs[dist.support][:, columns].astype(np.float64) / np.asarray(prob_sums, dtype=np.float64)[columns]
    m = 0.5 * (a + b)
    on_support = 0.5 * (a * np.log(a / m)).sum(axis=0) + 0.5 * (b * np.log(b / m)).sum(axis=0)
    # Rows outside the support have a = 0, m = b/2: their term is 0.5 · b · log 2.
    off_support = 0.5 * _LOG2 * np.clip(1.0 - b.sum(axis=0), 0.0, None)
    return np.sqrt(np.clip(on_support + off_support, 0.0, None))


def similarity_weights(distances: np.ndarray, lam: float, min_distance: float) -> np.ndarray:
    """λ · s / ‖s‖₂ with s = 1 / max(d, min_distance): closer subtasks weigh more, zero distance is capped."""
    s = 1.0 / np.maximum(distances, min_distance)
    return lam * s / float(np.linalg.norm(s))


# ----------------------------------------------------------------------------- strategies


class WeightStrategy(Protocol):
    """Turns the similarity vector (subtasks only) into this round's subtask weights."""

    def update(self, iteration: int, similarity: Callable[[], np.ndarray]) -> np.ndarray: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


class EveryRound:
    """loss_weight_method None: the weights are the similarities, recomputed every round."""

    def update(self, iteration: int, similarity: Callable[[], np.ndarray]) -> np.ndarray:
        return similarity()

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        return None


class EveryNRounds:
    """``tenIters``: recompute at rounds 1, 1+n, 1+2n, ...; hold the weights in between (saves the JS cost)."""

    def __init__(self, every: int) -> None:
        self.every = every
        self.current: np.ndarray | None = None

    def update(self, iteration: int, similarity: Callable[[], np.ndarray]) -> np.ndarray:
        if self.current is None or (iteration - 1) % self.every == 0:
            self.current = similarity()
        return self.current

    def state_dict(self) -> dict[str, Any]:
        return {"current": None if self.current is None else self.current.tolist()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.current = None if state.get("current") is None else np.asarray(state["current"], dtype=np.float64)


class SqrtOfSimilarity:
    """``sqrt``: elementwise square root of the similarities (λ defaults to 0.5 for this method)."""

    def update(self, iteration: int, similarity: Callable[[], np.ndarray]) -> np.ndarray:
        return np.sqrt(similarity())

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        return None


class DeltaStep:
    """``delta``: w_1 = sim_1; w_t = w_{t-1} + lr · (sim_t − sim_{t-1}).

    Telescoping gives w_t = (1 − lr)·sim_1 + lr·sim_t, so weights stay non-negative for lr ≤ 1.
    """

    def __init__(self, lr: float) -> None:
        self.lr = lr
        self.weights: np.ndarray | None = None
        self.previous: np.ndarray | None = None

    def update(self, iteration: int, similarity: Callable[[], np.ndarray]) -> np.ndarray:
        sim = similarity()
        if self.weights is None or self.previous is None:
            self.weights = sim.copy()
        else:
            self.weights = self.weights + self.lr * (sim - self.previous)
        self.previous = sim
        return self.weights

    def state_dict(self) -> dict[str, Any]:
        return {
            "weights": None if self.weights is None else self.weights.tolist(),
            "previous": None if self.previous is None else self.previous.tolist(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.weights = None if state.get("weights") is None else np.asarray(state["weights"], dtype=np.float64)
        self.previous = None if state.get("previous") is None else np.asarray(state["previous"], dtype=np.float64)


def make_strategy(method: str | None, update_frequency: int, delta_lr: float) -> WeightStrategy:
    """The strategy object for ``loss_weight_method``."""
    if method is None:
        return EveryRound()
    if method == "tenIters":
        return EveryNRounds(update_frequency)
    if method == "sqrt":
        return SqrtOfSimilarity()
    if method == "delta":
        return DeltaStep(delta_lr)
    raise MTGBMInputError(f"loss_weight_method={method!r} is unknown; use None, 'tenIters', 'sqrt' or 'delta'.")


# ----------------------------------------------------------------------------- losses


class FixedWeighting:
    """``fixed``: main weight = loss_main_task_weight, every subtask = that · loss_beta; raw gradients."""

    zscore = False

    def __init__(self, num_tasks: int, main_index: int, main_weight: float, beta: float) -> None:
        self._weights = np.full(num_tasks, main_weight * beta, dtype=np.float64)
        self._weights[main_index] = main_weight

    def set_main_labels(self, labels: np.ndarray) -> None:
        """Fixed weights ignore labels."""
        return None

    def weights(self, iteration: int, probs: np.ndarray) -> np.ndarray:
        return self._weights.copy()

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        return None


class AdaptiveWeighting:
    """``adaptive``: z-scored gradients; main weight 1, subtask weights from the JS similarities."""

    zscore = True

    def __init__(
        self,
        num_tasks: int,
        main_index: int,
        main_labels: np.ndarray,
        lam: float,
        min_distance: float,
        strategy: WeightStrategy,
    ) -> None:
        self.main_index = main_index
        self.subtasks = np.array([k for k in range(num_tasks) if k != main_index])
        self.lam = lam
        self.min_distance = min_distance
        self.strategy = strategy
        self._dist = MainLabelDistribution(main_labels)
        self._ones: np.ndarray | None = None
        self.last_distances: np.ndarray | None = None

    def set_main_labels(self, labels: np.ndarray) -> None:
        """Call whenever the main task's training labels change (knowledge distillation)."""
        self._dist = MainLabelDistribution(labels)

    def weights(self, iteration: int, probs: np.ndarray) -> np.ndarray:
        """This round's K weights from the current probabilities (N×K); the main task weighs 1."""

        def similarity() -> np.ndarray:
            if self._ones is None or self._ones.shape[0] != probs.shape[0]:
                self._ones = np.ones(probs.shape[0], dtype=probs.dtype)
            prob_sums = self._ones @ probs
            self.last_distances = js_distances(self._dist, probs, prob_sums, self.subtasks)
            return similarity_weights(self.last_distances, self.lam, self.min_distance)

        w = np.empty(self.subtasks.shape[0] + 1, dtype=np.float64)
        w[self.main_index] = 1.0
        w[self.subtasks] = self.strategy.update(iteration, similarity)
        return w

    def state_dict(self) -> dict[str, Any]:
        return {"strategy": self.strategy.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.strategy.load_state_dict(state.get("strategy", {}))


def make_weighting(hp: Any, main_labels: np.ndarray) -> FixedWeighting | AdaptiveWeighting:
    """The weighting for ``hp.loss_type`` (``adaptive_kd`` weighs like ``adaptive``)."""
    num_tasks = len(hp.task_label_names)
    if hp.loss_type == "fixed":
        return FixedWeighting(num_tasks, hp.main_task_index, hp.loss_main_task_weight, hp.loss_beta)
    strategy = make_strategy(hp.loss_weight_method, hp.loss_weight_update_frequency, hp.loss_delta_lr)
    return AdaptiveWeighting(
        num_tasks,
        hp.main_task_index,
        main_labels,
        lam=hp.effective_weight_lr,
        min_distance=1.0 / hp.loss_clip_similarity_inverse,
        strategy=strategy,
    )


# ----------------------------------------------------------------------------- aggregation


class GradientAggregator:
    """G = Σ_k w_k·g̃_k and H = Σ_k w_k·h_k into preallocated float32 buffers.

    g̃_k is g_k z-scored (population std + eps_norm) when the loss asks for it; the z-score is
    folded into the weights (G = g·(w/σ) − Σ w·μ/σ), so no N×K z-scored copy is made. A column
    with zero variance contributes nothing (its z-score is 0, not noise divided by eps_norm).
    Only the elementwise step goes through ``for_rows``: the sums over rows and the weighted sums
    (BLAS matrix-vector products, whose rounding changes with the block size) run on whole arrays.
    """

    def __init__(
        self, num_rows: int, num_tasks: int, eps_norm: float, for_rows: Callable[[Callable[[slice], None]], None] | None = None
    ) -> None:
        self.eps_norm = eps_norm
        # Runs an elementwise step on contiguous row blocks (possibly concurrently); default: one block.
        self._for_rows = for_rows or (lambda step: step(slice(0, num_rows)))
        self._ones = np.ones(num_rows, dtype=np.float32)
        self._scratch = np.empty((num_rows, num_tasks), dtype=np.float32)
        self.grad = np.empty(num_rows, dtype=np.float32)
        self.hess = np.empty(num_rows, dtype=np.float32)

    def __call__(self, g: np.ndarray, h: np.ndarray, weights: np.ndarray, zscore: bool) -> tuple[np.ndarray, np.ndarray]:
        n = g.shape[0]
        if zscore:
            mean = (self._ones @ g).astype(np.float64) / n
            mean32, scratch = mean.astype(np.float32), self._scratch

            def centred_squares(rows: slice) -> None:
                np.subtract(g[rows], mean32, out=scratch[rows])
                np.square(scratch[rows], out=scratch[rows])

            self._for_rows(centred_squares)
            var = (self._ones @ self._scratch).astype(np.float64) / n
            constant = var <= 1e-10 * mean * mean + 1e-30
            scale = np.where(constant, 0.0, weights / (np.sqrt(var) + self.eps_norm))
            np.dot(g, scale.astype(np.float32), out=self.grad)
            self.grad -= np.float32(float(scale @ mean))
        else:
            np.dot(g, weights.astype(np.float32), out=self.grad)
        np.dot(h, weights.astype(np.float32), out=self.hess)
        return self.grad, self.hess


# ----------------------------------------------------------------------------- knowledge distillation


class KnowledgeDistillation:
    """``adaptive_kd``: per task, after ``patience`` rounds without a new best validation AUC, replace its
    training labels by its predicted probabilities from its best round, once and for good.

    Keeps each task's raw training scores from its best round (N×K float64) to build the soft labels.
    """

    def __init__(self, task_names: list[str], patience: int, num_rows: int) -> None:
        self.task_names = list(task_names)
        self.patience = patience
        k = len(task_names)
        self.best_auc: list[float | None] = [None] * k
        self.best_iteration = [0] * k
        self.replaced = [False] * k
        self.best_scores = np.zeros((num_rows, k), dtype=np.float64)

    def observe(self, iteration: int, val_auc: list[float], scores: np.ndarray, labels: np.ndarray, eps: float) -> list[dict[str, Any]]:
        """Record this round's validation AUCs; rewrite ``labels`` columns in place when patience runs out."""
        events = []
        for k, auc in enumerate(val_auc):
            if self.replaced[k]:
                continue
            best = self.best_auc[k]
            if best is None or auc > best:
                self.best_auc[k] = auc
                self.best_iteration[k] = iteration
                self.best_scores[:, k] = scores[:, k]
            elif iteration - self.best_iteration[k] >= self.patience:
                soft = 1.0 / (1.0 + np.exp(-self.best_scores[:, k]))
                labels[:, k] = np.clip(soft, eps, 1.0 - eps)
                self.replaced[k] = True
                events.append(
                    {
                        "task": self.task_names[k],
                        "iteration": iteration,
                        "best_iteration": self.best_iteration[k],
                        "best_val_auc": float(best),
                    }
                )
        return events

    def state_dict(self) -> dict[str, Any]:
        return {"best_auc": list(self.best_auc), "best_iteration": list(self.best_iteration), "replaced": list(self.replaced)}

    def load_state_dict(self, state: dict[str, Any], best_scores: np.ndarray) -> None:
        self.best_auc = list(state["best_auc"])
        self.best_iteration = list(state["best_iteration"])
        self.replaced = list(state["replaced"])
        self.best_scores = np.array(best_scores, dtype=np.float64)
