#!/usr/bin/env python3
"""Entry point of the LightGBMMT (MT-GBM) training job: what SageMaker runs as ``sagemaker_program``.

Thin on purpose: resolve every path from the step's contract (the one source of container paths),
tolerate the CLI arguments the SageMaker toolkit appends, run :mod:`mtgbm.job`, and on any error
write a one-paragraph reason to the failure file (SageMaker's FailureReason) and exit non-zero.

Local runs: the contract's ``/opt/ml/...`` paths are re-rooted under ``$SAGEMAKER_BASE_DIR`` when it is
set (the same variable the SageMaker training toolkit honours), and the toolkit's own variables
(``SM_MODEL_DIR``, ``SM_OUTPUT_DATA_DIR``, ``SM_OUTPUT_DIR``, ``SM_INPUT_CONFIG_DIR``,
``SM_CHANNEL_<NAME>``) override single locations, as they do inside a real job.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path

CODE_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(CODE_DIR))  # `python -I` and the toolkit's runner do not always add it
# Busy-waiting OpenMP threads slow LightGBM ~10x on a loaded machine; set before lightgbm loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from cursus.core.base.contract_base import TrainingScriptContract  # noqa: E402
from cursus.core.base.hyperparameters_base import HyperparameterError  # noqa: E402
from cursus.steps.contracts.lightgbmmt_training_contract import LIGHTGBMMT_TRAINING_CONTRACT  # noqa: E402
from mtgbm.errors import MTGBMInputError  # noqa: E402

BASE_DIR_ENV = "SAGEMAKER_BASE_DIR"
CONTAINER_ROOT = "/opt/ml"
TRAINING_CHANNELS = ("train", "val", "test")
log = logging.getLogger("lightgbmmt_training")


def container_path(path: str, env: Mapping[str, str]) -> Path:
    """A contract path, re-rooted under ``$SAGEMAKER_BASE_DIR`` when that is set."""
    base = env.get(BASE_DIR_ENV)
    if base and (path == CONTAINER_ROOT or path.startswith(CONTAINER_ROOT + "/")):
        return Path(base) / path[len(CONTAINER_ROOT):].lstrip("/")
    return Path(path)


def channel_path(path: str, input_root: str, env: Mapping[str, str]) -> Path:
    """A path inside a channel (``<input_root>/<channel>/...``); ``SM_CHANNEL_<CHANNEL>`` relocates the channel."""
    channel, _, rest = path[len(input_root):].strip("/").partition("/")
    override = env.get(f"SM_CHANNEL_{channel.upper()}")
    if override:
        return Path(override) / rest if rest else Path(override)
    return container_path(path, env)


def resolve_paths(contract: TrainingScriptContract, env: Mapping[str, str]):
    """Every location the job uses, from ``contract`` plus the env overrides above."""
    from mtgbm.job import JobPaths

    inputs, outputs = contract.expected_input_paths, contract.expected_output_paths
    root = inputs["input_path"]
    output_dir = env.get("SM_OUTPUT_DIR")
    config_dir = env.get("SM_INPUT_CONFIG_DIR")
    return JobPaths(
        channels={c: channel_path(f"{root}/{c}", root, env) for c in TRAINING_CHANNELS},
        model_artifacts_input=channel_path(inputs["model_artifacts_input"], root, env),
        config_hyperparameters=channel_path(inputs["hyperparameters_s3_uri"], root, env),
        sagemaker_hyperparameters=(
            Path(config_dir) / Path(contract.sagemaker_hyperparameters_path).name if config_dir
            else container_path(contract.sagemaker_hyperparameters_path, env)
        ),
        embedded_hyperparameters=CODE_DIR / contract.embedded_hyperparameters_file,
        model_dir=Path(env.get("SM_MODEL_DIR") or container_path(outputs["model_output"], env)),
        output_data_dir=Path(env.get("SM_OUTPUT_DATA_DIR") or container_path(outputs["evaluation_output"], env)),
        checkpoint_dir=container_path(contract.checkpoint_path, env),
        failure_file=(
            Path(output_dir) / Path(contract.failure_path).name if output_dir
            else container_path(contract.failure_path, env)
        ),
    )


def env_switch(name: str, env: Mapping[str, str], default: str) -> bool:
    """A true/false environment switch; anything else is an error naming the value."""
    value = env.get(name, default).strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no", ""):
        return False
    raise MTGBMInputError(f"environment variable {name}={env[name]!r} is not a switch; set it to true or false.")


def failure_reason(err: BaseException) -> str:
    """One paragraph a person can act on: the error's own message for input problems, else type + message."""
    if isinstance(err, (MTGBMInputError, HyperparameterError)):
        return str(err).strip()
    return (
        f"Unexpected {type(err).__name__} in the training script: {err}. This is a bug or an environment "
        "problem rather than bad input; the full traceback is in the job's log."
    )


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _, ignored = parser.parse_known_args(argv)
    if ignored:
        log.info("ignoring %d command-line argument(s) from the toolkit; hyperparameters are read from files", len(ignored))
    contract = LIGHTGBMMT_TRAINING_CONTRACT
    paths = None
    try:
        paths = resolve_paths(contract, env)
        switches = {name: env_switch(name, env, default) for name, default in contract.optional_env_vars.items()}
        from mtgbm.job import Switches, run

        run(paths, Switches(
            imputation=switches["USE_PRECOMPUTED_IMPUTATION"],
            risk_tables=switches["USE_PRECOMPUTED_RISK_TABLES"],
            features=switches["USE_PRECOMPUTED_FEATURES"],
        ))
    except Exception as err:  # the job's last word: record why, then fail
        reason = failure_reason(err)
        if not isinstance(err, (MTGBMInputError, HyperparameterError)):
            traceback.print_exc()
        failure = paths.failure_file if paths else container_path(contract.failure_path, env)
        failure.parent.mkdir(parents=True, exist_ok=True)
        failure.write_text(reason + "\n")
        log.error("training failed: %s", reason)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
