"""Nonlinear Landauer-Buttiker solve at any temperature and on long ballistic wires.

Issue 11 (items 3, 4): Fermi functions over the whole band (no refusal of a
temperature whose tails reach a band edge) and an adaptive band quadrature
that follows the resonances of a long wire (conventions §4, Eq. B22).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import expit

from nonrecip import QuantumParams, Wire
from nonrecip.deterministic.quantum.greens import bath_couplings, transmission_dense
from nonrecip.deterministic.quantum.nonlinear import solve_nonlinear
from nonrecip.deterministic.quantum.panels import bath_transmissions

TWO_PI = 2 * math.pi


def params(ig_ratio=0.3, **kw):
    kw.setdefault("gamma", 0.5)
    kw.setdefault("mubar", 1.0)
    kw.setdefault("dmu", 0.1)
    return QuantumParams.from_ig_ratio(ig_ratio, **kw)


def band_quad_currents(wire, p, mu):
    """Bath currents by scipy ``quad`` over the band ``(-2, 2)`` of the dense
    ``T_ll'(w) [f_l - f_l']`` (Eq. B22): independent of the solver's
    quadrature (Gauss-Kronrod, breakpoints at the potentials, absolute
    error 1e-15 per integral)."""
    g = bath_couplings(wire, p)
    has = np.flatnonzero(g > 0)
    T = p.temperature
    I = np.full(wire.N, np.nan)

    def f(w, m):
        return expit(-(w - m) / T) if T > 0 else float(w < m)

    for l in has:
        tot = 0.0
        for k in has:
            if k == l:
                continue
            if T == 0:
                a, b = sorted((mu[l], mu[k]))
                sgn = 1.0 if mu[l] > mu[k] else -1.0
                tot += sgn * quad(lambda w, l=l, k=k: transmission_dense(w, g)[l, k], a, b,
                                  epsabs=1e-15, epsrel=1e-13, limit=400)[0]
            else:
                lo, hi = max(-2.0, min(mu[l], mu[k]) - 40 * T), min(2.0, max(mu[l], mu[k]) + 40 * T)
                pts = sorted({float(np.clip(x, lo, hi)) for x in (mu[l], mu[k])} - {lo, hi})
                tot += quad(lambda w, l=l, k=k: transmission_dense(w, g)[l, k] * (f(w, mu[l]) - f(w, mu[k])),
                            lo, hi, points=pts or None, epsabs=1e-15, epsrel=1e-13, limit=400)[0]
        I[l] = tot / TWO_PI
    return I


def check_against_quad(wire, p, tol):
    """Solve, then recompute the currents at the solved potentials by quad: they must hit the targets."""
    fwd, rev = solve_nonlinear(wire, p, tol=tol)
    scale = max(p.Ig, p.Io)
    for st in (fwd, rev):
        I = band_quad_currents(wire, p, st.mu)
        # solver: Newton residual <= tol * scale and quadrature error
        # <= tol * scale / 20; quad: 1e-15 per pair. 10 tol leaves room.
        np.testing.assert_allclose(st.I, I, rtol=0, atol=10 * tol * scale)
        t = np.where(np.isfinite(st.mu), p.Ig * wire.injection, np.nan)
        inner = np.isfinite(t)
        inner[[0, -1]] = False
        assert np.max(np.abs(I[inner] - t[inner])) <= 10 * tol * scale
    return fwd, rev


def test_bath_transmissions_equal_dense():
    # the O(N) continued-fraction K x K transmissions against the dense inverse
    wire = Wire(".SP.D..P.")
    p = params()
    g = bath_couplings(wire, p)
    s = np.flatnonzero(g > 0)
    ws = np.array([-1.99, -1.2, 0.0, 0.3, 1.9, 1.999])
    T, G = bath_transmissions(ws, g, s)
    for w, Tq in zip(ws, T, strict=True):
        Td = transmission_dense(w, g)[np.ix_(s, s)]
        np.fill_diagonal(Td, 0.0)
        np.testing.assert_allclose(Tq, Td, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("T", [0.05, 0.1, 0.3])
@pytest.mark.parametrize("layout", [".SD.", ".SDP.DS.", ".SPD..SD."])
def test_hot_wire_against_band_quadrature(T, layout):
    # previously refused (Fermi tails within 40 T of a band edge)
    check_against_quad(Wire(layout), params(0.4, mubar=1.0, temperature=T), 1e-10)


@pytest.mark.parametrize("mubar,T", [(1.52, 0.01), (0.9, 0.03), (-1.3, 0.03)])
def test_previously_refused_points(mubar, T):
    check_against_quad(Wire(".SDSD."), params(0.3, mubar=mubar, temperature=T), 1e-10)


def test_cold_single_against_band_quadrature():
    # the adaptive band route (few baths), T = 0, checked like the hot ones
    from nonrecip.deterministic.quantum.panels import PanelRule  # noqa: F401 - route exists
    check_against_quad(Wire.single(8), params(0.3, mubar=0.7), 1e-10)


def test_hot_nonlinear_tends_to_linear_response():
    # scale the drive by s at T = 0.1: the nonlinear corrections to mu - mubar
    # are O(s^2) against O(s), so the relative difference halves with s
    # (ratio 2 +- 0.3). Linear response at T > 0 (K_ll' of Eq. B22 expanded):
    # the general solver with the uniform Hamiltonian.
    from nonrecip.deterministic.quantum import solve_quantum
    from nonrecip.hamiltonian import Hamiltonian

    wire = Wire(".SDP.DS.")
    rel = []
    for s in (1.0, 0.5, 0.25):
        p = params(0.3, dmu=0.1 * s, mubar=1.1, temperature=0.1)
        nl = solve_nonlinear(wire, p, tol=1e-12)[0]
        li = solve_quantum(wire, p, response="linear", hamiltonian=Hamiltonian.uniform(wire.N)).forward
        x_nl, x_li = nl.mu - p.mubar, li.mu - p.mubar
        rel.append(np.nanmax(np.abs(x_nl - x_li)) / np.nanmax(np.abs(x_li)))
        assert abs(nl.I_1 - li.I_1) / abs(li.I_1) < 2 * rel[-1] + 1e-12
    assert rel[-1] > 1e-6  # resolved, not rounding
    for a, b in zip(rel, rel[1:], strict=False):
        assert 1.7 < a / b < 2.3, rel


def test_band_route_temperature_to_zero_like_T_squared():
    # Sommerfeld: the smearing moves the potentials by O(T^2 T''/T'); T(w) of
    # .SDSD. varies on the scale of the band (~1), so T^4 corrections are
    # ~ (T/1)^2 ~ 1 % here: halving T divides the change by 4 +- 0.5. T = 0.08
    # and 0.04 take the band route (tails reach the band edge), 0.02 the window.
    wire = Wire(".SDSD.")
    mu0 = solve_nonlinear(wire, params(0.3), tol=1e-12)[0].mu
    d = []
    for T in (0.08, 0.04, 0.02):
        mu = solve_nonlinear(wire, params(0.3, temperature=T), tol=1e-12)[0].mu
        d.append(np.nanmax(np.abs(mu - mu0)))
    assert d[-1] > 1e-6
    for a, b in zip(d, d[1:], strict=False):
        assert 3.5 < a / b < 4.5, d


def test_landauer_currents_hot_against_band_quadrature():
    # the public helper at T = 0.2 (tails reach the band edge): the band rule
    # is built to 0.05 tol * max|mu_l - mu_l'|/2pi; quad to 1e-15
    from nonrecip.deterministic.quantum.nonlinear import landauer_currents

    wire, p = Wire(".SDP.DS."), params(temperature=0.2)
    mu = np.array([1.05, 1.02, 0.99, 1.0, 0.0, 0.97, 1.01, 0.95])
    I = landauer_currents(wire, p, mu, tol=1e-12)
    np.testing.assert_allclose(I, band_quad_currents(wire, p, mu), rtol=0, atol=1e-12 * 0.1 / TWO_PI)


def test_single_4000_converges_by_default():
    info: dict = {}
    p = params()
    fwd, rev = solve_nonlinear(Wire.single(4000), p, info=info)
    assert info["route"] == "panels"
    for st in (fwd, rev):
        assert abs(st.I[1] - p.Ig) <= 1e-10 * max(p.Ig, p.Io)
        assert abs(np.nansum(st.I)) <= 1e-12 * p.Io


@pytest.mark.slow
def test_single_20000_converges_by_default():
    p = params()
    fwd, rev = solve_nonlinear(Wire.single(20_000), p)
    for st in (fwd, rev):
        assert abs(st.I[-2] + p.Ig) <= 1e-10 * max(p.Ig, p.Io)
