"""Hyperparameters of the LightGBMMT (MT-GBM) training step.

One source of truth: the SDK validates with this class before a job starts, and the training
container validates what actually arrived with the very same file (it is staged into the code
directory, never copied by hand). See ../shared/MTGBM.md in the project docs for the algorithm
each ``loss_*`` field controls.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from cursus.core.base.hyperparameters_base import ModelHyperparameters

LossType = Literal["fixed", "adaptive", "adaptive_kd"]
WeightMethod = Literal["tenIters", "sqrt", "delta"]


class LightGBMMtModelHyperparameters(ModelHyperparameters):
    """Everything the multi-task booster, the preprocessing and the evaluation need.

    Tasks are binary label columns, ``task_label_names``; the main task is
    ``task_label_names[main_task_index]`` and must be ``label_name``.
    """

    removed_keys: ClassVar[dict[str, str]] = {
        "loss_cache_predictions": "predictions are never cached (the reference code's id()-keyed cache trained on stale values); remove the key",
        "loss_precompute_indices": "task indices are always computed once per dataset; remove the key",
        "loss_log_level": "logging is configured by the training script; remove the key",
        "enable_kd": "knowledge distillation is on exactly when loss_type='adaptive_kd'; remove the key",
        "multiclass_categories": "every task is binary with labels 0/1; remove the key",
    }

    model_class: Literal["lightgbmmt"] = "lightgbmmt"

    # ----- tasks -----
    task_label_names: list[str] = Field(
        min_length=2, description="Binary label column of every task, main task included (at least 2)."
    )
    main_task_index: int = Field(default=0, ge=0, description="Position of the main task in task_label_names.")
    num_tasks: int | None = Field(
        default=None, description="Optional cross-check: must equal len(task_label_names) when given."
    )

    # ----- LightGBM tree growth -----
    num_iterations: int = Field(default=100, ge=1, description="Boosting rounds (one shared tree each).")
    learning_rate: float = Field(default=0.1, gt=0, le=1)
    num_leaves: int = Field(default=31, ge=2, le=131072)
    max_depth: int = Field(default=-1, ge=-1, description="-1 for no limit.")
    min_data_in_leaf: int = Field(default=20, ge=0)
    min_sum_hessian_in_leaf: float = Field(default=1e-3, ge=0)
    feature_fraction: float = Field(default=1.0, gt=0, le=1)
    bagging_fraction: float = Field(default=1.0, gt=0, le=1)
    bagging_freq: int = Field(default=0, ge=0, description="Resample rows every k rounds; 0 disables bagging.")
    lambda_l1: float = Field(default=0.0, ge=0)
    lambda_l2: float = Field(default=0.0, ge=0, description="Also regularises per-task leaf values.")
    min_gain_to_split: float = Field(default=0.0, ge=0)
    max_delta_step: float = Field(default=0.0, ge=0, description="Caps |leaf value| before shrinkage; 0 = no cap.")
    max_bin: int = Field(default=255, ge=2)
    seed: int = Field(default=42, description="Seeds tree growth, feature and row sampling.")
    num_threads: int = Field(default=0, ge=0, description="LightGBM threads; 0 = one per core.")
    boost_from_average: bool = Field(
        default=False,
        description="Start each task at its prior log-odds instead of 0 (the reference starts at 0).",
    )

    # ----- early stopping and checkpoints -----
    early_stopping_rounds: int | None = Field(
        default=None, ge=1, description="Stop after this many ROUNDS without validation improvement."
    )
    early_stopping_metric: Literal["main_auc", "mean_auc"] = "main_auc"
    checkpoint_frequency: int = Field(default=50, ge=1, description="Rounds between spot-training checkpoints.")

    # ----- preprocessing and evaluation -----
    categorical_handling: Literal["risk_table", "native"] = Field(
        default="risk_table",
        description="risk_table: map categories to smoothed main-task risk (float features); native: LightGBM categoricals.",
    )
    smooth_factor: float = Field(default=0.0, ge=0, le=1, description="Risk-table smoothing toward the prior.")
    count_threshold: int = Field(default=0, ge=0, description="Categories seen fewer times get the default risk.")
    evaluation_threshold: float = Field(default=0.5, gt=0, lt=1, description="Probability cut for F1.")

    # ----- task weighting (MTGBM.md, "Task weights") -----
    loss_type: LossType = "adaptive"
    loss_epsilon: float = Field(default=1e-15, gt=0, lt=0.5, description="Probability clip eps.")
    loss_epsilon_norm: float = Field(default=1e-10, gt=0, description="Added to std when z-scoring gradients.")
    loss_clip_similarity_inverse: float = Field(
        default=1e10, gt=0, description="Upper bound of the inverse JS distance 1/d (guards d = 0)."
    )
    loss_beta: float = Field(default=0.2, ge=0, description="fixed: subtask weight = main weight * beta.")
    loss_main_task_weight: float = Field(default=1.0, gt=0, description="fixed: weight of the main task.")
    loss_weight_lr: float | None = Field(
        default=None, gt=0, le=1, description="adaptive: lambda scaling subtask weights; default 0.1 (0.5 with sqrt)."
    )
    loss_patience: int = Field(default=100, ge=1, description="adaptive_kd: rounds without AUC gain before soft labels.")
    loss_weight_method: WeightMethod | None = Field(
        default=None, description="None: every round; tenIters: every loss_weight_update_frequency rounds; sqrt; delta."
    )
    loss_weight_update_frequency: int = Field(default=10, ge=1)
    loss_delta_lr: float = Field(default=0.01, gt=0, le=1, description="delta: step toward the new similarities.")

    @model_validator(mode="after")
    def _check_tasks(self) -> "LightGBMMtModelHyperparameters":
        tasks = self.task_label_names
        k = len(tasks)
        dupes = sorted({t for t in tasks if tasks.count(t) > 1})
        if dupes:
            raise ValueError(f"task_label_names lists {dupes} more than once; each task has its own label column.")
        if self.main_task_index >= k:
            raise ValueError(
                f"main_task_index={self.main_task_index} is out of range for {k} tasks {tasks}; "
                f"use 0..{k - 1}."
            )
        if self.num_tasks is not None and self.num_tasks != k:
            raise ValueError(
                f"num_tasks={self.num_tasks} but task_label_names has {k} entries; drop num_tasks or make them agree."
            )
        if tasks[self.main_task_index] != self.label_name:
            raise ValueError(
                f"label_name='{self.label_name}' is not the main task: task_label_names[{self.main_task_index}] is "
                f"'{tasks[self.main_task_index]}'; set label_name to it or fix main_task_index."
            )
        features = set(self.feature_names)
        as_feature = [t for t in tasks if t in features]
        if as_feature:
            raise ValueError(f"task label columns {as_feature} are also listed as features; remove them from the feature lists.")
        full = set(self.full_field_list)
        missing = [c for c in [self.id_name, *tasks] if c not in full]
        if missing:
            raise ValueError(f"{missing} (id and task labels) are not in full_field_list; add them.")
        if self.id_name in tasks:
            raise ValueError(f"id_name='{self.id_name}' is also a task label; use a separate id column.")
        if self.loss_type == "fixed" and self.loss_weight_method is not None:
            raise ValueError(
                f"loss_weight_method='{self.loss_weight_method}' only applies to the adaptive losses, but "
                "loss_type='fixed'; remove loss_weight_method or use loss_type='adaptive'."
            )
        if self.bagging_freq > 0 and self.bagging_fraction == 1.0:
            raise ValueError("bagging_freq > 0 with bagging_fraction=1.0 samples every row; set bagging_fraction < 1 or bagging_freq=0.")
        if self.bagging_fraction < 1.0 and self.bagging_freq == 0:
            raise ValueError(
                f"bagging_fraction={self.bagging_fraction} has no effect with bagging_freq=0; set bagging_freq >= 1 "
                "(resample every that many rounds) or bagging_fraction=1.0."
            )
        return self

    @property
    def effective_weight_lr(self) -> float:
        """lambda of the adaptive weights: the user's value, else 0.1 (0.5 with sqrt, as in the reference)."""
        if self.loss_weight_lr is not None:
            return self.loss_weight_lr
        return 0.5 if self.loss_weight_method == "sqrt" else 0.1

    def tunable_scalars(self) -> dict[str, Any]:
        """Scalar fields a SageMaker tuning job may override (lists stay in the shipped JSON file)."""
        return {k: v for k, v in self.to_json_dict().items() if not isinstance(v, (list, dict)) and v is not None}
