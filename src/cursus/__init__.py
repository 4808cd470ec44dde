"""Cursus core and the LightGBMMT multi-task training step.

Kept import-light on purpose: the container imports ``cursus.steps.contracts`` and
``cursus.steps.hyperparams`` and must never pull in ``sagemaker``.
"""

__version__ = "0.1.0"
