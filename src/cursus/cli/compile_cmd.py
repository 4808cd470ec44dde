"""``cursus compile DAG.json --config CONFIG.json --output pipeline.json [--offline]``.

Online, the code packages are uploaded with your AWS credentials. ``--offline`` needs no AWS
account and no network: the session gets placeholder credentials and SDK telemetry is off (nothing
is sent), and each code package is written next to the output, under ``<output>.code/<bucket>/<key>``,
with the ``aws s3 cp`` commands that put it where the definition expects it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from pathlib import Path

from cursus.core.errors import CursusError
from cursus.core.base.hyperparameters_base import HyperparameterError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dag", type=Path, help='DAG JSON: {"nodes": [...], "edges": [[from, to], ...]}')
    parser.add_argument("--config", type=Path, required=True, help="config JSON in Cursus's saved layout")
    parser.add_argument("--output", type=Path, required=True, help="where to write the pipeline definition")
    parser.add_argument("--offline", action="store_true", help="no AWS account or network; write code packages locally")
    parser.add_argument("--pipeline-name", help="override the name derived from author, service_name and region")
    parser.add_argument("--role", help="override the configs' IAM role ARN")


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    # The SDK logs config-file lookups, telemetry notices and popped job names; none helps here.
    for name in ("sagemaker.config", "sagemaker.telemetry.telemetry_logging", "sagemaker.workflow.utilities"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="Running within a PipelineSession")
    try:
        return _compile(args)
    except (CursusError, HyperparameterError) as err:
        print(f"cursus compile: error: {err}", file=sys.stderr)
        return 2


def _compile(args: argparse.Namespace) -> int:
    from cursus.api.session import pipeline_session
    from cursus.core.code_package import LocalCodePublisher
    from cursus.core.compiler import compile_dag_to_pipeline
    from cursus.core.config_loader import load_node_configs
    from cursus.core.dag import PipelineDAG

    dag = PipelineDAG.from_json(args.dag)
    # Region and bucket come from the configs, so the session is made for them (validated once more in compile).
    _, first = load_node_configs(args.config, dag.topological_order())[dag.topological_order()[0]]
    publisher = LocalCodePublisher(args.output.with_name(args.output.name + ".code")) if args.offline else None
    session = pipeline_session(first.aws_region, first.bucket, offline=args.offline)
    pipeline = compile_dag_to_pipeline(
        dag, args.config, session, role=args.role, pipeline_name=args.pipeline_name, code_publisher=publisher
    )
    definition = json.dumps(json.loads(pipeline.definition()), indent=2, sort_keys=True) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(definition)
    print(f"wrote {args.output} (pipeline {pipeline.name}, {len(pipeline.steps)} step(s))")
    if publisher is not None:
        print("before running the pipeline, upload the code package(s):")
        for command in publisher.upload_commands():
            print(f"  {command}")
    return 0
