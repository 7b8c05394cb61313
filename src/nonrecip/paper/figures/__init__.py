"""Every figure of the paper, and a few it does not have, as data and image.

Each figure function (``fig_1``, ``fig_2b``... and the extras) returns a
:class:`PaperFigure`: a tidy :class:`pandas.DataFrame` of every plotted point
(numerics, the paper's analytical curves, Monte Carlo points with their
standard errors) and a seaborn-styled matplotlib figure whose caption states
every parameter the paper leaves out. ``quick=True`` uses coarse grids and
small budgets (tests). :func:`save` writes ``fig_<name>.png``, ``.csv`` and
optionally ``.pdf``; ``nonrecip figure NAME`` is the command line.
"""

from __future__ import annotations

import os
from pathlib import Path

from ._base import FIGURES, PaperFigure, save

__all__ = ["FIGURES", "PaperFigure", "ORDER", "names", "make", "make_and_save", "save"]

#: gallery order: the paper's figures, then the extras
ORDER = ("1", "2b", "2c", "3a", "3b", "3c", "5", "6", "7", "8", "9", "10",
         "mc", "lc", "map-classical", "map-quantum", "design", "ssh", "disorder", "long-range", "temperature")


def _load() -> None:
    from . import classical, comparison, design, general, montecarlo, nonlinear, quantum  # noqa: F401


def names() -> list[str]:
    """Names of the registered figures, in gallery order."""
    _load()
    return [n for n in ORDER if n in FIGURES] + sorted(set(FIGURES) - set(ORDER))


def make(name: str, *, quick: bool = False) -> PaperFigure:
    """Make figure ``name`` (data and image)."""
    from ...wire import ParameterError

    _load()
    if name not in FIGURES:
        raise ParameterError("NAME", name, "must be one of " + ", ".join(names()) + " or all")
    return FIGURES[name].func(quick=quick)


def make_and_save(name: str, out_dir: str | os.PathLike = "docs/figures", *, quick: bool = False,
                  pdf: bool = False) -> list[Path]:
    """Make figure ``name`` and write its PNG, CSV (and PDF); returns the paths."""
    pf = make(name, quick=quick)
    try:
        return save(pf, out_dir, pdf=pdf)
    finally:
        pf.fig.clear()
