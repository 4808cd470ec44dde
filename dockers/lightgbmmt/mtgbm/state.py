"""TrainingState: what happened in every round, as plain JSON-ready data.

Saved as ``training_state.json`` next to the model and inside checkpoints (resume continues the
same history). Train AUC is expensive on large data, so it is computed every ``train_auc_every``
rounds and at the last round, on a fixed seeded sample of at most ``TRAIN_AUC_MAX_ROWS`` training
rows; other rounds hold ``None``. Validation AUC is computed every round (early stopping and
knowledge distillation need it).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

TRAIN_AUC_EVERY = 10
TRAIN_AUC_MAX_ROWS = 50_000


@dataclass
class TrainingState:
    """Per-round history (parallel lists, one entry per round), best round and KD events."""

    task_names: list[str]
    main_task_index: int
    early_stopping_metric: str
    total_rounds: int
    train_auc_every: int = TRAIN_AUC_EVERY
    iterations: list[int] = field(default_factory=list)
    elapsed_seconds: list[float] = field(default_factory=list)
    weights: list[list[float]] = field(default_factory=list)
    train_auc: list[list[float | None] | None] = field(default_factory=list)
    val_auc: list[list[float] | None] = field(default_factory=list)
    leaf_assignment: list[str] = field(default_factory=list)
    best_iteration: int = 0
    best_score: float | None = None
    stopped_early: bool = False
    stop_reason: str = ""
    kd_events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rounds_done(self) -> int:
        return len(self.iterations)

    def record(
        self,
        iteration: int,
        elapsed: float,
        weights: list[float],
        train_auc: list[float] | None,
        val_auc: list[float] | None,
        leaf_assignment: str,
    ) -> None:
        """Append one round; ``leaf_assignment`` is "score" (fast path) or "pred_leaf" (fallback)."""
        self.iterations.append(iteration)
        self.elapsed_seconds.append(round(elapsed, 6))
        self.weights.append([float(w) for w in weights])
        self.train_auc.append(_json_aucs(train_auc))
        self.val_auc.append(_json_aucs(val_auc))
        self.leaf_assignment.append(leaf_assignment)

    def weight_evolution(self) -> dict[str, Any]:
        """Weights per task over rounds, the shape the training script's plot wants."""
        return {
            "tasks": list(self.task_names),
            "main_task_index": self.main_task_index,
            "iterations": list(self.iterations),
            "weights": {t: [w[k] for w in self.weights] for k, t in enumerate(self.task_names)},
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrainingState":
        return cls(**data)

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), allow_nan=False) + "\n")

    @classmethod
    def load(cls, path: Path) -> "TrainingState":
        return cls.from_dict(json.loads(Path(path).read_text()))


def _json_aucs(aucs: list[float] | None) -> list[float | None] | None:
    """AUCs as JSON values: NaN (a class absent from the train-AUC sample) becomes None."""
    if aucs is None:
        return None
    return [None if a != a else float(a) for a in aucs]
