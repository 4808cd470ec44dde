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

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path

CODE_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(CODE_DIR))  # `python -I` and the toolkit's runner do not always add it
# Busy-waiting OpenMP threads slow LightGBM ~10x on a loaded machine; set before lightgbm loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from cursus.core.base.contract_base import TrainingScriptContract  # noqa: E402
from cursus.steps.contracts.lightgbmmt_training_contract import DATA_CHANNELS, LIGHTGBMMT_TRAINING_CONTRACT  # noqa: E402
from mtgbm.entrypoint import container_path, run_entry_point  # noqa: E402
from mtgbm.errors import MTGBMInputError  # noqa: E402

log = logging.getLogger("lightgbmmt_training")


def channel_path(path: str, input_root: str, env: Mapping[str, str]) -> Path:
    """A path inside a channel (``<input_root>/<channel>/...``); ``SM_CHANNEL_<CHANNEL>`` relocates the channel."""
    channel, _, rest = path[len(input_root):].strip("/").partition("/")
    override = env.get(f"SM_CHANNEL_{channel.upper()}")
    if override:
        return Path(override) / rest if rest else Path(override)
    return container_path(path, env)


def failure_file(contract: TrainingScriptContract, env: Mapping[str, str]) -> Path:
    """The failure file (SageMaker's FailureReason); ``SM_OUTPUT_DIR`` relocates its folder."""
    output_dir = env.get("SM_OUTPUT_DIR")
    if output_dir:
        return Path(output_dir) / Path(contract.failure_path).name
    return container_path(contract.failure_path, env)


def resolve_paths(contract: TrainingScriptContract, env: Mapping[str, str]):
    """Every location the job uses, from ``contract`` plus the env overrides above."""
    from mtgbm.job import JobPaths

    inputs, outputs = contract.expected_input_paths, contract.expected_output_paths
    root = inputs["input_path"]
    config_dir = env.get("SM_INPUT_CONFIG_DIR")
    return JobPaths(
        channels={c: channel_path(f"{root}/{c}", root, env) for c in DATA_CHANNELS},
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
        failure_file=failure_file(contract, env),
    )


def env_switch(name: str, env: Mapping[str, str], default: str) -> bool:
    """A true/false environment switch; anything else is an error naming the value."""
    value = env.get(name, default).strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no", ""):
        return False
    raise MTGBMInputError(f"environment variable {name}={env[name]!r} is not a switch; set it to true or false.")


def train(contract: TrainingScriptContract, env: Mapping[str, str]) -> None:
    """Resolve paths and switches, then run the job (imports the heavy modules only now)."""
    from mtgbm.job import Switches, run

    switches = {name: env_switch(name, env, default) for name, default in contract.optional_env_vars.items()}
    run(resolve_paths(contract, env), Switches(
        imputation=switches["USE_PRECOMPUTED_IMPUTATION"],
        risk_tables=switches["USE_PRECOMPUTED_RISK_TABLES"],
        features=switches["USE_PRECOMPUTED_FEATURES"],
    ))


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    contract = LIGHTGBMMT_TRAINING_CONTRACT
    return run_entry_point("training", log, __doc__.splitlines()[0], argv,
                           job=lambda: train(contract, env), failure_file=lambda: failure_file(contract, env))


if __name__ == "__main__":
    sys.exit(main())
