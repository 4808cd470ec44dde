"""Contract of ``lightgbmmt_model_eval.py``: every path the evaluation script uses.

The script ships in the same code directory as the training script (``dockers/lightgbmmt``) and
scores through the same predictor, so it needs no env vars: the task names, id column and F1
threshold come from the ``hyperparameters.json`` inside the model it evaluates.
"""

from cursus.core.base.contract_base import ProcessingScriptContract
from cursus.steps.contracts.lightgbmmt_training_contract import LIGHTGBMMT_TRAINING_CONTRACT

LIGHTGBMMT_MODEL_EVAL_CONTRACT = ProcessingScriptContract(
    entry_point="lightgbmmt_model_eval.py",
    expected_input_paths={
        # The training step's S3ModelArtifacts: a folder holding model.tar.gz (or the unpacked model).
        "model_input": "/opt/ml/processing/input/model",
        # Rows to score: one or many CSV / Parquet / JSON-lines files with the features, id and task labels.
        "processed_data": "/opt/ml/processing/input/eval_data",
    },
    expected_output_paths={
        # predictions.csv: id, then <task>_true and <task>_prob for every task (the training job's format).
        "eval_output": "/opt/ml/processing/output/eval",
        # metrics.json ({"eval": per-task and aggregate metrics}) and visualizations/*.png.
        "metrics_output": "/opt/ml/processing/output/metrics",
    },
    framework_requirements=LIGHTGBMMT_TRAINING_CONTRACT.framework_requirements,
    description=(
        "Scores an evaluation dataset with a trained LightGBMMT model (the training step's model.tar.gz) and "
        "writes per-task predictions, per-task and aggregate metrics (AUC-ROC, AP, F1) and ROC/PR plots."
    ),
)
