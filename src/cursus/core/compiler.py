"""Compile a PipelineDAG and its config file into a SageMaker Pipeline.

For each node in topological order: look up its config by exact node name, its step in the
registry by config class, check the step's spec against its contract, wire its dependencies to
upstream outputs (or to bindings in its config), and build the step. Steps refer to each other
through SageMaker property references, which also order them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sagemaker.workflow.parameters import ParameterString
from sagemaker.workflow.pipeline import Pipeline

from cursus.core.alignment import check_contract_spec
from cursus.core.base.config_base import ParameterBinding
from cursus.core.code_package import CodePublisher, S3CodePublisher
from cursus.core.config_loader import load_node_configs
from cursus.core.dag import PipelineDAG
from cursus.core.dependency_resolver import UpstreamOutput, resolve_dependencies
from cursus.core.errors import ConfigError, DAGError

_STEP_NAME = re.compile(r"^[A-Za-z0-9\-_]{1,64}$")


def compile_dag_to_pipeline(
    dag: PipelineDAG | str | Path,
    config_path: str | Path,
    sagemaker_session: Any,
    role: str | None = None,
    pipeline_name: str | None = None,
    code_publisher: CodePublisher | None = None,
) -> Pipeline:
    """The Pipeline for ``dag`` (a PipelineDAG or a DAG JSON file) configured by ``config_path``.

    ``sagemaker_session`` should be a PipelineSession created with ``default_bucket``. ``role``
    overrides the configs' role. Code packages go to S3 through the session unless a
    ``code_publisher`` is given (``cursus compile --offline`` passes a local one).
    """
    if not isinstance(dag, PipelineDAG):
        dag = PipelineDAG.from_json(dag)
    order = dag.topological_order()
    bad = [n for n in order if not _STEP_NAME.match(n)]
    if bad:
        raise DAGError(f"node names {bad} are not valid SageMaker step names; use up to 64 letters, digits, - and _")
    nodes = load_node_configs(config_path, order)
    specs = {node: info.load_spec() for node, (info, _) in nodes.items()}
    for spec in {id(s): s for s in specs.values()}.values():
        check_contract_spec(spec)
    publisher = code_publisher or S3CodePublisher(sagemaker_session.boto_session)

    parameters: dict[str, ParameterString] = {}
    steps: dict[str, Any] = {}
    builders: dict[str, Any] = {}
    for node in order:
        info, config = nodes[node]
        upstream = {p: specs[p] for p in dag.predecessors(node)}
        wiring = resolve_dependencies(node, specs[node], upstream, config.input_bindings)
        inputs = {}
        for dep, source in wiring.items():
            if isinstance(source, UpstreamOutput):
                inputs[dep] = builders[source.node].output_reference(steps[source.node], source.output)
            elif isinstance(source, ParameterBinding):
                inputs[dep] = _parameter(parameters, source, node)
            else:
                inputs[dep] = source
        wired = {s.node for s in wiring.values() if isinstance(s, UpstreamOutput)}
        builder = info.load_builder_class()(
            config, specs[node], step_name=node, sagemaker_session=sagemaker_session,
            role=role or config.role, code_publisher=publisher,
        )
        builders[node] = builder
        steps[node] = builder.create_step(inputs, [steps[p] for p in upstream if p not in wired])
    return Pipeline(
        name=pipeline_name or _common_pipeline_name(nodes),
        parameters=list(parameters.values()),
        steps=[steps[n] for n in order],
        sagemaker_session=sagemaker_session,
    )


def _parameter(parameters: dict[str, ParameterString], binding: ParameterBinding, node: str) -> ParameterString:
    """One ParameterString per name; two nodes binding one name must agree on its default."""
    existing = parameters.get(binding.parameter)
    if existing is None:
        parameters[binding.parameter] = existing = ParameterString(binding.parameter, default_value=binding.default)
    elif existing.default_value != binding.default:
        raise ConfigError(
            f"node '{node}': pipeline parameter '{binding.parameter}' has default {binding.default!r} here but "
            f"{existing.default_value!r} in an earlier node; use one default"
        )
    return existing


def _common_pipeline_name(nodes: dict[str, tuple[Any, Any]]) -> str:
    names = {config.pipeline_name for _, config in nodes.values()}
    if len(names) != 1:
        raise ConfigError(
            f"the nodes' configs give different pipeline names {sorted(names)}; put author, service_name and "
            "region in configuration.shared, or pass pipeline_name"
        )
    return names.pop()
