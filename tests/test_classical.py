"""The exact classical steady state (conventions §2) for any layout.

Three independent solves of the same linear steady state are compared:
``flux_profile`` (closed solve by cumulative sums, used by ``steady_state``),
``flux_solve`` (banded LU of the flux equations) and ``solve_dense`` (the
density equations exactly as conventions §2 writes them). An exact rational solve
(``fractions.Fraction``) of the density equations of conventions §2 is the reference where
floating-point solves could share an error, including p = 1e-6.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecip import ClassicalParams, ParameterError, Wire
from nonrecip.canonical import wires as canonical_wires
from nonrecip.deterministic.classical import (
    flux_profile,
    flux_solve,
    move_probability,
    solve_classical,
    solve_dense,
    steady_state,
)
from nonrecip.results import SPLIT_RATIO

EPS = np.finfo(float).eps
# flux_profile: pairwise sums of O(N) terms, and no division by p, so fluxes
# and currents are accurate to ~N eps of their scale F (observed ~1 ulp
# against exact rationals). Densities are fluxes / m: same relative accuracy.
RTOL_EXACT = 1e-12


def rtol_flux(N: int) -> float:
    """Banded LU of the flux system: error <~ cond * eps, and the flux system
    is diffusive (cond ~ N^2, bounded as p -> 0): 4 N^2 eps (3e-12 at N = 60)."""
    return max(RTOL_EXACT, 4.0 * N * N * EPS)


def rtol_dense(N: int, p: float) -> float:
    """Dense LU of the density system of conventions §2: error <~ cond(A) eps with
    cond(A) < 0.5 N^2 / p (measured over N <= 60, p in [1e-6, 1]); 8x margin."""
    return max(RTOL_EXACT, 4.0 * N * N * EPS / p)


def scale(*arrays) -> float:
    return max(1.0, *(float(np.max(np.abs(a))) for a in arrays))


def assert_close(a, b, rtol, sc=None):
    sc = scale(a, b) if sc is None else sc
    np.testing.assert_allclose(a, b, rtol=0, atol=rtol * sc)


# --------------------------------------------------------------------------
# an exact rational solve of the density equations of conventions §2 (the reference)
# --------------------------------------------------------------------------
def rational_solve(wire: Wire, p: float, Ig: float, drho: float, rho0: float, bias: str = "forward"):
    """Gaussian elimination in exact rationals (the float inputs taken exactly)."""
    n = wire.N
    p, Ig, drho, rho0 = (Fraction(v) for v in (p, Ig, drho, rho0))
    m = [p if c != "." else Fraction(1) for c in wire.layout]
    s = [Ig / 2 * {"S": 1, "D": -1}.get(c, 0) for c in wire.layout]
    in_l, in_r = (rho0 + drho, rho0) if bias == "forward" else (rho0, rho0 + drho)
    n2 = 2 * n
    A = [dict() for _ in range(n2)]   # sparse rows {col: value}
    b = [Fraction(0)] * n2
    for l in range(n):
        P, M = l, n + l
        A[P][P] = A[P].get(P, 0) + 1
        A[M][M] = A[M].get(M, 0) + 1
        if l > 0:
            A[P][l - 1] = A[P].get(l - 1, 0) - m[l - 1]
        A[P][M] = A[P].get(M, 0) - (1 - m[l])
        if l < n - 1:
            A[M][n + l + 1] = A[M].get(n + l + 1, 0) - m[l + 1]
        A[M][P] = A[M].get(P, 0) - (1 - m[l])
        b[P] += s[l]
        b[M] += s[l]
    b[0] += in_l
    b[n2 - 1] += in_r
    for k in range(n2):
        piv = next(i for i in range(k, n2) if A[i].get(k, 0) != 0)
        A[k], A[piv], b[k], b[piv] = A[piv], A[k], b[piv], b[k]
        for i in range(k + 1, n2):
            f = A[i].get(k, 0)
            if f:
                f /= A[k][k]
                for j, v in A[k].items():
                    A[i][j] = A[i].get(j, 0) - f * v
                b[i] -= f * b[k]
    x = [Fraction(0)] * n2
    for k in range(n2 - 1, -1, -1):
        x[k] = (b[k] - sum(v * x[j] for j, v in A[k].items() if j > k)) / A[k][k]
    rp = [x[l] for l in range(n)]
    rm = [x[n + l] for l in range(n)]
    J = [m[l] * rp[l] - m[l + 1] * rm[l + 1] for l in range(n - 1)]
    return (np.array([float(v) for v in rp]), np.array([float(v) for v in rm]),
            np.array([float(v) for v in J]))


def currents_from_densities(wire: Wire, p: float, rp, rm):
    """The bond current of conventions §2, J(l) = m(l) rho+(l) - m(l+1) rho-(l+1), computed here from the densities."""
    m = np.where(np.array(list(wire.layout)) != ".", p, 1.0)
    return m[:-1] * rp[:-1] - m[1:] * rm[1:]


CANONICAL = sorted(canonical_wires().items())
RNG_LAYOUTS = []
_rng = np.random.default_rng(20240611)
for _n in (4, 5, 7, 12, 23, 40, 60):
    for _ in range(2):
        RNG_LAYOUTS.append("." + "".join(_rng.choice(list(".SDP"), _n - 2)) + ".")


# --------------------------------------------------------------------------
# the three solvers agree, and agree with exact rationals
# --------------------------------------------------------------------------
@pytest.mark.parametrize("layout", [w.layout for _, w in CANONICAL] + RNG_LAYOUTS)
def test_three_solvers_agree(layout):
    w = Wire(layout)
    N = w.N
    for p in (0.05, 0.5, 0.93, 1.0):
        params = ClassicalParams(p=p, Ig=0.37, drho=0.21, rho0=0.8)
        m = move_probability(w, p)
        s = 0.5 * params.Ig * w.injection
        xp, xm = flux_solve(m, s, np.array([1.01, 0.8]), np.array([0.8, 1.01]))   # forward, reverse
        for k, bias in enumerate(("forward", "reverse")):
            a = steady_state(w, params, bias)
            d = solve_dense(w, params, bias)
            sc = scale(m * a.rho_plus, m * a.rho_minus)                          # flux scale
            assert_close(m * a.rho_plus, xp[:, k], rtol_flux(N), sc)
            assert_close(m * a.rho_minus, xm[:, k], rtol_flux(N), sc)
            assert_close(a.rho_plus, d.rho_plus, rtol_dense(N, p))
            assert_close(a.rho_minus, d.rho_minus, rtol_dense(N, p))
            assert_close(a.J, d.J, rtol_dense(N, p), sc)
            assert a.I_in == a.J[0] and a.I_out == a.J[-1]


@pytest.mark.parametrize("layout", [".SD.", ".SPDDSPS.", ".SDSDSDSD.", ".S.P..D.SD.", ".DD..SPS.", ".S.S..D."])
@pytest.mark.parametrize("p", [1e-6, 0.3, 1.0])
def test_against_exact_rationals(layout, p):
    w = Wire(layout)
    for bias in ("forward", "reverse"):
        rp, rm, J = rational_solve(w, p, 0.3, 0.2, 1.0, bias)
        a = steady_state(w, ClassicalParams(p=p, Ig=0.3, drho=0.2, rho0=1.0), bias)
        assert_close(a.rho_plus, rp, RTOL_EXACT)
        assert_close(a.rho_minus, rm, RTOL_EXACT)
        assert_close(a.J, J, RTOL_EXACT, scale(J, p * rp))


def test_flux_profile_direct():
    # the public O(N) kernel on plain arrays: reservoir injections as given
    w = Wire(".SPDDSPS.")
    m = move_probability(w, 0.4)
    s = 0.5 * 0.3 * w.injection
    xp, xm, J = flux_profile(m, s, 1.2, 1.0)
    rp, rm, Jx = rational_solve(w, 0.4, 0.3, 0.2, 1.0)
    assert_close(xp, m * rp, RTOL_EXACT)
    assert_close(xm, m * rm, RTOL_EXACT)
    assert_close(J, Jx, RTOL_EXACT)


# --------------------------------------------------------------------------
# physics invariants
# --------------------------------------------------------------------------
def check_invariants(w: Wire, params: ClassicalParams, bias: str, st_) -> None:
    N, p, Ig = w.N, params.p, params.Ig
    sc = scale(st_.J, p * st_.rho_plus, p * st_.rho_minus)
    # bond currents are what conventions §2 defines from the densities
    assert_close(st_.J, currents_from_densities(w, p, st_.rho_plus, st_.rho_minus), RTOL_EXACT, sc)
    # charge conservation at every inner site: J(l) - J(l-1) = Ig * injection(l)
    assert_close(np.diff(st_.J), Ig * w.injection[1:-1], RTOL_EXACT, sc)
    # at the contacts: what the reservoirs inject minus what they absorb
    in_l, in_r = params.reservoir_injection(__import__("nonrecip").Bias(bias))
    assert st_.I_in == pytest.approx(in_l - st_.rho_minus[0], abs=RTOL_EXACT * sc)
    assert st_.I_out == pytest.approx(st_.rho_plus[-1] - in_r, abs=RTOL_EXACT * sc)
    # the boundary conditions of Sec. II
    assert st_.rho_plus[0] == pytest.approx(in_l, abs=RTOL_EXACT * sc)
    assert st_.rho_minus[-1] == pytest.approx(in_r, abs=RTOL_EXACT * sc)
    # I_out = I_in + Ig (#S - #D)
    assert st_.I_out == pytest.approx(st_.I_in + Ig * (w.n_sources - w.n_drains), abs=RTOL_EXACT * sc)
    # the steady-state equations of conventions §2 hold at the returned densities
    m = move_probability(w, p)
    s = 0.5 * Ig * w.injection
    rp, rm = st_.rho_plus, st_.rho_minus
    res_p = rp - (1 - m) * rm - s
    res_p[1:] -= m[:-1] * rp[:-1]
    res_p[0] -= in_l
    res_m = rm - (1 - m) * rp - s
    res_m[:-1] -= m[1:] * rm[1:]
    res_m[-1] -= in_r
    sc_rho = scale(rp, rm)
    assert_close(res_p, 0 * res_p, RTOL_EXACT, sc_rho)
    assert_close(res_m, 0 * res_m, RTOL_EXACT, sc_rho)
    assert N == len(rp) == len(rm) == len(st_.J) + 1


@pytest.mark.parametrize("layout", [w.layout for _, w in CANONICAL] + RNG_LAYOUTS)
def test_invariants(layout):
    w = Wire(layout)
    for p in (1e-6, 0.2, 0.75, 1.0):
        params = ClassicalParams(p=p, Ig=0.45, drho=0.3, rho0=1.0)
        for bias in ("forward", "reverse"):
            check_invariants(w, params, bias, steady_state(w, params, bias))


@pytest.mark.parametrize("layout", [w.layout for _, w in CANONICAL])
def test_currents_do_not_depend_on_rho0(layout):
    w = Wire(layout)
    for p in (0.1, 0.6, 1.0):
        ref = solve_classical(w, ClassicalParams(p=p, Ig=0.3, drho=0.2, rho0=0.0))
        for rho0 in (0.5, 7.0, 1e3):
            res = solve_classical(w, ClassicalParams(p=p, Ig=0.3, drho=0.2, rho0=rho0))
            for a, b in ((ref.forward, res.forward), (ref.reverse, res.reverse)):
                assert_close(a.J, b.J, RTOL_EXACT)
            assert res.delta_I == pytest.approx(ref.delta_I, abs=RTOL_EXACT)
            # the dense solve carries rho0 through the densities: J loses
            # digits to the cancellation m rho+ - m rho- of size rho0
            d = solve_dense(w, ClassicalParams(p=p, Ig=0.3, drho=0.2, rho0=rho0))
            assert_close(d.J, ref.forward.J, rtol_dense(w.N, p), scale(rho0 / p))


@pytest.mark.parametrize("layout", [w.layout for _, w in CANONICAL] + RNG_LAYOUTS)
def test_reverse_is_mirrored_forward(layout):
    w = Wire(layout)
    for p in (0.05, 0.5, 1.0):
        params = ClassicalParams(p=p, Ig=0.3, drho=0.25, rho0=0.6)
        rev = steady_state(w, params, "reverse")
        mir = steady_state(w.mirrored(), params, "forward")
        assert_close(rev.J, -mir.J[::-1], RTOL_EXACT)                 # reversed and negated
        assert_close(rev.rho_plus, mir.rho_minus[::-1], RTOL_EXACT)   # species swapped and mirrored
        assert_close(rev.rho_minus, mir.rho_plus[::-1], RTOL_EXACT)
        assert rev.I_in == pytest.approx(-mir.I_out, abs=RTOL_EXACT)


def test_p_equal_1_is_free_propagation():
    # no flips: each species just accumulates the source terms along its way
    for layout in (".SDSD.", ".SPDDSPS.", ".S.S..D.", RNG_LAYOUTS[-1]):
        w = Wire(layout)
        params = ClassicalParams(p=1.0, Ig=0.3, drho=0.2, rho0=1.0)
        st_ = steady_state(w, params)
        s = 0.5 * 0.3 * w.injection
        assert_close(st_.rho_plus, 1.2 + np.cumsum(s), RTOL_EXACT)
        assert_close(st_.rho_minus, 1.0 + np.cumsum(s[::-1])[::-1], RTOL_EXACT)
        if w.is_balanced:
            assert solve_classical(w, params).delta_I == pytest.approx(0.0, abs=RTOL_EXACT)


def test_p_near_0_fluxes_stay_finite():
    # densities diverge like 1/p, fluxes m rho and currents converge (App. A2)
    w = Wire(".SPDDSPS.")
    prev = None
    for p in (1e-4, 1e-6, 1e-8):
        st_ = steady_state(w, ClassicalParams(p=p, Ig=0.3, drho=0.2, rho0=1.0))
        m = move_probability(w, p)
        assert np.max(st_.rho_plus) > 0.5 / p
        fluxes = np.concatenate([m * st_.rho_plus, m * st_.rho_minus, st_.J])
        assert np.all(np.isfinite(fluxes)) and np.max(np.abs(fluxes)) < 10
        if prev is not None:   # O(p) convergence: a 100x smaller p moves them by <~ 100 p
            assert np.max(np.abs(fluxes - prev)) < 100 * p * 100
        prev = fluxes


def test_parity_symmetric_layouts_are_reciprocal():
    # Sec. I: no nonreciprocity when S/D keep the parity of the wire
    # (for balanced layouts: I_in is measured at the left end, so an unbalanced
    # symmetric layout such as .P.S.P. sends its surplus out of both ends and
    # |I_in| differs between the biases)
    for layout in (".SDDS.", ".DSSD.", ".SPD.SD.DS.DPS.", ".PSD.DSP."):
        w = Wire(layout)
        assert w.is_parity_symmetric and w.is_balanced
        for p in (0.1, 0.7):
            assert solve_classical(w, ClassicalParams(p=p, Ig=0.4, drho=0.3)).delta_I == pytest.approx(0, abs=RTOL_EXACT)
    w = Wire(".P.S.P.")
    assert w.is_parity_symmetric and not w.is_balanced
    assert solve_classical(w, ClassicalParams(p=0.5, Ig=0.4, drho=0.3)).delta_I > 0.01


def test_unbalanced_layouts():
    for layout in (".S.S..D.", ".SSS.", ".DPD.", ".S..", ".SSDSS."):
        w = Wire(layout)
        for p in (0.2, 1.0):
            params = ClassicalParams(p=p, Ig=0.35, drho=0.1)
            for bias in ("forward", "reverse"):
                a = steady_state(w, params, bias)
                d = solve_dense(w, params, bias)
                assert a.I_out - a.I_in == pytest.approx(0.35 * (w.n_sources - w.n_drains), abs=RTOL_EXACT)
                assert d.I_out - d.I_in == pytest.approx(0.35 * (w.n_sources - w.n_drains), abs=rtol_dense(w.N, p))
                check_invariants(w, params, bias, a)


def test_solve_classical_rejects_wrong_types():
    with pytest.raises(ParameterError, match="wire"):
        solve_classical(".SD.", ClassicalParams(p=0.5))
    with pytest.raises(ParameterError, match="params"):
        solve_classical(Wire(".SD."), {"p": 0.5})


# --------------------------------------------------------------------------
# property tests over random layouts
# --------------------------------------------------------------------------
layouts = st.text(alphabet=".SDP", min_size=2, max_size=58).map(lambda s: "." + s + ".")
ps = st.one_of(st.floats(min_value=1e-6, max_value=1.0), st.just(1.0), st.just(1e-6))
amounts = st.floats(min_value=0.0, max_value=2.0)


@settings(deadline=None, max_examples=40)
@given(layout=layouts, p=ps, Ig=amounts, drho=amounts)
def test_property_solvers_and_invariants(layout, p, Ig, drho):
    w = Wire(layout)
    params = ClassicalParams(p=p, Ig=Ig, drho=drho, rho0=1.0)
    res = solve_classical(w, params)
    m = move_probability(w, p)
    s = 0.5 * Ig * w.injection
    xp, xm = flux_solve(m, s, np.array([1.0 + drho, 1.0]), np.array([1.0, 1.0 + drho]))
    for k, bias in enumerate(("forward", "reverse")):
        a = res.state(bias)
        check_invariants(w, params, bias, a)
        sc = scale(m * a.rho_plus, m * a.rho_minus)
        assert_close(m * a.rho_plus, xp[:, k], rtol_flux(w.N), sc)
        assert_close(m * a.rho_minus, xm[:, k], rtol_flux(w.N), sc)
        d = solve_dense(w, params, bias)
        assert_close(a.J, d.J, rtol_dense(w.N, p), sc)
    mir = steady_state(w.mirrored(), params, "forward")
    assert_close(res.reverse.J, -mir.J[::-1], RTOL_EXACT)
    plain = abs(res.reverse.I_in) - abs(res.forward.I_in)
    A, B = res.forward.I_in, res.reverse.I_in
    if min(abs(A - B), abs(A + B)) * SPLIT_RATIO >= max(abs(A - B), abs(A + B)):
        assert res.delta_I == plain
    else:
        # the drive and Ig parts of I_in differ by more than SPLIT_RATIO: delta_I is
        # formed from the parts (conventions §1); the plain difference of the
        # rounded currents differs from it by their rounding only (RTOL_EXACT of
        # the largest current, as the solver-vs-solver checks above)
        assert res.delta_I == pytest.approx(plain, rel=0, abs=RTOL_EXACT * scale(res.forward.J, res.reverse.J))
    if (w.is_balanced and (w.is_parity_symmetric or p == 1.0)) or Ig == 0.0:
        assert res.delta_I == pytest.approx(0.0, abs=RTOL_EXACT * scale(res.forward.J))


@settings(deadline=None, max_examples=25)
@given(layout=st.text(alphabet=".SDP", min_size=2, max_size=14).map(lambda s: "." + s + "."),
       p=ps, Ig=amounts, drho=amounts)
def test_property_exact_rationals(layout, p, Ig, drho):
    w = Wire(layout)
    rp, rm, J = rational_solve(w, p, Ig, drho, 1.0)
    a = steady_state(w, ClassicalParams(p=p, Ig=Ig, drho=drho, rho0=1.0))
    assert_close(a.rho_plus, rp, RTOL_EXACT)
    assert_close(a.rho_minus, rm, RTOL_EXACT)
    assert_close(a.J, J, RTOL_EXACT, scale(J, p * rp, p * rm))
