"""Shared test setup: the container code is importable as it is inside the job (``import mtgbm``)."""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONTAINER_DIR = REPO / "dockers" / "lightgbmmt"
sys.path.insert(0, str(CONTAINER_DIR))
# Busy-waiting OpenMP threads slow LightGBM 10x on a loaded 2-core machine (MTGBM.md).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
