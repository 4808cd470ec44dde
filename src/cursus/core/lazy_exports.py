"""Package attributes imported on first access (PEP 562), so that importing a package stays cheap.

``cursus.api`` and ``cursus.steps.builders`` name classes whose modules import ``sagemaker`` (about
5 s); with these, ``import cursus.api`` costs nothing until one of them is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_getattr(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``exports[name]`` (a module path) when asked for ``name``."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module '{package}' has no attribute '{name}'")
        return getattr(importlib.import_module(exports[name]), name)

    return __getattr__
