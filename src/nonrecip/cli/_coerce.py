"""Option values converted without pydantic when the answer is certain.

Typer (0.2x) converts every option value with a pydantic ``TypeAdapter``:
importing pydantic and building the adapters costs about 0.1 s of CPU, more
than the whole classical solve of a small wire. The options of nonrecip are
plain ``str``, ``int``, ``float``, ``bool`` and ``Path``; for the values that
people type (``0.9``, ``12``, ``.SDSD.``, ``out.json``) and the defaults,
:class:`Coercion` gives the very value typer's adapter gives (same type, same
bits: Python's ``float`` and pydantic's parser both round correctly), and it
hands anything else (``1_000``, `` 7``, ``inf``, lists, undecodable bytes) to
typer's own converter, built on first need, so that accepted values, error
messages and exit codes stay typer's. ``tests/test_startup_coerce.py``
checks the fast answers against typer's converter.

:func:`install` is a no-op with a typer that does not convert this way
(older typer on plain click).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["Coercion", "fast_value", "install", "MISS"]

#: returned by :func:`fast_value` when typer's converter must decide
MISS: Any = object()

#: a decimal number in ASCII digits (``\d`` would admit other scripts' digits)
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: an integer of at most 18 digits (well inside 64 bits)
_INT = re.compile(r"[+-]?[0-9]{1,18}")
#: floats are exact integers up to here
_EXACT_INT = 2**53


def _text(value: Any) -> bool:
    """``value`` is a ``str`` that pydantic reads as it is (valid UTF-8: no lone surrogates)."""
    if type(value) is not str:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # an undecodable byte of argv (surrogateescape)
        return False
    return True


def fast_value(annotation: Any, value: Any) -> Any:
    """Return typer's conversion of ``value`` to ``annotation``, or :data:`MISS` if not certain.

    ``Path`` values are returned as ``Path`` objects still to be checked by
    typer's path rules (:func:`typer._param_types.coerce_cli_path`).
    """
    if annotation is float:
        if type(value) is float:
            return value
        if type(value) is int and abs(value) <= _EXACT_INT:
            return float(value)
        if type(value) is str and len(value) <= 64 and _FLOAT.fullmatch(value):
            return float(value)
    elif annotation is int:
        if type(value) is int:
            return value
        if type(value) is str and _INT.fullmatch(value):
            return int(value)
    elif annotation is str:
        if _text(value):
            return value
    elif annotation is bool:
        if type(value) is bool:
            return value
    elif annotation is Path:
        if isinstance(value, Path):
            return value
        if _text(value) and value and "\x00" not in value:
            return Path(value)
    return MISS


class Coercion:
    """Typer's runtime converter of one option, with :func:`fast_value` in front."""

    def __init__(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        self.annotation = descriptor.annotation
        self.parameter_info = descriptor.parameter_info
        self._typer: Any = None
        pi = self.parameter_info
        #: no parser, no range, a plain path: typer's converter is the plain one of the type
        self.fast = (getattr(pi, "parser", None) is None and getattr(pi, "min", None) is None
                     and getattr(pi, "max", None) is None and getattr(pi, "path_type", None) is None
                     and descriptor.file_annotation is None)

    def _slow(self) -> Any:
        if self._typer is None:
            from typer._coercion import build_runtime_param

            self._typer = build_runtime_param(self.descriptor)
        return self._typer

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        """Convert ``value`` as typer's ``RuntimeParam.coerce`` does."""
        if self.fast and not (param.multiple or param.nargs == -1):
            if value is None:
                return None
            v = fast_value(self.annotation, value)
            if v is not MISS:
                if self.annotation is Path:
                    from typer._param_types import coerce_cli_path

                    return coerce_cli_path(v, self.parameter_info, path_type=Path, param=param, ctx=ctx)
                return v
        return self._slow().coerce(value, param=param, ctx=ctx)


def install(cmd: Any) -> None:
    """Put a :class:`Coercion` in front of typer's converter on every option of ``cmd`` and its subcommands."""
    try:
        from typer._coercion import RuntimeParam, build_runtime_param  # noqa: F401 - typer converts with pydantic
    except ImportError:  # pragma: no cover - typer on plain click: nothing to do
        return
    for p in getattr(cmd, "params", ()):
        _put(p)
    original = cmd.get_help_option  # made afresh for every context

    def get_help_option(ctx: Any) -> Any:
        opt = original(ctx)
        _put(opt)
        return opt

    cmd.get_help_option = get_help_option
    for sub in getattr(cmd, "commands", {}).values():
        install(sub)


def _put(p: Any) -> None:
    """Give the typer option ``p`` a :class:`Coercion` (other parameters are left alone)."""
    if getattr(p, "_runtime_param", 0) is None and hasattr(p, "type_descriptor"):
        p._runtime_param = Coercion(p.type_descriptor)
