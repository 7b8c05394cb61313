"""Exact steady state of the classical master equation (Sec. II, App. A, App. C2).

The walker rule (conventions §2): at a site with S, D or P attached a walker
moves on with probability ``p`` or flips direction in place with ``1 - p``; on
a free site it moves on with probability 1. The steady-state densities obey

    rho+(l) = m(l-1) rho+(l-1) + (1 - m(l)) rho-(l) + s(l)
    rho-(l) = m(l+1) rho-(l+1) + (1 - m(l)) rho+(l) + s(l)

with ``m(l)`` the move probability of site ``l`` (``p``, or ``p_l`` of a
per-site profile ``ClassicalParams.p_profile``, on S/D/P sites; 1 on free
sites), ``s(l) = +-Ig/2`` at S/D and
the reservoir injections entering at ``l = 1`` and ``l = N``.

How it is solved
----------------
Work with the *outgoing fluxes* ``x+(l) = m(l) rho+(l)`` and
``x-(l) = m(l) rho-(l)``. Eliminating the flip inside one site turns every
site into a two-port scatterer::

    x+(l) = t a(l) + r b(l) + s(l),   x-(l) = t b(l) + r a(l) + s(l),
    t = 1/(2 - m),  r = (1 - m)/(2 - m),  t + r = 1,

with incoming fluxes ``a(l) = x+(l-1)``, ``b(l) = x-(l+1)``. On each bond
``l -> l+1`` let ``J(l) = x+(l) - x-(l+1)`` (the current) and
``S(l) = x+(l) + x-(l+1)``. Across site ``l`` the two-port gives

    J(l) - J(l-1) = 2 s(l)                              (charge conservation)
    S(l) - S(l-1) = -(1 - m(l)) [J(l) + J(l-1)]         (the site's "resistance")

so every bond current is ``J(l) = I_in + Q(l)`` with ``Q`` the cumulative
injection, and summing the second line across the wire (the reservoirs fix
``S`` at both ends) gives ``I_in`` in closed form::

    I_in = [2 (in_L - in_R) - Q(N) - sum_l (1 - m(l)) (Q(l) + Q(l-1))]
           / [2 + 2 sum_l (1 - m(l))]

The profile follows from cumulative sums: exact, ``O(N)`` time and memory,
vectorised, with bounded coefficients as ``p -> 0`` (densities diverge like
``1/p``, fluxes do not). The uniform background ``rho0`` carries no current
(``x+ = x- = rho0``) and is added at the end, so currents never lose digits
to it. For ``.SD.`` the formula is Eq. 6 at once.

Two independent solvers are kept as checks: :func:`flux_solve`, the same
flux equations solved by banded LU (:func:`scipy.linalg.solve_banded`,
``O(N)`` but slower), and :func:`solve_dense`, the density equations exactly
as written above (conventions §2; for dimers the paper's Eqs. A1-A3),
solved densely (the test oracle for small ``N``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..results import ClassicalState, Result, needs_split, require_finite
from ..runs.budget import check_sites
from ..wire import Bias, ClassicalParams, ParameterError, Wire

__all__ = ["solve_classical", "steady_state", "solve_dense", "move_probability", "site_move_probability",
           "flux_solve", "flux_profile", "injection_split"]


def move_probability(wire: Wire, p: float | np.ndarray) -> np.ndarray:
    """Move probability ``m(l)`` per site, shape ``(N,)``: ``p`` at S/D/P, 1 elsewhere.

    ``p`` is one number or a per-site profile ``p_l`` of length ``N``
    (conventions §2); free sites move on with probability 1 either way.
    """
    return np.where(wire.scatterer, p, 1.0)


def site_move_probability(wire: Wire, params: ClassicalParams) -> np.ndarray:
    """``m(l)`` of ``params`` on ``wire``: the profile ``p_l`` if given, else the scalar ``p``.

    Raises
    ------
    ParameterError
        The profile does not have ``N`` values (naming its file).
    """
    if params.p_profile is None:
        return move_probability(wire, params.p)
    from ..profiles import check_length

    check_length("p_profile", params.p_profile, wire.N, params.p_profile_source)
    return move_probability(wire, params.p_profile)


def flux_solve(m: np.ndarray, s: np.ndarray, inj_left: np.ndarray, inj_right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Outgoing fluxes of the flux formulation, in ``O(N)``.

    Parameters
    ----------
    m : ndarray, shape (N,)
        Move probability per site, in (0, 1].
    s : ndarray, shape (N,)
        Source term per site and species per step (``+-Ig/2`` or 0).
    inj_left, inj_right : ndarray, shape (K,)
        Reservoir injections per step at site 1 and site N, one entry per
        right-hand side (e.g. forward and reverse).

    Returns
    -------
    x_plus, x_minus : ndarray, shape (N, K)
        ``m(l) rho+(l)`` and ``m(l) rho-(l)`` for each right-hand side.
    """
    from scipy.linalg import solve_banded  # lazy: only this check solver needs scipy

    n = m.shape[0]
    k = inj_left.shape[0]
    t = 1.0 / (2.0 - m)
    r = (1.0 - m) / (2.0 - m)
    # unknowns z[2l] = x+(l), z[2l+1] = x-(l); banded storage ab[3 + i - j, j]
    ab = np.zeros((7, 2 * n))
    ab[3, :] = 1.0
    j = np.arange(0, 2 * n - 2, 2)          # column 2l-2 for l = 1..N-1
    ab[5, j] = -t[1:]                       # row 2l   (x+(l)) <- x+(l-1)
    ab[6, j] = -r[1:]                       # row 2l+1 (x-(l)) <- x+(l-1)
    j = np.arange(3, 2 * n, 2)              # column 2l+3 for l = 0..N-2
    ab[0, j] = -r[:-1]                      # row 2l   (x+(l)) <- x-(l+1)
    ab[1, j] = -t[:-1]                      # row 2l+1 (x-(l)) <- x-(l+1)
    rhs = np.repeat(s, 2)[:, None] * np.ones((1, k))
    rhs[0] += t[0] * inj_left
    rhs[1] += r[0] * inj_left
    rhs[-2] += r[-1] * inj_right
    rhs[-1] += t[-1] * inj_right
    z = solve_banded((3, 3), ab, rhs, overwrite_ab=True, overwrite_b=True, check_finite=False)
    return z[0::2], z[1::2]


def flux_profile(m: np.ndarray, s: np.ndarray, inj_left: float, inj_right: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact outgoing fluxes and bond currents by current conservation, ``O(N)``.

    Parameters
    ----------
    m : ndarray, shape (N,)
        Move probability per site, in (0, 1].
    s : ndarray, shape (N,)
        Source term per site and species per step (``+-Ig/2`` or 0).
    inj_left, inj_right : float
        Reservoir injections per step at site 1 and at site N.

    Returns
    -------
    x_plus, x_minus : ndarray, shape (N,)
        ``m(l) rho+(l)`` and ``m(l) rho-(l)``.
    J : ndarray, shape (N-1,)
        Bond currents ``J(l) = x+(l) - x-(l+1)``.
    """
    w = 1.0 - m
    Q = np.cumsum(2.0 * s)                        # Q(l): net injection on sites <= l
    Qprev = np.concatenate(([0.0], Q[:-1]))
    # pairwise np.sum keeps the O(N) totals accurate to O(log N) ulps
    I_in = (2.0 * (inj_left - inj_right) - Q[-1] - np.sum(w * (Q + Qprev))) / (2.0 + 2.0 * np.sum(w))
    Jfull = I_in + np.concatenate(([0.0], Q))     # bonds 0..N: reservoir-site 1, ..., site N-reservoir
    S0 = 2.0 * inj_left - I_in                    # S on the bond reservoir -> site 1
    S = S0 - np.cumsum(w * (Jfull[1:] + Jfull[:-1]))
    x_plus = 0.5 * (S + Jfull[1:])
    x_minus = np.empty_like(x_plus)
    x_minus[0] = inj_left - I_in
    x_minus[1:] = 0.5 * (S[:-1] - Jfull[1:-1])
    return x_plus, x_minus, Jfull[1:-1].copy()


def injection_split(m: np.ndarray, s: np.ndarray, d: float) -> tuple[float, float]:
    """``I_in = drive + injected`` of :func:`flux_profile`, each part on its own.

    The closed form of ``I_in`` (module docstring) is linear: with
    ``den = 2 + 2 sum_l (1 - m(l))``, ``drive = 2 d / den`` (``d`` the
    reservoir drive ``inj_left - inj_right``, ``+-drho``) and
    ``injected = -[Q(N) + sum_l (1 - m(l)) (Q(l) + Q(l-1))] / den``, without
    forming their sum. :meth:`~nonrecip.results.Result.from_states` builds
    ``delta_I`` from them when the sum cancels (conventions §1).
    """
    w = 1.0 - m
    Q = np.cumsum(2.0 * s)
    Qprev = np.concatenate(([0.0], Q[:-1]))
    den = 2.0 + 2.0 * np.sum(w)
    return float(2.0 * d / den), float(-(Q[-1] + np.sum(w * (Q + Qprev))) / den)


def _states(wire: Wire, params: ClassicalParams, biases: tuple[Bias, ...]) -> list[ClassicalState]:
    m = site_move_probability(wire, params)  # checks a profile's length before any work
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # refused below if not finite
        out = _solve_states(wire, params, m, biases)
    p: dict[str, float] = ({"p": params.p} if params.p_profile is None
                           else {"p_profile": float(np.min(m))})  # min over the S/D/P sites (1 if none)
    require_finite(tuple(out), {**p, "Ig": params.Ig, "drho": params.drho, "rho0": params.rho0})
    return out


def _solve_states(wire: Wire, params: ClassicalParams, m: np.ndarray,
                  biases: tuple[Bias, ...]) -> list[ClassicalState]:
    s = 0.5 * params.Ig * wire.injection
    out = []
    for b in biases:
        # deviation from the uniform rho0 background (which carries no current)
        d = float(np.subtract(*params.reservoir_injection(b)))
        xp, xm, J = flux_profile(m, s, max(d, 0.0), max(-d, 0.0))
        out.append(ClassicalState(
            I_in=float(J[0]), I_out=float(J[-1]), J=J,
            rho_plus=(xp + params.rho0) / m,
            rho_minus=(xm + params.rho0) / m,
        ))
    if biases == (Bias.FORWARD, Bias.REVERSE) and needs_split(out[0].I_in, out[1].I_in):
        # only where delta_I would cancel: one more O(N) pass. The drive is
        # +-drho exactly, not the difference d = (rho0 + drho) - rho0 of the
        # rounded injections the profile uses.
        drive, injected = injection_split(m, s, params.drho)
        out = [dataclasses.replace(out[0], I_in_split=(drive, injected)),
               dataclasses.replace(out[1], I_in_split=(-drive, injected))]
    return out


def steady_state(wire: Wire, params: ClassicalParams, bias: Bias | str = Bias.FORWARD) -> ClassicalState:
    """Exact steady state under one bias (``O(N)``)."""
    return _states(wire, params, (Bias.parse(bias),))[0]


def solve_classical(wire: Wire, params: ClassicalParams) -> Result[ClassicalState]:
    """Exact classical steady state under forward and reverse bias.

    Parameters
    ----------
    wire : Wire
        Any layout.
    params : ClassicalParams
        ``p`` or the per-site ``p_profile`` (conventions §2), ``Ig``,
        ``drho``, ``rho0``.

    Returns
    -------
    Result
        ``forward`` / ``reverse`` :class:`~nonrecip.results.ClassicalState`
        and ``delta_I = |I_in(reverse)| - |I_in(forward)|``.

    Examples
    --------
    >>> from nonrecip import Wire, ClassicalParams, solve_classical
    >>> res = solve_classical(Wire(".SD."), ClassicalParams(p=0.5, Ig=0.1, drho=0.2))
    >>> round(res.forward.I_in, 12)   # Eq. 6: (0.2 - 0.5*0.1)/(3 - 1)
    0.075
    """
    if not isinstance(wire, Wire):
        raise ParameterError("wire", wire, "must be a nonrecip.Wire")
    if not isinstance(params, ClassicalParams):
        raise ParameterError("params", params, "must be a nonrecip.ClassicalParams")
    check_sites("classical", wire.N)  # refuse before allocating what cannot fit
    fwd, rev = _states(wire, params, (Bias.FORWARD, Bias.REVERSE))
    return Result.from_states("classical", wire, params, fwd, rev)


def solve_dense(wire: Wire, params: ClassicalParams, bias: Bias | str = Bias.FORWARD) -> ClassicalState:
    """Dense solve of the density equations exactly as written (conventions §2).

    The test oracle: ``O(N^3)``, independent of the flux formulation used by
    :func:`solve_classical`. Use for ``N`` up to a few thousand.
    """
    n = wire.N
    m = site_move_probability(wire, params)
    s = 0.5 * params.Ig * wire.injection
    in_l, in_r = params.reservoir_injection(Bias.parse(bias))
    # unknowns: rho+ at 0..N-1, rho- at N..2N-1
    A = np.eye(2 * n)
    b = np.concatenate([s, s]).astype(float)
    for l in range(n):
        P, M = l, n + l
        if l > 0:
            A[P, l - 1] -= m[l - 1]
        A[P, M] -= 1.0 - m[l]
        if l < n - 1:
            A[M, n + l + 1] -= m[l + 1]
        A[M, P] -= 1.0 - m[l]
    b[0] += in_l
    b[2 * n - 1] += in_r
    x = np.linalg.solve(A, b)
    rp, rm = x[:n], x[n:]
    J = m[:-1] * rp[:-1] - m[1:] * rm[1:]
    return ClassicalState(I_in=float(J[0]), I_out=float(J[-1]), J=J, rho_plus=rp, rho_minus=rm)
