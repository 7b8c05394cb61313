"""delta_I keeps its digits at any ratio of drive to Ig (conventions §1).

``delta_I = |I_in(reverse)| - |I_in(forward)|`` of a linear model with
``I_in = G drive - X`` (forward) and ``-G drive - X`` (reverse). When one part
dwarfs the other, both currents are huge and nearly equal in magnitude and
their difference in double precision keeps no digits (``.SD.``: 0.1667 at
``Ig = 1``, 0.15625 at ``1e15``, 0.25 at ``1e16``, 0.0 at ``1e17`` before).
Here every solver is compared with an independent exact evaluation of the
same model, at ``Ig/drive`` from 1 to ``1e17`` (and beyond):

* classical: the density equations (conventions §2) solved in rational
  arithmetic (:class:`fractions.Fraction`, Gauss-Jordan);
* circuit: nodal analysis in rational arithmetic;
* quantum linear response: ``G = Z^{-1}``, ``T_ll'`` and the probe system in
  mpmath at 50 digits (Eq. B10, B26 to first order).

The inputs are the doubles themselves, converted exactly. Accuracy
(:func:`nonrecip.results.delta_I_linear`): where the two parts of ``I_in``
differ by more than ``SPLIT_RATIO = 64``, ``delta_I`` is twice one part and
has that part's relative error ``e``; below, it is the plain difference, with
error ``<~ (1 + 64) e``. For these small wires the parts are sums of
``<= N + 3`` rounded terms of one sign (the quantum ones a correctly rounded
quotient of such sums), ``e <= (N + 3) u`` (``u = 2**-53``); ``REL_TOL =
2e-14`` (``~180 u``) bounds every case with N <= 12 with a margin for the
plain regime. The measured worst errors are printed with ``-s``: a few ``u``.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from nonrecip import CircuitParams, ClassicalParams, QuantumParams, Wire, solve_circuit, solve_classical
from nonrecip.deterministic.classical import move_probability
from nonrecip.deterministic.quantum import solve_quantum
from nonrecip.results import delta_I_linear

REL_TOL = 2e-14
RATIOS = [10.0**k for k in range(0, 18)] + [1e30, 1e100]
LAYOUTS = [".SD.", ".SDSD.", ".SP.D.", ".DS.", Wire.dimers(10).layout]


def gauss_jordan(A: list[list[Fraction]], b: list[Fraction]) -> list[Fraction]:
    """Exact solve of ``A x = b`` (partial pivoting on nonzero entries)."""
    n = len(b)
    M = [row[:] + [bi] for row, bi in zip(A, b, strict=True)]
    for c in range(n):
        piv = next(r for r in range(c, n) if M[r][c] != 0)
        M[c], M[piv] = M[piv], M[c]
        inv = 1 / M[c][c]
        M[c] = [v * inv for v in M[c]]
        for r in range(n):
            if r != c and M[r][c] != 0:
                f = M[r][c]
                M[r] = [vr - f * vc for vr, vc in zip(M[r], M[c], strict=True)]
    return [M[r][n] for r in range(n)]


def classical_I_in_exact(wire: Wire, params: ClassicalParams, sign: int) -> Fraction:
    """``J(1)`` from the density equations (conventions §2) in rational arithmetic."""
    n = wire.N
    m = [Fraction(float(v)) for v in move_probability(wire, params.p)]
    s = [Fraction(params.Ig) * int(k) / 2 for k in wire.injection]
    rho0, drho = Fraction(params.rho0), Fraction(params.drho)
    in_l, in_r = (rho0 + drho, rho0) if sign > 0 else (rho0, rho0 + drho)
    A = [[Fraction(0)] * (2 * n) for _ in range(2 * n)]
    b = s + s
    for i in range(2 * n):
        A[i][i] = Fraction(1)
    for l in range(n):
        P, M = l, n + l
        if l > 0:
            A[P][l - 1] -= m[l - 1]
        A[P][M] -= 1 - m[l]
        if l < n - 1:
            A[M][n + l + 1] -= m[l + 1]
        A[M][P] -= 1 - m[l]
    b[0] += in_l
    b[2 * n - 1] += in_r
    x = gauss_jordan(A, b)
    return m[0] * x[0] - m[1] * x[n + 1]


def circuit_I_in_exact(wire: Wire, params: CircuitParams, sign: int) -> Fraction:
    """Current into node 1 by nodal analysis in rational arithmetic."""
    n = wire.N
    g = Fraction(n - 1) / Fraction(params.R)
    V = Fraction(params.V)
    v1, vn = (V, Fraction(0)) if sign > 0 else (Fraction(0), V)
    G = [[Fraction(0)] * n for _ in range(n)]
    b = [Fraction(0)] * n
    for l in range(1, n - 1):
        G[l][l] = 2 * g
        G[l][l - 1] = G[l][l + 1] = -g
        b[l] = Fraction(params.Ig) * int(wire.injection[l])
    G[0][0] = G[n - 1][n - 1] = Fraction(1)
    b[0], b[n - 1] = v1, vn
    x = gauss_jordan(G, b)
    return g * (x[0] - x[1])


def exact_delta(I_fwd, I_rev):
    return abs(I_rev) - abs(I_fwd)


def rel_err(got: float, exact) -> float:
    exact = float(exact) if not isinstance(exact, float) else exact
    return abs(got - exact) / abs(exact) if exact != 0 else abs(got)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("rho0", [0.0, 1.0])
def test_classical_delta_exact(layout, rho0):
    w = Wire(layout)
    worst = 0.0
    for drho, Ig in [(0.1, 0.1 * r) for r in RATIOS] + [(0.1 / r, 0.1) for r in RATIOS[1:]]:
        prm = ClassicalParams(p=0.3, Ig=Ig, drho=drho, rho0=rho0)
        ex = exact_delta(classical_I_in_exact(w, prm, +1), classical_I_in_exact(w, prm, -1))
        e = rel_err(solve_classical(w, prm).delta_I, Fraction(ex))
        worst = max(worst, e)
        if rho0 == 0.0 or Ig >= drho:
            # rho0 = 0, or the drive part (+-drho, taken exactly) dominates the error budget
            assert e <= REL_TOL, (drho, Ig, e)
    print(f"classical {layout} rho0={rho0}: worst relative error {worst:.2e}")


def test_classical_sd_paper_case_was_wrong_before():
    """The numbers of the report: ``.SD.`` with the CLI defaults keeps 1/6 ... at any Ig."""
    w = Wire(".SD.")
    for Ig in (1.0, 1e15, 1e16, 1e17, 1e300):
        prm = ClassicalParams(p=0.9, Ig=Ig, drho=0.1, rho0=1.0)
        ex = exact_delta(classical_I_in_exact(w, prm, +1), classical_I_in_exact(w, prm, -1))
        assert solve_classical(w, prm).delta_I == pytest.approx(float(ex), rel=REL_TOL, abs=0)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_circuit_delta_exact(layout):
    w = Wire(layout)
    for V, Ig in [(1.0, r) for r in RATIOS] + [(1.0 / r, 1.0) for r in RATIOS[1:]]:
        prm = CircuitParams(V=V, R=3.0, Ig=Ig)
        ex = exact_delta(circuit_I_in_exact(w, prm, +1), circuit_I_in_exact(w, prm, -1))
        assert rel_err(solve_circuit(w, prm).delta_I, Fraction(ex)) <= REL_TOL, (V, Ig)


def quantum_I1_mp(wire: Wire, prm: QuantumParams, sign: int) -> mpmath.mpf:
    """``I_1`` of the linear-response probe system, dense, in mpmath (Eq. B10, B26)."""
    n = wire.N
    w = mpmath.mpf(prm.mubar)
    g = [mpmath.mpf(prm.gamma) if c != "." else mpmath.mpf(0) for c in wire.layout]
    g[0] = g[-1] = mpmath.mpf(prm.gamma_contact)
    root = mpmath.sqrt(4 - w * w)
    Z = mpmath.matrix(n, n)
    for l in range(n):
        Z[l, l] = w - g[l] ** 2 / 2 * (w - 1j * root)
        if l + 1 < n:
            Z[l, l + 1] = Z[l + 1, l] = 1   # hopping: |G| does not depend on its sign
    G = Z**-1
    gam = [gl**2 * root for gl in g]
    T = [[abs(G[i, j]) ** 2 * gam[i] * gam[j] if i != j else mpmath.mpf(0) for j in range(n)] for i in range(n)]
    two_pi = 2 * mpmath.pi
    U = [l for l in range(1, n - 1) if wire.layout[l] != "." and g[l] > 0]
    tgt = {l: mpmath.mpf(prm.Ig) * int(wire.injection[l]) for l in U}
    x1, xN = sign * mpmath.mpf(prm.dmu) / 2, -sign * mpmath.mpf(prm.dmu) / 2
    # sum_l' T_ll' (x_l - x_l') = 2 pi target_l on U, with x_1, x_N given
    M = mpmath.matrix(len(U), len(U))
    rhs = mpmath.matrix(len(U), 1)
    for a, l in enumerate(U):
        M[a, a] = sum(T[l])
        for c, k in enumerate(U):
            if k != l:
                M[a, c] -= T[l][k]
        rhs[a] = two_pi * tgt[l] + T[l][0] * x1 + T[l][n - 1] * xN
    xu = mpmath.lu_solve(M, rhs) if U else []
    x = [mpmath.mpf(0)] * n
    x[0], x[n - 1] = x1, xN
    for a, l in enumerate(U):
        x[l] = xu[a]
    return sum(T[0][k] * (x[0] - x[k]) for k in range(n)) / two_pi


@pytest.mark.parametrize("layout", [".SD.", ".SDSD.", ".SP.D.", Wire.dimers(8).layout])
@pytest.mark.parametrize("method", ["fast", "dense"])
def test_quantum_linear_delta_exact(layout, method):
    w = Wire(layout)
    worst = 0.0
    cases = [(0.1 / r, 0.03) for r in RATIOS] + [(0.1, 0.03 / r) for r in RATIOS[1:]]
    with mpmath.workdps(50):
        for dmu, Ig in cases:
            prm = QuantumParams(gamma=0.5, mubar=1.0, dmu=dmu, Ig=Ig)
            ex = exact_delta(quantum_I1_mp(w, prm, +1), quantum_I1_mp(w, prm, -1))
            e = rel_err(solve_quantum(w, prm, method=method).delta_I, ex)
            worst = max(worst, e)
            assert e <= REL_TOL, (dmu, Ig, e)
    print(f"quantum {method} {layout}: worst relative error {worst:.2e}")


def test_delta_I_linear_sign_cases():
    """Each of the four sign cases of |B| - |A| is twice one part (exact rationals as reference)."""
    for a, X in [(3.0, 1.0), (1.0, 3.0), (-3.0, 1.0), (-1.0, 3.0), (3.0, -1.0), (1.0, -3.0),
                 (-3.0, -1.0), (-1.0, -3.0), (1e-17, 1.0), (1.0, 1e-17), (0.0, 2.0), (2.0, 0.0), (0.0, 0.0)]:
        A, B = Fraction(a) - Fraction(X), -Fraction(a) - Fraction(X)
        got = delta_I_linear((a, -X), (-a, -X))
        assert got == float(abs(B) - abs(A)), (a, X)   # twice one part: exact for exact parts


def test_no_overflow_in_delta_I_linear():
    """Twice one part: finite whenever the result is representable."""
    a, X = 1e300, 1e300 / 3
    assert np.isfinite(delta_I_linear((a, -X), (-a, -X)))
    assert delta_I_linear((a, -X), (-a, -X)) == pytest.approx(2 * X, rel=1e-15)
