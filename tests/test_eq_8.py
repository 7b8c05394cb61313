"""Eq. 8: boundary current of ``N/2 - 1`` dimers (Sec. II, App. A3), and the
delta_I it implies with the caveat of conventions §1."""

import numpy as np
import pytest

from nonrecip import ClassicalParams, Wire
from nonrecip.deterministic.classical import solve_classical, solve_dense, steady_state
from nonrecip.paper.equations import (
    a22_intra_current,
    eq6_current,
    eq8_current,
    eq8_delta_I,
    eq8_ig_reversal,
)

# Eq. 8 is exact. The O(N) solve sums O(N) terms of size O(N Ig): rounding
# <~ N^2 eps ~ 1e-12 at N = 60 relative to O(1) currents; observed ~1e-15.
TOL_EXACT = 1e-12
# dense LU of the (2N x 2N) density system: error <~ cond(A) eps with
# cond(A) < 0.5 N^2 / p (measured); for N <= 40, p >= 0.1 that is < 2e-12.
TOL_DENSE = 1e-11

NS = [4, 6, 8, 10, 16, 24, 40, 60]
PS = [0.1, 0.5, 0.8, 0.97, 1.0]


@pytest.mark.parametrize("bias", ["forward", "reverse"])
@pytest.mark.parametrize("N", NS)
def test_eq8_matches_exact_solve(N, bias):
    for p in PS:
        for Ig, drho in [(0.0, 0.3), (0.05, 0.1), (0.4, 0.25), (1.5, 0.0)]:
            st = steady_state(Wire.dimers(N), ClassicalParams(p=p, Ig=Ig, drho=drho, rho0=1.0), bias)
            want = eq8_current(N, p, Ig, drho, bias)
            assert st.I_in == pytest.approx(want, abs=TOL_EXACT)
            assert st.I_out == pytest.approx(want, abs=TOL_EXACT)
            # App. A3: every inter-dimer bond (odd bonds 1, 3, ..., N-1) carries Eq. 8
            np.testing.assert_allclose(st.J[0::2], want, rtol=0, atol=TOL_EXACT)
            # and every intra-dimer bond Eq. A22
            np.testing.assert_allclose(st.J[1::2], a22_intra_current(N, p, Ig, drho, bias), rtol=0, atol=TOL_EXACT)


@pytest.mark.parametrize("N", [4, 10, 24, 40])
def test_eq8_matches_dense_solve(N):
    for p in (0.1, 0.6, 1.0):
        params = ClassicalParams(p=p, Ig=0.3, drho=0.2, rho0=0.5)
        for bias in ("forward", "reverse"):
            assert solve_dense(Wire.dimers(N), params, bias).I_in == pytest.approx(
                eq8_current(N, p, 0.3, 0.2, bias), abs=TOL_DENSE)


def test_eq8_at_N4_is_eq6():
    p = np.linspace(0.05, 1, 7)
    np.testing.assert_allclose(eq8_current(4, p, 0.3, 0.2), eq6_current(p, 0.3, 0.2), rtol=0, atol=1e-15)


@pytest.mark.parametrize("N", [4, 12, 30])
@pytest.mark.parametrize("p", [0.2, 0.7, 0.95])
def test_eq8_delta_I_in_and_beyond_its_regime(N, p):
    drho = 0.1
    ig_star = eq8_ig_reversal(N, p, drho)
    D = 1 + (N - 2) * (1 - p)
    for Ig in ig_star * np.array([0.0, 0.3, 0.7, 0.99, 1.01, 1.5, 2.5]):  # not at the sign change itself
        res = solve_classical(Wire.dimers(N), ClassicalParams(p=p, Ig=float(Ig), drho=drho))
        if Ig <= ig_star:
            assert res.forward.I_in >= -TOL_EXACT
            assert res.delta_I == pytest.approx(eq8_delta_I(N, p, Ig), abs=TOL_EXACT)
        else:   # conventions §1: beyond the sign change the definition gives 2 drho / D
            assert res.forward.I_in < 0
            assert res.delta_I == pytest.approx(2 * drho / D, abs=TOL_EXACT)


def test_nonreciprocity_needs_flips():
    # Sec. II: "we need a finite inter-conversion of species": delta_I = 0 at p = 1 only
    for N in (4, 20):
        assert solve_classical(Wire.dimers(N), ClassicalParams(p=1.0, Ig=0.3, drho=0.5)).delta_I == pytest.approx(0, abs=TOL_EXACT)
        assert solve_classical(Wire.dimers(N), ClassicalParams(p=0.99, Ig=0.01, drho=0.5)).delta_I > 1e-4


def test_eq8_rejects_odd_N():
    from nonrecip import ParameterError

    with pytest.raises(ParameterError, match="N"):
        eq8_current(7, 0.5, 0.1, 0.1)
