"""``nonrecip solve quantum``: the NEGF wire with self-consistent baths.
Parse, call the library, print."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ._app import solve_app
from ._common import JsonOpt, LayoutOpt, NOpt, OutOpt, emit, make_wire


@solve_app.command("quantum")
def solve_quantum_cmd(
    layout: LayoutOpt = "dimers",
    n: NOpt = None,
    gamma: Annotated[float, typer.Option("--gamma", help="Coupling of the S, D and P baths, >= 0 (units of the hopping).")] = 0.5,
    mu: Annotated[float, typer.Option("--mu", help="Mean chemical potential mubar, inside the band (-2, 2).")] = 1.0,
    dmu: Annotated[float, typer.Option("--dmu", help="Forward bias mu_L - mu_R > 0 (reverse swaps the two sides).")] = 0.1,
    ig: Annotated[Optional[float], typer.Option("--ig", help="Current of each source and drain, >= 0.")] = None,
    ig_ratio: Annotated[Optional[float], typer.Option(
        "--ig-ratio", help="Ig in units of Io = dmu/(2 pi) (the paper's Ig/Io); default 0.3. Not with --ig.")] = None,
    gamma_contact: Annotated[float, typer.Option(
        "--gamma-contact", help="Coupling of the reservoirs at sites 1 and N, > 0 (1: reflectionless).")] = 1.0,
    temperature: Annotated[float, typer.Option(
        "--temperature", help="Temperature of every bath, >= 0 (linear response needs 0).")] = 0.0,
    response: Annotated[str, typer.Option(
        "--response", help="linear (T = 0), nonlinear (full Landauer-Buttiker, Newton) or cubic (Eq. B35).")] = "linear",
    method: Annotated[str, typer.Option(
        "--method", help="Linear response: fast (direct O(N), = auto) or dense (O(N^3) oracle).")] = "auto",
    tol: Annotated[Optional[float], typer.Option(
        "--tol", help="Nonlinear only: Newton/quadrature tolerance relative to max(Ig, Io) (default 1e-10).")] = None,
    max_iter: Annotated[Optional[int], typer.Option(
        "--max-iter", help="Nonlinear only: Newton iteration limit (default 50).")] = None,
    max_nodes: Annotated[Optional[int], typer.Option(
        "--max-nodes", help="Nonlinear only: largest energy grid (default 513; long free stretches need more).")] = None,
    json: JsonOpt = False,
    out: OutOpt = None,
) -> None:
    """Quantum wire: S/D/P baths with self-consistent potentials (Sec. III, App. B, C1)."""
    from ..deterministic.quantum import solve_quantum
    from ..wire import ParameterError, QuantumParams

    if ig is not None and ig_ratio is not None:
        raise ParameterError("ig", ig, "give either --ig or --ig-ratio, not both")
    wire = make_wire(layout, n)
    common = dict(gamma=gamma, mubar=mu, dmu=dmu, gamma_contact=gamma_contact, temperature=temperature)
    if ig is not None:
        params = QuantumParams(Ig=ig, **common)
    else:
        params = QuantumParams.from_ig_ratio(0.3 if ig_ratio is None else ig_ratio, **common)
    res = solve_quantum(wire, params, response=response, method=method,
                        tol=tol, max_iter=max_iter, max_nodes=max_nodes)
    emit(res, as_json=json, out=out)
