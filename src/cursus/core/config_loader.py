"""Load a pipeline config file: one validated config per DAG node, matched by exact node name.

Accepts Cursus's saved layout::

    {"configuration": {"shared": {...fields common to all nodes...},
                       "specific": {"<node>": {...fields of that node...}}},
     "metadata": {"config_types": {"<node>": "<ConfigClassName>"}}}

A node is never matched to "the first config" or to a similar name: a node without its own
entry in ``metadata.config_types`` is an error that lists the entries there are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cursus.core.base.config_base import BasePipelineConfig
from cursus.core.errors import ConfigError, describe_validation_error
from cursus.registry import StepInfo, step_for_config_class

# Bookkeeping keys Cursus writes into saved sections; they name the class, they are not fields.
_CURSUS_META_KEYS = ("__model_type__", "__model_module__")
LAYOUT_HINT = (
    '{"configuration": {"shared": {...}, "specific": {"<node>": {...}}}, '
    '"metadata": {"config_types": {"<node>": "<ConfigClass>"}}}'
)


def load_node_configs(config_path: str | Path, nodes: list[str]) -> dict[str, tuple[StepInfo, BasePipelineConfig]]:
    """``node -> (registry entry, validated config)`` for every node of the DAG."""
    data = _read(config_path)
    for section in ("shared", "specific"):
        value = data["configuration"].get(section, {})
        if not isinstance(value, dict):
            raise ConfigError(
                f"configuration.{section} in {config_path} is a JSON {_json_type(value)}, not an object; "
                f"write it as {{...}} (the layout is {LAYOUT_HINT})"
            )
    shared = _strip_meta(data["configuration"].get("shared", {}))
    specific = data["configuration"].get("specific", {})
    config_types = data["metadata"]["config_types"]
    bad_specific = [n for n, v in specific.items() if n in nodes and not isinstance(v, dict)]
    if bad_specific:
        raise ConfigError(
            f"configuration.specific.{bad_specific[0]} in {config_path} is a JSON {_json_type(specific[bad_specific[0]])}, "
            "not an object; write that node's fields as {...}"
        )
    missing = [n for n in nodes if n not in config_types]
    if missing:
        raise ConfigError(
            f"node(s) {missing} have no config in {config_path}: metadata.config_types has {sorted(config_types)}; "
            "add metadata.config_types.<node> (the config class) and configuration.specific.<node>, "
            "or rename the DAG node to match"
        )
    for section, entries in (("configuration.specific", specific), ("metadata.config_types", config_types)):
        unknown = sorted(k for k in entries if k not in nodes)
        if unknown:
            raise ConfigError(
                f"{section} in {config_path} has {unknown}, which are not nodes of the DAG; the DAG's nodes are "
                f"{list(nodes)}: rename the entries to the DAG node names (or remove them)"
            )
    result: dict[str, tuple[StepInfo, BasePipelineConfig]] = {}
    used_shared: set[str] = set()
    for node in nodes:
        info = step_for_config_class(config_types[node])
        cls = info.load_config_class()
        fields = {k: v for k, v in shared.items() if k in cls.model_fields}
        used_shared |= fields.keys()
        fields.update(_strip_meta(specific.get(node, {})))
        try:
            result[node] = (info, cls.model_validate(fields))
        except ValidationError as err:
            raise ConfigError(
                f"config of node '{node}' ({cls.__name__}) is invalid:\n"
                + describe_validation_error(err, f"configuration.specific.{node}")
            ) from None
    unused = sorted(set(shared) - used_shared)
    if unused:
        raise ConfigError(f"configuration.shared has {unused}, which no node's config class has; remove or fix the spelling")
    return result


def _read(config_path: str | Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(config_path).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ConfigError(f"cannot read config file {config_path}: {err}") from None
    ok = (
        isinstance(data, dict)
        and isinstance(data.get("configuration"), dict)
        and isinstance(data.get("metadata"), dict)
        and isinstance(data["metadata"].get("config_types"), dict)
    )
    if not ok:
        raise ConfigError(f"{config_path} is not a Cursus config file; the layout is {LAYOUT_HINT}")
    return data


def _json_type(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", int: "number", float: "number", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _strip_meta(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_meta(v) for k, v in value.items() if k not in _CURSUS_META_KEYS}
    return value
