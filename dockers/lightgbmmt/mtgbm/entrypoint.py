"""What every entry script of this container does the same way, so the scripts cannot drift apart.

The training script (a SageMaker training job) and the evaluation script (a processing job) both:
resolve ``/opt/ml/...`` contract paths (re-rooted under ``$SAGEMAKER_BASE_DIR`` for local runs, the
variable the SageMaker toolkit honours); tolerate the command-line arguments a runner appends;
move staged outputs into place only at the end, so a failed job leaves none; and on any error
write one actionable paragraph to the job's failure file and exit 1.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path

from cursus.core.base.contract_base import CONTAINER_ROOT, reroot
from cursus.core.base.hyperparameters_base import HyperparameterError
from mtgbm.errors import MTGBMInputError

BASE_DIR_ENV = "SAGEMAKER_BASE_DIR"
# Errors whose message already names what is wrong and the fix: shown as they are, without a traceback.
INPUT_ERRORS = (MTGBMInputError, HyperparameterError)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def container_path(path: str, env: Mapping[str, str]) -> Path:
    """A contract path, re-rooted under ``$SAGEMAKER_BASE_DIR`` when that is set."""
    base = env.get(BASE_DIR_ENV)
    if base and (path == CONTAINER_ROOT or path.startswith(CONTAINER_ROOT + "/")):
        return reroot(path, base)
    return Path(path)


def failure_reason(err: BaseException, script: str) -> str:
    """One paragraph a person can act on: the error's own message for input problems, else type + message."""
    if isinstance(err, INPUT_ERRORS):
        return str(err).strip()
    return (
        f"Unexpected {type(err).__name__} in the {script} script: {err}. This is a bug or an environment "
        "problem rather than bad input; the full traceback is in the job's log."
    )


def commit_outputs(staging: Path, final: Path) -> None:
    """Move every entry of ``staging`` into ``final``, replacing same-named entries."""
    final.mkdir(parents=True, exist_ok=True)
    for entry in sorted(staging.iterdir()):
        target = final / entry.name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        shutil.move(str(entry), str(target))


def run_entry_point(script: str, log: logging.Logger, description: str, argv: list[str] | None,
                    job: Callable[[], object], failure_file: Callable[[], Path]) -> int:
    """Run ``job``; on error write the reason to ``failure_file()`` and return 1 (else 0).

    ``script`` names the job in messages ("training", "evaluation"). ``failure_file`` is called only
    after an error, so a problem resolving the job's paths is itself reported there.
    """
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format=LOG_FORMAT)
    _, ignored = argparse.ArgumentParser(description=description).parse_known_args(argv)
    if ignored:
        log.info("ignoring %d command-line argument(s) from the runner; every input comes from the contract's paths",
                 len(ignored))
    try:
        job()
    except Exception as err:  # the job's last word: record why, then fail
        reason = failure_reason(err, script)
        if not isinstance(err, INPUT_ERRORS):
            traceback.print_exc()
        target = failure_file()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(reason + "\n", encoding="utf-8")
        log.error("%s failed: %s", script, reason)
        return 1
    return 0
