"""App. C1: one S-D dimer at sites 2 and N-1 (Eqs. C3-C14, Eq. 22) against
G = Z^{-1} and the linear-response solvers."""

from __future__ import annotations

import numpy as np
import pytest

from nonrecip import QuantumParams, Wire, solve_quantum
from nonrecip.deterministic.quantum.greens import bath_couplings, green_dense, hamiltonian_dense, self_energy
from nonrecip.deterministic.quantum.linear import solve_linear_dense
from nonrecip.paper.equations import quantum as Q

# exact closed forms against a double-precision dense solve of N <= 40
# sites: both keep ~1e-14 relative; 1e-12.
EXACT = 1e-12
POINTS = [(0.5, 1.0), (0.3, 1.52), (1.2, -0.7), (0.8, 0.2)]
SIZES = [5, 6, 7, 8, 11, 16, 23, 40]


def _z(n, gamma, mubar):
    g = bath_couplings(Wire.from_spec("single", n), QuantumParams(gamma=gamma, mubar=mubar))
    return mubar * np.eye(n) - hamiltonian_dense(n) - np.diag(self_energy(mubar, g)), g


@pytest.mark.parametrize("gamma,mubar", POINTS)
@pytest.mark.parametrize("n", SIZES)
def test_c7_c10_det_and_green(n, gamma, mubar):
    Z, g = _z(n, gamma, mubar)
    assert Q.c7_det_z(n, gamma, mubar) == pytest.approx(np.linalg.det(Z), rel=EXACT)
    G = green_dense(mubar, g)
    c = Q.c8_c10_green(n, gamma, mubar)
    # C5 with det Z (not |det Z| as printed): the complex elements match,
    # phase included
    for key, (i, j) in {"G21": (1, 0), "GN1": (n - 1, 0), "GN-1,1": (n - 2, 0), "GN-1,2": (n - 2, 1)}.items():
        assert G[i, j] == pytest.approx(c[key], rel=EXACT), key


def test_c5_misprint_abs_det_changes_only_the_phase():
    n, gamma, mubar = 8, 0.5, 1.0
    Z, g = _z(n, gamma, mubar)
    G = green_dense(mubar, g)
    det = Q.c7_det_z(n, gamma, mubar)
    printed = (-1) ** (n + 1) / abs(det)    # C9 with |det Z| as printed in C5
    assert abs(G[n - 1, 0]) == pytest.approx(abs(printed), rel=EXACT)
    assert abs(G[n - 1, 0] - printed) > 0.1 * abs(printed)  # but not the element itself


@pytest.mark.parametrize("gamma,mubar", POINTS)
@pytest.mark.parametrize("n", SIZES)
def test_c11_c12_transmissions(n, gamma, mubar):
    _, g = _z(n, gamma, mubar)
    G = green_dense(mubar, g)
    gam = g**2 * np.sqrt(4 - mubar**2)
    T = np.abs(G) ** 2 * np.outer(gam, gam)
    d = Q.c11_c12_transmissions(n, gamma, mubar)
    assert T[1, 0] == pytest.approx(d["T21"], rel=EXACT)
    assert T[n - 1, n - 2] == pytest.approx(d["T21"], rel=EXACT)      # T(N)(N-1) = T21
    assert T[n - 2, 0] == pytest.approx(d["TN-1,1"], rel=EXACT)
    assert T[1, n - 1] == pytest.approx(d["TN-1,1"], rel=EXACT)       # T2N = T1(N-1)
    assert T[n - 1, 0] == pytest.approx(d["TN1"], rel=EXACT)
    assert T[n - 2, 1] == pytest.approx(d["TN-1,2"], rel=EXACT)


@pytest.mark.parametrize("gamma,mubar", POINTS)
@pytest.mark.parametrize("n", SIZES)
def test_c3_c4_c13_against_solver(n, gamma, mubar):
    dmu = 0.05
    p = QuantumParams.from_ig_ratio(0.1, gamma=gamma, mubar=mubar, dmu=dmu)
    fwd, rev = solve_linear_dense(Wire.from_spec("single", n), p)
    for s, sd in ((fwd, dmu), (rev, -dmu)):
        dm = Q.c3_delta_mu(n, gamma, mubar, p.Ig, sd)
        assert Q.c13_delta_mu(n, gamma, mubar, p.Ig, sd) == pytest.approx(dm, rel=EXACT)
        # mu - mubar carries one ulp of mubar: absolute 1e-15
        assert s.mu[1] - mubar == pytest.approx(dm, rel=EXACT, abs=1e-15)
        assert mubar - s.mu[n - 2] == pytest.approx(dm, rel=EXACT, abs=1e-15)
        G = Q.c4_conductance(n, gamma, mubar)
        assert Q.c13_conductance(n, gamma, mubar) == pytest.approx(G, rel=EXACT)
        dj = Q.c4_delta_j(n, gamma, mubar, p.Ig)
        assert Q.c13_delta_j(n, gamma, mubar, p.Ig) == pytest.approx(dj, rel=EXACT, abs=1e-18)
        assert s.I_1 == pytest.approx(G * sd - dj / 2, rel=EXACT)


@pytest.mark.parametrize("gamma", [0.3, 0.5, 1.0])
def test_eq22_delta_j_equals_delta_I(gamma):
    # Fig. 3c: Ig/Io = 0.1, mubar = 1, the nonreciprocity of the solver vs Eq. 22
    p = QuantumParams.from_ig_ratio(0.1, gamma=gamma, mubar=1.0, dmu=0.1)
    for n in range(5, 41):
        res = solve_quantum(Wire.from_spec("single", n), p)
        assert res.forward.I_1 > 0  # Eq. 22 holds while the forward current keeps its sign
        assert res.delta_I == pytest.approx(Q.eq22_delta_j(n, gamma, 1.0, p.Ig), rel=1e-10, abs=1e-17)


def test_eq22_zeros_at_half_fermi_wavelengths():
    # mubar = 1: lambda_F = 6, so delta_j = 0 when N - 3 = 3 m, for every gamma
    assert Q.c_lambdaF(1.0) == pytest.approx(6.0, rel=1e-15)
    n = np.arange(5, 60)
    zeros = n[(n - 3) % 3 == 0]
    for gamma in (0.2, 0.5, 1.3):
        xi = Q.eq22_xi(zeros, gamma, 1.0)
        np.testing.assert_allclose(xi, 1.0, rtol=1e-13)
        p = QuantumParams.from_ig_ratio(0.1, gamma=gamma, mubar=1.0, dmu=0.1)
        for N in zeros[:6]:
            res = solve_quantum(Wire.from_spec("single", int(N)), p)
            # |I_1| ~ 0.01: a zero to rounding, 1e-16 absolute
            assert abs(res.delta_I) < 1e-16
            # C14: at Xi = 1 the S/D potentials do not depend on the bias
            dm14 = Q.c14_delta_mu(int(N), gamma, 1.0, p.Ig)
            assert res.forward.mu[1] - 1.0 == pytest.approx(dm14, rel=1e-12)
            assert res.reverse.mu[1] - 1.0 == pytest.approx(dm14, rel=1e-12)
        others = n[(n - 3) % 3 != 0]
        assert np.all(np.abs(Q.eq22_delta_j(others, gamma, 1.0, 1.0)) > 1e-3)
