"""PNG plots of a training run: ROC and PR curves per task, training curves, task weights, importance.

Matplotlib's Agg backend only: the container has no display, and the plots must come out the same
on a laptop and in the job.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (backend must be chosen first)
import numpy as np  # noqa: E402
from sklearn.metrics import auc, precision_recall_curve, roc_curve  # noqa: E402


def _grid(n: int) -> tuple[plt.Figure, list[plt.Axes]]:
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.8 * rows), squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_roc_pr(y_true: np.ndarray, y_prob: np.ndarray, task_names: list[str], split: str, out_dir: Path) -> list[Path]:
    """``roc_<split>.png`` and ``pr_<split>.png``: one panel per task (a task with one class says so)."""
    out_dir = Path(out_dir)
    roc_fig, roc_axes = _grid(len(task_names))
    pr_fig, pr_axes = _grid(len(task_names))
    for k, task in enumerate(task_names):
        y, p = y_true[:, k], y_prob[:, k]
        roc_ax, pr_ax = roc_axes[k], pr_axes[k]
        if 0 < y.sum() < len(y):
            fpr, tpr, _ = roc_curve(y, p)
            roc_ax.plot(fpr, tpr, label=f"AUC {auc(fpr, tpr):.4f}")
            precision, recall, _ = precision_recall_curve(y, p)
            pr_ax.plot(recall, precision, label=f"base rate {y.mean():.4f}")
        else:
            for ax in (roc_ax, pr_ax):
                ax.text(0.5, 0.5, "one class only", ha="center", transform=ax.transAxes)
        roc_ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=0.8)
        roc_ax.set(title=f"{task} ({split})", xlabel="false positive rate", ylabel="true positive rate")
        pr_ax.set(title=f"{task} ({split})", xlabel="recall", ylabel="precision")
        for ax in (roc_ax, pr_ax):
            ax.legend(loc="lower right" if ax is roc_ax else "upper right", fontsize=8)
    return [_save(roc_fig, out_dir / f"roc_{split}.png"), _save(pr_fig, out_dir / f"pr_{split}.png")]


def plot_training_curves(iterations: list[int], val_auc: np.ndarray, task_names: list[str], out_dir: Path,
                         best_iteration: int | None = None) -> Path:
    """``training_curves.png``: validation AUC of every task (and their mean) per round."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for k, task in enumerate(task_names):
        ax.plot(iterations, val_auc[:, k], label=task, linewidth=1.2)
    ax.plot(iterations, np.nanmean(val_auc, axis=1), label="mean", color="black", linewidth=2)
    if best_iteration:
        ax.axvline(best_iteration, linestyle="--", color="grey", label=f"best round {best_iteration}")
    ax.set(title="Validation AUC per round", xlabel="round", ylabel="AUC-ROC")
    ax.legend(fontsize=8, ncol=2)
    return _save(fig, Path(out_dir) / "training_curves.png")


def plot_weight_evolution(iterations: list[int], weights: np.ndarray, task_names: list[str], out_dir: Path) -> Path:
    """``weight_evolution.png``: the weight of every task in the aggregated gradient, per round."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for k, task in enumerate(task_names):
        ax.plot(iterations, weights[:, k], label=task, linewidth=1.2)
    ax.set(title="Task weights per round", xlabel="round", ylabel="weight")
    if weights.size and np.all(weights > 0):
        ax.set_yscale("log")  # subtask weights sit 1-2 orders below the main task's; show how they move
    ax.legend(fontsize=8, ncol=2)
    return _save(fig, Path(out_dir) / "weight_evolution.png")


def plot_feature_importance(importance: dict[str, np.ndarray], feature_names: list[str], out_dir: Path,
                            top_n: int = 20) -> Path:
    """``feature_importance.png``: the ``top_n`` features by gain summed over all tasks."""
    total = np.sum([np.asarray(v, dtype=np.float64) for v in importance.values()], axis=0)
    order = np.argsort(total)[::-1][:top_n][::-1]
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(order) + 1.5))
    ax.barh([feature_names[i] for i in order], total[order])
    ax.set(title=f"Top {len(order)} features (gain, all tasks)", xlabel="total gain")
    return _save(fig, Path(out_dir) / "feature_importance.png")
