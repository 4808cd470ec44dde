"""Contract of ``lightgbmmt_training.py``: every path and env var the training script uses."""

from cursus.core.base.contract_base import TrainingScriptContract

# input_path arrives as one SageMaker channel per split, each a folder below /opt/ml/input/data.
DATA_CHANNELS = ("train", "val", "test")

LIGHTGBMMT_TRAINING_CONTRACT = TrainingScriptContract(
    entry_point="lightgbmmt_training.py",
    expected_input_paths={
        # Channels train/, val/ and test/ live below this root (one SageMaker channel each).
        "input_path": "/opt/ml/input/data",
        # Optional channel "config": a hyperparameters.json produced upstream; overrides the shipped file.
        "hyperparameters_s3_uri": "/opt/ml/input/data/config/hyperparameters.json",
        # Optional channel: pre-computed imputation / risk tables / feature selection (JSON).
        "model_artifacts_input": "/opt/ml/input/data/model_artifacts_input",
    },
    expected_output_paths={
        "model_output": "/opt/ml/model",
        "evaluation_output": "/opt/ml/output/data",
    },
    required_env_vars=(),
    optional_env_vars={
        "USE_PRECOMPUTED_IMPUTATION": "false",
        "USE_PRECOMPUTED_RISK_TABLES": "false",
        "USE_PRECOMPUTED_FEATURES": "false",
    },
    framework_requirements={
        "lightgbm": ">=4.3,<5",
        "pydantic": ">=2.6,<3",
        "numpy": ">=1.23",
        "pandas": ">=1.5",
        "scipy": ">=1.10",
        "scikit-learn": ">=1.2",
        "matplotlib": ">=3.6",
        "pyarrow": ">=12",
        "threadpoolctl": ">=3",
    },
    description=(
        "Trains an MT-GBM multi-task booster (shared trees, per-task leaf values) on stock LightGBM: "
        "loads train/val/test, imputes and risk-maps features fitted on train, trains with fixed, adaptive "
        "or adaptive_kd task weights, evaluates every task and writes model, metrics, predictions and plots."
    ),
)


# ----- the metric log line: written by the script, matched by the builder's metric_definitions -----
# One definition for both sides, so a change to the line cannot break the regexes silently.
METRIC_LINE_PREFIX = "[mtgbm-metrics]"
_NUMBER = r"([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"


def metric_log_line(iteration: int, task_names: list[str], val_auc: list[float], mean_val_auc: float) -> str:
    """``[mtgbm-metrics] round=12 val_auc_mean=0.912345 val_auc_<task>=0.901234 ...``"""
    parts = [f"round={iteration}", f"val_auc_mean={mean_val_auc:.6f}"]
    parts += [f"val_auc_{t}={a:.6f}" for t, a in zip(task_names, val_auc)]
    return f"{METRIC_LINE_PREFIX} " + " ".join(parts)


def metric_definitions(task_names: list[str]) -> list[dict[str, str]]:
    """SageMaker metric definitions matching :func:`metric_log_line` (mean first, then each task)."""
    import re

    prefix = re.escape(METRIC_LINE_PREFIX)
    names = ["mean", *task_names]
    return [
        {"Name": f"val_auc_{n}", "Regex": rf"{prefix} .*\bval_auc_{re.escape(n)}={_NUMBER}"} for n in names
    ]
