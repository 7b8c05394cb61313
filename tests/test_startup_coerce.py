"""Option values converted without pydantic (:mod:`nonrecip.cli._coerce`) are typer's own.

The fast converter answers only where it is certain; each of its answers is
checked here against typer's pydantic converter (the slow, obvious path) on
the real options of the command tree: same type, same value bit for bit, and
where it declines, the outcome (value or error message) is typer's.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

typer_coercion = pytest.importorskip("typer._coercion")  # typer that converts with pydantic
Context = pytest.importorskip("typer._click").Context  # its vendored click
BadParameter = pytest.importorskip("typer._click.exceptions").BadParameter

from nonrecip.cli import _coerce, command  # noqa: E402

TREE = command()


def _options() -> dict[type, tuple]:
    """One (command, option) of the tree for each annotation it uses."""
    found: dict[type, tuple] = {}

    def walk(cmd):
        for p in cmd.params:
            td = getattr(p, "type_descriptor", None)
            if td is not None and not p.multiple and p.nargs == 1:
                found.setdefault(td.annotation, (cmd, p))
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)

    walk(TREE)
    return found


OPTIONS = _options()


def test_the_options_are_plain_types():
    # what the fast path covers; a new kind of option must be added to _coerce (or falls back, still correct)
    assert set(OPTIONS) == {bool, int, float, str, Path}


def _outcome(conv, value, cmd, p):
    """``("ok", type, bits)`` or ``("error", message)`` of converting ``value``."""
    ctx = Context(cmd)
    try:
        v = conv.coerce(value, param=p, ctx=ctx)
    except BadParameter as e:
        return ("error", e.format_message())
    if isinstance(v, float):
        return ("ok", float, struct.pack("<d", v) if not math.isnan(v) else "nan")
    return ("ok", type(v), v)


def _check(annotation, value):
    cmd, p = OPTIONS[annotation]
    slow = typer_coercion.build_runtime_param(p.type_descriptor)
    fast = _coerce.Coercion(p.type_descriptor)
    expected = _outcome(slow, value, cmd, p)
    if _coerce.fast_value(annotation, value) is not _coerce.MISS:
        assert expected[0] == "ok", (value, expected)  # the fast path never accepts what typer refuses
    assert _outcome(fast, value, cmd, p) == expected, value


NUMBERISH = st.text(alphabet="0123456789+-.eE_ inf", max_size=24)
DECIMALS = st.builds(lambda s, i, f, e: f"{s}{i}.{f}e{e}", st.sampled_from(["", "+", "-"]),
                     st.integers(0, 10**20), st.integers(0, 10**20), st.integers(-400, 400))


@settings(max_examples=400, deadline=None)
@given(st.one_of(NUMBERISH, DECIMALS, st.floats(allow_nan=False).map(repr), st.integers().map(str),
                 st.floats(allow_nan=False), st.integers(-(2**60), 2**60)))
def test_numbers_as_typer_converts_them(value):
    _check(float, value)
    _check(int, value)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet="ab./\x00 -")))
def test_text_and_paths_as_typer_converts_them(value):
    _check(str, value)
    _check(Path, value)


@pytest.mark.parametrize("value", ["0.9", ".5", "1.", "+1", "-0", "-0.0", "1e5", "1E+05", "007", "1.5e-400", "1e400",
                                   "12", "1_0", " 1", "inf", "nan", "0x10", "", "abc", "\udcff", 2**70, True, 1, 0.5])
def test_typed_values(value):
    for annotation in (float, int, str, Path, bool):
        if annotation in (str, Path) or not isinstance(value, str) or value.isascii():
            _check(annotation, value)


def test_an_undecodable_argument_goes_to_typer():
    # argv bytes that are not UTF-8 arrive as lone surrogates; pydantic refuses them, so the fast path declines
    assert _coerce.fast_value(str, "a\udcffb") is _coerce.MISS
    assert _coerce.fast_value(Path, "a\udcffb") is _coerce.MISS
