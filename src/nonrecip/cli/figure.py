"""``nonrecip figure NAME``: reproduce a figure of the paper (or an extra one)
as PNG + CSV (+ PDF) in the gallery directory."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from ._app import app
from ._common import info


@app.command("figure")
def figure_cmd(
    name: Annotated[str, typer.Argument(
        help="Figure: 1, 2b, 2c, 3a, 3b, 3c, 5, 6, 7, 8, 9, 10, the extras mc, lc, map-classical, "
             "map-quantum, or 'all'.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for fig_NAME.png / .csv (/ .pdf).")] = Path("docs/figures"),
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write fig_NAME.pdf.")] = False,
    quick: Annotated[bool, typer.Option("--quick", help="Coarse grids and small Monte Carlo budgets (tests).")] = False,
) -> None:
    """Reproduce a figure of the paper: fig_NAME.png + tidy fig_NAME.csv (+ .pdf)."""
    import matplotlib

    matplotlib.use("Agg")
    from ..paper import figures as F
    from ..wire import ParameterError

    available = F.names()
    todo = available if name == "all" else [name]
    if name != "all" and name not in available:
        raise ParameterError("NAME", name, "must be one of " + ", ".join(available) + " or all")
    for n in todo:
        t0 = time.perf_counter()
        paths = F.make_and_save(n, out, quick=quick, pdf=pdf)
        info(f"fig {n:14s} {time.perf_counter() - t0:6.1f} s  " + " ".join(str(p) for p in paths))
