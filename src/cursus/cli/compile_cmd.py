"""``cursus compile DAG.json --config CONFIG.json --output pipeline.json [--offline]``.

Online, the code packages are uploaded with your AWS credentials. ``--offline`` needs no AWS
account and no network: the session gets placeholder credentials and SDK telemetry is off (nothing
is sent), and each code package is written next to the output, under ``<output>.code/<bucket>/<key>``,
with the ``aws s3 cp`` commands that put it where the definition expects it. The work is done by
:func:`cursus.api.compile_file.compile_to_file`; this module parses arguments and prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cursus.core.base.hyperparameters_base import HyperparameterError
from cursus.core.errors import CursusError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dag", type=Path, help='DAG JSON: {"nodes": [...], "edges": [[from, to], ...]}')
    parser.add_argument("--config", type=Path, required=True, help="config JSON in Cursus's saved layout")
    parser.add_argument("--output", type=Path, required=True, help="where to write the pipeline definition")
    parser.add_argument("--offline", action="store_true", help="no AWS account or network; write code packages locally")
    parser.add_argument("--pipeline-name", help="override the name derived from author, service_name and region")
    parser.add_argument("--role", help="override the configs' IAM role ARN")


def run(args: argparse.Namespace) -> int:
    from cursus.api.compile_file import compile_to_file

    try:
        result = compile_to_file(
            args.dag, args.config, args.output, offline=args.offline, role=args.role, pipeline_name=args.pipeline_name
        )
    except (CursusError, HyperparameterError) as err:
        print(f"cursus compile: error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {result.definition_path} (pipeline {result.pipeline_name}, {len(result.step_names)} step(s))")
    if result.code_packages:
        print("before running the pipeline, upload the code package(s):")
        for command in result.upload_commands:
            print(f"  {command}")
    return 0
