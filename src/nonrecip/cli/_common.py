"""Options and output shared by every command (the CLI/JSON contract).

Every command prints a readable table by default; ``--json`` prints exactly
one JSON object on stdout (``parameters``/``forward``/``reverse``/``delta_I``)
and nothing else, so the same inputs give the same bytes; ``--out FILE``
writes ``.json``, ``.csv`` or ``.parquet`` atomically. Messages, timings and
progress go to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

LayoutOpt = Annotated[str, typer.Option(
    "--layout", help="Layout string of '.', 'S', 'D', 'P' (e.g. .SDSD.), or 'dimers'/'single' with --n.")]
NOpt = Annotated[Optional[int], typer.Option("--n", help="Number of sites N (needed by 'dimers' and 'single').")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout and nothing else.")]
OutOpt = Annotated[Optional[Path], typer.Option(
    "--out", help="Also write the result to FILE (.json, .csv or .parquet, by extension).")]


def make_wire(layout: str, n: int | None):
    from ..wire import Wire

    return Wire.from_spec(layout, n)


def info(msg: str) -> None:
    """A message for people: always stderr, never mixed with --json output."""
    print(msg, file=sys.stderr)


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if hasattr(v, "mean") and hasattr(v, "stderr") and not hasattr(v.mean, "__len__"):
        return f"{v.mean:.10g} ± {v.stderr:.2g}"
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(v)


def print_result(result, *, max_rows: int = 64) -> None:
    """Human-readable tables of a :class:`~nonrecip.results.Result` (rich)."""
    import dataclasses

    import numpy as np
    from rich.console import Console
    from rich.table import Table

    from ..results import Estimate, EstimateArray

    console = Console(highlight=False)
    if not console.is_terminal:  # a pipe or file: never squeeze numbers into '0.23750…'
        console = Console(highlight=False, width=4096)
    params = ", ".join(f"{k}={_fmt(v)}" for k, v in result.parameters.items())
    console.print(f"[bold]{result.model}[/bold]  {params}")
    fields = [f.name for f in dataclasses.fields(result.forward)]
    scal = Table(title="boundary currents and scalars")
    scal.add_column("quantity")
    scal.add_column("forward", justify="right", overflow="fold")
    scal.add_column("reverse", justify="right", overflow="fold")
    def _empty(v) -> bool:  # nothing to show: None, or NaN everywhere (e.g. densities of a currents-only estimator)
        if v is None:
            return True
        m = np.asarray(v.mean if isinstance(v, (Estimate, EstimateArray)) else v, dtype=float)
        return m.size > 0 and bool(np.all(np.isnan(m)))

    arrays = []
    for name in fields:
        fv, rv = getattr(result.forward, name), getattr(result.reverse, name)
        if _empty(fv) and _empty(rv):
            continue
        if isinstance(fv, (np.ndarray, EstimateArray)):
            arrays.append(name)
        else:
            scal.add_row(name, _fmt(fv), _fmt(rv))
    scal.add_row("[bold]delta_I[/bold]", _fmt(result.delta_I), "")
    console.print(scal)
    if not arrays:
        return
    n = result.wire.N
    if n > max_rows:
        console.print(f"(N = {n}: per-site and per-bond values omitted; use --json or --out FILE)")
        return
    tab = Table(title="per site l (bond quantities: bond l -> l+1)")
    tab.add_column("l", justify="right")
    tab.add_column("site", justify="center")
    for name in arrays:
        for bias in ("fwd", "rev"):
            tab.add_column(f"{name} {bias}", justify="right", overflow="fold")  # narrow terminal: wrap digits, never cut
    for i in range(n):
        row = [str(i + 1), result.wire.layout[i]]
        for name in arrays:
            for st in (result.forward, result.reverse):
                a = getattr(st, name)
                if i < len(a):
                    row.append(_fmt(a[i] if isinstance(a, EstimateArray) else float(a[i])))
                else:
                    row.append("")
        tab.add_row(*row)
    console.print(tab)


def emit(result, *, as_json: bool, out: Path | None) -> None:
    """Print ``result`` (table or JSON) and optionally save it."""
    if out is not None:
        result.save(out)
        info(f"wrote {out}")
    if as_json:
        sys.stdout.write(result.to_json() + "\n")
        sys.stdout.flush()
    else:
        print_result(result)
