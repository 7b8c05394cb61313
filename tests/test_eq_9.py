"""Eq. 9: Eq. 8 in terms of the scattering length l_c = a/(1-p).

Conventions §5: read with L = (N-2) a, Eq. 9 is Eq. 8 (exact); read with
L = (N-1) a as printed it is an approximation whose error shrinks like 1/N.
"""

import numpy as np
import pytest

from nonrecip import ClassicalParams, ParameterError, Wire
from nonrecip.deterministic.classical import steady_state
from nonrecip.paper.equations import eq9_current

# exact reading: O(N) solve of O(1) currents, rounding ~N^2 eps < 1e-12 for N <= 60
TOL_EXACT = 1e-12
# observed convergence order of the printed reading: the error is a smooth
# function of 1/N with a nonzero first-order term, so successive orders from
# N = 64 on lie within 0.1 of 1 (the next term is O(1/N^2), a 1/64 effect).
ORDER_TOL = 0.1


def exact_I(N, p, Ig, drho, bias="forward"):
    return steady_state(Wire.dimers(N), ClassicalParams(p=p, Ig=Ig, drho=drho), bias).I_in


@pytest.mark.parametrize("N", [4, 6, 10, 20, 60])
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9, 1.0])
def test_eq9_with_L_equal_N_minus_2_is_exact(N, p):
    for bias in ("forward", "reverse"):
        for Ig, drho in [(0.0, 0.3), (0.2, 0.1), (1.0, 0.05)]:
            assert eq9_current(N, p, Ig, drho, L="exact", bias=bias) == pytest.approx(
                exact_I(N, p, Ig, drho, bias), abs=TOL_EXACT)


def test_eq9_printed_reading_error_at_N4():
    # Ig = 0: printed/exact = (1 + (N-2)(1-p)) / (1 + (N-1)(1-p)); at N = 4, p = 0.5
    # the relative error is (1-p)/(1 + (N-1)(1-p)) = 0.5/2.5 = 20 %
    rel = abs(eq9_current(4, 0.5, 0.0, 0.1, L="printed") / exact_I(4, 0.5, 0.0, 0.1) - 1)
    assert rel == pytest.approx(0.2, rel=1e-12)


def _orders(errors):
    e = np.asarray(errors)
    return np.log2(e[:-1] / e[1:])


def test_eq9_printed_converges_like_1_over_N_at_fixed_L_over_lc():
    # continuum scaling (App. A4): L/l_c = 1.5 fixed, p -> 1 as N grows
    Ns = [64, 128, 256, 512, 1024]
    errs = []
    for N in Ns:
        p = 1 - 1.5 / (N - 2)
        errs.append(abs(eq9_current(N, p, 0.3, 0.2, L="printed") - exact_I(N, p, 0.3, 0.2)))
    assert np.all(np.diff(errs) < 0)
    np.testing.assert_allclose(_orders(errs), 1.0, atol=ORDER_TOL)
    assert errs[-1] < 1e-3


def test_eq9_printed_relative_error_shrinks_like_1_over_N_at_fixed_p():
    Ns = [64, 128, 256, 512, 1024]
    rel = [abs(eq9_current(N, 0.5, 0.0, 0.2, L="printed") / exact_I(N, 0.5, 0.0, 0.2) - 1) for N in Ns]
    np.testing.assert_allclose(_orders(rel), 1.0, atol=ORDER_TOL)


def test_eq9_at_p_1_has_no_nonreciprocity():
    # l_c -> inf: "nonreciprocity vanishes for l_c -> inf"
    for L in ("exact", "printed"):
        f, r = eq9_current(20, 1.0, 0.3, 0.2, L=L), eq9_current(20, 1.0, 0.3, 0.2, L=L, bias="reverse")
        assert abs(r) - abs(f) == 0.0


def test_eq9_rejects_unknown_reading():
    with pytest.raises(ParameterError, match="L"):
        eq9_current(10, 0.5, 0.1, 0.1, L="N")
