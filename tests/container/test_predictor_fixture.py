"""One small model trained by the real training script, shared by the predictor, handler and eval tests.

Trained once per test process (``lru_cache``) through ``cursus.local_run``: the entry point runs as a
subprocess in a temp ``/opt/ml`` layout exactly as a SageMaker job runs it, so the tests downstream
use the model directory and the test-split predictions a real job writes.
"""

from __future__ import annotations

import atexit
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from cursus.local_run import prepare_local_job
from cursus.sample_data import write_sample_splits

N_ROWS = 6000  # the sparsest subtask still has positives in train and val
HYPERPARAMETERS = {"num_iterations": 25, "num_leaves": 15, "learning_rate": 0.1, "min_data_in_leaf": 10, "num_threads": 1}


@dataclass(frozen=True)
class TrainedModel:
    root: Path
    data_dir: Path  # train/, val/, test/ CSV folders
    model_dir: Path  # what model.tar.gz unpacks to
    output_dir: Path  # the job's evaluation output (test.tar.gz, metrics.json, ...)
    task_names: list[str]
    id_name: str

    def split(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.data_dir / name / "data.csv")

    def archive(self, dest: Path) -> Path:
        """``dest`` = model.tar.gz of the model directory, as SageMaker uploads it."""
        with tarfile.open(dest, "w:gz") as tar:
            for path in sorted(self.model_dir.rglob("*")):
                tar.add(path, arcname=path.relative_to(self.model_dir).as_posix(), recursive=False)
        return dest


@lru_cache(maxsize=None)
def trained_model(categorical_handling: str = "risk_table") -> TrainedModel:
    """The model of a real training job; ``categorical_handling="native"`` for LightGBM categoricals."""
    root = Path(tempfile.mkdtemp(prefix="mtgbm-model-tests-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    schema = write_sample_splits(
        root / "data", n_rows=N_ROWS, seed=3, categorical_handling=categorical_handling, **HYPERPARAMETERS
    )
    job = prepare_local_job("LightGBMMTTraining", root / "data", root / "work")
    if job.run(echo=False) != 0:
        raise RuntimeError(f"training failed: {job.failure_reason()}\n{job.log_file.read_text()[-4000:]}")
    return TrainedModel(root, root / "data", job.model_dir, job.output_data_dir, schema.task_label_names, schema.id_name)


def test_the_training_job_leaves_a_complete_model_directory():
    model = trained_model()
    for name in ("feature_columns.txt", "impute_dict.json", "risk_table_map.json", "hyperparameters.json"):
        assert (model.model_dir / name).is_file(), name
    assert (model.output_dir / "test.tar.gz").is_file()
