"""The figure of a design result.

The best layout along the wire with its profile, and the distribution of the
objective over the evaluated layouts.

The profile is the model's own: the density ``rho+ + rho-`` (classical), the
node voltage ``V`` (circuit) or the bath potential ``mu`` (quantum), under
forward and reverse bias, from one more solver call on the best layout.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .result import DesignResult

__all__ = ["plot", "profile"]

PALETTE = {"forward": "#1f77b4", "reverse": "#d62728"}
_KIND_COLOURS = {"S": "#2ca02c", "D": "#9467bd", "P": "#7f7f7f"}


def profile(result: DesignResult, layout: str | None = None,
            hamiltonian: Any = None) -> tuple[str, np.ndarray, np.ndarray]:
    """``(name, forward, reverse)`` site profile of ``layout`` (default the best).

    Classical: ``rho+ + rho-``; circuit: ``V``; quantum: ``mu`` (NaN on free sites).
    """
    from ..deterministic import solve_circuit, solve_classical, solve_quantum
    from ..wire import CircuitParams, ClassicalParams, QuantumParams, Wire

    par = dict(result.parameters)
    layout = result.best[0].layout if layout is None else layout
    wire = Wire(layout)
    model = par["model"]
    if model == "classical":
        cres = solve_classical(wire, ClassicalParams(**{k: par[k] for k in ("p", "Ig", "drho", "rho0")}))
        f, r = cres.forward, cres.reverse
        return "density ρ+ + ρ-", f.rho_plus + f.rho_minus, r.rho_plus + r.rho_minus
    if model == "circuit":
        kres = solve_circuit(wire, CircuitParams(**{k: par[k] for k in ("V", "R", "Ig")}))
        return "voltage V", kres.forward.V, kres.reverse.V
    qp = QuantumParams(**{k: par[k] for k in ("gamma", "mubar", "dmu", "Ig", "gamma_contact", "temperature")})
    res = solve_quantum(wire, qp, response=par.get("response", "linear"), hamiltonian=hamiltonian)
    return "bath potential μ", res.forward.mu, res.reverse.mu


def plot(result: DesignResult, *, width: float = 10.0, height: float = 3.8, hamiltonian: Any = None) -> Any:
    """Draw the best layout with its profile and the distribution of the objective.

    Two panels: the best layout with its forward/reverse profile, and a
    histogram of the objective over the evaluated layouts (best and the
    references marked). Returns a :class:`matplotlib.figure.Figure` (no pyplot).
    """
    from matplotlib.figure import Figure

    name, fwd, rev = profile(result, hamiltonian=hamiltonian)
    best = result.best[0]
    sites = np.arange(1, len(best.layout) + 1)
    fig = Figure(figsize=(width, height), layout="constrained")
    ax, hx = fig.subplots(1, 2)
    ok = np.isfinite(fwd)
    ax.plot(sites[ok], fwd[ok], "o-", ms=3, color=PALETTE["forward"], label="forward")
    ax.plot(sites[ok], rev[ok], "o-", ms=3, color=PALETTE["reverse"], label="reverse")
    lo = np.nanmin(np.concatenate([fwd, rev]))
    for i, c in enumerate(best.layout):
        if c in _KIND_COLOURS:
            ax.axvline(i + 1, color=_KIND_COLOURS[c], alpha=0.25, lw=2)
            if len(best.layout) <= 80:
                ax.annotate(c, (i + 1, lo), ha="center", va="top", fontsize=7, color=_KIND_COLOURS[c])
    ax.set_xlabel("site l")
    ax.set_ylabel(name)
    ax.set_title(f"best: ΔI = {best.delta_I:.4g}" + (f"  {best.layout}" if len(best.layout) <= 40 else ""))
    ax.legend(loc="best")
    obj = result.objectives
    hx.hist(obj, bins=min(60, max(5, int(np.sqrt(obj.size)))), color="#888888")
    hx.axvline(best.objective, color="k", lw=1.5, label="best")
    for (k, ref), col in zip(result.reference.items(), ("#ff7f0e", "#17becf"), strict=False):
        hx.axvline(ref.objective, color=col, ls="--", label=k)
    hx.set_xlabel(f"objective ({result.parameters['objective']})")
    hx.set_ylabel("layouts")
    hx.set_title(f"{result.evaluated} evaluated ({result.method})")
    hx.legend(loc="best")
    return fig
