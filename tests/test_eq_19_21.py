"""Eqs. 19-21 (= B37, B38, B48, B49): the long dimer wire, N >> l_c, against
the exact O(N) linear-response solve.

What is exact and what is not (measured, stated in the equations' module):
the bulk quantities alpha, l_c, sigma, nabla are exact as N -> infinity;
the finite-size constants of phi (Eq. 20) model the contacts and are off by
O(1): the exact currents are G_N = sigma / (N + b) and
delta J = Ig/2 - Ig c / (N + b) with, at gamma = 0.5, mubar = 1,
b = 6.269 (Eq. 21: l_c - 3 = 5.341) and c = 4.374 (Eq. 21: l_c/2 = 4.170).
Hence the tolerances: G_N and delta J to O(l_c/N), the potentials of Eq. 19
to a few % of the Ig-driven drop Ig l_c / (2 sigma) away from the middle.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nonrecip import QuantumParams, Wire, solve_quantum
from nonrecip.deterministic.quantum.linear import solve_linear_fast
from nonrecip.paper.equations import quantum as Q

LONG = [(0.5, 1.0), (0.3, 1.0), (0.5, 1.4), (1.0, 0.5)]


def _currents(N, gamma, mubar, Ig=1e-3, dmu=0.1):
    """Exact G_N and delta J from the forward and reverse I_1 (linear response)."""
    p = QuantumParams(gamma=gamma, mubar=mubar, dmu=dmu, Ig=Ig)
    f, r = solve_linear_fast(Wire.from_spec("dimers", N), p)
    return (f.I_1 - r.I_1) / (2 * dmu), -(f.I_1 + r.I_1) / 2


@pytest.mark.parametrize("gamma,mubar", LONG)
def test_eq21_conductance_and_delta_J(gamma, mubar):
    lc = Q.eq20_lc(gamma, mubar)
    Ig = 1e-3
    for N in (int(10 * lc) // 2 * 2 + 20, 2000, 20000):
        G, dJ = _currents(N, gamma, mubar, Ig)
        # G_N: relative error (b - l_c + 3)/N, |b - l_c + 3| < 1 measured; bound l_c / N
        assert abs(G / Q.eq21_conductance(N, gamma, mubar) - 1) < lc / N
        # delta J: error Ig |c - l_c/2| / N, measured < 0.75 Ig / N; bound Ig l_c / (2N)
        assert abs(dJ - Q.eq21_delta_J(N, gamma, mubar, Ig)) < Ig * lc / (2 * N)
        # B48 / B49: J_D = I_1 = G_N dmu - delta J, J_S = J_D + Ig (same tolerance)
        p = QuantumParams(gamma=gamma, mubar=mubar, dmu=0.1, Ig=Ig)
        f, _ = solve_linear_fast(Wire.from_spec("dimers", N), p)
        tol = 0.1 * lc / N * Q.eq21_conductance(N, gamma, mubar) + Ig * lc / (2 * N)
        assert f.J[0] == pytest.approx(Q.b48_JD(N, gamma, mubar, Ig, 0.1), abs=tol)
        assert f.J[1] == pytest.approx(Q.b49_JS(N, gamma, mubar, Ig, 0.1), abs=tol)
        assert f.J[1] - f.J[0] == pytest.approx(Ig, rel=1e-12)   # continuity: exact


def test_fig3b_delta_I_is_2_delta_J():
    # Fig. 3b: Ig/Io = 0.05, mubar = 1 (gamma = 0.5): 2 delta J of Eq. 21 vs
    # the nonreciprocity, while the forward current keeps its sign
    # (N < 2 sigma dmu / Ig ~ 330 here).
    gamma, mubar = 0.5, 1.0
    p = QuantumParams.from_ig_ratio(0.05, gamma=gamma, mubar=mubar, dmu=0.1)
    lc = Q.eq20_lc(gamma, mubar)
    for N in (40, 100, 200, 300):
        res = solve_quantum(Wire.from_spec("dimers", N), p)
        assert res.forward.I_1 > 0
        assert res.delta_I == pytest.approx(Q.eq21_delta_I(N, gamma, mubar, p.Ig), abs=p.Ig * lc / N)
    # beyond the sign change the definition gives 2 G_N dmu instead (conventions §1)
    N = 2000
    res = solve_quantum(Wire.from_spec("dimers", N), p)
    assert res.forward.I_1 < 0
    G, _ = _currents(N, gamma, mubar)
    assert res.delta_I == pytest.approx(2 * G * p.dmu, rel=1e-10)


@pytest.mark.parametrize("gamma", [0.5, 0.3])
def test_eq19_potentials_in_the_bulk(gamma):
    # Fig. 3a / Fig. 7 regime (mubar = 1, Ig/Io = 0.3, dmu = 0.1). Bulk:
    # sites at least 5 l_c from both ends. Bound: 5 % of the Ig-driven drop
    # (measured 2.4 % at gamma = 0.5, from phi's contact constant) plus
    # dmu l_c / N; at the two middle sites the error is (l_c/N)^2-small.
    mubar = 1.0
    lc = Q.eq20_lc(gamma, mubar)
    sigma = Q.eq20_sigma(gamma, mubar)
    for N in (int(20 * lc) // 2 * 2, 1000, 4000):
        p = QuantumParams.from_ig_ratio(0.3, gamma=gamma, mubar=mubar, dmu=0.1)
        drop = p.dmu + p.Ig * lc / (2 * sigma)
        for s, dmu in zip(solve_linear_fast(Wire.from_spec("dimers", N), p), (0.1, -0.1), strict=True):
            l = np.arange(2, N)
            err = np.abs(s.mu[1:-1] - Q.eq19_mu(l, N, gamma, mubar, p.Ig, dmu))
            bulk = (l - 1 >= 5 * lc) & (N - l >= 5 * lc)
            assert err[bulk].max() < 0.05 * p.Ig * lc / (2 * sigma) + p.dmu * lc / N
            mid = (l == N // 2) | (l == N // 2 + 1)
            assert err[mid].max() < (lc / N) ** 2 * drop


@pytest.mark.parametrize("gamma,mubar", LONG)
def test_nabla_is_exact_in_the_bulk(gamma, mubar):
    # the dimer oscillation mu_l - (mu_{l-1} + mu_{l+1})/2 = (-1)^l nabla Ig
    # is exact far from the ends (finite-size part ~ exp(-N / l_c)); N = 60 l_c.
    # mu is rounded to an ulp of mubar (2e-16) and nabla Ig ~ 1e-3: 1e-11 relative.
    lc = Q.eq20_lc(gamma, mubar)
    N = int(60 * lc) // 2 * 2 + 20
    p = QuantumParams.from_ig_ratio(0.3, gamma=gamma, mubar=mubar, dmu=0.1)
    s, _ = solve_linear_fast(Wire.from_spec("dimers", N), p)
    for l in (N // 2, N // 2 + 1):
        osc = s.mu[l - 1] - 0.5 * (s.mu[l - 2] + s.mu[l])
        assert osc == pytest.approx((-1) ** l * Q.eq20_nabla(gamma, mubar) * p.Ig, rel=1e-11)


def test_eq20_small_gamma_limits():
    # Sec. III B: l_c ~ 2/gamma^2, sigma ~ l_c/(2 pi), nabla ~ pi l_c for
    # gamma << 1; relative errors O(gamma^2): < gamma^2 here.
    for gamma in (0.2, 0.1, 0.05):
        lc = Q.eq20_lc(gamma, 1.0)
        assert abs(lc * gamma**2 / 2 - 1) < gamma**2
        assert abs(Q.eq20_sigma(gamma, 1.0) / (lc / (2 * math.pi)) - 1) < gamma**2
        assert abs(Q.eq20_nabla(gamma, 1.0) / (math.pi * lc) - 1) < gamma**2
    a = Q.eq20_alpha(0.5, 1.0)
    assert a.real > 0 and 0 < a.imag < math.pi
    assert np.cosh(a) == pytest.approx(0.5 * Q.c_2D(0.5, 1.0), rel=1e-14)   # cosh(alpha) = C
