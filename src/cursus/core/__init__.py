"""Cursus core: contracts, specifications, configs, builders, the DAG and its compiler.

Submodules are imported explicitly; ``cursus.core.compiler`` and ``cursus.core.training_builder``
import ``sagemaker``, the rest does not.
"""
