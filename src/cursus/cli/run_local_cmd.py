"""``cursus run-local STEP ... --workdir DIR``: run a registered step's script here, as SageMaker would.

Training step: ``--data DIR`` (one sub-folder per channel) and optionally ``--hyperparameters FILE``.
Processing step: ``--model DIR_OR_TAR`` (a trained model) and ``--data DIR`` (the rows to process).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cursus.core.base.hyperparameters_base import HyperparameterError
from cursus.local_run import (
    LocalJob,
    LocalRunError,
    local_step,
    local_steps,
    prepare_local_job,
    prepare_local_processing_job,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("step", choices=local_steps(), help="Registered step name.")
    parser.add_argument("--data", required=True, type=Path,
                        help="Training: folder with one sub-folder per channel (train/, val/, test/). "
                             "Processing: folder (or file) of rows to process.")
    parser.add_argument("--model", type=Path, help="Processing steps: a model.tar.gz or an unpacked model folder.")
    parser.add_argument("--hyperparameters", type=Path, help="Training: full hyperparameters JSON (default: DATA/hyperparameters.json).")
    parser.add_argument("--workdir", required=True, type=Path, help="Where to lay out opt/ml (emptied first).")
    parser.add_argument("--keep-checkpoints", action="store_true", help="Training: resume from the checkpoints of the previous run in WORKDIR.")


def prepare(args: argparse.Namespace) -> LocalJob:
    """Lay out the job the arguments describe; LocalRunError names a misplaced or missing argument."""
    step = local_step(args.step)
    if step.step_type == "Processing":
        for flag, given in (("--hyperparameters", args.hyperparameters is not None), ("--keep-checkpoints", args.keep_checkpoints)):
            if given:
                raise LocalRunError(
                    f"{flag} is for training steps; {args.step} is a processing step and would ignore it: "
                    "remove it (give --model and --data)."
                )
        model_input = step.model_input()
        if model_input is not None and args.model is None:
            raise LocalRunError(f"{args.step} scores with a trained model: pass --model MODEL.tar.gz or a model folder.")
        data_inputs = [name for name in step.contract.expected_input_paths if name != model_input]
        if len(data_inputs) != 1:
            raise LocalRunError(f"{args.step} takes inputs {data_inputs} besides the model; run-local maps --data to one only.")
        inputs = {data_inputs[0]: args.data, **({model_input: args.model} if model_input else {})}
        return prepare_local_processing_job(args.step, inputs, args.workdir)
    if args.model is not None:
        raise LocalRunError(f"--model is for processing steps; {args.step} trains one (give --data and --hyperparameters).")
    hyperparameters = json.loads(args.hyperparameters.read_text()) if args.hyperparameters else None
    return prepare_local_job(args.step, args.data, args.workdir, hyperparameters, keep_checkpoints=args.keep_checkpoints)


def run(args: argparse.Namespace) -> int:
    try:
        job = prepare(args)
    except (LocalRunError, HyperparameterError, OSError, json.JSONDecodeError) as err:
        print(f"cursus run-local: {err}", file=sys.stderr)
        return 2
    print(f"running {args.step} in {job.base_dir} (log: {job.log_file})", flush=True)
    code = job.run()
    if code != 0:
        print(f"\nthe job failed (exit {code}): {job.failure_reason() or 'no failure file written'}", file=sys.stderr)
        return code
    print()
    if local_step(args.step).step_type == "Training":  # the names SageMaker users know
        print(f"model: {job.model_dir}\nevaluation: {job.output_data_dir}")
    else:
        for name, folder in job.outputs.items():
            print(f"{name}: {folder}")
    return 0
