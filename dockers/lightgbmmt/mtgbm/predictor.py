"""Score new rows with a trained model directory: the one code path for every use of the model.

The evaluation step, the SageMaker endpoint (``inference.py``), batch scoring and a notebook all go
through :class:`MultiTaskPredictor`, so they cannot drift from one another or from the training job:
the predictor applies the preprocessing the job saved (``Preprocessor.load`` + ``transform``, the
very functions the job used on its test split) and asks the saved booster for every task's probability.

Input columns: every feature in ``feature_columns.txt`` must be present (a missing one is an
:class:`MTGBMInputError` naming it); extra columns (ids, labels, anything else) are ignored; unseen
categories get the default risk the job saved. A model trained on columns risk-mapped upstream
(USE_PRECOMPUTED_RISK_TABLES, recorded in ``preprocessing.json``) takes risk-mapped columns, as its job
did, and refuses raw categories with the fix. Output: one ``<task>_prob`` column per task, the main
task first, then the others in training order.
"""

from __future__ import annotations

import json
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mtgbm.booster import MultiTaskBooster
from mtgbm.errors import MTGBMInputError
from mtgbm.model_io import MANIFEST
from mtgbm.preprocessing import FEATURES_FILE, Preprocessor

MODEL_ARCHIVE = "model.tar.gz"
HYPERPARAMETERS_FILE = "hyperparameters.json"
PROB_SUFFIX = "_prob"


class MultiTaskPredictor:
    """A loaded model: its preprocessing and its booster, checked to agree on the feature columns.

    ``hyperparameters`` is the training job's ``hyperparameters.json`` as saved (empty when absent):
    scoring does not need it, evaluation reads the id column and F1 threshold from it.
    """

    def __init__(self, booster: MultiTaskBooster, preprocessor: Preprocessor,
                 hyperparameters: dict[str, Any] | None = None) -> None:
        if list(booster.feature_names) != preprocessor.feature_names:
            raise MTGBMInputError(
                f"the booster was trained on features {list(booster.feature_names)} but {FEATURES_FILE} lists "
                f"{preprocessor.feature_names}; the model directory mixes files of different training runs. "
                "Use the model.tar.gz of a single training job."
            )
        self.booster = booster
        self.preprocessor = preprocessor
        self.hyperparameters = dict(hyperparameters or {})
        main = booster.main_task_index
        tasks = list(booster.task_names)
        # Output order: the main task first, then the subtasks as they were trained.
        self._order = [main, *(k for k in range(len(tasks)) if k != main)]
        self.task_names: list[str] = [tasks[k] for k in self._order]

    @property
    def main_task(self) -> str:
        return self.task_names[0]

    @property
    def feature_names(self) -> list[str]:
        """Input columns the model needs, in the order headerless CSV rows must list them."""
        return self.preprocessor.feature_names

    @property
    def output_columns(self) -> list[str]:
        return [f"{t}{PROB_SUFFIX}" for t in self.task_names]

    @classmethod
    def load(cls, path: str | Path) -> "MultiTaskPredictor":
        """Load from a model directory, a ``model.tar.gz``, or a folder holding one ``model.tar.gz``.

        The last form is what a processing job receives for the training step's ``S3ModelArtifacts``.
        An archive is unpacked into a temporary folder that is gone when this returns: everything is
        read into memory.
        """
        path = Path(path)
        archive = _find_archive(path)
        if archive is None:
            return cls._load_dir(path)
        with tempfile.TemporaryDirectory(prefix="mtgbm-model-") as tmp:
            _safe_extract(archive, Path(tmp))
            return cls._load_dir(Path(tmp))

    @classmethod
    def _load_dir(cls, directory: Path) -> "MultiTaskPredictor":
        missing = [name for name in (MANIFEST, FEATURES_FILE) if not (directory / name).is_file()]
        if missing:
            found = sorted(p.name for p in directory.iterdir())[:20] if directory.is_dir() else "nothing (no such folder)"
            raise MTGBMInputError(
                f"{directory} is not a LightGBMMT model directory: {' and '.join(missing)} missing (found {found}). "
                f"Point to the unpacked model.tar.gz of a LightGBMMTTraining job, or to the archive itself."
            )
        hp_file = directory / HYPERPARAMETERS_FILE
        try:
            hyperparameters = json.loads(hp_file.read_text()) if hp_file.is_file() else {}
        except json.JSONDecodeError as err:
            raise MTGBMInputError(f"{hp_file} is not valid JSON ({err}); use the file the training job wrote.") from err
        return cls(MultiTaskBooster.load(directory), Preprocessor.load(directory), hyperparameters)

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """The model-ready float32 matrix of ``df`` (missing feature column -> MTGBMInputError)."""
        return self.preprocessor.transform(df)

    def predict_proba(self, df: pd.DataFrame) -> np.ndarray:
        """N x K probabilities, columns in :attr:`task_names` order (main task first)."""
        return self.predict_matrix(self.transform(df))

    def predict_matrix(self, X: np.ndarray) -> np.ndarray:
        """Probabilities of already-transformed rows (see :meth:`transform`), main task first."""
        prob = np.asarray(self.booster.predict(X))
        return prob[:, self._order]

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        """One ``<task>_prob`` column per task (main task first), indexed like ``df``."""
        return pd.DataFrame(self.predict_proba(df), columns=self.output_columns, index=df.index)


def _find_archive(path: Path) -> Path | None:
    """The model archive ``path`` designates, or None when it is an unpacked model directory."""
    if path.is_file():
        if not tarfile.is_tarfile(path):
            raise MTGBMInputError(f"{path} is a file but not a tar archive; give a model directory or a model.tar.gz.")
        return path
    if path.is_dir() and not (path / FEATURES_FILE).exists():
        archives = sorted(path.glob("*.tar.gz"))
        if len(archives) == 1:
            return archives[0]
        if len(archives) > 1:
            raise MTGBMInputError(
                f"{path} holds several archives {[a.name for a in archives]}; keep only the training job's {MODEL_ARCHIVE}."
            )
    return None


def _safe_extract(archive: Path, dest: Path) -> None:
    """Unpack regular files and folders only, refusing links and paths that leave ``dest``."""
    root = dest.resolve()
    with tarfile.open(archive, "r:*") as tar:
        for member in tar.getmembers():
            target = (root / member.name).resolve()
            if not (member.isfile() or member.isdir()) or not target.is_relative_to(root):
                raise MTGBMInputError(
                    f"{archive}: member '{member.name}' is a link or points outside the archive; "
                    "a model archive holds plain files only. Re-create it from the training job's output."
                )
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as source:  # type: ignore[union-attr]  (a regular file, checked above)
                target.write_bytes(source.read())
