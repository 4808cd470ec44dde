"""Public entry points. Loaded lazily: ``import cursus.api`` does not import ``sagemaker``.

    from cursus.api import PipelineDAG, compile_dag_to_pipeline, pipeline_session
    session = pipeline_session("us-east-1", "my-bucket")
    pipeline = compile_dag_to_pipeline("dag.json", "config.json", session, role=None)
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "compile_dag_to_pipeline": "cursus.core.compiler",
    "PipelineDAG": "cursus.core.dag",
    "pipeline_session": "cursus.api.session",
    "CursusError": "cursus.core.errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'cursus.api' has no attribute '{name}'")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
