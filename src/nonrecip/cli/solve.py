"""``nonrecip solve ...``: exact steady states. Parse, call the library, print."""

from __future__ import annotations

from typing import Annotated

import typer

from ._app import solve_app
from ._common import JsonOpt, LayoutOpt, NOpt, OutOpt, emit, make_wire

POpt = Annotated[float, typer.Option("--p", help="Move probability at S/D/P sites, in (0, 1]; 1-p flips.")]
IgOpt = Annotated[float, typer.Option("--ig", help="Current of each source and drain, >= 0.")]
DrhoOpt = Annotated[float, typer.Option("--drho", help="Density bias delta_rho >= 0 (left higher when forward).")]
Rho0Opt = Annotated[float, typer.Option("--rho0", help="Background reservoir density, >= 0 (currents do not depend on it).")]


@solve_app.command("classical")
def solve_classical_cmd(
    layout: LayoutOpt = "dimers",
    n: NOpt = None,
    p: POpt = 0.9,
    ig: IgOpt = 0.05,
    drho: DrhoOpt = 0.1,
    rho0: Rho0Opt = 1.0,
    json: JsonOpt = False,
    out: OutOpt = None,
) -> None:
    """Exact steady state of the classical master equation (Sec. II, App. A)."""
    from ..deterministic import solve_classical
    from ..wire import ClassicalParams

    wire = make_wire(layout, n)
    res = solve_classical(wire, ClassicalParams(p=p, Ig=ig, drho=drho, rho0=rho0))
    emit(res, as_json=json, out=out)


@solve_app.command("circuit")
def solve_circuit_cmd(
    layout: LayoutOpt = "dimers",
    n: NOpt = None,
    v: Annotated[float, typer.Option("--v", help="Bias voltage V >= 0 (site 1 at V when forward).")] = 1.0,
    r: Annotated[float, typer.Option("--r", help="Total resistance R > 0 of the wire.")] = 1.0,
    ig: IgOpt = 0.05,
    json: JsonOpt = False,
    out: OutOpt = None,
) -> None:
    """Kirchhoff solve of the resistive circuit (Sec. I, App. D)."""
    from ..deterministic import solve_circuit
    from ..wire import CircuitParams

    wire = make_wire(layout, n)
    res = solve_circuit(wire, CircuitParams(V=v, R=r, Ig=ig))
    emit(res, as_json=json, out=out)
