"""Checks of the quantum NEGF solve (``solve_quantum``) against the paper.

Tolerances
----------
Exact statements (linear response is a linear solve; the closed forms
B28-B33, C3-C13 are exact for their layouts): ``rel_error <= QTOL = 1e-9``
on potentials and currents of size ``dmu`` and ``Ig``, or ``abs_error <=
QTOL * scale`` where the reference is zero. The O(N) solver is accurate to a
few ulps (its own tests: 1e-12 against mpmath); 1e-9 leaves room for the
closed forms' own cancellations (``D(mubar)``, ``det Z``) and still fails any
real mistake.

Approximate statements (Eqs. 19-21: bulk, ``N >> l_c``) are judged by the
error shrinking as N grows, as SPEC asks for approximations.
"""

from __future__ import annotations

import math

import numpy as np

from ..deterministic.quantum import solve_quantum
from ..wire import QuantumParams, Wire
from .registry import Context, assertion, check, compare

QTOL = 1e-9


def _qp(ig_ratio: float, **kw) -> QuantumParams:
    kw.setdefault("dmu", 0.1)
    return QuantumParams.from_ig_ratio(ig_ratio, **kw)


@check("quantum.spec_example", model="quantum", equation="B31, B33 (SPEC example)")
def check_spec_example(ctx: Context):
    """The worked example of SPEC section 4 (N = 4, mubar = 1, gamma = 0.5,
    Ig/Io = 0.3, dmu = 0.1): ``mu_2 - mubar = mubar - mu_3 = 53/720`` and
    ``delta_I = 2 dI = (2/9) Ig``, exact rationals typed from SPEC / the
    quantum issue. ``rel_error <= 1e-9``."""
    prm = _qp(0.3, gamma=0.5, mubar=1.0)
    res = solve_quantum(Wire(".SD."), prm)
    pars = dict(layout=".SD.", gamma=0.5, mubar=1.0, Ig_over_Io=0.3, dmu=0.1)
    yield compare("mu_2 - mubar (forward)", res.forward.mu[1] - 1.0, 53 / 720, tol=QTOL, parameters=pars)
    yield compare("mubar - mu_3 (forward)", 1.0 - res.forward.mu[2], 53 / 720, tol=QTOL, parameters=pars)
    yield compare("delta_I", res.delta_I, 2 / 9 * prm.Ig, tol=QTOL, parameters=pars)


@check("quantum.lambda_F_zeros", model="quantum", equation="C13, Fig. 3(c), Fig. 10")
def check_zeros(ctx: Context):
    """Coherent zeros of the nonreciprocity (Sec. III C, App. C1): delta_I
    vanishes, for every gamma, when the S-D distance ``N - 3`` of ``single``
    is a multiple of ``lambda_F/2 = pi/arccos(mubar/2)`` (3 at mubar = 1), and
    for the N = 60 wire of Fig. 10 at mubar = 1. ``|delta_I| <= 1e-9 Ig``;
    and delta_I is not small in between (``> 1e-3 Ig``), so the zeros are
    not trivial."""
    for g in (0.3, 0.5, 1.0):
        for N in (6, 9, 12, 30):
            prm = _qp(0.1, gamma=g, mubar=1.0)
            res = solve_quantum(Wire.single(N), prm)
            yield compare("delta_I (N - 3 = m lambda_F/2)", res.delta_I, 0.0, tol=QTOL * prm.Ig, metric="abs",
                          parameters=dict(layout="single", N=N, gamma=g, mubar=1.0, Ig_over_Io=0.1))
        for N in (7, 8):
            prm = _qp(0.1, gamma=g, mubar=1.0)
            res = solve_quantum(Wire.single(N), prm)
            yield assertion("|delta_I| / Ig away from the zeros", abs(res.delta_I) > 1e-3 * prm.Ig,
                            value=res.delta_I / prm.Ig, tolerance=1e-3,
                            parameters=dict(layout="single", N=N, gamma=g, mubar=1.0, Ig_over_Io=0.1))
    lay = ["."] * 60
    for s in range(2, 59, 6):
        lay[s - 1] = "S"
    for d in range(5, 60, 6):
        lay[d - 1] = "D"
    w = Wire("".join(lay))
    for g in (0.3, 0.5, 0.8):
        prm = _qp(0.1, gamma=g, mubar=1.0)
        res = solve_quantum(w, prm)
        yield compare("delta_I (Fig. 10 wire at mubar = 1)", res.delta_I, 0.0, tol=QTOL * prm.Ig, metric="abs",
                      parameters=dict(layout="Fig. 10 (N=60)", gamma=g, mubar=1.0, Ig_over_Io=0.1))
