"""App. C2: one source and one drain in an extended lattice (``single``):
densities C19-C22 (and the relations below them), currents C23, C24."""

import numpy as np
import pytest

from nonrecip import ClassicalParams, Wire
from nonrecip.deterministic.classical import solve_classical, solve_dense, steady_state
from nonrecip.paper import equations as eq

# exact closed forms vs the O(N) solve: densities ~ rho0/p, rounding of
# O(N)-term sums ~N eps/p << 1e-12 relative for N <= 61, p >= 0.05
RTOL_EXACT = 1e-12
# dense LU: relative error <~ cond(A) eps, cond(A) < 0.5 N^2/p (measured)
RTOL_DENSE = 1e-11

NS = [4, 5, 6, 7, 9, 16, 33, 61]          # odd N included: 'single' allows it
PS = [0.05, 0.4, 0.9, 1.0]
CASES = [(0.0, 0.3, 1.0), (0.2, 0.1, 0.0), (0.45, 0.7, 2.5), (1.2, 0.0, 0.4)]  # (Ig, drho, rho0)


def close(a, b, rtol):
    a, b = np.asarray(a), np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=0, atol=rtol * max(1.0, np.abs(b).max()))


@pytest.mark.parametrize("bias", ["forward", "reverse"])
@pytest.mark.parametrize("N", NS)
def test_c19_c22_densities(N, bias):
    w = Wire.single(N)
    for p in PS:
        for Ig, drho, rho0 in CASES:
            st = steady_state(w, ClassicalParams(p=p, Ig=Ig, drho=drho, rho0=rho0), bias)
            rp, rm = eq.c19_c22_densities(N, p, Ig, drho, rho0, bias)
            close(rp, st.rho_plus, RTOL_EXACT)
            close(rm, st.rho_minus, RTOL_EXACT)


@pytest.mark.parametrize("N", [5, 8, 17])
def test_c19_c22_against_dense(N):
    params = ClassicalParams(p=0.3, Ig=0.4, drho=0.2, rho0=1.0)
    for bias in ("forward", "reverse"):
        dn = solve_dense(Wire.single(N), params, bias)
        rp, rm = eq.c19_c22_densities(N, 0.3, 0.4, 0.2, 1.0, bias)
        close(rp, dn.rho_plus, RTOL_DENSE)
        close(rm, dn.rho_minus, RTOL_DENSE)


@pytest.mark.parametrize("bias", ["forward", "reverse"])
@pytest.mark.parametrize("N", NS)
def test_c23_c24_currents(N, bias):
    for p in PS:
        for Ig, drho, _ in CASES:
            st = steady_state(Wire.single(N), ClassicalParams(p=p, Ig=Ig, drho=drho), bias)
            assert st.I_in == pytest.approx(eq.c23_current(p, Ig, drho, bias), abs=RTOL_EXACT)
            assert st.I_out == pytest.approx(eq.c23_current(p, Ig, drho, bias), abs=RTOL_EXACT)
            # C24: every bond between S (site 2) and D (site N-1), bonds 2..N-2
            np.testing.assert_allclose(st.J[1:-1], eq.c24_current(p, Ig, drho, bias), rtol=0, atol=RTOL_EXACT)


def test_single_nonreciprocity_does_not_depend_on_N():
    # App. C2: "the nonreciprocity does not vary with N" (unlike the quantum wire)
    p, Ig, drho = 0.6, 0.2, 0.3
    dI = [solve_classical(Wire.single(N), ClassicalParams(p=p, Ig=Ig, drho=drho)).delta_I for N in NS]
    np.testing.assert_allclose(dI, eq.c23_delta_I(p, Ig), rtol=0, atol=RTOL_EXACT)


def test_c23_delta_I_caveat():
    p, drho = 0.5, 0.1
    Ig = 3 * eq.eq6_ig_reversal(p, drho)       # forward current has reversed
    res = solve_classical(Wire.single(9), ClassicalParams(p=p, Ig=Ig, drho=drho))
    assert res.forward.I_in < 0
    assert res.delta_I == pytest.approx(2 * drho / (3 - 2 * p), abs=RTOL_EXACT)
    assert eq.c23_delta_I(p, Ig) > res.delta_I
