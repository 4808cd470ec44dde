"""Compile a DAG file and a config file into a pipeline definition file, quietly, and say what was written.

The one implementation behind ``cursus compile`` and ``cursus demo``: callers print what they like
from the returned :class:`CompiledPipeline`; nothing here prints. Offline, no AWS account or network
is needed: code packages are written next to the definition, under ``<output>.code/<bucket>/<key>``,
and the result lists the uploads that put them where the definition expects them.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cursus.core.code_package import upload_command

# SDK loggers whose notices (config-file lookups, telemetry, popped job names) say nothing about the pipeline.
_NOISY_SDK_LOGGERS = ("sagemaker.config", "sagemaker.telemetry.telemetry_logging", "sagemaker.workflow.utilities")


@dataclass(frozen=True)
class CompiledPipeline:
    """What a compile wrote: the definition and, offline, the code packages still to upload."""

    definition_path: Path
    pipeline_name: str
    step_names: tuple[str, ...]
    code_packages: tuple[tuple[Path, str], ...] = ()  # (local file, S3 URI the definition expects); empty online

    @property
    def upload_commands(self) -> list[str]:
        """``aws s3 cp`` commands to run before starting the pipeline (offline compiles only)."""
        return [upload_command(path, uri) for path, uri in self.code_packages]


def compile_offline(dag_path: str | Path, config_path: str | Path, output_path: str | Path) -> CompiledPipeline:
    """Compile with no AWS account and no network; code packages go under ``<output_path>.code``."""
    return compile_to_file(dag_path, config_path, output_path, offline=True)


def compile_to_file(
    dag_path: str | Path, config_path: str | Path, output_path: str | Path, *, offline: bool,
    role: str | None = None, pipeline_name: str | None = None,
) -> CompiledPipeline:
    """Write the pipeline definition of ``dag_path`` configured by ``config_path`` to ``output_path``.

    Online, code packages are uploaded with the caller's AWS credentials. Raises ``CursusError`` (or
    ``HyperparameterError``) with a readable message for any mistake in the inputs; nothing is written then.
    """
    with _quiet_sdk():
        from cursus.api.session import pipeline_session
        from cursus.core.code_package import LocalCodePublisher
        from cursus.core.compiler import compile_dag_to_pipeline
        from cursus.core.config_loader import load_node_configs
        from cursus.core.dag import PipelineDAG

        output = Path(output_path)
        dag = PipelineDAG.from_json(dag_path)
        # Region and bucket come from the configs, so the session is made for them (validated once more in compile).
        order = dag.topological_order()
        _, first = load_node_configs(config_path, order)[order[0]]
        publisher = LocalCodePublisher(output.with_name(output.name + ".code")) if offline else None
        session = pipeline_session(first.aws_region, first.bucket, offline=offline)
        pipeline = compile_dag_to_pipeline(
            dag, config_path, session, role=role, pipeline_name=pipeline_name, code_publisher=publisher
        )
        definition = json.dumps(json.loads(pipeline.definition()), indent=2, sort_keys=True) + "\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(definition)
    return CompiledPipeline(
        definition_path=output,
        pipeline_name=pipeline.name,
        step_names=tuple(step.name for step in pipeline.steps),
        code_packages=tuple(publisher.pending) if publisher is not None else (),
    )


@contextmanager
def _quiet_sdk() -> Iterator[None]:
    """Silence the SDK's notices for the compile only; logger levels and warning filters are restored after."""
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")  # read once, when sagemaker is first imported
    loggers = [logging.getLogger(name) for name in _NOISY_SDK_LOGGERS]
    levels = [logger.level for logger in loggers]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Running within a PipelineSession")
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels):
                logger.setLevel(level)
