"""Training checkpoints: one ``.npz`` file (no pickle), written to a temp name and renamed into place.

A checkpoint holds everything the next round depends on: the trees so far (LightGBM text), the
per-task leaf values and sums, the raw scores of train and validation rows, the current training
labels (soft after knowledge distillation), the weighting/KD/early-stopping state and the history.
It is valid only for the same data and the same training parameters (a fingerprint checks both).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

CHECKPOINT_FILE = "mtgbm_checkpoint.npz"
CHECKPOINT_VERSION = 1
# Parameters that may differ on resume without changing the rounds already trained.
_RESUME_FREE_FIELDS = {"num_iterations", "checkpoint_frequency", "num_threads", "early_stopping_rounds"}


def fingerprint(hp: Any, arrays: list[np.ndarray | None]) -> str:
    """Hash of the training parameters and the training/validation data the checkpoint belongs to."""
    digest = hashlib.blake2b(digest_size=16)
    params = {k: v for k, v in hp.model_dump(mode="json").items() if k not in _RESUME_FREE_FIELDS}
    digest.update(json.dumps(params, sort_keys=True).encode())
    for arr in arrays:
        if arr is None:
            digest.update(b"none")
            continue
        digest.update(f"{arr.dtype.str}{arr.shape}".encode())
        digest.update(np.ascontiguousarray(arr).data)
    return digest.hexdigest()


def write_checkpoint(directory: Path, meta: dict[str, Any], model_text: str, arrays: dict[str, np.ndarray]) -> Path:
    """Write atomically: a reader sees the previous checkpoint or this one, never half of one."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / CHECKPOINT_FILE
    tmp = directory / f".{CHECKPOINT_FILE}.tmp"  # one writer per job; a killed write's leftover is overwritten
    payload = {
        "meta": _text_array(json.dumps({"version": CHECKPOINT_VERSION, **meta}, allow_nan=False)),
        "model": _text_array(model_text),
        **arrays,
    }
    with open(tmp, "wb") as fh:
        np.savez(fh, **payload)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    return final


def read_checkpoint(directory: Path, expected_fingerprint: str) -> tuple[dict[str, Any], str, dict[str, np.ndarray]] | None:
    """The checkpoint in ``directory`` if present and made for this data and these parameters, else None."""
    path = Path(directory) / CHECKPOINT_FILE
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        missing = [k for k in ("meta", "model") if k not in arrays]
        if missing:
            raise ValueError(f"not a training checkpoint: no {missing} array(s) (it has {sorted(arrays)[:10]})")
        meta = json.loads(_array_text(arrays.pop("meta")))
        model_text = _array_text(arrays.pop("model"))
        if not isinstance(meta, dict):
            raise ValueError(f"its meta is a JSON {type(meta).__name__}, not an object")
    except (OSError, ValueError, AttributeError) as err:  # truncated or foreign file: train from scratch, say why
        # (json.JSONDecodeError and UnicodeDecodeError are ValueErrors)
        log.warning("ignoring unreadable checkpoint %s: %s; training from scratch", path, err)
        return None
    if meta.get("version") != CHECKPOINT_VERSION:
        log.warning("ignoring checkpoint %s: format version %s, expected %s", path, meta.get("version"), CHECKPOINT_VERSION)
        return None
    if meta.get("fingerprint") != expected_fingerprint:
        log.warning("ignoring checkpoint %s: it was made for other data or training parameters", path)
        return None
    return meta, model_text, arrays


def _text_array(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _array_text(arr: np.ndarray) -> str:
    return arr.tobytes().decode("utf-8")
