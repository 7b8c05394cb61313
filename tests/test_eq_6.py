"""Eq. 6 (= A14): boundary current of one dimer ``.SD.`` (Sec. II, App. A2).

The closed form is checked against two independent solves of the master
equation: the O(N) flux solver (``steady_state``) and the dense solve of the
density equations as conventions §2 writes them (``solve_dense``).
"""

import itertools

import numpy as np
import pytest

from nonrecip import ClassicalParams, Wire
from nonrecip.deterministic.classical import solve_classical, solve_dense, steady_state
from nonrecip.paper.equations import a14_current, eq6_current, eq6_delta_I, eq6_ig_reversal

# Eq. 6 is exact; both solves of a 4-site (8x8) system are accurate to a few
# ulps of the O(1) currents (cond(A) < 1e3 for p >= 0.05), so 1e-12 leaves
# three orders of margin.
TOL_EXACT = 1e-12

WIRE = Wire(".SD.")
PS = [0.05, 0.3, 0.5, 0.77, 0.999, 1.0]
IGS = [0.0, 0.1, 0.45, 2.0]
DRHOS = [0.0, 0.2, 1.3]


@pytest.mark.parametrize("bias", ["forward", "reverse"])
@pytest.mark.parametrize("p", PS)
def test_eq6_matches_exact_and_dense_solves(p, bias):
    for Ig, drho in itertools.product(IGS, DRHOS):
        params = ClassicalParams(p=p, Ig=Ig, drho=drho, rho0=0.7)
        want = eq6_current(p, Ig, drho, bias)
        for st in (steady_state(WIRE, params, bias), solve_dense(WIRE, params, bias)):
            assert st.I_in == pytest.approx(want, abs=TOL_EXACT)
            assert st.I_out == pytest.approx(want, abs=TOL_EXACT)   # Iin = Iout (balanced)


def test_a14_is_eq6():
    assert a14_current is eq6_current


def test_eq6_reverse_is_the_papers_magnitude():
    # Sec. II: reverse currents "change to (drho + (1-p) Ig)/(3-2p)"; signed here
    p, Ig, drho = 0.4, 0.3, 0.5
    res = solve_classical(WIRE, ClassicalParams(p=p, Ig=Ig, drho=drho))
    assert res.reverse.I_in < 0
    assert -res.reverse.I_in == pytest.approx((drho + (1 - p) * Ig) / (3 - 2 * p), abs=TOL_EXACT)


def test_eq6_broadcasts_over_arrays():
    p = np.array([0.2, 0.6, 1.0])
    got = eq6_current(p, 0.3, 0.5)
    for pi, g in zip(p, got, strict=True):
        assert g == pytest.approx(steady_state(WIRE, ClassicalParams(p=pi, Ig=0.3, drho=0.5)).I_in, abs=TOL_EXACT)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_eq6_delta_I_in_and_beyond_its_regime(p):
    drho = 0.2
    ig_star = eq6_ig_reversal(p, drho)
    for Ig in ig_star * np.array([0.0, 0.3, 0.7, 0.99, 1.01, 1.5, 2.5]):  # not at the sign change itself
        res = solve_classical(WIRE, ClassicalParams(p=p, Ig=float(Ig), drho=drho))
        if Ig <= ig_star:   # forward current keeps its sign: the paper's form holds
            assert res.forward.I_in >= -TOL_EXACT
            assert res.delta_I == pytest.approx(eq6_delta_I(p, Ig), abs=TOL_EXACT)
        else:               # conventions §1 caveat: the definition with |.| gives 2 drho/(3-2p)
            assert res.forward.I_in < 0
            assert res.delta_I == pytest.approx(2 * drho / (3 - 2 * p), abs=TOL_EXACT)
            assert res.delta_I < eq6_delta_I(p, Ig)


def test_nonreciprocity_vanishes_at_p_1():
    # Sec. II: "nonreciprocity ... disappears in the opposite limit p -> 1"
    res = solve_classical(WIRE, ClassicalParams(p=1.0, Ig=0.4, drho=0.3))
    assert res.delta_I == pytest.approx(0.0, abs=TOL_EXACT)
    assert eq6_delta_I(1.0, 0.4) == 0.0
