"""``cursus run-local STEP --data DIR [--hyperparameters HP.json] --workdir DIR``: run a training step here, as SageMaker would."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cursus.core.base.hyperparameters_base import HyperparameterError
from cursus.local_run import LOCAL_STEPS, LocalRunError, prepare_local_job


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("step", choices=sorted(LOCAL_STEPS), help="Registered step name.")
    parser.add_argument("--data", required=True, type=Path, help="Folder with one sub-folder per channel (train/, val/, test/, ...).")
    parser.add_argument("--hyperparameters", type=Path, help="Full hyperparameters JSON (default: DATA/hyperparameters.json).")
    parser.add_argument("--workdir", required=True, type=Path, help="Where to lay out opt/ml (emptied first).")
    parser.add_argument("--keep-checkpoints", action="store_true", help="Resume from the checkpoints of the previous run in WORKDIR.")


def run(args: argparse.Namespace) -> int:
    try:
        hyperparameters = json.loads(args.hyperparameters.read_text()) if args.hyperparameters else None
        job = prepare_local_job(args.step, args.data, args.workdir, hyperparameters, keep_checkpoints=args.keep_checkpoints)
    except (LocalRunError, HyperparameterError, OSError, json.JSONDecodeError) as err:
        print(f"cursus run-local: {err}", file=sys.stderr)
        return 2
    print(f"running {args.step} in {job.base_dir} (log: {job.log_file})", flush=True)
    code = job.run()
    if code != 0:
        print(f"\nthe job failed (exit {code}): {job.failure_reason() or 'no failure file written'}", file=sys.stderr)
        return code
    print(f"\nmodel: {job.model_dir}\nevaluation: {job.output_data_dir}")
    return 0
