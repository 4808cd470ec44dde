"""Public entry points. Loaded lazily: ``import cursus.api`` does not import ``sagemaker``.

    from cursus.api import PipelineDAG, compile_dag_to_pipeline, pipeline_session
    session = pipeline_session("us-east-1", "my-bucket")
    pipeline = compile_dag_to_pipeline("dag.json", "config.json", session, role=None)

    from cursus.api import compile_offline  # no AWS account: definition file plus code packages to upload
    result = compile_offline("dag.json", "config.json", "pipeline.json")
"""

from __future__ import annotations

from cursus.core.lazy_exports import lazy_getattr

_EXPORTS = {
    "CompiledPipeline": "cursus.api.compile_file",
    "compile_dag_to_pipeline": "cursus.core.compiler",
    "compile_offline": "cursus.api.compile_file",
    "compile_to_file": "cursus.api.compile_file",
    "PipelineDAG": "cursus.core.dag",
    "pipeline_session": "cursus.api.session",
    "CursusError": "cursus.core.errors",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
