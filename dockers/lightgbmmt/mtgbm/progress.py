"""Per-round logging: the metric line SageMaker's metric definitions parse, and progress a person can follow."""

from __future__ import annotations

import logging
import time
from typing import Any

from cursus.steps.contracts.lightgbmmt_training_contract import metric_log_line

log = logging.getLogger(__name__)


class ProgressLog:
    """Booster callback: logs the metric line every round and rounds done / rounds per s / time left.

    Progress lines come at most every ``every_seconds`` (plus the first and last round) so a long job's
    log stays readable. Rates count only rounds run in this process, so a resumed job's estimate is honest.
    """

    def __init__(self, task_names: list[str], total_rounds: int, every_seconds: float = 10.0) -> None:
        self.task_names = task_names
        self.total = total_rounds
        self.every_seconds = every_seconds
        self.started = time.monotonic()
        self.first_iteration: int | None = None
        self.last_iteration = 0
        self._last_report = float("-inf")
        self.elapsed = 0.0

    @property
    def resumed_from(self) -> int | None:
        """Round the booster resumed after (from a checkpoint), or None for a fresh start."""
        return self.first_iteration - 1 if self.first_iteration and self.first_iteration > 1 else None

    def __call__(self, info: Any) -> None:
        now = time.monotonic()
        if self.first_iteration is None:
            self.first_iteration = info.iteration
            if info.iteration > 1:
                log.info("resumed from a checkpoint after round %d of %d", info.iteration - 1, info.total)
        self.last_iteration = info.iteration
        self.total = info.total
        self.elapsed = now - self.started
        if info.val_auc is not None:
            log.info(metric_log_line(info.iteration, self.task_names, list(info.val_auc), info.mean_val_auc))
        if info.iteration in (self.first_iteration, info.total) or now - self._last_report >= self.every_seconds:
            self._last_report = now
            log.info(self.progress_line(info.iteration, info.total, info.best_iteration))

    def progress_line(self, iteration: int, total: int, best_iteration: int | None) -> str:
        done_here = iteration - (self.first_iteration or 1) + 1
        rate = done_here / self.elapsed if self.elapsed > 0 else float("nan")
        left = (total - iteration) / rate if rate > 0 else float("nan")
        return (
            f"round {iteration}/{total} ({100 * iteration / total:.0f}%), {rate:.1f} rounds/s, "
            f"~{left:.0f} s left, best round so far {best_iteration}"
        )

    def finish(self) -> None:
        """Log the end of boosting (early stopping ends before ``total``)."""
        self.elapsed = time.monotonic() - self.started
        if self.last_iteration < self.total:
            log.info("boosting stopped at round %d of %d (early stopping)", self.last_iteration, self.total)
        log.info("boosting took %.1f s", self.elapsed)
