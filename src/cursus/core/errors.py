"""Errors a user acts on: each names the node, field, value and fix, and the CLI prints it as is.

Everything here subclasses :class:`CursusError`, so callers catch one type instead of tracebacks.
(Bad hyperparameters raise ``HyperparameterError`` from the hyperparameters module, which the
container also imports; the CLI catches both.)
"""

from __future__ import annotations

from pydantic import ValidationError

from cursus.core.base.hyperparameters_base import validation_error_lines


class CursusError(ValueError):
    """A problem in the user's DAG, config or step definition, phrased so they can fix it."""


class UnknownStepError(CursusError):
    """A step name or config class the registry does not know."""


class ConfigError(CursusError):
    """A config file or config section that cannot be used."""


class DAGError(CursusError):
    """A malformed DAG: unknown nodes in edges, duplicate nodes, cycles."""


class DependencyResolutionError(CursusError):
    """A dependency with no source, with two sources, or an output wired twice into one step."""


class AlignmentError(CursusError):
    """Contract, specification and script disagree about logical names or env vars."""


def describe_validation_error(err: ValidationError, where: str) -> str:
    """One line per pydantic error: ``where.field: message (got value)``."""
    return "\n".join(
        f"  - {where}.{loc}: {msg}" if loc else f"  - {where}: {msg}" for loc, msg in validation_error_lines(err, "field")
    )
