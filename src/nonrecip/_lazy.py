"""Public names of a package loaded on first use (PEP 562).

A package ``__init__`` lists which submodule defines each of its public
names; :func:`attach` returns the module-level ``__getattr__`` and
``__dir__`` that import that submodule when the name is first asked for, so
that importing the package (or one light submodule of it) does not import
every solver, numba or scipy. ``from pkg import name``, ``pkg.name``,
``__all__``, ``dir(pkg)`` and ``import *`` behave as with eager imports.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def attach(package: str, names: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``(__getattr__, __dir__)`` for ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : dict
        Public name -> the module defining it, relative to ``package``
        (``".classical"``) or absolute.
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - the PEP 562 hook
        try:
            where = names[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(where, package), name)
        setattr(sys.modules[package], name, value)  # later look-ups are plain attribute reads
        return value

    def __dir__() -> list[str]:  # noqa: N807 - the PEP 562 hook
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
