"""Monte Carlo with a move probability per site (a p profile) against an exact solve.

The reference is the banded solve of the master equation's flux form with a
hand-built per-site ``m`` (:func:`nonrecip.deterministic.classical.flux_solve`,
a linear solve independent of the closed form and of the Monte Carlo). The
parameter object carries ``p_profile`` as the wire model will
(``getattr(params, "p_profile", None)``); here a test subclass adds it.

Tolerance: |z| < 4.5 for every compared number (fixed seeds; a Gaussian
|z| > 4.5 has probability 7e-6 per comparison).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nonrecip import ClassicalParams, ParameterError, Wire
from nonrecip.deterministic.classical import flux_solve
from nonrecip.params import PARAMETERS
from nonrecip.stochastic import simulate

Z = 4.5


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProfileParams(ClassicalParams):
    """ClassicalParams plus the per-site profile the wire model is getting (validated by the Monte Carlo)."""

    p_profile: tuple | None = None

    def __post_init__(self) -> None:
        for name in ("p", "Ig", "drho", "rho0"):
            object.__setattr__(self, name, PARAMETERS[name].check(getattr(self, name)))


def exact(wire, params, prof):
    m = np.where(wire.scatterer, np.asarray(prof), 1.0)
    s = 0.5 * params.Ig * wire.injection
    xp, xm = flux_solve(m, s, np.array([params.drho, 0.0]), np.array([0.0, params.drho]))
    J = xp[:-1] - xm[1:]                      # J(l) = x+(l) - x-(l+1)
    rho_p = (xp + params.rho0) / m[:, None]
    rho_m = (xm + params.rho0) / m[:, None]
    return J, rho_p, rho_m


CASES = [
    (".SP.D..S.P.", (1, 0.9, 0.3, 1, 0.6, 1, 1, 0.95, 1, 0.2, 1)),
    ("..SDSD..PP..", (1, 1, 0.5, 0.9, 1.0, 0.7, 1, 1, 0.4, 0.8, 1, 1)),
]


@pytest.mark.parametrize("estimator", ["adjoint", "walkers"])
@pytest.mark.parametrize("layout, prof", CASES)
def test_p_profile_matches_exact_solve(estimator, layout, prof):
    wire = Wire(layout)
    params = ProfileParams(p=0.9, Ig=0.1, drho=0.2, p_profile=prof)
    J, rho_p, rho_m = exact(wire, params, prof)
    res = simulate(wire, params, steps=40000, seed=2, estimator=estimator)
    for k, bias in enumerate(("forward", "reverse")):
        st = getattr(res, bias)
        zJ = (st.J.mean - J[:, k]) / st.J.stderr
        assert np.all(np.abs(zJ) < Z), (bias, zJ)
        if estimator == "walkers":
            for est, ref in ((st.rho_plus, rho_p[:, k]), (st.rho_minus, rho_m[:, k])):
                # a site no sampled walker ever reaches on that species has stderr 0: there the
                # estimate is the exact rho0/m background and must equal the reference to rounding
                zero = est.stderr == 0
                assert np.allclose(est.mean[zero], ref[zero], rtol=1e-12, atol=0)
                z = (est.mean[~zero] - ref[~zero]) / est.stderr[~zero]
                assert np.all(np.abs(z) < Z), (bias, z)
    # the profile matters: a plain p=0.9 differs from the exact profile answer by many stderr
    plain = simulate(wire, ClassicalParams(p=0.9, Ig=0.1, drho=0.2), steps=40000, seed=2, estimator=estimator)
    assert abs(plain.forward.I_in.z(J[0, 0])) > 10


def test_uniform_profile_is_the_plain_p_bit_for_bit():
    wire = Wire(".SP.D..S.P.")
    prof = tuple(np.where(wire.scatterer, 0.7, 0.123))     # free sites' values do not matter
    for est in ("adjoint", "walkers"):
        a = simulate(wire, ProfileParams(p=0.9, Ig=0.1, drho=0.2, p_profile=prof), steps=5000, seed=4,
                     estimator=est)
        b = simulate(wire, ClassicalParams(p=0.7, Ig=0.1, drho=0.2), steps=5000, seed=4, estimator=est)
        assert a.delta_I == b.delta_I
        assert np.array_equal(a.forward.J.mean, b.forward.J.mean)


@pytest.mark.parametrize("prof", [(1, 0.5, 1), (1, 0.0, 0.5, 1), (1, 1.2, 0.5, 1)])
def test_bad_profile_is_refused(prof):
    with pytest.raises(ParameterError) as e:
        simulate(Wire(".SD."), ProfileParams(p_profile=prof), steps=100)
    assert e.value.name == "p_profile"
