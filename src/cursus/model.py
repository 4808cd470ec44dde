"""Use a trained LightGBMMT model from Python (a notebook, a batch script): the endpoint's own code.

The predictor lives with the container code (``dockers/lightgbmmt/mtgbm``), because the endpoint and
the evaluation job run it there; this module makes that same code importable here instead of keeping
a second copy on the SDK side.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from cursus.core.staging import container_source_dir


def load_predictor(model_path: str | Path) -> Any:
    """``mtgbm.predictor.MultiTaskPredictor`` for a model directory or ``model.tar.gz``.

    ``predictor.predict(df)`` returns one ``<task>_prob`` column per task, main task first.
    """
    code_dir = str(container_source_dir("lightgbmmt"))
    if code_dir not in sys.path:
        sys.path.append(code_dir)
    from mtgbm.predictor import MultiTaskPredictor

    return MultiTaskPredictor.load(Path(model_path))
