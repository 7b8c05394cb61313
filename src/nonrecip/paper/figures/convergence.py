"""The plot of a Monte Carlo convergence study (``nonrecip converge --plot``).

:func:`convergence_figure` draws the table of
:func:`nonrecip.stochastic.convergence` (one row per budget and quantity:
``steps, quantity, estimate, stderr, exact, abs_error``): the standard error
of each current against the budget with its fitted slope, the distance
``|estimate - exact|`` to the exact master-equation solve (conventions §2),
and the ``budget^-1/2`` guide. The legend sits below the axes, so it never
hides a point. :func:`save_convergence_plot` writes it as a PNG, atomically.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from ._base import CURRENT_UNIT, new_figure, style

__all__ = ["convergence_figure", "save_convergence_plot", "CURRENT_UNIT"]


def convergence_figure(df: Any, *, title: str = "", slopes: dict[str, float] | None = None) -> Any:
    """Log-log plot of the standard error and the error of each estimate vs the budget.

    Parameters
    ----------
    df : pandas.DataFrame
        The convergence table: columns ``steps``, ``quantity``, ``stderr``
        and ``abs_error`` (as returned by :func:`nonrecip.stochastic.convergence`).
    title : str
        Drawn above the axes (the run's parameters).
    slopes : dict, optional
        Fitted ``log(stderr)`` slope per quantity (shown in the legend);
        computed with :func:`nonrecip.stochastic.stderr_slopes` when omitted.

    Returns
    -------
    matplotlib.figure.Figure
        A figure not attached to pyplot (any backend).
    """
    import numpy as np
    import seaborn as sns

    if slopes is None:
        from ...stochastic import stderr_slopes

        slopes = stderr_slopes(df)
    quantities = list(dict.fromkeys(df["quantity"]))
    with style():
        fig, axes = new_figure(1, 1, width=6.4, height=5.0)
        ax = axes[0][0]
        pal = sns.color_palette("deep", len(quantities))
        for color, q in zip(pal, quantities, strict=True):
            g = df[df["quantity"] == q].sort_values("steps")
            s = g["steps"].to_numpy(float)
            ax.plot(s, g["stderr"], "o-", color=color, label=f"stderr {q} (slope {slopes.get(q, np.nan):+.2f})")
            err = g["abs_error"].to_numpy(float)
            ok = err > 0  # an exact hit has no place on a log axis
            ax.plot(s[ok], err[ok], "x", color=color, ms=7, mew=1.5, label=f"|estimate - exact| {q}")
        s = np.sort(df["steps"].unique()).astype(float)
        se0 = float(df[df["steps"] == s[0]]["stderr"].max())
        if se0 > 0:
            ax.plot(s, se0 * (s / s[0]) ** -0.5, "k--", lw=1, label="∝ budget$^{-1/2}$")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("budget (injection steps)")
        ax.set_ylabel(f"current ({CURRENT_UNIT})")
        if title:
            ax.set_title(title, fontsize=9)
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=2, fontsize=7, frameon=False)
    return fig


def save_convergence_plot(df: Any, path: str | os.PathLike, *, title: str = "",
                          slopes: dict[str, float] | None = None, dpi: int = 150) -> Path:
    """Draw :func:`convergence_figure` and write it to ``path`` (PNG, atomically); returns the path."""
    from ...results import atomic_write

    fig = convergence_figure(df, title=title, slopes=slopes)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    fig.clear()
    p = Path(path)
    atomic_write(p, buf.getvalue())
    return p
