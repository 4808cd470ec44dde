"""PipelineDAG: named nodes and directed edges, with a deterministic topological order.

Node names are the keys of the config file's per-node sections; the order of steps in the compiled
pipeline follows :meth:`PipelineDAG.topological_order`, which breaks ties by insertion order so that
two compiles of the same DAG produce the same definition.
"""

from __future__ import annotations

import json
from pathlib import Path

from cursus.core.errors import DAGError


class PipelineDAG:
    """Nodes and edges ``(upstream, downstream)``; data flows along each edge."""

    def __init__(self, nodes: list[str] | None = None, edges: list[tuple[str, str]] | None = None) -> None:
        self.nodes: list[str] = []
        self.edges: list[tuple[str, str]] = []
        for node in nodes or []:
            self.add_node(node)
        for src, dst in edges or []:
            self.add_edge(src, dst)

    def add_node(self, node: str) -> None:
        if not isinstance(node, str) or not node:
            raise DAGError(f"node names are non-empty strings; got {node!r}")
        if node in self.nodes:
            raise DAGError(f"node '{node}' is declared twice; node names must be unique")
        self.nodes.append(node)

    def add_edge(self, src: str, dst: str) -> None:
        for end in (src, dst):
            if end not in self.nodes:
                raise DAGError(f"edge {src} -> {dst} names '{end}', which is not a node; declared nodes: {self.nodes}")
        if src == dst:
            raise DAGError(f"edge {src} -> {dst} connects a node to itself; remove it")
        if (src, dst) not in self.edges:
            self.edges.append((src, dst))

    def predecessors(self, node: str) -> list[str]:
        return [s for s, d in self.edges if d == node]

    def successors(self, node: str) -> list[str]:
        return [d for s, d in self.edges if s == node]

    def topological_order(self) -> list[str]:
        """Kahn's algorithm, ties broken by declaration order; a cycle raises DAGError naming it."""
        indegree = {n: len(self.predecessors(n)) for n in self.nodes}
        ready = [n for n in self.nodes if indegree[n] == 0]
        order: list[str] = []
        while ready:
            node = ready.pop(0)
            order.append(node)
            for nxt in self.successors(node):
                indegree[nxt] -= 1
                if indegree[nxt] == 0:
                    ready.append(nxt)
            ready.sort(key=self.nodes.index)
        if len(order) < len(self.nodes):
            cycle = self._find_cycle({n for n in self.nodes if n not in order})
            raise DAGError(f"the DAG has a cycle: {' -> '.join(cycle)}; remove one of these edges")
        return order

    def _find_cycle(self, remaining: set[str]) -> list[str]:
        # Every node left by Kahn's algorithm has a predecessor that is also left: walk back until one repeats.
        node = min(remaining, key=self.nodes.index)
        path: list[str] = []
        while node not in path:
            path.append(node)
            node = next(p for p in self.predecessors(node) if p in remaining)
        cycle = path[path.index(node):]
        cycle.reverse()
        first = cycle.index(min(cycle, key=self.nodes.index))  # start at the earliest declared node
        cycle = cycle[first:] + cycle[:first]
        return [*cycle, cycle[0]]

    # ----- JSON: {"nodes": [...], "edges": [["a", "b"], ...]} -----
    @classmethod
    def from_dict(cls, data: dict) -> "PipelineDAG":
        if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
            raise DAGError('a DAG file is {"nodes": ["name", ...], "edges": [["from", "to"], ...]}')
        edges = data.get("edges", [])
        bad = [e for e in edges if not (isinstance(e, list) and len(e) == 2)]
        if bad:
            raise DAGError(f"edges must be [from, to] pairs; got {bad[:3]}")
        return cls(data["nodes"], [tuple(e) for e in edges])

    @classmethod
    def from_json(cls, path: str | Path) -> "PipelineDAG":
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise DAGError(f"cannot read DAG file {path}: {err}") from None
        return cls.from_dict(data)
