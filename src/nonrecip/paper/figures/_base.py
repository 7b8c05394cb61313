"""Figure registry, style and output shared by every figure module.

A figure function takes ``quick`` (coarse grids and small Monte Carlo
budgets, for tests) and returns a :class:`PaperFigure`: the tidy
:class:`pandas.DataFrame` of everything plotted, the matplotlib
:class:`~matplotlib.figure.Figure` and its caption. Figures are built on
:class:`matplotlib.figure.Figure` directly (no pyplot state, any backend)
under a local seaborn style, so making one never changes the caller's
matplotlib settings.
"""

from __future__ import annotations

import io
import os
import textwrap
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...results import atomic_write, write_table

__all__ = ["PaperFigure", "FigureSpec", "register", "FIGURES", "new_figure", "new_figure_legend_row", "save", "style",
           "PALETTE", "DPI", "CURRENT_UNIT"]

#: resolution of the gallery PNGs (small files, readable text)
DPI = 110

#: unit of every classical current on an axis: the paper's particles move once per time step τ (Sec. II)
CURRENT_UNIT = "particles per step"

#: colours: forward, reverse, and a qualitative set for families of curves
PALETTE = {"forward": "#1f77b4", "reverse": "#d62728", "zero": "#7f7f7f"}


@dataclass
class PaperFigure:
    """One made figure.

    Attributes
    ----------
    name : str
        CLI name (``"2b"``, ``"lc"``...); files are ``fig_<name>.png/.csv``.
    title : str
        Title drawn on the figure (with the paper's figure number).
    caption : str
        What is shown and every parameter the paper does not print.
    data : pandas.DataFrame
        Tidy: one row per plotted point; a ``series`` column says which
        curve (``numerical``, ``Eq. B31``, ``Monte Carlo``...).
    fig : matplotlib.figure.Figure
    """

    name: str
    title: str
    caption: str
    data: Any
    fig: Any


@dataclass(frozen=True)
class FigureSpec:
    name: str
    title: str
    func: Callable[..., PaperFigure]
    paper: bool  # a figure of the paper (True) or one the paper does not have


FIGURES: dict[str, FigureSpec] = {}


def register(name: str, title: str, *, paper: bool = True):
    """Register ``func(quick=False) -> PaperFigure`` under ``name``."""

    def deco(func):
        if name in FIGURES and FIGURES[name].func is not func:
            raise ValueError(f"figure {name!r} registered twice")
        FIGURES[name] = FigureSpec(name=name, title=title, func=func, paper=paper)
        return func

    return deco


@contextmanager
def style():
    """Seaborn ``whitegrid`` / ``notebook`` style, local to the block."""
    import matplotlib as mpl
    import seaborn as sns

    rc = {}
    rc.update(sns.axes_style("whitegrid"))
    rc.update(sns.plotting_context("notebook", font_scale=0.85))
    rc.update({"axes.titlesize": 10, "figure.titlesize": 12, "legend.fontsize": 8,
               "legend.title_fontsize": 8, "savefig.dpi": DPI, "figure.dpi": DPI,
               "lines.linewidth": 1.5, "lines.markersize": 5})
    with mpl.rc_context(rc):
        yield


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float = 6.4, height: float = 4.2, **kw):
    """Make a :class:`~matplotlib.figure.Figure` (no pyplot) and its axes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def new_figure_legend_row(ncols: int, *, width: float, height: float, legend_height: float = 0.4,
                          sharey: bool = False):
    """Make a row of ``ncols`` axes over a frameless axes spanning them, for one shared legend.

    Returns ``fig, axes, lax``; draw the legend with ``lax.legend(handles=...)``. The legend
    belongs to an axes, so it stays where the layout put it when :func:`save` crops the figure
    to its tight box (a ``fig.legend(loc="outside ...")`` does not: it moves with the crop).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    gs = fig.add_gridspec(2, ncols, height_ratios=[height - legend_height, legend_height])
    axes = [fig.add_subplot(gs[0, 0])]
    for i in range(1, ncols):
        axes.append(fig.add_subplot(gs[0, i], sharey=axes[0] if sharey else None))
    if sharey:
        for ax in axes[1:]:
            ax.tick_params(labelleft=False)
    lax = fig.add_subplot(gs[1, :])
    lax.axis("off")
    return fig, axes, lax


def finish(fig, title: str, caption: str, *, width_chars: int | None = None) -> None:
    """Title on top, wrapped caption underneath (saved with a tight box)."""
    fig.suptitle(title, fontweight="bold")
    w = fig.get_size_inches()[0]
    width_chars = width_chars or int(w * 15.5)
    text = "\n".join(textwrap.wrap(caption, width_chars))
    fig.text(0.01, -0.01, text, ha="left", va="top", fontsize=7.5, color="#333333")


def save(pf: PaperFigure, out_dir: str | os.PathLike, *, pdf: bool = False, dpi: int = DPI) -> list[Path]:
    """Write ``fig_<name>.png`` and ``fig_<name>.csv`` (and ``.pdf``) atomically."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    exts = ["png"] + (["pdf"] if pdf else [])
    for ext in exts:
        buf = io.BytesIO()
        kw = {"metadata": {"Software": None}} if ext == "png" else {"metadata": {"CreationDate": None}}
        pf.fig.savefig(buf, format=ext, dpi=dpi, bbox_inches="tight", pad_inches=0.08, **kw)
        p = out / f"fig_{pf.name}.{ext}"
        atomic_write(p, buf.getvalue())
        written.append(p)
    p = out / f"fig_{pf.name}.csv"
    write_table(pf.data, p)
    written.append(p)
    return written
