"""Linear response of the quantum wire: the O(N) solver against the dense
oracle, extended precision, invariants and errors (conventions §4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecip import ParameterError, QuantumParams, Wire, solve_quantum
from nonrecip.canonical import wires as canonical_wires
from nonrecip.deterministic.quantum.greens import bath_couplings, green_dense
from nonrecip.deterministic.quantum.linear import (
    bath_currents_dense,
    bath_currents_fast,
    linear_structure,
    solve_linear_dense,
    solve_linear_fast,
)
from nonrecip.deterministic.quantum.reference import linear_dd_stream, linear_mp_dense, linear_mp_stream

# fast vs dense: the dense LU + one refinement step keeps ~1e-14 relative up to
# N ~ 2000 (measured: 4e-14 at N = 2000), the fast solver ~1e-16; 1e-12 leaves
# a factor 25 for other BLAS builds.
RTOL = 1e-12


def _params(**kw):
    base = dict(gamma=0.5, mubar=1.0, dmu=0.1)
    ig_ratio = kw.pop("ig_ratio", 0.3)
    base.update(kw)
    return QuantumParams.from_ig_ratio(ig_ratio, **base)


def _close(a, b, rtol=RTOL, what=""):
    """Arrays equal to ``rtol`` relative to their largest entry (NaNs must match)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"{what}: NaN pattern")
    scale = np.nanmax(np.abs(b)) if np.any(np.isfinite(b)) else 1.0
    err = np.nanmax(np.abs(a - b)) if np.any(np.isfinite(a)) else 0.0
    assert err <= rtol * scale, f"{what}: max error {err:.3g} > {rtol:g} x {scale:.3g}"


def _compare_states(f, d, rtol=RTOL):
    for a, b in zip(f, d, strict=True):
        assert a.I_1 == pytest.approx(b.I_1, rel=rtol, abs=0)
        assert a.I_N == pytest.approx(b.I_N, rel=rtol, abs=0)
        _close(a.mu - 0.0, b.mu, rtol, "mu")
        _close(a.J, b.J, rtol, "J")
        _close(a.I, b.I, rtol, "I")
        _close(a.dn, b.dn, rtol, "dn")
        _close(a.h, b.h, rtol, "h")


CASES = [
    ("dimers", 4, {}),
    ("dimers", 30, {}),
    ("dimers", 200, {"ig_ratio": 0.05}),
    ("single", 9, {}),
    ("single", 60, {"ig_ratio": 0.1}),
    (".SDDS.", None, {}),
    (".SDSD.", None, {"mubar": 1.52}),
    (".SPPD.", None, {"gamma_contact": 0.7}),
    ("dimers", 40, {"gamma_contact": 1.3, "mubar": -0.6}),
    (".SP.D..S.P.", None, {"mubar": 1.52, "gamma": 0.8}),
    (".DD..SPS.", None, {"gamma": 1.5, "gamma_contact": 0.4}),
    (".S.S..D.", None, {}),   # unbalanced: the reservoirs absorb the excess
    (".S" + "." * 17 + "PD.", None, {"mubar": 0.3}),
    (".P.P.P.P.P.", None, {"ig_ratio": 0.0}),
]


@pytest.mark.parametrize("layout,n,kw", CASES)
def test_fast_equals_dense(layout, n, kw):
    wire = Wire.from_spec(layout, n)
    p = _params(**kw)
    _compare_states(solve_linear_fast(wire, p), solve_linear_dense(wire, p))


@pytest.mark.parametrize("name", sorted(canonical_wires()))
def test_fast_equals_dense_canonical(name):
    wire = canonical_wires()[name]
    p = _params(mubar=1.52, gamma=0.6, gamma_contact=0.9)
    _compare_states(solve_linear_fast(wire, p), solve_linear_dense(wire, p))


def test_fast_equals_dense_n1000():
    # the largest size kept in the default run (dense ~1 s); N = 2000 is a slow test
    wire = Wire.from_spec("dimers", 1000)
    p = _params(ig_ratio=0.05)
    _compare_states(solve_linear_fast(wire, p), solve_linear_dense(wire, p))


@pytest.mark.slow
def test_fast_equals_dense_n2000():
    wire = Wire.from_spec("dimers", 2000)
    p = _params(ig_ratio=0.05, mubar=1.52)
    _compare_states(solve_linear_fast(wire, p), solve_linear_dense(wire, p))


@settings(deadline=None, max_examples=40)
@given(
    body=st.text(alphabet=".SDP", min_size=2, max_size=24),
    gamma=st.floats(0.05, 2.0),
    mubar=st.floats(-1.9, 1.9),
    gc=st.floats(0.2, 2.0),
    ig_ratio=st.floats(0.0, 0.5),
)
def test_fast_equals_dense_random_layouts(body, gamma, mubar, gc, ig_ratio):
    wire = Wire("." + body + ".")
    p = _params(gamma=gamma, mubar=mubar, gamma_contact=gc, ig_ratio=ig_ratio, dmu=0.01)
    try:
        d = solve_linear_dense(wire, p)
    except ParameterError:  # a potential outside the band: both must say so
        with pytest.raises(ParameterError, match="outside the band"):
            solve_linear_fast(wire, p)
        return
    f = solve_linear_fast(wire, p)
    # near the band edge |G|^2 varies over many decades; 1e-10 still
    # certifies agreement far beyond any physical use
    _compare_states(f, d, rtol=1e-10)


# --------------------------------------------------------------------------
# extended precision
# --------------------------------------------------------------------------
@pytest.mark.parametrize("layout,n,kw", [
    (".SD.", None, {}),
    (".SP.D..S.P.", None, {"mubar": 1.52, "gamma_contact": 0.8}),
    ("dimers", 30, {"ig_ratio": 0.05}),
])
def test_fast_against_mpmath_dense(layout, n, kw):
    # the independent reference: Z^{-1}, T and the probe system in 40-digit
    # arithmetic. The fast solver keeps I_1 to a few ulps and mu to ~1 ulp
    # of mubar: tolerances 1e-14 relative.
    wire = Wire.from_spec(layout, n)
    p = _params(**kw)
    ref = linear_mp_dense(wire, p, dps=40)
    for st_, b in zip(solve_linear_fast(wire, p), ("forward", "reverse"), strict=True):
        assert st_.I_1 == pytest.approx(ref[b]["I_1"], rel=1e-14, abs=0)
        _close(st_.mu, ref[b]["mu"], 1e-14, "mu")


@pytest.mark.parametrize("layout,n,kw", [
    ("dimers", 200, {"ig_ratio": 0.05}),
    ("dimers", 120, {"mubar": 1.52, "gamma_contact": 1.4}),
    ("single", 150, {"ig_ratio": 0.1}),
])
def test_fast_against_mpmath_stream(layout, n, kw):
    # the O(N) algorithm in 40-digit arithmetic (no rounding to speak of):
    # measures the digits the double-precision kernel loses. I_1 to 4 ulps,
    # mu - mubar to 1e-14 of max |mu - mubar| (the mu array itself is rounded
    # to an ulp of mubar, i.e. 2e-16 / 0.05 ~ 4e-15 of the deviation).
    wire = Wire.from_spec(layout, n)
    p = _params(**kw)
    ref = linear_mp_stream(wire, p, dps=40)
    for st_, b in zip(solve_linear_fast(wire, p), ("forward", "reverse"), strict=True):
        assert st_.I_1 == pytest.approx(ref[b]["I_1"], rel=1e-15, abs=0)
        x = st_.mu - p.mubar
        _close(x, ref[b]["mu"] - p.mubar, 1e-14, "mu - mubar")


def test_mp_stream_equals_mp_dense():
    # the two extended-precision references are independent algorithms
    wire = Wire(".SPD..S.D.")
    p = _params(mubar=0.7, gamma_contact=1.2)
    a, b = linear_mp_dense(wire, p, 40), linear_mp_stream(wire, p, 40)
    for k in ("forward", "reverse"):
        assert a[k]["I_1"] == pytest.approx(b[k]["I_1"], rel=1e-15)
        _close(a[k]["x"], b[k]["x"], 1e-15, "x")


def test_double_double_reference_against_mpmath():
    # the compiled double-double reference keeps ~31 digits: 1e-28 relative
    # on I_1 and 1e-28 absolute on mu - mubar (|x| <= 0.06) against 50 digits
    import mpmath

    ctx = mpmath.mp.clone()
    ctx.dps = 50
    wire = Wire.from_spec("dimers", 120)
    p = _params(ig_ratio=0.05, mubar=1.3, gamma_contact=0.9)
    dd, mp = linear_dd_stream(wire, p), linear_mp_stream(wire, p, dps=50)
    for b in ("forward", "reverse"):
        I1 = ctx.mpf(dd[b]["I_1"]) + ctx.mpf(dd[b]["I_1_lo"])
        assert abs(I1 / mp[b]["I_1_mp"] - 1) < 1e-28
        err = max(abs(ctx.mpf(h) + ctx.mpf(l) - x) for h, l, x in zip(dd[b]["x"], dd[b]["x_lo"], mp[b]["x_mp"], strict=True))
        assert err < 1e-28


@pytest.mark.parametrize("layout,n", [("dimers", 100_000), ("single", 20_001)])
def test_fast_is_correctly_rounded_at_large_n(layout, n):
    # against the double-double reference: I_1 within one ulp (2.2e-16
    # relative) and mu within one ulp of mubar ~ 1 (2.3e-16 absolute), i.e.
    # no digit lost to N or to the (N/l_c)^2 conditioning.
    wire = Wire.from_spec(layout, n)
    p = _params(ig_ratio=0.05)
    ref = linear_dd_stream(wire, p)
    for s, b in zip(solve_linear_fast(wire, p), ("forward", "reverse"), strict=True):
        assert abs((s.I_1 - ref[b]["I_1"]) - ref[b]["I_1_lo"]) <= 2.3e-16 * abs(ref[b]["I_1"])
        has = ~np.isnan(s.mu)
        err = np.abs(((s.mu - p.mubar) - ref[b]["x"]) - ref[b]["x_lo"])[has]
        assert err.max() <= 2.3e-16


@pytest.mark.slow
def test_fast_against_mpmath_stream_n10000():
    wire = Wire.from_spec("dimers", 10_000)
    p = _params(ig_ratio=0.05)
    ref = linear_mp_stream(wire, p, dps=40)
    for st_, b in zip(solve_linear_fast(wire, p), ("forward", "reverse"), strict=True):
        assert st_.I_1 == pytest.approx(ref[b]["I_1"], rel=1e-15, abs=0)
        _close(st_.mu - p.mubar, ref[b]["mu"] - p.mubar, 1e-14, "mu - mubar")


# --------------------------------------------------------------------------
# invariants
# --------------------------------------------------------------------------
@pytest.mark.parametrize("layout,n", [("dimers", 12), ("single", 11), (".SP.D..S.P.", None), (".S.S..D.", None)])
def test_currents_hit_targets_and_sum_to_zero(layout, n):
    # the dense forward map, applied to the fast solution: every S injects
    # Ig, every D draws Ig, every P carries 0, and all bath currents sum to 0.
    # Rounding: |T| <= 1, |x| <= 0.1, N <= 12 terms -> 1e-16 absolute; 1e-15.
    wire = Wire.from_spec(layout, n)
    p = _params(mubar=1.3, gamma_contact=0.9)
    g = bath_couplings(wire, p)
    for s in solve_linear_fast(wire, p):
        I = bath_currents_dense(p.mubar, g, s.mu)
        inner = slice(1, -1)
        expect = np.where(g > 0, p.Ig * wire.injection, np.nan)[inner]
        np.testing.assert_allclose(I[inner], expect, rtol=0, atol=1e-15)
        assert np.nansum(I) == pytest.approx(0.0, abs=1e-15)
        assert I[0] == pytest.approx(s.I_1, abs=1e-15)
        assert I[-1] == pytest.approx(s.I_N, abs=1e-15)


def test_dense_bond_currents_b19_equal_continuity():
    # J from Eq. B19 (F_ll') against the running sum of the bath currents
    wire = Wire(".SPD..S.D.")
    p = _params(mubar=0.9, gamma_contact=1.1)
    for s in solve_linear_dense(wire, p):
        cont = np.cumsum(np.nan_to_num(s.I))[:-1]
        np.testing.assert_allclose(s.J, cont, rtol=0, atol=1e-15)


@pytest.mark.parametrize("layout", [".SDSD.", ".SP.D..S.P.", ".DD..SPS."])
def test_reverse_equals_mirrored_forward(layout):
    # reversing the bias is the same as reading the mirrored wire forward
    wire = Wire(layout)
    p = _params(mubar=1.52, gamma_contact=0.8)
    _, rev = solve_linear_fast(wire, p)
    fwd_m, _ = solve_linear_fast(wire.mirrored(), p)
    assert rev.I_1 == pytest.approx(fwd_m.I_N, rel=1e-14)  # the same bath (site 1 = mirrored N)
    _close(rev.mu, fwd_m.mu[::-1], 1e-15, "mu")
    _close(rev.J, -fwd_m.J[::-1], 1e-14, "J")


def test_parity_symmetric_layout_is_reciprocal():
    res = solve_quantum(Wire(".SDDS."), _params())
    assert res.delta_I == pytest.approx(0.0, abs=1e-17)


def test_no_side_baths_is_ballistic():
    # gamma_contact = 1, no side baths: reflectionless, T_1N = 1, I_1 = Io
    p = _params(ig_ratio=0.0, gamma=0.0)
    res = solve_quantum(Wire.from_spec("single", 25), p)
    assert res.forward.I_1 == pytest.approx(p.Io, rel=1e-14)
    assert res.reverse.I_1 == pytest.approx(-p.Io, rel=1e-14)
    assert np.isnan(res.forward.mu[1]) and np.isnan(res.forward.I[1])


@pytest.mark.parametrize("mubar", [-1.3, 0.4, 1.0, 1.52])
def test_ward_identity_and_structure(mubar):
    # B20 split in halves: -2 Im G_ll = |G_ll|^2 (Gam_l + gamL_l + gamR_l);
    # each side evaluated independently (dense inverse vs continued fractions)
    wire = Wire(".SP.D..S.P.")
    p = _params(mubar=mubar, gamma_contact=0.8)
    g = bath_couplings(wire, p)
    G = green_dense(mubar, g)
    s = linear_structure(mubar, g)
    np.testing.assert_allclose(s.ldos, -2 * G.diagonal().imag, rtol=1e-13)
    np.testing.assert_allclose(s.G_abs2, np.abs(G.diagonal()) ** 2, rtol=1e-13)
    # 2 pi K_l = total transmission across the cut between l and l+1
    T = np.abs(G) ** 2 * np.outer(s.gam, s.gam)
    cut = [T[: l + 1, l + 1:].sum() for l in range(wire.N - 1)]
    np.testing.assert_allclose(2 * math.pi * s.bond_conductance, cut, rtol=1e-13)


def test_bath_currents_fast_equals_dense():
    rng = np.random.default_rng(7)
    wire = Wire(".SDP.S..DPS.")
    p = _params(mubar=-0.8, gamma_contact=1.7)
    g = bath_couplings(wire, p)
    mu = p.mubar + 0.05 * rng.standard_normal(wire.N)
    _close(bath_currents_fast(p.mubar, g, mu), bath_currents_dense(p.mubar, g, mu), 1e-13, "I")


def test_b51_density_identity_exact():
    # B50 with the factor inside the sum equals -I_l / Gam_l at every bath, so
    # in the dimer bulk it is B51, (-1)^(l+1) Ig / (2 pi gamma^2 rho) -- here
    # checked on the dense B50 sum for every site of a short wire.
    wire = Wire.from_spec("dimers", 12)
    p = _params()
    gam = p.gamma**2 * math.sqrt(4 - p.mubar**2)
    for s in solve_linear_dense(wire, p):
        l = np.arange(2, 12)  # 1-based sites 2..N-1
        np.testing.assert_allclose(s.dn[1:-1], (-1.0) ** (l + 1) * p.Ig / gam, rtol=1e-12)


def test_large_n_is_linear_in_memory_and_finite():
    wire = Wire.from_spec("dimers", 200_000)
    fwd, rev = solve_linear_fast(wire, _params(ig_ratio=0.05))
    for s in (fwd, rev):
        assert np.all(np.isfinite(s.mu)) and np.all(np.isfinite(s.J)) and np.all(np.isfinite(s.h))
        # continuity holds by construction; the I_N / J_{N-1} pair is consistent
        assert s.I_N == -s.J[-1]


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------
def test_error_mubar_outside_band():
    with pytest.raises(ParameterError, match="mubar"):
        QuantumParams(mubar=2.0)
    with pytest.raises(ParameterError, match="band"):
        linear_structure(2.5, np.ones(4))


def test_error_negative_gamma():
    with pytest.raises(ParameterError, match="gamma"):
        QuantumParams(gamma=-0.1)


def test_error_potential_pushed_outside_band():
    # small gamma: Delta mu ~ pi Ig / gamma^2 (Eq. 17) is huge
    p = QuantumParams(gamma=0.05, mubar=1.0, dmu=0.1, Ig=0.01)
    for method in ("fast", "dense"):
        with pytest.raises(ParameterError, match=r"Ig.*outside the band"):
            solve_quantum(Wire(".SD."), p, method=method)


def test_error_reservoir_outside_band():
    p = QuantumParams(gamma=0.5, mubar=1.97, dmu=0.1, Ig=0.0)
    for method in ("fast", "dense"):
        # forward: mu_1 = mubar + dmu/2 = 2.02 is outside the band
        with pytest.raises(ParameterError, match=r"dmu.*mu_1 = 2.02 .*forward"):
            solve_quantum(Wire(".SD."), p, method=method)


def test_error_no_path_for_current():
    p = QuantumParams(gamma=0.0, Ig=0.01)
    for method in ("fast", "dense"):
        with pytest.raises(ParameterError, match="no path for current"):
            solve_quantum(Wire(".SD."), p, method=method)


@pytest.mark.parametrize("kw", [{"gamma": 1e-170}, {"gamma_contact": 1e-150}, {"gamma": 1e150}])
def test_error_coupling_that_underflows(kw):
    for method in ("fast", "dense"):
        with pytest.raises(ParameterError, match="under- or overflows"):
            solve_quantum(Wire(".SPD."), QuantumParams(Ig=0.0, **kw), method=method)


@pytest.mark.parametrize("T", [0.01, 0.1])
def test_temperature_in_linear_response_is_the_thermal_linear_response(T):
    # Was a refusal; now (issue 11) linear response at T > 0 is solved with the thermally
    # averaged transmission K = int dw (-df/dw) T(w). Independent check: K from the dense
    # G = (w - H - Sigma)^-1 (Eqs. B7, B10) by scipy's adaptive quadrature in w, the bath
    # system by np.linalg.solve. 1e-10: quad_vec's epsrel 1e-13 x the Laplacian's condition
    # number (~10^2) with room; the library's own quadrature converges to 1e-13.
    import math

    from scipy.integrate import quad_vec

    from nonrecip.deterministic.quantum.linear import probe_targets

    wire = Wire(".SDP.SD.")
    p = QuantumParams.from_ig_ratio(0.3, gamma=0.5, mubar=0.7, dmu=0.1, temperature=T)
    res = solve_quantum(wire, p)
    n = wire.N
    gammas, unknown, target = probe_targets(wire, p)
    h0 = -(np.eye(n, k=1) + np.eye(n, k=-1))

    def t_matrix(w):
        root = math.sqrt(4.0 - w * w)
        G = np.linalg.inv(w * np.eye(n) - h0 - np.diag(0.5 * gammas**2 * (w - 1j * root)))
        gam = gammas**2 * root
        tm = np.abs(G) ** 2 * gam[:, None] * gam[None, :]
        np.fill_diagonal(tm, 0.0)
        return tm

    def f(w):
        e = abs(w - p.mubar) / T
        return t_matrix(w) * math.exp(-e) / (T * (1 + math.exp(-e)) ** 2)

    K = quad_vec(f, max(-2.0, p.mubar - 40 * T), min(2.0, p.mubar + 40 * T), epsabs=0.0, epsrel=1e-13,
                 points=[p.mubar], limit=2000)[0]
    U = np.flatnonzero(unknown)
    for state, s in ((res.forward, 1), (res.reverse, -1)):
        x = np.zeros(n)
        x[0], x[-1] = s * p.dmu / 2, -s * p.dmu / 2
        M = np.diag(K[U].sum(axis=1)) - K[np.ix_(U, U)]
        x[U] = np.linalg.solve(M, 2 * math.pi * target[U] + K[U][:, [0, -1]] @ x[[0, -1]])
        current = (K * (x[:, None] - x[None, :])).sum(axis=1) / (2 * math.pi)
        np.testing.assert_allclose(state.mu[U] - p.mubar, x[U], rtol=1e-10, atol=0)
        assert state.I_1 == pytest.approx(current[0], rel=1e-10)
    assert res.parameters["temperature"] == T and res.extra["response"] == "linear"


def test_error_temperature_in_cubic_response():
    with pytest.raises(ParameterError, match="temperature"):
        solve_quantum(Wire(".SD."), QuantumParams(temperature=0.01), response="cubic")


def test_error_bad_method_and_response():
    with pytest.raises(ParameterError, match="method"):
        solve_quantum(Wire(".SD."), QuantumParams(), method="magic")
    with pytest.raises(ParameterError, match="response"):
        solve_quantum(Wire(".SD."), QuantumParams(), response="quadratic")
    with pytest.raises(ParameterError, match="method"):
        solve_quantum(Wire(".SD."), QuantumParams(), response="cubic", method="dense")
    with pytest.raises(ParameterError, match="wire"):
        solve_quantum(".SD.", QuantumParams())


# --------------------------------------------------------------------------
# the drive part of I_1 on its own (used for delta_I without cancellation)
# --------------------------------------------------------------------------
@pytest.mark.parametrize("layout", [".SD.", ".SP.D.", ".SDSD.", "dimers"])
def test_drive_current_matches_the_dense_solve_at_zero_Ig(layout):
    """:func:`drive_current` (a sum of series resistances) against the dense
    oracle at ``Ig = 0``, where ``I_1`` is the drive part alone. Tolerance
    1e-13: the dense probe solve with one refinement step (module docstring)
    keeps ~1e-14 at N <= 40."""
    from nonrecip.deterministic.quantum.linear import drive_current, linear_structure, probe_targets, solve_linear_dense

    w = Wire.dimers(40) if layout == "dimers" else Wire(layout)
    prm = QuantumParams(gamma=0.7, mubar=0.6, dmu=0.08, Ig=0.0, gamma_contact=1.3)
    g, unknown, _ = probe_targets(w, prm)
    got = drive_current(linear_structure(prm.mubar, g), unknown, prm.dmu / 2)
    ref = solve_linear_dense(w, prm)[0].I_in
    assert got == pytest.approx(ref, rel=1e-13, abs=0)
