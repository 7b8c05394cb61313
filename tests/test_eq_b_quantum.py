"""App. B closed forms of the quantum wire (Eqs. 17, 18, B28-B34, B40-B47,
B51-B54) against the dense NEGF solve and the O(N) solver."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nonrecip import QuantumParams, Wire, solve_quantum
from nonrecip.deterministic.quantum.greens import bath_couplings, broadening, green_dense, transmission_dense
from nonrecip.deterministic.quantum.linear import solve_linear_dense, solve_linear_fast
from nonrecip.paper.equations import quantum as Q

# exact closed forms vs a double-precision solve of a 4-site wire: both are
# a handful of well-conditioned operations, agreement to ~1e-15; 1e-13.
EXACT = 1e-13
N4_POINTS = [(0.5, 1.0), (0.3, 1.52), (1.0, 0.0), (1.7, -1.2), (0.8, 1.9)]


@pytest.mark.parametrize("gamma,mubar", N4_POINTS)
def test_b28_b30_transmissions(gamma, mubar):
    p = QuantumParams(gamma=gamma, mubar=mubar)
    T = transmission_dense(mubar, bath_couplings(Wire(".SD."), p))
    d = Q.b28_b30_transmissions(gamma, mubar)
    i = {1: 0, 2: 1, 3: 2, 4: 3}
    pairs = {"T12": [(1, 2), (3, 4)], "T13": [(1, 3), (2, 4)], "T14": [(1, 4)], "T23": [(2, 3)]}
    for key, lst in pairs.items():
        for a, b in lst:
            assert T[i[a], i[b]] == pytest.approx(d[key], rel=EXACT), key


def test_b31_b33_issue_numbers():
    # worked example (conventions §4): mubar = 1, gamma = 0.5, Ig/Io = 0.3, dmu = 0.1 gives
    # mu_2 - mubar = mubar - mu_3 = 53/720 and delta_I = 2 dI = (2/9) Ig
    p = QuantumParams.from_ig_ratio(0.3, gamma=0.5, mubar=1.0, dmu=0.1)
    assert Q.b31_delta_mu(0.5, 1.0, p.Ig, 0.1) == pytest.approx(53 / 720, rel=EXACT)
    assert Q.b33_delta_I(0.5, 1.0, p.Ig) == pytest.approx(2 / 9 * p.Ig, rel=EXACT)
    for method in ("fast", "dense"):
        res = solve_quantum(Wire(".SD."), p, method=method)
        assert res.forward.mu[1] - 1.0 == pytest.approx(53 / 720, rel=EXACT)
        assert 1.0 - res.forward.mu[2] == pytest.approx(53 / 720, rel=EXACT)
        assert res.delta_I == pytest.approx(2 / 9 * p.Ig, rel=1e-12)  # a difference: 1e-12
        assert res.delta_I == pytest.approx(0.00106103295394597, rel=1e-12)


@pytest.mark.parametrize("gamma,mubar", N4_POINTS)
@pytest.mark.parametrize("bias", ["forward", "reverse"])
def test_b31_b33_against_solver(gamma, mubar, bias):
    dmu = 0.01
    p = QuantumParams.from_ig_ratio(0.2, gamma=gamma, mubar=mubar, dmu=dmu)
    fwd, rev = solve_linear_dense(Wire(".SD."), p)
    s, sdmu = (fwd, dmu) if bias == "forward" else (rev, -dmu)
    dm = Q.b31_delta_mu(gamma, mubar, p.Ig, sdmu)
    assert Q.b31_delta_mu_from_T(gamma, mubar, p.Ig, sdmu) == pytest.approx(dm, rel=EXACT)
    assert s.mu[1] - mubar == pytest.approx(dm, rel=1e-12)       # mu - mubar: 1 ulp of mubar / |dm|
    assert mubar - s.mu[2] == pytest.approx(dm, rel=1e-12)
    I1 = Q.b32_conductance(gamma, mubar) * sdmu - Q.b33_dI(gamma, mubar, p.Ig)
    assert s.I_1 == pytest.approx(I1, rel=1e-12)


def test_b34_gamma_c_gives_two_thirds():
    for mubar in (0.0, 1.0, 1.52, -1.3):
        gc = Q.b34_gamma_c(mubar)
        assert Q.b33_delta_I(gc, mubar, 1.0) == pytest.approx(2 / 3, rel=EXACT)
    assert Q.b34_gamma_c(1.0) == pytest.approx(1.0, rel=EXACT)  # "for mubar = 1, gamma_c = 1"
    # and the solver agrees at gamma_c (small Ig so that both currents keep their sign)
    gc = float(Q.b34_gamma_c(1.52))
    p = QuantumParams.from_ig_ratio(0.1, gamma=gc, mubar=1.52, dmu=0.1)
    assert solve_quantum(Wire(".SD."), p).delta_I == pytest.approx(2 / 3 * p.Ig, rel=1e-12)


@pytest.mark.parametrize("mubar", [0.0, 1.0, 1.52])
def test_eq17_eq18_small_gamma(mubar):
    # approximate: Eq. 17 has relative error O(gamma^4) (leading term
    # ~ 1/gamma^2, neglected O(gamma^2)); Eq. 18: G4 O(gamma^4), dI O(gamma^2).
    # Check the error shrinks at the stated rate when gamma halves
    # (ratio within 30% of the asymptotic 16 or 4 at gamma <= 0.1).
    Ig = 1e-4
    errs = {}
    for g in (0.1, 0.05):
        p = QuantumParams(gamma=g, mubar=mubar, dmu=1e-3, Ig=Ig)
        fwd, rev = solve_linear_dense(Wire(".SD."), p)
        dmu_solver = 0.5 * ((fwd.mu[1] - mubar) + (rev.mu[1] - mubar))   # dmu -> 0 part
        G4 = (fwd.I_1 - rev.I_1) / (2 * p.dmu)
        dI = -(fwd.I_1 + rev.I_1) / 2
        errs[g] = (abs(dmu_solver / Q.eq17_delta_mu(g, mubar, Ig) - 1),
                   abs(G4 / Q.eq18_conductance(g) - 1),
                   abs(dI / Q.eq18_dI(g, mubar, Ig) - 1) if mubar**2 != 2 else 0.0)
    r17, rG, rdI = (errs[0.1][k] / errs[0.05][k] for k in range(3))
    # absolute bounds at gamma = 0.05 (measured 1e-5, 7e-6, 1e-2 at worst)
    assert errs[0.05][0] < 3e-5 and 16 / 1.3 < r17 < 16 * 1.3
    assert errs[0.05][1] < 3e-5 and 16 / 1.3 < rG < 16 * 1.3
    assert errs[0.05][2] < 3e-2 and 4 / 1.3 < rdI < 4 * 1.3


# --------------------------------------------------------------------------
# the bulk of a long dimer wire (App. B4): exact as N -> infinity
# --------------------------------------------------------------------------
BULK = [(0.5, 1.0), (0.6, 1.4), (1.0, 0.5)]


def _bulk(gamma, mubar):
    """Dense G of a dimer wire whose middle is 16 l_c from both ends, so that
    within 8 sites of the middle the finite-size corrections are
    ~ exp(-2 (16 l_c - 8) / l_c) < 1e-10; and the middle drain (odd) ``l``."""
    n = 2 * math.ceil(16 * Q.eq20_lc(gamma, mubar)) + 2
    p = QuantumParams(gamma=gamma, mubar=mubar)
    g = bath_couplings(Wire.from_spec("dimers", n), p)
    G = green_dense(mubar, g)
    l = n // 2 if (n // 2) % 2 else n // 2 + 1
    return G, broadening(mubar, g), n, l


@pytest.mark.parametrize("gamma,mubar", BULK)
def test_b40_b42_b53_bulk_transmissions(gamma, mubar):
    # finite-size corrections < 1e-10 (see _bulk); the sums truncated at the
    # ends likewise. Tolerance 1e-8 relative.
    G, gam, n, l = _bulk(gamma, mubar)
    T = np.abs(G) ** 2 * np.outer(gam, gam)
    for d in (1, 2, 3, 8):
        assert T[l - 1, l - 1 + d] == pytest.approx(Q.b40_transmission_bulk(d, gamma, mubar), rel=1e-8)
    aR = Q.eq20_alpha(gamma, mubar).real
    lp = np.arange(2, n)
    even = lp[lp % 2 == 0]
    assert np.exp(-2 * aR * np.abs(l - even)).sum() == pytest.approx(Q.b42_sum(gamma, mubar), rel=1e-8)
    assert (np.exp(-2 * aR * np.abs(l - lp)) * (l - lp) ** 2).sum() == pytest.approx(Q.b53_sum(gamma, mubar), rel=1e-8)
    assert (np.exp(-2 * aR * np.abs(l - lp)) * (l - lp)).sum() == pytest.approx(0.0, abs=1e-8)  # B41


@pytest.mark.parametrize("gamma,mubar", BULK)
def test_b45_b47_bulk_F(gamma, mubar):
    G, gam, n, l = _bulk(gamma, mubar)
    F = -2 * np.imag(np.conj(G[:-1, :]) * G[1:, :]) * gam[None, :]   # F_ll' of Eq. B19
    lp = np.arange(2, n)
    row = F[l - 1, lp - 1]
    np.testing.assert_allclose(row, Q.b45_F_bulk(l, lp, gamma, mubar), rtol=0, atol=1e-8 * np.abs(row).max())
    assert (row * (l - lp)).sum() == pytest.approx(Q.b46_sum(gamma, mubar), rel=1e-8)
    assert Q.b46_sum(gamma, mubar) == pytest.approx(-2 * math.pi * Q.eq20_sigma(gamma, mubar), rel=EXACT)
    assert row[lp % 2 == 0].sum() == pytest.approx(Q.b47_sum(gamma, mubar), rel=1e-8)


@pytest.mark.parametrize("gamma,mubar", BULK)
def test_b43_b48_identities_fix_the_reading_of_nabla(gamma, mubar):
    # B43: with nabla = coth^2(alpha_R)/(2 sigma) and sinh(2 alpha_R) in B42
    # the bulk bath current is exactly -Ig; any other reading of the text
    # dump ("coth 2alpha", "sinh^2 alpha") breaks it. B48: nabla * B47 / 2pi = 1/2.
    a = Q.eq20_alpha(gamma, mubar)
    rho = Q.bath_dos(mubar)
    I_over_Ig = -(math.pi**2 * gamma**4 * rho**2 / abs(np.sinh(a)) ** 2) * Q.eq20_nabla(gamma, mubar) \
        * Q.b42_sum(gamma, mubar) / (2 * math.pi)
    assert I_over_Ig == pytest.approx(-1.0, rel=EXACT)
    assert Q.eq20_nabla(gamma, mubar) * Q.b47_sum(gamma, mubar) / (2 * math.pi) == pytest.approx(0.5, rel=EXACT)
    # rho = 2 sin(alpha_I) sinh(alpha_R) / (pi gamma^2) (below B43)
    assert rho == pytest.approx(2 * math.sin(a.imag) * math.sinh(a.real) / (math.pi * gamma**2), rel=EXACT)


@pytest.mark.parametrize("layout", ["dimers", ".SPD..S.D."])
def test_b51_exact_at_every_bath(layout):
    # B50 (factor inside the sum) == -I_l / Gam_l identically, so the dense
    # B50 sum reproduces B51 at every S and D, ends of the wire included.
    wire = Wire.from_spec(layout, 14 if layout == "dimers" else None)
    p = QuantumParams.from_ig_ratio(0.3, gamma=0.6, mubar=1.2, dmu=0.1, gamma_contact=0.8)
    sites = np.flatnonzero((wire.kinds == 1) | (wire.kinds == 2)) + 1
    for s in solve_linear_dense(wire, p):
        got = s.dn[sites - 1]
        # B51's (-1)^(l+1) is the S (even) / D (odd) sign of the dimer wire
        want = -wire.injection[sites - 1] * p.Ig / (2 * math.pi * p.gamma**2 * Q.bath_dos(p.mubar))
        np.testing.assert_allclose(got, want, rtol=1e-12)
        if layout == "dimers":
            np.testing.assert_allclose(got, Q.b51_dn(sites, p.gamma, p.mubar, p.Ig), rtol=1e-12)


@pytest.mark.parametrize("gamma,mubar", [(0.5, 1.0), (0.3, 1.0), (0.5, 1.4)])
def test_b52_heat_in_the_bulk(gamma, mubar):
    # B52: h = sigma (2 phi / l_c)^2 + nabla Ig^2 / 2 in the bulk. The second
    # term is exact for N -> inf; the first carries the O(1) relative error
    # of phi's contact model but is O(1/N^2) itself. N = 2000: relative 1e-4.
    N = 2000
    p = QuantumParams.from_ig_ratio(0.3, gamma=gamma, mubar=mubar, dmu=0.1)
    for s, dmu in zip(solve_linear_fast(Wire.from_spec("dimers", N), p), (0.1, -0.1), strict=True):
        for l in (N // 2, N // 2 + 1):
            assert s.h[l - 1] == pytest.approx(Q.b52_heat(N, gamma, mubar, p.Ig, dmu), rel=1e-4)
        # "the right-hand side of B52 equals [J_S (mu_{l-1} - mu_l) + J_D (mu_l - mu_{l+1})]/2"
        l = N // 2 + 1  # odd: a drain; bond l-1 is J_S (out of a source), bond l is J_D
        joule = 0.5 * (s.J[l - 2] * (s.mu[l - 2] - s.mu[l - 1]) + s.J[l - 1] * (s.mu[l - 1] - s.mu[l]))
        assert joule == pytest.approx(s.h[l - 1], rel=1e-3)


def test_b54_small_gamma():
    # B54 is B52 with sigma ~ l_c / 2pi, l_c ~ 2/gamma^2: relative error O(gamma^2)
    N = 4000
    for g in (0.3, 0.15):
        p = QuantumParams.from_ig_ratio(0.3, gamma=g, mubar=1.0, dmu=0.1)
        s, _ = solve_linear_fast(Wire.from_spec("dimers", N), p)
        err = abs(s.h[N // 2 - 1] / Q.b54_heat(N, g, 1.0, p.Ig, 0.1) - 1)
        assert err < 2 * g**2
