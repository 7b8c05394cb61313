"""Sphinx extension: module docstrings' displayed formulas as literal blocks.

The module docstrings of nonrecip write their derivations as plain text, with
formulas on indented lines after a blank line::

    The bath currents are

        I_l = (1/2pi) sum_l' T_ll' (x_l - x_l'),   T_ll' = |G_ll'|^2 ...

In reStructuredText such a block is a block quote, parsed as markup
(``|G|`` starts a substitution, ``*`` emphasis), which garbles the formula
and warns. For *module* docstrings only, this hook (``autodoc-process-docstring``)
marks every indented block that follows a blank line as a literal block, by
inserting a paragraph ``::`` (which renders as nothing) before it, unless the
paragraph above already ends with ``::``, is a directive, or is a list item or
definition whose body the block continues. The docstrings themselves are not
changed; ``help()`` and the tests see them as written.

Two more fixes of the same kind, for every docstring:

* autosummary takes an object's summary as the docstring's first sentence
  and ends a sentence at ``". "``, also inside an inline literal (``N = 10^5
  .. 10^6``), leaving the literal unclosed; inside inline literals of the
  first paragraph ``". "`` gets a zero-width space after the period;
* where that still fails (Sphinx 9's autosummary reads the docstring
  before this hook sees it), the one docutils warning it causes, "Inline
  literal start-string without end-string" located in an ``<autosummary>``
  table, is logged as an info message, not a warning: it concerns the
  cut-off summary in the table, and the full docstring on the object's own
  page is still parsed (and warns) as usual;
* a module-level *data* object that has no docstring of its own (a
  ``typer.Typer`` instance, a dict) would be shown with the docstring of its
  type; it gets a one-line description of its type instead.
"""

from __future__ import annotations

import logging
import re

_LIST = re.compile(r"^\s*([*+-]|\d+[.)]|#\.)\s")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


_LITERAL = re.compile(r"``.+?``")


def _protect_first_sentence(lines: list[str]) -> None:
    """Zero-width space after ``". "`` inside inline literals of the first paragraph."""
    for i, line in enumerate(lines):
        if not line.strip():
            break
        lines[i] = _LITERAL.sub(lambda m: m.group(0).replace(". ", ".\u200b "), line)


def literal_formulas(app, what, name, obj, options, lines: list[str]) -> None:
    """Apply the fixes described in the module docstring to ``lines``, in place."""
    if what in ("data", "attribute") and not isinstance(obj, (str, int, float, tuple, list, frozenset, set)):
        own = getattr(obj, "__doc__", None)
        if own is not None and own == getattr(type(obj), "__doc__", None):
            kind = type(obj)
            lines[:] = [f"An instance of ``{kind.__module__}.{kind.__qualname__}``."]
            return
    _protect_first_sentence(lines)
    if what != "module":
        return
    out: list[str] = []
    para_start: str | None = None  # first line of the current top-level paragraph
    prev_blank = True
    in_literal = False
    base = 0
    for line in lines:
        blank = not line.strip()
        if not blank:
            ind = _indent(line)
            if prev_blank:
                if in_literal and ind > base:
                    pass  # still inside a literal block
                elif para_start is not None and ind >= _indent(para_start) + 4 and not in_literal:
                    above = out[-2] if len(out) >= 2 else ""
                    starts = para_start.lstrip()
                    if not (above.rstrip().endswith("::") or starts.startswith("..") or _LIST.match(para_start)):
                        out.extend(["::", ""])
                    in_literal, base = True, _indent(para_start)
                else:
                    in_literal = False
                    para_start = line
            elif not in_literal and para_start is None:
                para_start = line
        out.append(line)
        prev_blank = blank
    lines[:] = out


class _AutosummaryCutLiteral(logging.Filter):
    """Drop the warning about a literal that autosummary cut in a table summary."""

    def filter(self, record) -> bool:
        loc = str(getattr(record, "location", "") or "")
        msg = record.getMessage()
        return not ("<autosummary>" in loc and msg.startswith("Inline literal start-string without end-string"))


def setup(app):
    """Register the hook and the filter."""
    app.connect("autodoc-process-docstring", literal_formulas)
    for h in logging.getLogger("sphinx").handlers:
        h.filters.insert(0, _AutosummaryCutLiteral())  # before the filters that count warnings
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
