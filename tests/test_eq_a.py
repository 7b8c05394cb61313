"""Appendix A: the N = 4 densities A8-A13 and A15, the dimer profile
A16-A22 (and Eq. 7), and the continuum solution A36-A44."""

import numpy as np
import pytest

from nonrecip import ClassicalParams, Wire
from nonrecip.deterministic.classical import solve_dense, steady_state
from nonrecip.paper import equations as eq

# Exact closed forms vs the O(N) solve: densities ~ rho0/p, sums of O(N)
# terms; rounding ~N^2 eps (1/p) < 1e-12 relative for N <= 60, p >= 0.05.
RTOL_EXACT = 1e-12
# dense LU: relative error <~ cond(A) eps, cond(A) < 0.5 N^2/p (measured)
RTOL_DENSE = 1e-11

PS = [0.05, 0.35, 0.8, 1.0]
CASES = [(0.0, 0.3, 1.0), (0.2, 0.1, 0.0), (0.45, 0.7, 2.5), (1.2, 0.0, 0.4)]  # (Ig, drho, rho0)


def close(a, b, rtol):
    a, b = np.asarray(a), np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=0, atol=rtol * max(1.0, np.abs(b).max()))


# --- N = 4 -----------------------------------------------------------------
@pytest.mark.parametrize("bias", ["forward", "reverse"])
@pytest.mark.parametrize("p", PS)
def test_a8_a13_densities(p, bias):
    for Ig, drho, rho0 in CASES:
        params = ClassicalParams(p=p, Ig=Ig, drho=drho, rho0=rho0)
        rp, rm = eq.a8_a13_densities(p, Ig, drho, rho0, bias)
        st = steady_state(Wire(".SD."), params, bias)
        close(rp, st.rho_plus, RTOL_EXACT)
        close(rm, st.rho_minus, RTOL_EXACT)
        dn = solve_dense(Wire(".SD."), params, bias)
        close(rp, dn.rho_plus, RTOL_DENSE)
        close(rm, dn.rho_minus, RTOL_DENSE)


@pytest.mark.parametrize("p", PS)
def test_a15_sd_bond_current(p):
    for bias in ("forward", "reverse"):
        for Ig, drho, rho0 in CASES:
            st = steady_state(Wire(".SD."), ClassicalParams(p=p, Ig=Ig, drho=drho, rho0=rho0), bias)
            assert st.J[1] == pytest.approx(eq.a15_current(p, Ig, drho, bias), abs=RTOL_EXACT)


def test_a15_stays_finite_as_p_to_0():
    # App. A2: the middle densities diverge like 1/p, J(2a) does not
    for p in (1e-3, 1e-6, 1e-9):
        st = steady_state(Wire(".SD."), ClassicalParams(p=p, Ig=0.3, drho=0.2), "forward")
        assert st.rho_plus[1] > 0.1 / p
        assert st.J[1] == pytest.approx(eq.a15_current(p, 0.3, 0.2), abs=1e-12)
    assert eq.a15_current(0.0, 0.3, 0.2) == pytest.approx((0.2 + 2 * 0.3) / 3)


# --- dimers, any even N ----------------------------------------------------
@pytest.mark.parametrize("bias", ["forward", "reverse"])
@pytest.mark.parametrize("N", [4, 6, 8, 14, 30, 60])
def test_a16_a21_and_eq7_densities(N, bias):
    w = Wire.dimers(N)
    for p in PS:
        for Ig, drho, rho0 in CASES:
            st = steady_state(w, ClassicalParams(p=p, Ig=Ig, drho=drho, rho0=rho0), bias)
            for f in (eq.a16_a21_densities, eq.eq7_densities):
                rp, rm = f(N, p, Ig, drho, rho0, bias)
                close(rp, st.rho_plus, RTOL_EXACT)
                close(rm, st.rho_minus, RTOL_EXACT)
            assert st.rho_minus[0] == pytest.approx(eq.a20_rho_minus_1(N, p, Ig, drho, rho0, bias), rel=RTOL_EXACT)
            assert st.rho_plus[-1] == pytest.approx(eq.a21_rho_plus_N(N, p, Ig, drho, rho0, bias), rel=RTOL_EXACT, abs=RTOL_EXACT)


@pytest.mark.parametrize("N", [6, 16, 40])
def test_a16_a21_against_dense(N):
    params = ClassicalParams(p=0.4, Ig=0.3, drho=0.2, rho0=1.0)
    dn = solve_dense(Wire.dimers(N), params)
    rp, rm = eq.a16_a21_densities(N, 0.4, 0.3, 0.2, 1.0)
    close(rp, dn.rho_plus, RTOL_DENSE)
    close(rm, dn.rho_minus, RTOL_DENSE)


@pytest.mark.parametrize("N", [4, 8, 20, 60])
def test_a22_even_bonds(N):
    for p in PS:
        st = steady_state(Wire.dimers(N), ClassicalParams(p=p, Ig=0.3, drho=0.2))
        np.testing.assert_allclose(st.J[1::2], eq.a22_intra_current(N, p, 0.3, 0.2), rtol=0, atol=RTOL_EXACT)
    assert eq.a22_intra_current(4, 0.3, 0.2, 0.1) == pytest.approx(eq.a15_current(0.3, 0.2, 0.1), abs=1e-15)


# --- continuum limit A36-A44 -------------------------------------------------
# App. A4: a -> 0 with L = (N-1) a and l_c = a/(1-p) fixed, positions X = x a.
L_PHYS, LC_PHYS = 1.0, 0.4
IG, DRHO, RHO0 = 0.2, 0.3, 0.5
NS_CONT = [40, 80, 160, 320, 640]
# the lattice-continuum difference is a smooth function of a = L/(N-1) with a
# nonzero O(a) term, so successive observed orders lie within 0.15 of 1 from
# N = 40 on (next term O(a^2): a 1/40 effect), and N * error stays bounded.
ORDER_TOL = 0.15


def lattice(N, bias="forward"):
    a = L_PHYS / (N - 1)
    p = 1 - a / LC_PHYS
    st = steady_state(Wire.dimers(N), ClassicalParams(p=p, Ig=IG, drho=DRHO, rho0=RHO0), bias)
    return a, p, st


def continuum_profile(N, a, bias="forward"):
    x = np.arange(1, N + 1)
    X = x * a
    out = {}
    for sub, mask in (("odd", x % 2 == 1), ("even", x % 2 == 0)):
        rp, rm = eq.a36_a39_densities(X, L_PHYS, LC_PHYS, IG, DRHO, RHO0, sublattice=sub, bias=bias)
        tot = eq.a42_a43_total_density(X, L_PHYS, LC_PHYS, IG, DRHO, RHO0, sublattice=sub, bias=bias)
        out[sub] = (mask, rp, rm, tot)
    rp = np.where(out["odd"][0], out["odd"][1], out["even"][1])
    rm = np.where(out["odd"][0], out["odd"][2], out["even"][2])
    tot = np.where(out["odd"][0], out["odd"][3], out["even"][3])
    return rp, rm, tot


def orders(errs):
    e = np.asarray(errs)
    return np.log2(e[:-1] / e[1:])


@pytest.mark.parametrize("bias", ["forward", "reverse"])
def test_a36_a43_bulk_densities_converge_like_1_over_N(bias):
    errs = {"rho_plus": [], "rho_minus": [], "total": []}
    for N in NS_CONT:
        a, _, st = lattice(N, bias)
        rp, rm, tot = continuum_profile(N, a, bias)
        bulk = slice(1, N - 1)   # sites 2..N-1 (A36-A43 are "the middle sites")
        errs["rho_plus"].append(np.abs(st.rho_plus - rp)[bulk].max())
        errs["rho_minus"].append(np.abs(st.rho_minus - rm)[bulk].max())
        errs["total"].append(np.abs(st.rho_plus + st.rho_minus - tot)[bulk].max())
    for name, e in errs.items():
        np.testing.assert_allclose(orders(e), 1.0, atol=ORDER_TOL, err_msg=name)
        assert e[-1] * NS_CONT[-1] < 10.0, name      # O(1/N) with a modest constant


def test_a40_a41_a44_converge_like_1_over_N():
    errs = []
    for N in NS_CONT:
        a, p, st = lattice(N)
        C = eq.a36_constant_C(L_PHYS, LC_PHYS, IG, DRHO)
        e = [abs(st.rho_minus[0] - eq.a40_rho_minus_left(L_PHYS, LC_PHYS, IG, DRHO, RHO0)),
             abs(st.rho_plus[-1] - eq.a41_rho_plus_right(L_PHYS, LC_PHYS, IG, DRHO, RHO0)),
             abs(st.I_in - eq.a44_current(L_PHYS, LC_PHYS, IG, DRHO)),
             abs(st.I_out - eq.a44_current(L_PHYS, LC_PHYS, IG, DRHO)),
             np.abs(st.J[0::2] - eq.a44_bond_current(np.arange(1, N, 2) * a, L_PHYS, LC_PHYS, IG, DRHO,
                                                       sublattice="odd")).max(),
             np.abs(st.J[1::2] - eq.a44_bond_current(np.arange(2, N, 2) * a, L_PHYS, LC_PHYS, IG, DRHO,
                                                       sublattice="even")).max()]
        errs.append(e)
        assert C > 0
    errs = np.array(errs)
    for k in range(errs.shape[1]):
        np.testing.assert_allclose(orders(errs[:, k]), 1.0, atol=ORDER_TOL)


@pytest.mark.parametrize("N", [4, 10, 50])
@pytest.mark.parametrize("p", [0.2, 0.9, 1.0])
def test_continuum_boundary_values_are_exact_with_L_over_lc_N_minus_2(N, p):
    # with L/l_c = (N-2)(1-p) the boundary values A40, A41 and the currents
    # A44 (inter bonds) / C + Ig/2 (intra bonds) are the exact lattice values
    L, lc = float(N - 2), (np.inf if p == 1 else 1 / (1 - p))
    for bias in ("forward", "reverse"):
        st = steady_state(Wire.dimers(N), ClassicalParams(p=p, Ig=0.3, drho=0.2, rho0=0.7), bias)
        assert st.rho_minus[0] == pytest.approx(eq.a40_rho_minus_left(L, lc, 0.3, 0.2, 0.7, bias), abs=RTOL_EXACT)
        assert st.rho_plus[-1] == pytest.approx(eq.a41_rho_plus_right(L, lc, 0.3, 0.2, 0.7, bias), abs=RTOL_EXACT)
        assert st.I_in == pytest.approx(eq.a44_current(L, lc, 0.3, 0.2, bias), abs=RTOL_EXACT)
        np.testing.assert_allclose(st.J[1::2], eq.a44_bond_current(np.arange(2, N, 2.0), L, lc, 0.3, 0.2,
                                                                   sublattice="even", bias=bias),
                                   rtol=0, atol=RTOL_EXACT)


def test_a42_a43_are_the_sums_of_a36_a39():
    # the printed A42/A43 agree with the sum of the printed A36-A39 (no misprint)
    X = np.linspace(0.0, L_PHYS, 11)
    for sub in ("odd", "even"):
        rp, rm = eq.a36_a39_densities(X, L_PHYS, LC_PHYS, IG, DRHO, RHO0, sublattice=sub)
        tot = eq.a42_a43_total_density(X, L_PHYS, LC_PHYS, IG, DRHO, RHO0, sublattice=sub)
        np.testing.assert_allclose(tot, rp + rm, rtol=0, atol=1e-14)


def test_continuum_discontinuities_of_Ig_over_2():
    # text below A41: rho-(a) - rho-(3a) -> Ig/2 and rho+(L-a) - rho+(L+a) -> Ig/2
    # the lattice differences are Ig/2 + c a with |c| < 2 here (measured 1.4, 1.8): 20 a is ample
    N = 4000
    a, _, st = lattice(N)
    assert st.rho_minus[0] - st.rho_minus[2] == pytest.approx(IG / 2, abs=20 * a)
    assert st.rho_plus[N - 3] - st.rho_plus[N - 1] == pytest.approx(IG / 2, abs=20 * a)


# --- the equations package itself --------------------------------------------
def test_equations_import_nothing_from_the_solvers():
    # ARCHITECTURE: a closed form must not leak from (or into) the solver it checks
    import ast
    import pathlib

    import nonrecip.paper.equations as pkg

    for path in (pathlib.Path(pkg.__file__).parent / name for name in ("classical.py", "circuit.py", "__init__.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert "deterministic" not in (node.module or "") and "stochastic" not in (node.module or ""), path
            elif isinstance(node, ast.Import):
                assert all("deterministic" not in a.name for a in node.names), path


def test_every_closed_form_says_its_equation_and_regime():
    import re

    from nonrecip.paper.equations import circuit, classical

    for mod in (classical, circuit):
        for name in mod.__all__:
            f = getattr(mod, name)
            if not callable(f):
                continue
            doc = f.__doc__ or ""
            assert re.search(r"(Eq\.|Eqs\.|Fig\.)\s*[A-D]?\d", doc), name
            assert re.search(r"exact|approximat|holds only|while the forward", doc, re.I), name
