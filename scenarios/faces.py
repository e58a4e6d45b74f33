"""Public faces of the scenarios packages: names exported by a package, imported on first use.

A package's ``__init__`` lists what other packages may use (``EXPORTS``: name -> module) and
sets ``__getattr__ = lazy_face(__name__, EXPORTS)``, so ``from scenarios.siting import solve``
works while ``import scenarios.siting.orlib`` does not load the solvers (PEP 562).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_face(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` resolving each name of ``exports`` from its module."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(exports[name]), name)

    return __getattr__
