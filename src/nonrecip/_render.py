"""Terminal tables that fit the width and never split a number.

A leaf module (no nonrecip imports), shared by the command line and the
validation report.

The rules every human-readable table of the CLI follows (``--json`` and
``--out`` are not affected: they keep full precision):

* **Width.** ``COLUMNS`` when set (also when stdout is a pipe), else the
  terminal's width, else (a pipe or file, no ``COLUMNS``) no limit: nothing
  is wrapped. A table that is too wide first drops to fewer significant
  digits (10, then 6), then splits into several stacked tables that repeat
  the key columns (``l``, ``site``, ``check``...). A number is never folded
  or cut; only free text (parameters, notes) wraps, at spaces.
* **Zero.** A value ``x`` of a deterministic result prints as ``0`` when
  ``|x| < 64 eps S`` (``eps`` the double-precision machine epsilon, ``S``
  the scale of the quantity in that result: the largest current for
  currents, the largest magnitude of the field otherwise): it is zero up to
  rounding.
* **Estimates.** ``mean ± stderr``: the standard error to 2 significant
  digits and the mean to the same decimal place (``0.01852 ± 0.00017``).
"""

from __future__ import annotations

import math
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["ZERO_ULPS", "Num", "Est", "Column", "terminal_width", "fmt_num", "fmt_est", "print_table",
           "print_text", "short_layout"]

#: values below ZERO_ULPS * eps * scale print as 0
ZERO_ULPS = 64
_EPS = 2.220446049250313e-16
#: significant digits tried in turn before a table is split
DIGITS = (10, 6)


@dataclass(frozen=True)
class Num:
    """A number to print; ``|value| < zero`` prints as ``0``."""

    value: float
    zero: float = 0.0


@dataclass(frozen=True)
class Est:
    """A Monte Carlo estimate to print as ``mean ± stderr``."""

    mean: float
    stderr: float


@dataclass(frozen=True)
class Column:
    """A column of :func:`print_table`.

    ``key`` columns repeat in every part of a split table; ``text`` columns
    may wrap at spaces (numbers and ids never do).
    """

    header: str
    justify: str = "right"
    key: bool = False
    text: bool = False
    #: columns of one group stay together when a table is split (``J fwd`` and ``J rev``)
    group: str | None = None


def terminal_width(stream: Any = None) -> int | None:
    """Width to fit: ``COLUMNS``, else the terminal's, else ``None`` (no limit)."""
    env = os.environ.get("COLUMNS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    stream = sys.stdout if stream is None else stream
    try:
        if stream.isatty():
            return shutil.get_terminal_size().columns
    except (AttributeError, ValueError, OSError):
        pass
    return None


def zero_threshold(scale: float) -> float:
    """``ZERO_ULPS * eps * scale``: below this a value is zero up to rounding."""
    return ZERO_ULPS * _EPS * scale if math.isfinite(scale) else 0.0


def fmt_num(x: float, digits: int = 10, zero: float = 0.0) -> str:
    """``x`` to ``digits`` significant digits; ``0`` when ``|x| < zero``; NaN as ``""``."""
    x = float(x)
    if math.isnan(x):
        return ""
    if x == 0.0 or abs(x) < zero:
        return "0"
    return f"{x:.{digits}g}"


def fmt_est(mean: float, stderr: float, digits: int = 10) -> str:
    """``mean ± stderr``, stderr to 2 significant digits, mean to the same decimal place.

    >>> fmt_est(0.0185234, 0.000172)
    '0.01852 ± 0.00017'
    >>> fmt_est(1234.5, 56.7)
    '1234 ± 57'
    >>> fmt_est(1.5, 0.0)
    '1.5 ± 0'
    """
    mean, stderr = float(mean), float(stderr)
    if math.isnan(mean):
        return ""
    if not math.isfinite(stderr) or stderr <= 0.0:
        return f"{fmt_num(mean, digits)} ± " + ("0" if stderr == 0.0 else "?")
    e = math.floor(math.log10(stderr))
    stderr = float(f"{stderr:.1e}")  # 2 significant digits; 0.000996 -> 0.0010
    e = math.floor(math.log10(stderr))
    last = e - 1  # decimal place of the second significant digit
    if -9 <= last <= 0:
        d = -last
        m, s = f"{mean:.{d}f}", f"{stderr:.{d}f}"
    elif 0 < last < 6:
        m, s = f"{round(mean, -last):.0f}", f"{round(stderr, -last):.0f}"
    else:
        em = math.floor(math.log10(abs(mean))) if mean != 0.0 else e
        m, s = f"{mean:.{min(max(em - last, 0), 15)}e}", f"{stderr:.1e}"  # at most 16 digits
    if m.startswith("-") and float(m) == 0.0:  # '-0.00': zero within the error bar
        m = m[1:]
    return f"{m} ± {s}"


def _cell(v: Any, digits: int) -> str:
    if isinstance(v, str):
        return v
    if v is None:
        return ""
    if isinstance(v, Est):
        return fmt_est(v.mean, v.stderr, digits)
    if isinstance(v, Num):
        return fmt_num(v.value, digits, v.zero)
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return fmt_num(v, digits)
    return str(v)


#: a word of free text longer than this may be broken (after '.', '_', '/' or '-' if it can) so that a
#: long identifier such as a module path does not widen a table past the terminal; numbers never are
LONG_WORD = 20


def _split_long(word: str, width: int) -> list[str]:
    """Cut a word longer than ``width`` into pieces, preferably after ``.``, ``_``, ``/`` or ``-``."""
    pieces = []
    while len(word) > width:
        cut = max(word.rfind(ch, 1, width) for ch in "._/-") + 1
        cut = cut if cut > width // 2 else width
        pieces.append(word[:cut])
        word = word[cut:]
    return pieces + [word]


def _wrap_words(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for long_word in text.split():
        *head, word = _split_long(long_word, width) if len(long_word) > width else [long_word]
        lines.extend(head)
        if lines and not head and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _plain(v: str) -> str:
    """``v`` without rich markup (``[green]✓[/green]`` -> ``✓``)."""
    if "[/" not in v:
        return v
    from rich.text import Text

    return Text.from_markup(v).plain


def _widths(columns: Sequence[Column], cells: list[list[str]]) -> tuple[list[int], list[int]]:
    """Natural and minimal width of each column (text cells wrap at spaces)."""
    nat, low = [], []
    for j, c in enumerate(columns):
        vals = [_plain(r[j]) for r in cells]
        words = max((len(w) for w in c.header.split()), default=0)
        if c.text:
            low.append(max([words] + [min(len(w), LONG_WORD) for v in vals for w in v.split()]))
            nat.append(max([words] + [len(v) for v in vals]))
        else:
            n = max([words] + [len(v) for v in vals])
            nat.append(n)
            low.append(n)
    return nat, low


def _total(widths: Sequence[int]) -> int:
    return sum(w + 3 for w in widths) + 1  # rich: padding 1 each side, a rule between and around


def print_text(text: str, *, console: Any = None) -> None:
    """Print free text wrapped at spaces to the width (never inside a word)."""
    width = terminal_width()
    lines = [text] if width is None else _wrap_words(text, width)
    out = sys.stdout if console is None else console.file
    out.write("\n".join(lines) + "\n")


def print_table(title: str, columns: Sequence[Column], rows: Sequence[Sequence[Any]], *,
                caption: str | None = None, width: int | None = None) -> None:
    """Print a table that fits ``width`` (default :func:`terminal_width`).

    Rows hold ``str`` (as is), ``int``, ``float``, :class:`Num` or
    :class:`Est`; floats are printed to 10 significant digits, 6 when the
    table is too wide, and a table still too wide is split into stacked
    parts, each repeating the key columns.
    """
    width = terminal_width() if width is None else width
    cells: list[list[str]] = []
    for digits in DIGITS:
        cells = [[_cell(v, digits) for v in r] for r in rows]
        nat, low = _widths(columns, cells)
        if width is None or _total(nat) <= width:
            _render(title, columns, cells, nat, caption, width)
            return
        if _total(low) <= width:
            _render(title, columns, cells, _fill(nat, low, columns, width), caption, width)
            return
    assert width is not None  # width None returned above
    # split into stacked parts: key columns + as many groups of the others as fit
    keys = [j for j, c in enumerate(columns) if c.key]
    groups: list[list[int]] = []
    for j, c in enumerate(columns):
        if c.key:
            continue
        if groups and c.group is not None and columns[groups[-1][0]].group == c.group:
            groups[-1].append(j)
        else:
            groups.append([j])
    # a group too wide for a part of its own is split into its columns
    groups = [p for g in groups for p in ([g] if _total([low[k] for k in keys + g]) <= width else [[k] for k in g])]
    parts: list[list[int]] = []
    for g in groups:
        if parts and _total([low[k] for k in keys + parts[-1] + g]) <= width:
            parts[-1].extend(g)
        else:
            parts.append(list(g))
    for i, part in enumerate(parts):
        idx = keys + part
        sub_cols = [columns[k] for k in idx]
        sub_cells = [[r[k] for k in idx] for r in cells]
        sub_nat, sub_low = [nat[k] for k in idx], [low[k] for k in idx]
        widths = sub_nat if _total(sub_nat) <= width else _fill(sub_nat, sub_low, sub_cols, width)
        _render(f"{title} ({i + 1}/{len(parts)})", sub_cols, sub_cells, widths,
                caption if i == len(parts) - 1 else None, width)


def _fill(nat: list[int], low: list[int], columns: Sequence[Column], width: int) -> list[int]:
    """Widths within ``width``: the widest text column gives up a character at a time."""
    w = list(nat)
    text = [j for j, c in enumerate(columns) if c.text]
    while _total(w) > width:
        j = max((j for j in text if w[j] > low[j]), key=lambda k: w[k], default=None)
        if j is None:
            break
        w[j] -= 1
    return w


def _ansi(markup: str) -> str:
    """Rich markup as ANSI colours (for a terminal)."""
    from rich.console import Console

    con = Console(force_terminal=True, color_system="standard", width=1000, highlight=False)
    with con.capture() as cap:
        con.print(markup, end="")
    return cap.get()


def _align(text: str, width: int, justify: str) -> str:
    pad = width - len(_plain(text))
    if justify == "right":
        return " " * pad + text
    if justify == "center":
        left = pad // 2
        return " " * left + text + " " * (pad - left)
    return text + " " * pad


def _render(title: str, columns: Sequence[Column], cells: list[list[str]], widths: list[int],
            caption: str | None, width: int | None) -> None:
    """Write one table in rich's heavy-head box style, directly (fast for a million rows)."""
    out = sys.stdout
    colour = bool(getattr(out, "isatty", lambda: False)())
    print_text(title)
    heads = [_wrap_words(c.header, w) for c, w in zip(columns, widths, strict=True)]
    depth = max(len(h) for h in heads)
    lines = ["┏" + "┳".join("━" * (w + 2) for w in widths) + "┓"]
    for k in range(depth):
        row = []
        for c, w, h in zip(columns, widths, heads, strict=True):
            text = h[k - (depth - len(h))] if k >= depth - len(h) else ""  # headers sit on the rule
            row.append(" " + _align(text, w, c.justify) + " ")
        lines.append("┃" + "┃".join(row) + "┃")
    lines.append("┡" + "╇".join("━" * (w + 2) for w in widths) + "┩")
    out.write("\n".join(lines) + "\n")
    buf: list[str] = []
    for r in cells:
        parts = [_wrap_words(v, w) if c.text and len(v) > w else [v]
                 for v, c, w in zip(r, columns, widths, strict=True)]
        for k in range(max(len(p) for p in parts)):
            row = []
            for p, c, w in zip(parts, columns, widths, strict=True):
                text = p[k] if k < len(p) else ""
                aligned = _align(text, w, c.justify)
                if "[/" in text:
                    aligned = aligned.replace(text, _ansi(text) if colour else _plain(text))
                row.append(" " + aligned + " ")
            buf.append("│" + "│".join(row) + "│")
        if len(buf) >= 4096:
            out.write("\n".join(buf) + "\n")
            buf = []
    buf.append("└" + "┴".join("─" * (w + 2) for w in widths) + "┘")
    out.write("\n".join(buf) + "\n")
    if caption:
        print_text(caption)


def short_layout(layout: str, *, named: str | None = None, keep: int = 10) -> str:
    """Shorten a layout for a header: ``dimers (N=100000)``, or cut in the middle.

    >>> short_layout("." + "SDP" * 20 + ".")
    '.SDPSDPSDP…SDPSDPSDP. (N=62)'
    >>> short_layout("." + "SD" * 30 + ".", named="dimers")
    'dimers (N=62)'
    >>> short_layout(".SDSD.")
    '.SDSD.'
    """
    n = len(layout)
    if n <= 2 * keep + 4:
        return layout
    if named is not None:
        return f"{named} (N={n})"
    return f"{layout[:keep]}…{layout[-keep:]} (N={n})"
