"""Cursus core: contracts, specifications, configs, builders, the DAG and its compiler.

Submodules are imported explicitly; ``cursus.core.compiler``, ``cursus.core.training_builder`` and
``cursus.core.processing_builder`` import ``sagemaker``, the rest does not.
"""
