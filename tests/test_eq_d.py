"""App. D: the resistive circuit of N/2 - 1 dimers, Eqs. D1-D4."""

import numpy as np
import pytest

from nonrecip import CircuitParams, ParameterError, Wire
from nonrecip.deterministic.circuit import circuit_state, solve_circuit, solve_nodal
from nonrecip.paper import equations as eq

# Kirchhoff is exact. The O(N) solve forms cumulative sums of N terms of
# size O(V/R + Ig): rounding ~N eps ~ 1e-14 at N = 60; the dense nodal solve
# of the N x N Laplacian (cond ~ N^2) ~ N^2 eps ~ 1e-12. Values are O(1).
TOL = 1e-12
TOL_NODAL = 1e-11

NS = [4, 6, 10, 22, 60]
CASES = [(1.0, 1.0, 0.0), (1.0, 1.0, 0.3), (0.7, 2.3, 0.4), (0.1, 5.0, 1.7), (0.0, 1.0, 0.5)]  # (V, R, Ig)


@pytest.mark.parametrize("bias", ["forward", "reverse"])
@pytest.mark.parametrize("N", NS)
def test_d1_d4_match_kirchhoff(N, bias):
    w = Wire.dimers(N)
    for V, R, Ig in CASES:
        params = CircuitParams(V=V, R=R, Ig=Ig)
        for st, tol in ((circuit_state(w, params, bias), TOL), (solve_nodal(w, params, bias), TOL_NODAL)):
            assert st.I_in == pytest.approx(eq.d1_current(N, V, R, Ig, bias), abs=tol)
            assert st.I_out == pytest.approx(eq.d1_current(N, V, R, Ig, bias), abs=tol)
            np.testing.assert_allclose(st.V, eq.d2_voltages(N, V, R, Ig, bias), rtol=0, atol=tol)
            np.testing.assert_allclose(st.heat, eq.d3_heat(N, V, R, Ig, bias), rtol=0, atol=tol)
            # D4: the same average around every bulk node l = 2..N-1 ...
            node_avg = 0.5 * (st.heat[:-1] + st.heat[1:])
            np.testing.assert_allclose(node_avg, eq.d4_heat_bulk(N, V, R, Ig, bias), rtol=0, atol=tol)
            # ... which is what CircuitState.heat_bulk reports
            assert st.heat_bulk == pytest.approx(eq.d4_heat_bulk(N, V, R, Ig, bias), abs=tol)


def test_d1_printed_form():
    # D1 as printed: (sigma V - (N/2-1) a Ig) / ((N-1) a), with sigma = L/R, L = (N-1) a
    N, V, R, Ig, a = 12, 0.8, 3.0, 0.25, 0.01
    L = (N - 1) * a
    sigma = L / R
    assert eq.d1_current(N, V, R, Ig) == pytest.approx((sigma * V - (N / 2 - 1) * a * Ig) / ((N - 1) * a), rel=1e-14)
    assert eq.d1_current(N, V, R, Ig) == pytest.approx(sigma * V / L - Ig / 2 * (1 - a / L), rel=1e-14)


@pytest.mark.parametrize("N", [4, 10, 40])
def test_d1_delta_I_and_caveat(N):
    R, Ig = 1.0, 0.3
    v_star = eq.d1_v_reversal(N, R, Ig)
    for V in v_star * np.array([0.5, 0.99, 1.01, 2.0, 10.0]):
        res = solve_circuit(Wire.dimers(N), CircuitParams(V=float(V), R=R, Ig=Ig))
        if V >= v_star:   # forward current keeps its sign
            assert res.forward.I_in >= 0
            assert res.delta_I == pytest.approx(eq.d1_delta_I(N, Ig), abs=TOL)
        else:             # beyond: the definition gives 2 V/R
            assert res.forward.I_in < 0
            assert res.delta_I == pytest.approx(2 * V / R, abs=TOL)


def test_d1_nonreciprocity_tends_to_Ig():
    # "The current nonreciprocity becomes Ig once again for L >> a"
    dI = [solve_circuit(Wire.dimers(N), CircuitParams(V=10.0, R=1.0, Ig=0.2)).delta_I for N in (10, 100, 1000, 10000)]
    assert np.all(np.diff(dI) > 0)
    assert dI[-1] == pytest.approx(0.2, rel=2e-4)


def test_d_forms_reject_odd_N():
    with pytest.raises(ParameterError, match="N"):
        eq.d2_voltages(7, 1.0, 1.0, 0.1)
