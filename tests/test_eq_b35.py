"""Eqs. B35-B36: the paper's cubic expansion of the one-dimer wire
(nonrecip.deterministic.quantum.cubic), Fig. 2c and Fig. 6.

References are independent of the code under test: the closed forms
B28-B33 written out here and differentiated by mpmath, finite differences
of greens.transmission_dense, a multi-start Newton search for roots, and the
exact Landauer-Buttiker solution of nonlinear.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nonrecip import Bias, ConvergenceError, ParameterError, QuantumParams, Wire
from nonrecip.deterministic.quantum.cubic import (
    b35_coefficients,
    cubic_roots,
    physical_root,
    relative_nonreciprocity,
    series_currents,
    solve_cubic,
    transmission_derivatives,
)
from nonrecip.deterministic.quantum.greens import bath_couplings, transmission_dense
from nonrecip.deterministic.quantum.linear import solve_linear
from nonrecip.deterministic.quantum.nonlinear import solve_nonlinear

DIMER = Wire(".SD.")
TWO_PI = 2 * math.pi


def params(ig_ratio=0.3, **kw):
    kw.setdefault("gamma", 0.5)
    kw.setdefault("mubar", 1.0)
    kw.setdefault("dmu", 0.1)
    return QuantumParams.from_ig_ratio(ig_ratio, **kw)


# ---------------------------------------------------------------------------
# B28-B33 written out (gamma_contact = 1)
# ---------------------------------------------------------------------------
def b28_b30(mp, g, m):
    """(T24 = T31, T23, T14, T21 = T34) of Eqs. B28-B30 at mubar = m."""
    D = (2 + 2 * g**2 + g**4) ** 2 - (1 + 2 * g**2 + 5 * g**4 + 2 * g**6) * m**2 + g**4 * m**4
    c = 4 * (1 - m**2 / 4) / D
    return g**2 * c, g**4 * c, c, g**2 * c * (1 + g**4 - g**2 * (m**2 - 2))


def b31_delta_mu(p, d):
    g, m = p.gamma, p.mubar
    D = (2 + 2 * g**2 + g**4) ** 2 - (1 + 2 * g**2 + 5 * g**4 + 2 * g**6) * m**2 + g**4 * m**4
    return ((math.pi * D * p.Ig + g**4 * (1 - m**2 / 4) * (g**2 + 2 - m**2) * d)
            / (2 * g**2 * (1 - m**2 / 4) * (2 + g**4 + 4 * g**2 - g**2 * m**2)))


def b32_b33(p):
    g, m = p.gamma, p.mubar
    D = (2 + 2 * g**2 + g**4) ** 2 - (1 + 2 * g**2 + 5 * g**4 + 2 * g**6) * m**2 + g**4 * m**4
    G4 = ((4 - m**2) * (2 + g**4 + 2 * g**2 - g**2 * m**2) * (g**2 + 1) ** 2
          / (TWO_PI * D * (2 + g**4 + 4 * g**2 - g**2 * m**2)))
    dI = (g**4 + 2 * g**2 - g**2 * m**2) / (2 + g**4 + 4 * g**2 - g**2 * m**2) * p.Ig
    return G4, dI


# ---------------------------------------------------------------------------
# derivatives of the transmissions
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("gamma,mubar", [(0.5, 1.0), (0.8, 1.52), (0.3, -0.7)])
def test_transmission_derivatives_match_b28_b30(gamma, mubar):
    # mpmath differentiates the closed forms at 30 digits; the analytic
    # derivatives are exact up to rounding of a 4x4 inverse: 1e-12 relative.
    mpmath = pytest.importorskip("mpmath")
    mp = mpmath.mp.clone()
    mp.dps = 30
    T = transmission_derivatives(mubar, bath_couplings(DIMER, params(gamma=gamma)))
    pairs = [(1, 3), (1, 2), (0, 3), (1, 0)]  # T24, T23, T14, T21 (0-based)
    for k, (a, b) in enumerate(pairs):
        for m in range(3):
            ref = float(mp.diff(lambda x, k=k: b28_b30(mp, mp.mpf(gamma), x)[k], mp.mpf(mubar), m))
            assert T[m, a, b] == pytest.approx(ref, rel=1e-12, abs=1e-14)
    np.testing.assert_array_equal(T, T.transpose(0, 2, 1))


@pytest.mark.parametrize("layout", [".SD.", ".SPD.S."])
def test_transmission_derivatives_match_finite_differences(layout):
    # Any layout, gamma_contact != 1: Richardson-extrapolated central
    # differences of transmission_dense, error O(h^4) ~ 1e-11 relative at
    # h = 2e-3; tolerance 1e-8 (second derivative: rounding/h^2 ~ 1e-10).
    wire = Wire(layout)
    g = bath_couplings(wire, params(gamma=0.6, gamma_contact=0.7))
    w0, h = 0.9, 2e-3
    T = transmission_derivatives(w0, g)

    def d(m, h):
        f = lambda x: transmission_dense(x, g)  # noqa: E731
        if m == 1:
            return (f(w0 + h) - f(w0 - h)) / (2 * h)
        return (f(w0 + h) - 2 * f(w0) + f(w0 - h)) / h**2

    for m in (1, 2):
        rich = (4 * d(m, h / 2) - d(m, h)) / 3
        np.testing.assert_allclose(T[m], rich, rtol=0, atol=1e-8 * np.abs(T[m]).max())


# ---------------------------------------------------------------------------
# B35/B36 against the series B26
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("bias", [Bias.FORWARD, Bias.REVERSE])
def test_b35_b36_as_printed_equal_the_series_b26(bias):
    # B35 - xi (B36) is 2 pi (I_l - target) of the series B26 truncated at
    # n = 3 with mu_1, mu_4 = mubar +- dmu/2, for any (x, y): the paper's
    # algebra, checked to rounding (1e-15 absolute at these magnitudes).
    p = params(0.7, gamma=0.6, mubar=1.3, gamma_contact=0.9)
    c = b35_coefficients(p, bias)
    a, b, cc, dd = c["v2"] / 6, c["w2"] / 6, c["v1"] / 2, c["w1"] / 2
    rng = np.random.default_rng(5)
    d = bias.sign * p.dmu
    for x, y in rng.uniform(-0.2, 0.2, size=(5, 2)):
        lhs2 = a * x**3 - b * y**3 + cc * x**2 - dd * y**2 + c["v"] * x - c["w"] * y - c["xi2"]
        lhs3 = a * y**3 - b * x**3 + cc * y**2 - dd * x**2 + c["v"] * y - c["w"] * x - c["xi3"]
        I = series_currents(c["T"], np.array([d / 2, x, y, -d / 2]), 3)
        assert lhs2 == pytest.approx(TWO_PI * (I[1] - p.Ig), abs=1e-15)
        assert lhs3 == pytest.approx(TWO_PI * (I[2] + p.Ig), abs=1e-15)


# ---------------------------------------------------------------------------
# the roots (Fig. 6)
# ---------------------------------------------------------------------------
def _newton_all(c, starts):
    """Vectorised Newton on B35 from many starts; converged real roots."""
    a, b, cc, dd = c["v2"] / 6, c["w2"] / 6, c["v1"] / 2, c["w1"] / 2
    v, w = c["v"], c["w"]
    x, y = starts[:, 0].copy(), starts[:, 1].copy()
    for _ in range(200):
        r2 = a * x**3 - b * y**3 + cc * x**2 - dd * y**2 + v * x - w * y - c["xi2"]
        r3 = a * y**3 - b * x**3 + cc * y**2 - dd * x**2 + v * y - w * x - c["xi3"]
        j11 = 3 * a * x**2 + 2 * cc * x + v
        j12 = -3 * b * y**2 - 2 * dd * y - w
        j21 = -3 * b * x**2 - 2 * dd * x - w
        j22 = 3 * a * y**2 + 2 * cc * y + v
        det = j11 * j22 - j12 * j21
        with np.errstate(all="ignore"):
            x, y = x - (j22 * r2 - j12 * r3) / det, y - (-j21 * r2 + j11 * r3) / det
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    r2 = a * x**3 - b * y**3 + cc * x**2 - dd * y**2 + v * x - w * y - c["xi2"]
    r3 = a * y**3 - b * x**3 + cc * y**2 - dd * x**2 + v * y - w * x - c["xi3"]
    good = np.maximum(abs(r2), abs(r3)) < 1e-12
    return np.column_stack([x[good], y[good]])


@pytest.mark.parametrize("ig_ratio,mubar", [(0.3, 1.0), (1.0, 1.52), (2.0, 0.5)])
def test_cubic_roots_are_all_the_real_roots(ig_ratio, mubar):
    # Every returned pair solves B35 to rounding; a 41 x 41 grid of Newton
    # starts over |dmu_l| <= 12 finds no real root missing from the list.
    p = params(ig_ratio, mubar=mubar)
    roots = cubic_roots(p)
    c = b35_coefficients(p)
    assert len(roots) % 2 == 1  # real roots of a real system come in odd number here (degree 9)
    found = _newton_all(c, np.stack(np.meshgrid(np.linspace(-12, 12, 41), np.linspace(-12, 12, 41)), -1)
                        .reshape(-1, 2))
    assert len(found) > 100
    dist = np.min(np.hypot(found[:, None, 0] - roots[None, :, 0], found[:, None, 1] - roots[None, :, 1]), axis=1)
    assert dist.max() < 1e-8, found[dist.argmax()]
    for x, y in roots:
        r = _newton_all(c, np.array([[x, y]]))
        assert len(r) == 1 and np.hypot(*(r[0] - (x, y))) < 1e-12


def test_physical_root_reduces_to_linear_response_b31():
    # Scale the drive (dmu and Ig = 0.3 dmu/2pi) by s: the cubic's physical
    # root differs from B31 by O(s^2) against O(s) for B31 itself, so the
    # relative difference halves with s (ratio 2 +- 0.3). Values at
    # mubar = 1: 3.4e-3, 1.7e-3, 8.5e-4.
    rel = []
    for s in (1.0, 0.5, 0.25):
        p = params(0.3, dmu=0.1 * s)
        x, y = physical_root(p)
        dm = b31_delta_mu(p, p.dmu)  # forward: mu_2 = mubar + dm, mu_3 = mubar - dm
        rel.append(max(abs(x - dm), abs(y + dm)) / dm)
    for a, b in zip(rel, rel[1:], strict=False):
        assert 1.7 < a / b < 2.3, rel
    # reverse bias: B31 with delta mu -> -dmu
    p = params(0.3, dmu=0.001)
    x, y = physical_root(p, Bias.REVERSE)
    dm = b31_delta_mu(p, -p.dmu)
    assert x == pytest.approx(dm, rel=1e-4) and y == pytest.approx(-dm, rel=1e-4)


@pytest.mark.parametrize("mubar", [1.0, 1.52])
def test_cubic_is_exact_to_fourth_order_in_the_drive(mubar):
    # B35 keeps the series B26 to n = 3, so its potentials differ from the
    # exact Landauer-Buttiker ones by O(s^4) (halving s divides the error by
    # ~16; ratio window 12..20), where linear response errs by O(s^2) (~4).
    # Max |mu_l - mu_l(exact)| at mubar = 1 (Ig/Io = 0.3, dmu = 0.1 s):
    # cubic 2.3e-7, 1.4e-8, 8.4e-10; linear 2.5e-4, 6.1e-5, 1.5e-5.
    err_c, err_l = [], []
    for s in (1.0, 0.5, 0.25):
        p = params(0.3, dmu=0.1 * s, mubar=mubar)
        exact = solve_nonlinear(DIMER, p, tol=1e-14)
        cub = solve_cubic(DIMER, p)
        lin = solve_linear(DIMER, p)
        err_c.append(max(np.max(np.abs(a.mu - b.mu)) for a, b in zip(cub, exact, strict=True)))
        err_l.append(max(np.max(np.abs(a.mu - b.mu)) for a, b in zip(lin, exact, strict=True)))
    for a, b in zip(err_c, err_c[1:], strict=False):
        assert 12 < a / b < 20, err_c
    for a, b in zip(err_l, err_l[1:], strict=False):
        assert 3.5 < a / b < 4.5, err_l
    assert err_c[0] < err_l[0] / 100


def test_solve_cubic_state():
    p = params(0.5, mubar=1.2)
    fwd, rev = solve_cubic(DIMER, p)
    for st, sign in ((fwd, 1), (rev, -1)):
        # the S and D conditions hold exactly in the truncated series (B35)
        assert st.I[1] == pytest.approx(p.Ig, abs=1e-15) and st.I[2] == pytest.approx(-p.Ig, abs=1e-15)
        assert abs(st.I.sum()) < 1e-16
        assert st.mu[0] == p.mubar + sign * p.dmu / 2 and st.mu[3] == p.mubar - sign * p.dmu / 2
        np.testing.assert_allclose(st.J, np.cumsum(st.I)[:-1], rtol=0, atol=1e-17)
        assert np.all(np.isnan(st.dn)) and np.all(np.isnan(st.h))
    assert fwd.mu[1] - p.mubar == pytest.approx(physical_root(p)[0], abs=1e-15)


# ---------------------------------------------------------------------------
# relative nonreciprocity (Fig. 2c)
# ---------------------------------------------------------------------------
def test_relative_nonreciprocity_linear_is_b32_b33():
    # Linear response: Delta I / I_bar = 2 delta_I / (G4 dmu) (Eqs. 18, B32,
    # B33), while the forward current keeps its sign. 1e-12 relative.
    p = params(0.3, mubar=1.52)
    G4, dI = b32_b33(p)
    assert relative_nonreciprocity(DIMER, p, "linear") == pytest.approx(2 * dI / (G4 * p.dmu), rel=1e-12)


@pytest.mark.parametrize("ig_ratio", [0.3, 1.0])
def test_fig2c_cubic_beats_linear_against_the_exact_answer(ig_ratio):
    # Fig. 2c parameters (mubar = 1.52, dmu = 0.1; gamma = 0.5 chosen).
    # Values: Ig/Io = 0.3: exact -4.8518e-3, cubic -4.8523e-3, linear
    # -4.5649e-3; Ig/Io = 1: exact -3.0245e-2, cubic -3.0391e-2, linear
    # -1.5216e-2. The cubic error is < 1/10 of the linear one.
    p = params(ig_ratio, mubar=1.52)
    ex = relative_nonreciprocity(DIMER, p, "nonlinear", tol=1e-13)
    cu = relative_nonreciprocity(DIMER, p, "cubic")
    li = relative_nonreciprocity(DIMER, p, "linear")
    assert abs(cu - ex) < abs(li - ex) / 10


def test_relative_nonreciprocity_vanishes_without_injection():
    # Ig = 0: S and D are identical zero-current probes and '.SD.' is then
    # mirror symmetric, so forward and reverse |I_1| coincide in every model.
    p = params(0.0)
    for r in ("linear", "cubic", "nonlinear"):
        assert abs(relative_nonreciprocity(DIMER, p, r)) < 1e-12


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------
def test_cubic_needs_the_one_dimer_layout():
    with pytest.raises(ParameterError, match="layout"):
        solve_cubic(Wire(".SDSD."), params())
    with pytest.raises(ParameterError, match="temperature"):
        solve_cubic(DIMER, params(temperature=0.01))
    with pytest.raises(ParameterError, match="response"):
        relative_nonreciprocity(DIMER, params(), "quartic")


def test_cubic_root_outside_the_band_is_a_parameter_error():
    # gamma = 0.2, Ig/Io = 1: the physical root puts mu_2 above the band top
    with pytest.raises(ParameterError, match="band"):
        solve_cubic(DIMER, params(1.0, gamma=0.2))


def test_no_real_root_is_a_convergence_error(monkeypatch):
    import nonrecip.deterministic.quantum.cubic as cubic

    monkeypatch.setattr(cubic, "cubic_roots", lambda p, b=Bias.FORWARD: np.empty((0, 2)))
    with pytest.raises(ConvergenceError, match="no real root"):
        cubic.physical_root(params())
