"""Resistive circuit model of the same layout (Sec. I, App. D).

The ``N`` sites are nodes of a uniform wire of total resistance ``R``
(``N - 1`` equal segments ``r = R/(N-1)``); site 1 is held at ``V`` and site
``N`` at 0 under forward bias (swapped in reverse); an ideal current source
of ``Ig`` feeds every ``S`` node and an ideal drain draws ``Ig`` from every
``D`` node (``P`` nodes carry nothing here).

How it is solved
----------------
Kirchhoff's current law fixes every segment current up to one constant:
``J(l) = I_in + Ig * C(l)``, where ``C(l)`` is the net number of sources
minus drains on nodes ``2..l``. Kirchhoff's voltage law along the wire,
``r * sum_l J(l) = V(1) - V(N)``, fixes ``I_in``. This is exact, ``O(N)`` and
free of the cancellations of a nodal solve. ``I_in = V/R - Ig mean(C)`` is
kept as its two parts (``I_in_split``) so that ``delta_I`` is formed without
cancelling them (conventions §1, :func:`~nonrecip.results.delta_I_linear`). :func:`solve_nodal` is the
textbook nodal-analysis solve, kept as the independent test oracle.
"""

from __future__ import annotations

import numpy as np

from ..results import CircuitState, Result, require_finite
from ..runs.budget import check_sites
from ..wire import Bias, CircuitParams, ParameterError, Wire

__all__ = ["solve_circuit", "circuit_state", "solve_nodal"]


def _terminal_voltages(params: CircuitParams, bias: Bias) -> tuple[float, float]:
    return (params.V, 0.0) if bias is Bias.FORWARD else (0.0, params.V)


def _heat_bulk(heat: np.ndarray) -> float:
    """Mean over nodes ``l = 2..N-1`` of ``(h(l-1,l) + h(l,l+1))/2`` (Eq. D4)."""
    return float(np.mean(0.5 * (heat[:-1] + heat[1:])))


def circuit_state(wire: Wire, params: CircuitParams, bias: Bias | str = Bias.FORWARD) -> CircuitState:
    """Kirchhoff solution under one bias, ``O(N)``."""
    bias = Bias.parse(bias)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # refused below if not finite
        st = _kirchhoff(wire, params, bias)
    require_finite((st,), {"V": params.V, "R": params.R, "Ig": params.Ig})
    return st


def _kirchhoff(wire: Wire, params: CircuitParams, bias: Bias) -> CircuitState:
    n = wire.N
    r = params.R / (n - 1)
    v1, vn = _terminal_voltages(params, bias)
    # C(l) for bonds l = 1..N-1: net injection on nodes 2..l
    C = np.concatenate([[0.0], np.cumsum(wire.injection[1:-1])]) * params.Ig
    drive, injected = (v1 - vn) / params.R, -float(np.mean(C))
    I_in = drive + injected
    J = I_in + C
    V = np.concatenate([[v1], v1 - r * np.cumsum(J)])
    V[-1] = vn  # exact terminal value (removes the round-off of the sum)
    heat = J * J * r
    return CircuitState(I_in=float(J[0]), I_out=float(J[-1]), J=J, V=V, heat=heat,
                        heat_bulk=_heat_bulk(heat), I_in_split=(drive, injected))


def solve_circuit(wire: Wire, params: CircuitParams) -> Result[CircuitState]:
    """Resistive circuit under forward and reverse bias.

    Returns
    -------
    Result
        ``forward`` / ``reverse`` :class:`~nonrecip.results.CircuitState`
        (node voltages ``V``, segment currents ``J``, Joule ``heat``) and
        ``delta_I = |I_in(reverse)| - |I_in(forward)|``.

    Examples
    --------
    >>> from nonrecip import Wire, CircuitParams, solve_circuit
    >>> res = solve_circuit(Wire(".SD."), CircuitParams(V=1.0, R=1.0, Ig=0.3))
    >>> round(res.forward.I_in, 12)    # Fig. 1a: V/R - Ig/3
    0.9
    """
    if not isinstance(wire, Wire):
        raise ParameterError("wire", wire, "must be a nonrecip.Wire")
    if not isinstance(params, CircuitParams):
        raise ParameterError("params", params, "must be a nonrecip.CircuitParams")
    check_sites("circuit", wire.N)  # refuse before allocating what cannot fit
    fwd = circuit_state(wire, params, Bias.FORWARD)
    rev = circuit_state(wire, params, Bias.REVERSE)
    return Result.from_states("circuit", wire, params, fwd, rev)


def solve_nodal(wire: Wire, params: CircuitParams, bias: Bias | str = Bias.FORWARD) -> CircuitState:
    """Dense nodal analysis (conductance matrix), the test oracle."""
    bias = Bias.parse(bias)
    n = wire.N
    g = (n - 1) / params.R
    v1, vn = _terminal_voltages(params, bias)
    G = np.zeros((n, n))
    b = np.zeros(n)
    for l in range(1, n - 1):
        G[l, l] = 2 * g
        G[l, l - 1] = G[l, l + 1] = -g
        b[l] = params.Ig * wire.injection[l]
    G[0, 0] = G[-1, -1] = 1.0
    b[0], b[-1] = v1, vn
    V = np.linalg.solve(G, b)
    J = g * (V[:-1] - V[1:])
    heat = J * J / g
    return CircuitState(I_in=float(J[0]), I_out=float(J[-1]), J=J, V=V, heat=heat, heat_bulk=_heat_bulk(heat))
