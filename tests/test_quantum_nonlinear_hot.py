"""Hot wires with many baths: the streaming band route of the nonlinear solve.

Issue 11 item 3: the full Landauer-Buttiker currents (Eq. B22; conventions
§4) at any ``T > 0`` with no refusal for the number of baths. The streaming
route (nonrecip.deterministic.quantum.panels_stream) is checked against the
K x K band route (nonlinear_panels, transmissions stored per energy, exact
Jacobian), against currents recomputed by scipy ``quad`` of the dense
transmissions (greens.py), against linear response at T > 0
(general.solve_linear_general) and through the CLI.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import expit

from nonrecip import ParameterError, QuantumParams, Wire
from nonrecip.deterministic.quantum import nonlinear_panels
from nonrecip.deterministic.quantum.general import solve_linear_general
from nonrecip.deterministic.quantum.greens import bath_couplings, transmission_dense
from nonrecip.deterministic.quantum.nonlinear import solve_nonlinear

TWO_PI = 2 * math.pi


def params(ig_ratio=0.3, **kw):
    kw.setdefault("gamma", 0.5)
    kw.setdefault("mubar", 1.0)
    kw.setdefault("dmu", 0.1)
    return QuantumParams.from_ig_ratio(ig_ratio, **kw)


def solve(wire, p, route, monkeypatch, tol=1e-11, method="auto"):
    """Solve on the forced band route: ``"stream"`` or ``"panels"`` (K x K)."""
    monkeypatch.setattr(nonlinear_panels, "streams", lambda gammas, T: route == "stream")
    info: dict = {}
    fwd, rev = solve_nonlinear(wire, p, tol=tol, method=method, info=info)
    assert info["route"] == route
    return fwd, rev, info


CASES = [
    (".SDP.DS.", 0.1, 1.6),
    (".SDP.DS.", 1.0, -1.5),
    ("dimers12", 0.3, 1.7),
    ("dimers12", 0.1, -1.75),
    (".SPD..SD.", 0.5, 1.5),
    ("..SS.DD..", 0.2, -1.6),
]


def make_wire(layout):
    return Wire.dimers(int(layout[6:])) if layout.startswith("dimers") else Wire(layout)


@pytest.mark.parametrize("layout,T,mubar", CASES)
def test_stream_equals_kxk_band_route(layout, T, mubar, monkeypatch):
    # Both routes integrate the same Eq. B22 on adaptive rules to a current
    # error <= tol * max(Ig, Io) / 20 and stop Newton at a residual <= tol *
    # max(Ig, Io), tol = 1e-11: their currents differ by at most ~2.1e-11
    # of the scale. The potentials differ by that over the conductance
    # (>= 1e-2 here), so 1e-9 relative to max|mu - mubar| holds with room;
    # dn and h are integrals of the same weights (same bound).
    wire = make_wire(layout)
    p = params(0.4, mubar=mubar, temperature=T)
    scale = max(p.Ig, p.Io)
    s_f, s_r, info = solve(wire, p, "stream", monkeypatch)
    k_f, k_r, _ = solve(wire, p, "panels", monkeypatch)
    for s, k in ((s_f, k_f), (s_r, k_r)):
        np.testing.assert_allclose(s.I, k.I, rtol=0, atol=1e-9 * scale)
        dx = np.nanmax(np.abs(k.mu - p.mubar))
        np.testing.assert_allclose(s.mu, k.mu, rtol=0, atol=1e-9 * dx)
        np.testing.assert_allclose(s.dn, k.dn, rtol=0, atol=1e-9 * np.nanmax(np.abs(k.dn)))
        np.testing.assert_allclose(s.h, k.h, rtol=0, atol=1e-9 * np.nanmax(np.abs(k.h)))
        np.testing.assert_allclose(s.J, k.J, rtol=0, atol=1e-9 * scale)
    assert info["quadrature_error"] <= 1e-11 * scale


def band_quad_currents(wire, p, mu):
    """Bath currents by scipy ``quad`` over the band of the dense ``T_ll'(w) [f_l - f_l']``
    (Eq. B22), breakpoints at the potentials, 1e-15 absolute per pair: independent of
    every rule of the solver."""
    g = bath_couplings(wire, p)
    has = np.flatnonzero(g > 0)
    T = p.temperature
    I = np.full(wire.N, np.nan)
    for l in has:
        tot = 0.0
        for k in has:
            if k == l:
                continue
            lo, hi = max(-2.0, min(mu[l], mu[k]) - 40 * T), min(2.0, max(mu[l], mu[k]) + 40 * T)
            pts = sorted({float(np.clip(x, lo, hi)) for x in (mu[l], mu[k])} - {lo, hi})
            tot += quad(lambda w, l=l, k=k: transmission_dense(w, g)[l, k]
                        * (expit(-(w - mu[l]) / T) - expit(-(w - mu[k]) / T)),
                        lo, hi, points=pts or None, epsabs=1e-15, epsrel=1e-13, limit=400)[0]
        I[l] = tot / TWO_PI
    return I


@pytest.mark.parametrize("layout,T,mubar", [(".SDP.DS.", 0.3, 1.6), ("dimers8", 0.1, -1.7)])
def test_stream_against_dense_quad(layout, T, mubar, monkeypatch):
    # the currents at the streamed solution, recomputed by quad of the dense
    # transmissions, hit the targets: Newton residual 1e-11 scale, quadrature
    # error 5e-13 scale, quad 1e-15 per pair -> 10 tol leaves room (forward
    # bias only: quad of the dense inverse is slow)
    wire = make_wire(layout)
    p = params(0.4, mubar=mubar, temperature=T)
    tol, scale = 1e-11, max(p.Ig, p.Io)
    for st in solve(wire, p, "stream", monkeypatch, tol=tol)[:1]:
        I = band_quad_currents(wire, p, st.mu)
        np.testing.assert_allclose(st.I, I, rtol=0, atol=10 * tol * scale)
        t = np.where(np.isfinite(st.mu), p.Ig * wire.injection, np.nan)
        inner = np.isfinite(t)
        inner[[0, -1]] = False
        assert np.max(np.abs(I[inner] - t[inner])) <= 10 * tol * scale


def test_stream_equals_dense_method(monkeypatch):
    # method="dense" (dense linear-response start, LU Newton steps on the
    # K x K band rule) against the streaming route: same bound as above
    wire, p = Wire.dimers(10), params(0.4, mubar=1.6, temperature=0.2)
    s = solve(wire, p, "stream", monkeypatch)
    d = solve(wire, p, "panels", monkeypatch, method="dense")
    for a, b in zip(s[:2], d[:2], strict=True):
        np.testing.assert_allclose(a.I, b.I, rtol=0, atol=1e-9 * max(p.Ig, p.Io))
        np.testing.assert_allclose(a.mu, b.mu, rtol=0, atol=1e-9 * np.nanmax(np.abs(b.mu - p.mubar)))


def test_many_baths_take_the_streaming_route():
    # dimers with 78 baths at T = 0.3: tails reach the band edge, K > STREAM_BATHS
    info: dict = {}
    p = params(0.3, mubar=0.5, temperature=0.3)
    fwd, rev = solve_nonlinear(Wire.dimers(80), p, info=info)
    assert info["route"] == "stream"
    for st in (fwd, rev):
        assert abs(st.I[1] - p.Ig) <= 1e-10 * max(p.Ig, p.Io)
        assert abs(np.nansum(st.I)) <= 1e-10 * max(p.Ig, p.Io)


def test_route_choice():
    # K x K for few baths and at T = 0; streaming for many baths at T > 0
    # and for more than a dozen on a wire without long bath-free stretches
    streams = nonlinear_panels.streams
    g = lambda w: bath_couplings(w, params())  # noqa: E731
    assert not streams(g(Wire(".SDP.DS.")), 0.3)
    assert not streams(g(Wire.single(400)), 0.3)
    assert not streams(g(Wire(".S" + "." * 200 + "SD" * 5 + "." * 200 + "D.")), 0.3)
    assert streams(g(Wire.dimers(18)), 0.3)
    assert not streams(g(Wire.dimers(18)), 0.0)
    assert streams(g(Wire(".S" + "." * 100 + "SD" * 40 + "." * 100 + "D.")), 0.3)


def test_kxk_storage_refusal_falls_back_to_stream(monkeypatch):
    # a K x K rule over the storage cap at T > 0 hands over to the streaming
    # rule (same answer as the K x K rule without the cap, 1e-9 as above)
    from nonrecip.deterministic.quantum import panels

    wire, p = Wire(".SDP.DS."), params(0.4, mubar=1.6, temperature=0.3)
    ref = solve_nonlinear(wire, p, tol=1e-11)
    monkeypatch.setattr(panels, "MAX_ENTRIES", 1000)
    info: dict = {}
    got = solve_nonlinear(wire, p, tol=1e-11, info=info)
    assert info["route"] == "stream"
    for a, b in zip(got, ref, strict=True):
        np.testing.assert_allclose(a.I, b.I, rtol=0, atol=1e-9 * max(p.Ig, p.Io))


def test_landauer_currents_stream_equals_kxk(monkeypatch):
    # the public helper at T = 0.2 on both band rules (each built to
    # 0.05 tol max|mu_l - mu_l'| / 2pi, tol = 1e-12)
    from nonrecip.deterministic.quantum.nonlinear import landauer_currents

    wire, p = Wire.dimers(10), params(temperature=0.2)
    mu = 1.0 + 0.05 * np.sin(np.arange(10.0))
    out = {}
    for route in (True, False):
        monkeypatch.setattr(nonlinear_panels, "streams", lambda gammas, T, r=route: r)
        out[route] = landauer_currents(wire, p, mu, tol=1e-12)
    np.testing.assert_allclose(out[True], out[False], rtol=0, atol=2e-12 * np.ptp(mu) / TWO_PI)


def test_stream_tends_to_linear_response():
    # dimers(80), T = 0.3 at mubar = 1.5 (streaming route): scale dmu and Ig
    # by s; the nonlinear corrections to mu - mubar are O(s^2) against O(s),
    # so the relative difference from linear response at T > 0 (Eq. B22
    # expanded to first order, solve_linear_general) halves with s (2 +- 0.3)
    wire = Wire.dimers(80)
    rel = []
    for s in (1.0, 0.5, 0.25):
        p = params(0.3, dmu=0.1 * s, mubar=1.5, temperature=0.3)
        info: dict = {}
        nl = solve_nonlinear(wire, p, tol=1e-12, info=info)[0]
        assert info["route"] == "stream"
        li = solve_linear_general(wire, p)[0]
        x_nl, x_li = nl.mu - p.mubar, li.mu - p.mubar
        rel.append(np.nanmax(np.abs(x_nl - x_li)) / np.nanmax(np.abs(x_li)))
        assert abs(nl.I_1 - li.I_1) / abs(li.I_1) < 2 * rel[-1] + 1e-10
    assert rel[-1] > 1e-6  # resolved, not rounding
    for a, b in zip(rel, rel[1:], strict=False):
        assert 1.7 < a / b < 2.3, rel


def test_potential_leaving_the_band_names_ig():
    # a drive no potential inside the band can carry (Newton pushes a bath
    # potential to the band edge on the streaming route)
    p = params(40.0, mubar=1.7, temperature=0.3)
    with pytest.raises(ParameterError) as e:
        solve_nonlinear(Wire.dimers(80), p)
    assert e.value.name == "Ig"


def test_potential_leaving_the_band_names_dmu():
    # the reservoir potential mu_1 = mubar + dmu/2 = 2.1 is outside the band
    p = QuantumParams(gamma=0.5, mubar=1.5, dmu=1.2, Ig=0.0, temperature=0.3)
    with pytest.raises(ParameterError) as e:
        solve_nonlinear(Wire.dimers(80), p)
    assert e.value.name == "dmu"


@pytest.mark.parametrize("args", [
    ("--n", "400", "--temperature", "0.1", "--mu", "1.5"),
    ("--n", "1000", "--temperature", "0.3"),
])
def test_cli_hot_dimers_succeed(cli, args):
    # formerly refused: "too many baths for the band route (it stores K x K per energy)"
    r = cli("solve", "quantum", "--layout", "dimers", *args, "--response", "nonlinear", "--json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    for bias in ("forward", "reverse"):
        for key in ("I_1", "I_N"):
            assert math.isfinite(d[bias][key])
        assert all(math.isfinite(j) for j in d[bias]["J"])
    assert math.isfinite(d["delta_I"])


def test_hot_long_single_wire_converges():
    # single at N = 400, T = 0.3: the Fermi window covers the whole band and
    # the rounding noise of T(w) near the band edges once split panels down
    # to 1e-13 (more than MAX_PANELS); panels whose whole error bound is
    # below 1e-6 eps are now accepted. Targets: S and D carry +-Ig, the
    # currents add up to zero (Newton residual 1e-10 of the scale).
    p = params(0.3, temperature=0.3)
    info: dict = {}
    fwd, rev = solve_nonlinear(Wire.single(400), p, info=info)
    assert info["quadrature_error"] <= 1e-10 * max(p.Ig, p.Io)
    for st in (fwd, rev):
        assert abs(st.I[1] - p.Ig) <= 1e-10 * max(p.Ig, p.Io)
        assert abs(st.I[-2] + p.Ig) <= 1e-10 * max(p.Ig, p.Io)
        assert abs(np.nansum(st.I)) <= 1e-10 * max(p.Ig, p.Io)


def test_weights_interpolated_in_mu_equal_direct(monkeypatch):
    # many baths: the product-integration weights are interpolated in mu
    # from Chebyshev potentials on pieces of width <= pi T (tail <= 2e-15 of
    # the largest weight) rather
    # than evaluated at every bath potential. The solves agree to rounding:
    # 1e-12 of the scale in I (measured 1e-14), 1e-12 in mu.
    from nonrecip.deterministic.quantum import panels_stream

    wire, p = Wire.dimers(200), params(0.3, mubar=1.5, temperature=0.1)
    interp = solve_nonlinear(wire, p)
    monkeypatch.setattr(panels_stream, "INTERP_NODES", 0)
    direct = solve_nonlinear(wire, p)
    for a, b in zip(interp, direct, strict=True):
        np.testing.assert_allclose(a.I, b.I, rtol=0, atol=1e-12 * max(p.Ig, p.Io))
        np.testing.assert_allclose(a.mu, b.mu, rtol=0, atol=1e-12)


def test_stream_kernel_equals_linear_response_per_energy():
    # the fused streaming kernel against the O(N) structure and forward map
    # of linear.py evaluated energy by energy (20 energies; the band edges
    # carry nothing). Same arithmetic up to the order of operations: 1e-13
    # of the largest current.
    from nonrecip.deterministic.quantum._kernels import apply_kernel
    from nonrecip.deterministic.quantum.linear import linear_structure
    from nonrecip.deterministic.quantum.panels_stream import StreamRule

    wire, p = Wire(".SDP..DSP.SD."), params()
    g = bath_couplings(wire, p)
    has = g > 0
    rule = StreamRule(g, 0.1, 1.0)
    ws = np.concatenate(([-2.0], np.linspace(-1.95, 1.9, 18), [2.0]))
    rng = np.random.default_rng(11)
    K = int(has.sum())
    X = rng.normal(size=(2, ws.size, K))
    S = rng.normal(size=(2, K))
    out, dn = rule.run(ws, X, S, per_node=True)
    tot, _ = rule.run(ws, X, S)
    for b in range(2):
        for q, w in enumerate(ws):
            ref = np.zeros(K)
            if abs(w) < 2:
                st = linear_structure(float(w), g)
                x = np.zeros(wire.N)
                x[has] = X[b, q] * S[b]
                full = np.empty(wire.N)
                apply_kernel(st.gam, st.gamL, st.fL, st.gamR, st.fR, st.den2, has, x, full)
                ref = full[has]
                np.testing.assert_allclose(dn[b, q], -ref / st.gam[has], rtol=1e-12, atol=1e-13)
            np.testing.assert_allclose(out[b, q], ref, rtol=0, atol=1e-13 * np.abs(out).max())
        np.testing.assert_allclose(tot[b, 0], out[b].sum(axis=0), rtol=0, atol=1e-13 * np.abs(out).max())


@pytest.mark.parametrize("T,spread", [(0.1, 0.1), (0.02, 0.3)])
def test_stream_weights_equal_panel_rule_weights(T, spread):
    # the numba product-integration weights of StreamRule against the NumPy
    # ones of PanelRule (same Gauss points, different summation order:
    # 1e-15 of the largest weight), and the weights interpolated in mu
    # (K = 600 > 2 x 33 x pieces) against both: 2e-14 of the largest weight
    # (measured 4e-15: the rounding of the Lagrange sums themselves)
    from nonrecip.deterministic.quantum.panels import PANEL_NODES, PanelRule
    from nonrecip.deterministic.quantum.panels_stream import StreamRule

    g = np.full(602, 0.5)
    g[[0, -1]] = 1.0
    rng = np.random.default_rng(5)
    mu = 1.5 + spread * rng.random(600)
    s, r = StreamRule(g, T, 1.5), PanelRule(g, T, 1.5)
    s.panels = r.panels = [(2.0 + 0.05 * i, 2.05 + 0.05 * i) for i in range(12)]
    for kind in ("f", "wf", "df"):
        ref = r.weights(mu, kind)
        direct = np.zeros((12, PANEL_NODES, mu.size))
        s._weights_direct(mu, kind, direct)
        top = np.abs(ref).max()
        np.testing.assert_allclose(direct.reshape(ref.shape), ref, rtol=0, atol=1e-15 * top)
        np.testing.assert_allclose(s.weights(mu, kind), ref, rtol=0, atol=2e-14 * top)
        assert s.interpolated
