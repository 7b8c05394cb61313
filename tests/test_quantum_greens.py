"""Bath self-energies, Green's functions and transmissions (App. B)."""

from __future__ import annotations

import numpy as np
import pytest

from nonrecip import ParameterError, QuantumParams, Wire
from nonrecip.deterministic.quantum.greens import (
    bath_couplings,
    broadening,
    green_dense,
    self_energy,
    transmission_dense,
)


@pytest.mark.parametrize("w", [-1.7, -0.3, 0.7, 1.0, 1.52, 1.99])
def test_self_energy_is_surface_green_function_of_a_chain(w):
    # Independent route: the surface Green's function g of a semi-infinite
    # chain (hopping 1) obeys g = 1/(w + i eta - g); iterate the decimation
    # fixed point with a small eta. Sigma = gamma^2 g. eta = 1e-8 shifts g by
    # O(eta / sqrt(4 - w^2)) <~ 1e-7 here; tolerance 1e-6. (w = 0 is avoided:
    # there the doubled chains of the decimation sit on a resonance.)
    gamma = 0.7
    eta = 1e-8
    z = w + 1j * eta
    # Sancho-Rubio decimation converges quadratically even for eta -> 0+.
    eps_s, eps, t = z * 0, z * 0, 1.0 + 0j
    for _ in range(200):
        g = 1.0 / (z - eps)
        eps_s = eps_s + t * g * t
        eps = eps + 2 * t * g * t
        t = t * g * t
        if abs(t) < 1e-300:
            break
    g_surf = 1.0 / (z - eps_s)
    assert self_energy(w, gamma) == pytest.approx(gamma**2 * g_surf, abs=1e-7)
    assert broadening(w, gamma) == pytest.approx(-2 * (gamma**2 * g_surf).imag, abs=1e-7)


def test_bath_couplings():
    p = QuantumParams(gamma=0.3, gamma_contact=0.8)
    g = bath_couplings(Wire(".SP.D."), p)
    np.testing.assert_array_equal(g, [0.8, 0.3, 0.3, 0.0, 0.3, 0.8])


@pytest.mark.parametrize("w", [2.0, -2.0, 2.5, np.nan])
def test_outside_band_is_an_error(w):
    with pytest.raises(ParameterError, match="band"):
        self_energy(w, 1.0)
    with pytest.raises(ParameterError, match="band"):
        green_dense(w, np.ones(4))


@pytest.mark.parametrize("layout", [".SD.", ".SDSDSD.", ".SP.D..S.P.", ".DD..SPS."])
@pytest.mark.parametrize("w", [0.4, 1.0, 1.52])
def test_ward_identity_and_symmetry(layout, w):
    # B20: sum_l' |G_ll'|^2 Gamma_l' = -2 Im G_ll, an identity of exact
    # arithmetic; dense inversion of a well-conditioned N <= 11 matrix keeps
    # it to ~1e-15 relative, tolerance 1e-12.
    p = QuantumParams(gamma=0.5, mubar=w, gamma_contact=0.9)
    g = bath_couplings(Wire(layout), p)
    G = green_dense(w, g)
    gam = broadening(w, g)
    np.testing.assert_allclose((np.abs(G) ** 2 * gam[None, :]).sum(1), -2 * G.diagonal().imag, rtol=1e-12)
    # G is complex symmetric (H and Sigma are symmetric), so T is symmetric
    np.testing.assert_allclose(G, G.T, rtol=0, atol=1e-14)
    T = transmission_dense(w, g)
    np.testing.assert_array_equal(T, T.T)
    assert np.all(T >= 0) and np.all(np.diag(T) == 0)
    free = g == 0
    assert np.all(T[free] == 0) and np.all(T[:, free] == 0)


def test_clean_wire_is_reflectionless():
    # gamma_contact = 1 and no side baths: the wire is a piece of the
    # infinite chain, so T_1N = 1 exactly for every energy in the band.
    g = np.zeros(9)
    g[0] = g[-1] = 1.0
    for w in (-1.5, 0.2, 1.0, 1.9):
        assert transmission_dense(w, g)[0, -1] == pytest.approx(1.0, rel=1e-12)
