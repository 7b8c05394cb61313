"""Fast exhaustive scoring by superposition: one set of bath sites, every order.

For the classical model, the circuit and the quantum wire in linear
response, the bath sites (S, D or P: the same scatterer / the same coupling
``gamma``) fix the linear problem, and the S/D assignment only enters its
right-hand side, the injection ``Ig e_l`` with ``e_l = +1, -1, 0``. So for
fixed bath sites ``l_0 < l_1 < ... < l_{B-1}`` the input current (and the
quantum bath potentials ``mu``) are affine in ``e``; since a balanced layout
has ``sum_l e_l = 0``,

    I_in(e) = I_in(all P) + sum_{j >= 1} e_j [I_in(D at l_0, S at l_j, P elsewhere) - I_in(all P)],

for either bias. ``B`` calls of the public solver per set of sites then
score all ``(2K+M)!/(K! K! M!)`` orders at once (20 for ``K = 3``, 70 for
``K = 4``). The quantum bath potentials are superposed the same way and a
layout whose potential leaves the band is refused, as the solver would.

The superposed values differ from direct solves by round-off (the
differences above cancel ``~|I_in|/(Ig)`` digits' worth of ulps), so the
search keeps every layout within ``WINDOW`` (relative to the current scale)
of the ``top``-th best and re-evaluates those with direct solver calls: the
``best`` list reports real solver values, and is the brute-force list as
long as no more layouts than that tie within the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..wire import ParameterError, Wire
from . import evaluate as _evaluate
from .evaluate import Evaluator, objective_values
from .space import LayoutSpace

__all__ = ["supported", "block_scores", "WINDOW"]

#: relative window (of the current scale) within which superposed values are re-checked by direct solves
WINDOW = 1e-9


def supported(evaluator: Evaluator) -> bool:
    """Whether the model is linear in the injections (every model but the nonlinear quantum ones)."""
    return evaluator.model != "quantum" or evaluator.response == "linear"


@dataclass(frozen=True)
class _Basis:
    f0: float
    r0: float
    dF: np.ndarray            # (B-1,)
    dR: np.ndarray
    mu0: np.ndarray | None    # (2, N) forward / reverse, quantum only
    dMu: np.ndarray | None    # (B-1, 2, N)


def _basis(ev: Evaluator, params, sites: list[int], N: int) -> _Basis | None:
    """``B`` solves for bath sites ``sites`` (0-based); ``None`` if the solver refuses one."""
    base = bytearray(b"." * N)
    for s in sites:
        base[s] = ord("P")
    lays = [base.decode("ascii")]
    for s in sites[1:]:
        b = bytearray(base)
        b[sites[0]], b[s] = ord("D"), ord("S")
        lays.append(b.decode("ascii"))
    try:
        sols = [_evaluate._solve_full(ev.model, Wire(lay), params, ev.response, ev.hamiltonian) for lay in lays]
    except ParameterError:
        return None
    F = np.array([s[0] for s in sols])
    R = np.array([s[1] for s in sols])
    mu0 = dMu = None
    if ev.model == "quantum":
        mus = np.array([s[2] for s in sols])  # (B, 2, N)
        mu0, dMu = mus[0], mus[1:] - mus[0]
    return _Basis(float(F[0]), float(R[0]), F[1:] - F[0], R[1:] - R[0], mu0, dMu)


def block_scores(space: LayoutSpace, ev: Evaluator, layouts: list[str]) -> tuple[np.ndarray, np.ndarray, int] | None:
    """Superposed objectives of ``layouts`` that share their bath sites.

    Returns
    -------
    objective : ndarray
        Superposed objective per layout (NaN: refused, potential out of band).
    scale : ndarray
        The current scale of each layout (for the re-check window).
    calls : int
        Solver calls made.

    ``None`` if the solver refused one of the basis layouts (the caller then
    solves the block's layouts directly).
    """
    N = space.N
    arr = np.frombuffer("".join(layouts).encode("ascii"), dtype=np.uint8).reshape(len(layouts), N)
    sites = [int(i) for i in np.flatnonzero(arr[0] != ord("."))]
    E = np.where(arr[:, sites] == ord("S"), 1.0, np.where(arr[:, sites] == ord("D"), -1.0, 0.0))[:, 1:]
    plist = (ev.params,) + tuple(ev.robust_params)
    objs = []
    calls = 0
    scale = np.zeros(len(layouts))
    nominal = None
    for k, params in enumerate(plist):
        basis = _basis(ev, params, sites, N)
        calls += len(sites)
        if basis is None:
            return None
        fwd = basis.f0 + E @ basis.dF
        rev = basis.r0 + E @ basis.dR
        ok = np.isfinite(fwd) & np.isfinite(rev)
        if basis.mu0 is not None and basis.dMu is not None:
            mu = basis.mu0[None] + np.einsum("wj,jbn->wbn", E, basis.dMu)
            on = arr != ord(".")
            on[:, [0, -1]] = True
            bad = (np.abs(mu) >= 2.0) & on[:, None, :]
            ok &= ~bad.any(axis=(1, 2))
        obj = objective_values(ev.objective, fwd, rev, ev.K)
        objs.append(np.where(ok, obj, np.nan))
        if k == 0:
            nominal = (fwd, rev)
    stack = np.array(objs)
    if len(plist) == 1:
        out = stack[0]
    elif ev.robust == "worst":
        out = stack.min(axis=0)
    else:
        out = stack.mean(axis=0)
    assert nominal is not None
    scale = np.abs(nominal[0]) + np.abs(nominal[1]) + float(getattr(ev.params, "Ig", 0.0))
    return out, scale, calls

