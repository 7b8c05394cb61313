"""Help and version: typer's rich help without the parts of rich that it never uses here.

``typer.rich_utils`` (the help formatter on a terminal) imports
``rich.markdown`` (markdown-it) and ``rich.traceback`` (pygments) at module
level, for help texts in Markdown (``rich_markup_mode="markdown"``, not
used by nonrecip) and for pretty tracebacks (disabled:
``pretty_exceptions_enable=False``): about 0.1 s of CPU of the 0.3 s that
``nonrecip --help`` costs on a terminal. :func:`load_rich_help` imports it
with stand-ins for those two names that import the real class on first use,
so nothing changes if they are ever used; the stand-ins are removed from
``sys.modules`` at once, and a later ``import rich.markdown`` is the real one.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__all__ = ["load_rich_help", "asks_for_help", "print_version"]

#: module -> the name typer.rich_utils imports from it
DEFERRED = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}


class _Deferred(type):
    """Metaclass of a stand-in: class attributes (``Traceback.from_exception``) come from the real class."""

    _module: str

    def real(cls) -> Any:
        return getattr(importlib.import_module(cls._module), cls.__name__)

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(cls.real(), name)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:  # an instance of the real class
        return cls.real()(*args, **kwargs)


def _stand_in(module: str, name: str) -> type:
    return _Deferred(name, (), {"_module": module, "__module__": module})


def load_rich_help() -> None:
    """Import ``typer.rich_utils`` with ``rich.markdown`` and ``rich.traceback`` deferred (no-op if imported)."""
    if "typer.rich_utils" in sys.modules:
        return
    stubs = {}
    for module, name in DEFERRED.items():
        if module not in sys.modules:
            stub = types.ModuleType(module)
            setattr(stub, name, _stand_in(module, name))
            stubs[module] = sys.modules[module] = stub
    try:
        importlib.import_module("typer.rich_utils")
    except ImportError:  # pragma: no cover - typer without rich: it formats plain help itself
        pass
    finally:
        for module, stub in stubs.items():
            if sys.modules.get(module) is stub:
                del sys.modules[module]


def asks_for_help(args: list[str], groups: tuple[str, ...]) -> bool:
    """Whether ``nonrecip ARGS`` prints a help text: ``-h``/``--help``, no arguments, or a bare group."""
    words = [a for a in args if not a.startswith("-")]
    return not args or "-h" in args or "--help" in args or (len(words) == 1 and words[0] in groups)


def print_version() -> None:
    """Print what ``nonrecip --version`` prints."""
    from .. import __version__

    print(f"nonrecip {__version__}")
