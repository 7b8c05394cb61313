"""Beyond linear response: the full Landauer-Buttiker currents (Eq. B22)
solved self-consistently (nonrecip.deterministic.quantum.nonlinear).

Every reference here is computed independently of the solver's Chebyshev
quadrature: adaptive Gauss-Kronrod (scipy.integrate.quad) of the dense
transmissions of greens.py between the potentials, mpmath for the Fermi
moments, the linear-response solver of linear.py, and the mirrored layout.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from nonrecip import ConvergenceError, ParameterError, QuantumParams, Wire
from nonrecip.deterministic.quantum.greens import (
    bath_couplings,
    broadening,
    green_dense,
    hamiltonian_dense,
    self_energy,
    transmission_dense,
)
from nonrecip.deterministic.quantum.linear import solve_linear
from nonrecip.deterministic.quantum.nonlinear import (
    EnergyGrid,
    fermi_gauss_rule,
    landauer_currents,
    solve_nonlinear,
)

TWO_PI = 2 * math.pi


def params(ig_ratio=0.3, **kw):
    kw.setdefault("gamma", 0.5)
    kw.setdefault("mubar", 1.0)
    kw.setdefault("dmu", 0.1)
    return QuantumParams.from_ig_ratio(ig_ratio, **kw)


def targets(wire, p):
    t = p.Ig * wire.injection
    has = bath_couplings(wire, p) > 0
    return np.where(has, t, np.nan)


# ---------------------------------------------------------------------------
# independent references
# ---------------------------------------------------------------------------
def quad_currents(wire, p, mu):
    """I_l, dn_l, h_l at T = 0 by adaptive quadrature (scipy quad, Gauss-Kronrod)
    of the dense T(w) between the potentials (Eqs. B22, B50, B52)."""
    g = bath_couplings(wire, p)
    has = np.flatnonzero(g > 0)
    N = wire.N
    I, dn, h = np.zeros(N), np.zeros(N), np.zeros(N)
    kw = dict(epsabs=1e-16, epsrel=1e-13, limit=200)
    for l in has:
        for k in has:
            if k == l:
                continue
            Tlk = lambda w, l=l, k=k: transmission_dense(w, g)[l, k]  # noqa: E731
            I[l] += quad(Tlk, mu[k], mu[l], **kw)[0]
            h[l] += quad(lambda w, l=l, Tlk=Tlk: (w - mu[l]) * Tlk(w), mu[l], mu[k], **kw)[0]
            dn[l] += quad(lambda w, l=l, Tlk=Tlk: Tlk(w) / broadening(w, g[l]), mu[l], mu[k], **kw)[0]
    nan = np.full(N, np.nan)
    nan[has] = 0.0
    return I / TWO_PI + nan, dn / TWO_PI + nan, h / TWO_PI + nan


def panel_currents(wire, p, mu, T=0.0, pts=20):
    """I_l, dn_l, h_l by composite Gauss-Legendre in w of the full integrand
    T_ll'(w)[f_l - f_l'] (T > 0: panels of width 2T over the potentials
    +- 45 T; T = 0: panels split at every potential, so each step function
    is integrated exactly). Returns the values with ``pts`` and ``pts + 8``
    points per panel, whose difference bounds the error."""
    g = bath_couplings(wire, p)
    has = np.flatnonzero(g > 0)
    m = mu[has]
    if T > 0:
        edges = np.linspace(m.min() - 45 * T, m.max() + 45 * T, int(np.ceil((np.ptp(m) + 90 * T) / (2 * T))) + 1)
    else:
        edges = np.unique(np.concatenate([m, [m.min(), m.max()]]))
    out = []
    N = wire.N
    H = hamiltonian_dense(N)
    for q in (pts, pts + 8):
        x, wx = np.polynomial.legendre.leggauss(q)
        hw = np.diff(edges)[:, None] / 2
        ws = (edges[:-1, None] + hw * (x[None, :] + 1)).ravel()
        wq = (hw * wx[None, :]).ravel()
        # all energies at once: G(w) = [w - H - Sigma(w)]^-1, T = |G|^2 Gam Gam
        Z = ws[:, None, None] * np.eye(N) - H - np.einsum("kl,lm->klm", self_energy(ws[:, None], g), np.eye(N))
        gam = broadening(ws[:, None], g)[:, has]
        Tm = np.abs(np.linalg.inv(Z)[:, has][:, :, has]) ** 2 * gam[:, :, None] * gam[:, None, :]
        Tm[:, np.arange(has.size), np.arange(has.size)] = 0.0
        f = (0.5 * (1 - np.tanh(0.5 * (ws[:, None] - m[None, :]) / T)) if T > 0
             else (ws[:, None] < m[None, :]).astype(float))
        df = f[:, :, None] - f[:, None, :]
        I, dn, h = (np.full(N, np.nan) for _ in range(3))
        I[has] = np.einsum("k,kab,kab->a", wq, Tm, df)
        h[has] = -np.einsum("k,ka,kab,kab->a", wq, ws[:, None] - m[None, :], Tm, df)
        dn[has] = -np.einsum("k,kab,kab->a", wq, Tm / gam[:, :, None], df)
        out.append((I / TWO_PI, dn / TWO_PI, h / TWO_PI))
    return out


# ---------------------------------------------------------------------------
# the quadrature building blocks
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("K", [5, 9, 17])
def test_fermi_gauss_rules_reproduce_moments(K):
    # The rules integrate z^m against the Fermi weights truncated at
    # z = 40 (where they are < 4e-18), exactly up to m = 2K - 1. Reference:
    # adaptive Gauss-Kronrod (scipy quad, ~1e-14 relative; tolerance 1e-12). The untruncated
    # moments (1 - 2^-m) m! zeta(m+1) (mpmath) agree for low m (the tail is
    # ~40^m e^-40).
    mpmath = pytest.importorskip("mpmath")
    z, w = fermi_gauss_rule("f", K)
    zd, wd = fermi_gauss_rule("df", K)
    assert z.max() < 40 and zd.max() < 40 and np.all(w > 0) and np.all(wd > 0)
    kw = dict(points=[5, 10, 20, 30], epsabs=1e-300, epsrel=1e-13, limit=200)
    for m in range(2 * K):
        ref = quad(lambda t, m=m: t**m / (math.exp(t) + 1), 0, 40, **kw)[0]
        assert (w * z**m).sum() == pytest.approx(ref, rel=1e-12)
        ref = quad(lambda t, m=m: t**m / (4 * math.cosh(t / 2) ** 2), 0, 40, **kw)[0]
        assert (wd * zd**m).sum() == pytest.approx(ref, rel=1e-12)
    for m in range(4):
        full = float((1 - mpmath.mpf(2) ** -m) * mpmath.factorial(m) * mpmath.zeta(m + 1)) if m else math.log(2)
        assert (w * z**m).sum() == pytest.approx(full, rel=1e-14)


@pytest.mark.parametrize("T", [0.0, 0.004])
def test_energy_grid_integrates_its_polynomials(T):
    # For a polynomial p of degree < n the grid weights are exact:
    # sum_j p(w_j) [A_j(mu1) - A_j(mu2)] = int p(w) [f(w; mu1) - f(w; mu2)] dw.
    # Reference by scipy quad (T = 0: between the potentials); 1e-13 relative.
    g = EnergyGrid(0.8, 1.25, 13, T, 1.0)
    p = np.polynomial.Polynomial([0.3, -1.0, 2.0, 0.5, -3.0, 1.0, 0.7, -0.2])  # degree 7 < 13
    mu1, mu2 = 1.13, 0.91
    A, dA = g.weights(np.array([mu1, mu2])), g.dweights(np.array([mu1, mu2]))
    got = p(g.w) @ (A[:, 0] - A[:, 1])
    if T == 0:
        ref = quad(p, mu2, mu1, epsabs=1e-17, epsrel=1e-13)[0]
    else:
        f = lambda w, m: 0.5 * (1 - math.tanh(0.5 * (w - m) / T))  # noqa: E731
        ref = quad(lambda w: p(w) * (f(w, mu1) - f(w, mu2)), 0.8, 1.25, points=[mu2, mu1],
                   epsabs=1e-17, epsrel=1e-13, limit=200)[0]
    assert got == pytest.approx(ref, rel=1e-13)
    # dA_j is the derivative of A_j: compare with a central difference
    # (error O(h^2 p''') ~ 1e-10 with h = 1e-5; tolerance 1e-8)
    h = 1e-5
    Ap = g.weights(np.array([mu1 + h]))
    Am = g.weights(np.array([mu1 - h]))
    assert p(g.w) @ dA[:, 0] == pytest.approx(p(g.w) @ (Ap[:, 0] - Am[:, 0]) / (2 * h), rel=1e-8)


# ---------------------------------------------------------------------------
# the solution against independent quadrature (N = 4..8)
# ---------------------------------------------------------------------------
SMALL = [
    (".SD.", dict()),
    (".SDSD.", dict(mubar=1.52, gamma_contact=0.8)),
    (".SP.D..", dict(mubar=-0.6, gamma=0.7)),            # odd N, a probe, free sites
    (".DSPS.D.", dict(mubar=0.3, gamma=0.4, gamma_contact=1.3)),
]


@pytest.mark.parametrize("layout,kw", SMALL)
def test_T0_solution_against_adaptive_quadrature(layout, kw):
    wire = Wire(layout)
    p = params(0.5, **kw)
    tol = 1e-12
    fwd, rev = solve_nonlinear(wire, p, tol=tol)
    for st in (fwd, rev):
        if layout == ".SD.":  # adaptive Gauss-Kronrod, fully independent (slow)
            I, dn, h = quad_currents(wire, p, st.mu)
        else:  # Gauss-Legendre panels split at every potential (exact steps)
            (I, dn, h), (I2, _, _) = panel_currents(wire, p, st.mu)
            assert np.nanmax(np.abs(I - I2)) < 1e-14 * p.Io
        # the solver's quadrature is refined until two Chebyshev grids agree
        # to tol * max(Ig, Io); the references are good to ~1e-16 absolute.
        # 10 * tol * scale leaves room for the estimate being an estimate.
        scale = max(p.Ig, p.Io)
        np.testing.assert_allclose(st.I, I, rtol=0, atol=10 * tol * scale)
        # dn and h use the same grid with other weights; dn ~ I/Gamma
        np.testing.assert_allclose(st.dn, dn, rtol=0, atol=1e-10 * scale)
        np.testing.assert_allclose(st.h, h, rtol=0, atol=1e-10 * scale * p.dmu)
        # targets hit to the Newton tolerance; currents conserved to rounding
        t = targets(wire, p)
        inner = np.isfinite(t)
        inner[[0, -1]] = False
        assert np.max(np.abs(st.I[inner] - t[inner])) <= tol * scale
        assert abs(np.nansum(st.I)) <= 1e-14 * scale * wire.N
        assert st.I_1 == st.I[0] and st.I_N == st.I[-1]
        assert np.all(np.isnan(st.mu[np.isnan(t)]))


def test_bond_currents_by_continuity_equal_eq_b19():
    # J_l = (1/2pi) sum_l' int F_ll'(w) [f_l - f_l'] dw with
    # F_ll' = i[G-_l'l G+_l+1,l' - G-_l'l+1 G+_ll'] Gamma_l' (Eq. B19), and
    # sum_l' F_ll' = 0, so J_l = -(1/2pi) sum_l' int_{mubar}^{mu_l'} F_ll' dw.
    # Independent of the bath currents; quad to 1e-13, tolerance 1e-11 * scale.
    wire = Wire(".SDP.DS.")
    p = params(0.7, gamma=0.6, mubar=0.8, gamma_contact=0.9)
    fwd, _ = solve_nonlinear(wire, p, tol=1e-13)
    g = bath_couplings(wire, p)
    has = np.flatnonzero(g > 0)

    def F(w, l, k):
        G = green_dense(w, g)
        return -2.0 * np.imag(np.conj(G[l, k]) * G[l + 1, k]) * broadening(w, g[k])

    J = np.zeros(wire.N - 1)
    for l in range(wire.N - 1):
        for k in has:
            J[l] -= quad(lambda w, l=l, k=k: F(w, l, k), p.mubar, fwd.mu[k], epsabs=1e-16, epsrel=1e-13)[0] / TWO_PI
    np.testing.assert_allclose(fwd.J, J, rtol=0, atol=1e-11 * max(p.Ig, p.Io))
    assert fwd.J[0] == fwd.I_1 and fwd.J[-1] == pytest.approx(-fwd.I_N, abs=1e-15)


@pytest.mark.parametrize("T", [0.004, 0.01])
def test_finite_temperature_against_direct_quadrature(T):
    # Fermi functions at T > 0: reference = composite Gauss-Legendre in w of
    # the whole integrand over the potentials +- 45 T (tails < 1e-19),
    # panels of width 2T (the Fermi poles lie pi T off the axis: 20 points
    # per panel converge to rounding; the 20- and 28-point values agree to
    # 1e-14 * Io, asserted). Tolerance 10 * tol * scale.
    wire = Wire(".SDSD.")
    p = params(0.4, mubar=1.2, temperature=T)
    tol = 1e-11
    fwd, rev = solve_nonlinear(wire, p, tol=tol)
    for st in (fwd, rev):
        (I, dn, h), (I2, _, _) = panel_currents(wire, p, st.mu, T)
        assert np.nanmax(np.abs(I - I2)) < 1e-14 * p.Io
        np.testing.assert_allclose(st.I, I, rtol=0, atol=10 * tol * max(p.Ig, p.Io))
        np.testing.assert_allclose(st.dn, dn, rtol=0, atol=1e-10 * max(p.Ig, p.Io))
        np.testing.assert_allclose(st.h, h, rtol=0, atol=1e-10 * max(p.Ig, p.Io) * p.dmu)


def test_small_temperature_approaches_T0_like_T_squared():
    # Sommerfeld: the smearing changes every current by O(T^2 T''); so the
    # potentials move by O(T^2). Halving T must divide the change by ~4.
    wire = Wire(".SDSD.")
    mu0 = solve_nonlinear(wire, params(0.3), tol=1e-13)[0].mu
    d = []
    for T in (0.004, 0.002, 0.001):
        mu = solve_nonlinear(wire, params(0.3, temperature=T), tol=1e-13)[0].mu
        d.append(np.nanmax(np.abs(mu - mu0)))
    assert d[0] > 1e-7  # the effect is resolved, not rounding
    for a, b in zip(d, d[1:], strict=False):
        assert 3.5 < a / b < 4.5, d


# ---------------------------------------------------------------------------
# limits and symmetries
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("layout", [".SD.", ".SDSDSDSD.", ".SP..DSD.P."])
def test_nonlinear_tends_to_linear_response(layout):
    # Scale the whole drive (dmu and Ig = 0.3 dmu/2pi together) by s. The
    # nonlinear corrections to mu - mubar are O(s^2) against O(s) for the
    # linear part, so their relative difference falls like s: halving s
    # halves it (ratio 2 +- 0.3 at these drives; e.g. .SD.: 3.4e-3, 1.7e-3,
    # 8.5e-4).
    wire = Wire(layout)
    rel = []
    for s in (1.0, 0.5, 0.25):
        p = params(0.3, dmu=0.1 * s, mubar=1.1)
        nl = solve_nonlinear(wire, p, tol=1e-13)[0]
        li = solve_linear(wire, p)[0]
        x_nl, x_li = nl.mu - p.mubar, li.mu - p.mubar
        rel.append(np.nanmax(np.abs(x_nl - x_li)) / np.nanmax(np.abs(x_li)))
        assert abs(nl.I_1 - li.I_1) / abs(li.I_1) < 2 * rel[-1] + 1e-12
    for a, b in zip(rel, rel[1:], strict=False):
        assert 1.7 < a / b < 2.3, rel


@pytest.mark.parametrize("layout", [".SDDSP.D.", ".SPD..S.DD."])
def test_reverse_bias_equals_mirrored_layout(layout):
    # conventions §1: reverse swaps the two reservoirs; seen from the other end that
    # is the forward bias of the mirrored layout. Same solver, different
    # problem: agreement to the Newton/quadrature tolerance.
    wire = Wire(layout)
    p = params(0.6, gamma=0.45, mubar=1.3, gamma_contact=0.85)
    _, rev = solve_nonlinear(wire, p, tol=1e-13)
    fm, _ = solve_nonlinear(wire.mirrored(), p, tol=1e-13)
    np.testing.assert_allclose(rev.mu, fm.mu[::-1], rtol=0, atol=1e-13)
    np.testing.assert_allclose(rev.I, fm.I[::-1], rtol=0, atol=1e-13 * p.Io * 10)
    np.testing.assert_allclose(rev.J, -fm.J[::-1], rtol=0, atol=1e-13 * p.Io * 10)


@pytest.mark.parametrize("layout,n", [("dimers", 60), (".SPD.S..DP" * 4 + "S.D.", None)])
def test_fast_path_equals_dense_path(layout, n):
    # Same equations, two evaluations of T(w_j): the O(N) two-stream kernel
    # with GMRES vs dense inverses with a dense Jacobian. Both converge to
    # tol = 1e-12 (residual and quadrature); potentials agree to ~1e-13.
    wire = Wire.from_spec(layout, n)
    p = params(0.4, gamma=0.55, mubar=1.25)
    fast = solve_nonlinear(wire, p, tol=1e-12, method="fast")
    dense = solve_nonlinear(wire, p, tol=1e-12, method="dense")
    for a, b in zip(fast, dense, strict=True):
        np.testing.assert_allclose(a.mu, b.mu, rtol=0, atol=1e-11)
        np.testing.assert_allclose(a.I, b.I, rtol=0, atol=1e-11 * p.Io)
        np.testing.assert_allclose(a.h, b.h, rtol=0, atol=1e-11 * p.Io * p.dmu)


def test_long_wire_targets_and_conservation():
    # N = 2000 dimers (the fast path): every S/D hits +-Ig, currents sum to
    # zero, J is continuous, and the answer is close to linear response
    # (relative change in I_1 below 1 % at this drive).
    wire = Wire.dimers(2000)
    p = params(0.3)
    info = {}
    fwd, rev = solve_nonlinear(wire, p, info=info)
    assert info["iterations"][0] <= 6 and info["quadrature_error"] <= 1e-10 * max(p.Ig, p.Io)
    li = solve_linear(wire, p)
    for st, lin in zip((fwd, rev), li, strict=True):
        t = targets(wire, p)
        assert np.max(np.abs(st.I[1:-1] - t[1:-1])) <= 1e-10 * max(p.Ig, p.Io)
        assert abs(st.I.sum()) <= 1e-12 * p.Io
        assert abs(st.I_1 - lin.I_1) / abs(lin.I_1) < 1e-2


def test_landauer_currents_public_helper():
    # The current map itself at arbitrary potentials against quad.
    wire = Wire(".SP.D.")
    p = params(0.0, mubar=0.5, gamma=0.8)
    mu = np.array([0.56, 0.51, 0.47, np.nan, 0.53, 0.44])
    I = landauer_currents(wire, p, mu, tol=1e-13)
    ref, _, _ = quad_currents(wire, p, mu)
    np.testing.assert_allclose(I, ref, rtol=0, atol=1e-15)


# ---------------------------------------------------------------------------
# errors: never a silent wrong number
# ---------------------------------------------------------------------------
def test_convergence_error_reports_the_residual():
    with pytest.raises(ConvergenceError, match=r"did not converge in 0 Newton iterations: residual .*e-0"):
        solve_nonlinear(Wire(".SDSD."), params(0.5), max_iter=0)
    with pytest.raises(ConvergenceError, match="residual"):
        solve_nonlinear(Wire(".SDSD."), params(0.5), max_iter=1, tol=1e-14)
    with pytest.raises(ConvergenceError, match="quadrature"):
        solve_nonlinear(Wire(".SDSD."), params(0.5), n_nodes=3, max_nodes=4)


def test_potentials_outside_the_band_are_a_parameter_error():
    # gamma = 0.2, Ig/Io = 1: the source would need mu_2 above the band top
    # (linear response gives 2.25); no self-consistent solution exists.
    with pytest.raises(ParameterError, match=r"invalid Ig=.*band"):
        solve_nonlinear(Wire(".SD."), params(1.0, gamma=0.2))
    with pytest.raises(ParameterError, match=r"invalid Ig=.*band"):
        solve_nonlinear(Wire.dimers(20), params(30.0))


@pytest.mark.parametrize("bad", [dict(method="magic"), dict(tol=0.0), dict(max_iter=-1), dict(n_nodes=2)])
def test_bad_arguments(bad):
    with pytest.raises(ParameterError):
        solve_nonlinear(Wire(".SD."), params(0.3), **bad)


def test_temperature_tails_reaching_the_band_edge_are_solved():
    # formerly refused (tails within 40 T of the band edge, issue 11); now the
    # currents at the solved potentials, recomputed by scipy quad over the
    # band (-2, 2), hit the targets to 10 tol (see the general test module)
    from test_quantum_nonlinear_general import check_against_quad

    check_against_quad(Wire(".SD."), params(0.3, mubar=1.8, temperature=0.01), 1e-10)
