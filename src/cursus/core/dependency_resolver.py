"""Wire each dependency of a node to one upstream output, or to a binding from the node's config.

Only direct predecessors in the DAG are candidates. An output matches a dependency when its type is
compatible and at least one of these holds, strongest first: its name or an alias equals the
dependency's logical name; the upstream step type is one of the dependency's compatible sources;
a semantic keyword occurs in its name. A tie between the best candidates is an error rather than a
guess, and so is one upstream output wired into two inputs of the same node.
"""

from __future__ import annotations

from dataclasses import dataclass

from cursus.core.base.config_base import ParameterBinding
from cursus.core.base.specification_base import DependencySpec, OutputSpec, StepSpecification
from cursus.core.errors import DependencyResolutionError


@dataclass(frozen=True)
class UpstreamOutput:
    """Output ``output`` (logical name) of the step built for DAG node ``node``."""

    node: str
    output: str


Source = UpstreamOutput | str | ParameterBinding


def resolve_dependencies(
    node: str, spec: StepSpecification, upstream: dict[str, StepSpecification],
    bindings: dict[str, str | ParameterBinding],
) -> dict[str, Source]:
    """``dependency -> source`` for every dependency that has one; a required one without a source raises."""
    declared = [d.logical_name for d in spec.dependencies]
    unknown = sorted(set(bindings) - set(declared))
    if unknown:
        raise DependencyResolutionError(
            f"node '{node}': input_bindings has {unknown}, which are not dependencies of {spec.step_type}; "
            f"its dependencies are {declared}"
        )
    wiring: dict[str, Source] = {}
    for dep in spec.dependencies:
        match = _best_match(node, dep, upstream)
        if match and dep.logical_name in bindings:
            raise DependencyResolutionError(
                f"node '{node}': '{dep.logical_name}' is provided by {match.node}.{match.output} and also bound in "
                f"input_bindings; remove the binding or the edge from {match.node}"
            )
        source = match or bindings.get(dep.logical_name)
        if source is not None:
            wiring[dep.logical_name] = source
        elif dep.required:
            raise DependencyResolutionError(
                f"node '{node}' ({spec.step_type}): required dependency '{dep.logical_name}' "
                f"({dep.dependency_type.value}) has no source; upstream nodes {sorted(upstream)} produce no "
                f"compatible output. Connect a step of type {list(dep.compatible_sources)} with an edge, or set "
                f'configuration.specific.{node}.input_bindings = {{"{dep.logical_name}": "s3://..."}}'
            )
    _reject_double_wiring(node, wiring)
    return wiring


def _best_match(node: str, dep: DependencySpec, upstream: dict[str, StepSpecification]) -> UpstreamOutput | None:
    scored = [
        (score, UpstreamOutput(up_node, out.logical_name))
        for up_node, up_spec in upstream.items()
        for out in up_spec.outputs
        if (score := _score(dep, up_spec.step_type, out))
    ]
    if not scored:
        return None
    best = max(s for s, _ in scored)
    winners = [m for s, m in scored if s == best]
    if len(winners) > 1:
        names = [f"{m.node}.{m.output}" for m in winners]
        raise DependencyResolutionError(
            f"node '{node}': dependency '{dep.logical_name}' matches {names} equally well; "
            "remove the edges that should not feed it, or bind it in input_bindings"
        )
    return winners[0]


def _score(dep: DependencySpec, upstream_type: str, out: OutputSpec) -> int:
    if not dep.accepts_type(out.output_type):
        return 0
    score = 4 if dep.logical_name in out.names else 0
    score += 2 if upstream_type in dep.compatible_sources else 0
    words = " ".join(out.names).lower()
    score += 1 if any(k.lower() in words for k in dep.semantic_keywords) else 0
    return score


def _reject_double_wiring(node: str, wiring: dict[str, Source]) -> None:
    seen: dict[UpstreamOutput, str] = {}
    for dep, source in wiring.items():
        if isinstance(source, UpstreamOutput):
            if source in seen:
                raise DependencyResolutionError(
                    f"node '{node}': output {source.node}.{source.output} is wired into both '{seen[source]}' and "
                    f"'{dep}'; one upstream output feeds one input. Give '{dep}' its own source or binding"
                )
            seen[source] = dep
