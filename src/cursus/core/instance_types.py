"""Known SageMaker instance types, read from botocore's bundled service model (no network).

botocore ships CreateTrainingJob's and CreateProcessingJob's instance-type enums but never checks them,
so a typo would only surface when the pipeline runs. The bundled list moves with botocore releases,
which is what the installed SDK can launch anyway.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Literal

JobKind = Literal["training", "processing"]
_SHAPES = {"training": "TrainingInstanceType", "processing": "ProcessingInstanceType"}
# Accelerated families; the CPU framework images (SKLearn) cannot use them.
_ACCELERATED_PREFIXES = ("ml.p", "ml.g", "ml.trn", "ml.inf")


@lru_cache(maxsize=None)
def known_instance_types(kind: JobKind) -> frozenset[str]:
    import botocore.session  # lazy: ~0.2 s, only when a config is validated

    model = botocore.session.get_session().get_service_model("sagemaker")
    return frozenset(model.shape_for(_SHAPES[kind]).enum)


def check_instance_type(value: str, kind: JobKind, *, cpu_only: bool = False) -> str:
    """Return ``value`` if SageMaker knows it for ``kind`` jobs, else raise ValueError naming close matches."""
    known = known_instance_types(kind)
    if value not in known:
        close = difflib.get_close_matches(value, sorted(known), n=3)
        hint = f"did you mean {' or '.join(close)}?" if close else "see the SageMaker instance types list"
        raise ValueError(f"'{value}' is not a SageMaker {kind} instance type; {hint}")
    if cpu_only and value.startswith(_ACCELERATED_PREFIXES):
        raise ValueError(f"'{value}' is a GPU/accelerator instance, but the framework image is CPU-only; use e.g. ml.m5.4xlarge")
    return value
