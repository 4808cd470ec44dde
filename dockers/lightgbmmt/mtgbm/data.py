"""Read the train/val/test channels as SageMaker delivers them and check them before any training.

A channel is a folder holding one or many files of CSV, TSV, Parquet or JSON lines, each possibly
compressed (``.gz``, ``.bz2``, ``.zip``, ``.xz``, ``.zst``), possibly in sub-folders (S3 prefixes).
Every check here runs before the first boosting round, so a bad column costs seconds, not a job,
and every error names the channel, the file or column, the offending value and the fix.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from mtgbm.errors import MTGBMInputError

log = logging.getLogger(__name__)

_COMPRESSIONS = (".gz", ".bz2", ".zip", ".xz", ".zst")
_FORMATS = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".json": "jsonl"}


def data_files(directory: Path, channel: str) -> list[Path]:
    """Data files of a channel, sorted; hidden and ``_``-prefixed files (``_SUCCESS``, manifests) skipped."""
    if not directory.is_dir():
        raise MTGBMInputError(
            f"channel '{channel}' is missing: no folder {directory}. Give the job a '{channel}' input "
            f"(the step's input_path must hold train/, val/ and test/ folders)."
        )
    files = sorted(
        p for p in directory.rglob("*")
        if p.is_file() and not any(part.startswith((".", "_")) for part in p.relative_to(directory).parts)
    )
    if not files:
        raise MTGBMInputError(f"channel '{channel}' is empty: {directory} holds no data files; put the split's CSV/Parquet/JSON-lines files there.")
    return files


def file_format(path: Path) -> str:
    """``csv``, ``tsv``, ``parquet`` or ``jsonl`` from the file name (compression suffix ignored)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSIONS:
        suffixes = suffixes[:-1]
    fmt = _FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise MTGBMInputError(
            f"file {path} has an unsupported name: expected one of {sorted(_FORMATS)} "
            f"(optionally followed by {list(_COMPRESSIONS)}); rename it or remove it from the channel."
        )
    if fmt == "parquet" and path.suffix.lower() in _COMPRESSIONS:
        raise MTGBMInputError(f"file {path}: Parquet compresses internally; store it uncompressed as .parquet.")
    return fmt


def _read_file(path: Path) -> pd.DataFrame:
    fmt = file_format(path)
    try:
        if fmt in ("csv", "tsv"):
            return pd.read_csv(path, sep="\t" if fmt == "tsv" else ",", low_memory=False)
        if fmt == "parquet":
            return pd.read_parquet(path)
        return pd.read_json(path, lines=True)
    except pd.errors.EmptyDataError:
        log.warning("file %s is empty; skipped", path)
        return pd.DataFrame()
    except (ValueError, OSError, UnicodeDecodeError) as err:
        hint = "one JSON object per line" if fmt == "jsonl" else f"a valid {fmt} file"
        raise MTGBMInputError(f"cannot read {path} as {fmt}: {err}. Fix the file so it is {hint}.") from err


def read_channel(directory: Path, channel: str) -> pd.DataFrame:
    """All files of one channel concatenated; they must share the same columns."""
    frames: list[pd.DataFrame] = []
    first: Path | None = None
    for path in data_files(directory, channel):
        frame = _read_file(path)
        if frame.shape[1] == 0:
            continue
        if first is not None and set(frame.columns) != set(frames[0].columns):
            extra = sorted(set(frame.columns) - set(frames[0].columns))
            lacking = sorted(set(frames[0].columns) - set(frame.columns))
            raise MTGBMInputError(
                f"channel '{channel}': {path} has different columns than {first} (extra {extra}, missing {lacking}); "
                "every file of a split must have the same columns."
            )
        first = first or path
        frames.append(frame)
    if not frames or sum(len(f) for f in frames) == 0:
        raise MTGBMInputError(f"channel '{channel}' has no rows: the files in {directory} are empty; give the split at least one row.")
    df = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    log.info("channel %-5s: %d rows x %d columns from %d file(s) in %s", channel, len(df), df.shape[1], len(frames), directory)
    return df


def check_columns(df: pd.DataFrame, roles: dict[str, list[str]], channel: str) -> None:
    """Every column named in the hyperparameters must be in the split; ``roles`` maps hyperparameter -> columns."""
    present = set(df.columns)
    for role, columns in roles.items():
        missing = [c for c in columns if c not in present]
        if missing:
            shown = sorted(map(str, present))[:30]
            raise MTGBMInputError(
                f"channel '{channel}': column(s) {missing} named in {role} are not in the data "
                f"(columns present: {shown}{' ...' if len(present) > 30 else ''}). "
                f"Add the column(s) to the data or remove them from {role}."
            )


def label_matrix(df: pd.DataFrame, task_names: list[str], channel: str, id_name: str) -> np.ndarray:
    """N x K float32 0/1 labels in ``task_names`` order; NaN or non-binary labels are errors."""
    out = np.empty((len(df), len(task_names)), dtype=np.float32)
    for k, task in enumerate(task_names):
        raw = df[task]
        values = pd.to_numeric(raw.astype(object) if raw.dtype == bool else raw, errors="coerce")
        bad_text = values.isna() & raw.notna()
        if bad_text.any():
            sample = raw[bad_text].astype(str).unique()[:5].tolist()
            raise MTGBMInputError(
                f"channel '{channel}': label column '{task}' holds non-numeric values {sample}; labels must be 0 or 1."
            )
        missing = raw.isna()
        if missing.any():
            ids = df.loc[missing, id_name].head(3).tolist()
            raise MTGBMInputError(
                f"channel '{channel}': label column '{task}' has {int(missing.sum())} missing value(s) "
                f"(e.g. {id_name} {ids}); fill them with 0/1 or drop those rows upstream."
            )
        arr = values.to_numpy(dtype=np.float64)
        non_binary = ~np.isin(arr, (0.0, 1.0))
        if non_binary.any():
            sample = sorted(set(arr[non_binary].tolist()))[:5]
            raise MTGBMInputError(
                f"channel '{channel}': label column '{task}' is not binary: it holds {sample} besides 0/1. "
                "Every task is a 0/1 label; map it to 0/1 upstream."
            )
        out[:, k] = arr
    return out


def check_both_classes(labels: np.ndarray, task_names: list[str], channel: str) -> None:
    """Every task needs positives and negatives in ``channel``, or its AUC and gradients mean nothing."""
    positives = labels.sum(axis=0)
    for task, pos in zip(task_names, positives):
        if pos == 0 or pos == len(labels):
            kind = "no positives" if pos == 0 else "no negatives"
            raise MTGBMInputError(
                f"channel '{channel}': task '{task}' has {kind} in {len(labels)} rows, so it cannot be "
                f"{'trained' if channel == 'train' else 'validated'}. Add rows of both classes or drop "
                f"'{task}' from task_label_names."
            )
