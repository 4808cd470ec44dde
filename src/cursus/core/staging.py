"""Stage a step's code directory: exactly what SageMaker receives as ``source_dir``.

The container code (``dockers/<name>/``) plus the import-light part of ``cursus`` that the
container validates with (contracts, hyperparameters), plus the full hyperparameters as JSON.
Nothing is copied by hand into the repository: this is the only place the two sides meet, and
the builder, ``cursus run-local`` and the tests all stage through it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import cursus

# The part of cursus the containers import (contracts for paths, hyperparameters to validate).
# Each module here imports pydantic at most; nothing else of cursus goes into a job.
CONTAINER_SAFE_PACKAGES = ("steps/contracts", "steps/hyperparams")
CONTAINER_SAFE_FILES = (
    "__init__.py", "core/__init__.py", "steps/__init__.py",
    "core/base/__init__.py", "core/base/contract_base.py", "core/base/hyperparameters_base.py",
)

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "*.egg-info")


def _bundled(wheel_path: str, checkout_path: str) -> Path:
    """A folder the wheel ships under ``cursus/<wheel_path>``, or the source checkout's ``<checkout_path>``."""
    package_root = Path(cursus.__file__).resolve().parent
    for candidate in (package_root / wheel_path, package_root.parents[1] / checkout_path):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"'{checkout_path}' not found in {package_root / wheel_path} nor in a source checkout; "
        f"reinstall cursus-lightgbmmt (the wheel ships it under cursus/{wheel_path})."
    )


def container_source_dir(name: str) -> Path:
    """Folder of the container code ``dockers/<name>``: inside the installed wheel, else the checkout."""
    return _bundled(f"_container/{name}", f"dockers/{name}")


def examples_dir() -> Path:
    """The example DAG and config a user copies (``examples/``), wherever cursus is installed from."""
    return _bundled("_examples", "examples")


def stage_code_dir(
    container: str, dest: Path, hyperparameters: dict[str, Any] | None = None,
    hyperparameters_file: str = "hyperparams/hyperparameters.json",
) -> Path:
    """Write the code directory for ``container`` into ``dest`` (emptied first) and return it."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(container_source_dir(container), dest, ignore=_IGNORE)
    package_root = Path(cursus.__file__).resolve().parent
    for sub in CONTAINER_SAFE_PACKAGES:
        shutil.copytree(package_root / sub, dest / "cursus" / sub, ignore=_IGNORE)
    for name in CONTAINER_SAFE_FILES:
        (dest / "cursus" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(package_root / name, dest / "cursus" / name)
    if hyperparameters is not None:
        target = dest / hyperparameters_file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(hyperparameters, indent=2, sort_keys=True) + "\n")
    return dest
