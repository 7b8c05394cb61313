"""Linear response for any Hamiltonian and any temperature (conventions §4):
the fast routes against the dense oracle and against a dense solve written
here from the definitions, symmetries, limits and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nonrecip import ParameterError, QuantumParams, Wire, solve_quantum
from nonrecip.deterministic.quantum.general import _solve_chain_t0, solve_linear_general
from nonrecip.deterministic.quantum.linear import probe_targets, solve_linear_dense, solve_linear_fast
from nonrecip.hamiltonian import Hamiltonian

# fast vs dense: both keep ~1e-14 at these N (measured <= 7e-15 at T = 0 and,
# with tol=1e-14, <= 6e-15 at T > 0); 1e-12 leaves a factor > 100.
RTOL = 1e-12
FIELDS = ("mu", "J", "I", "dn", "h")


def _params(**kw):
    base = dict(gamma=0.5, mubar=1.0, dmu=0.1)
    ig_ratio = kw.pop("ig_ratio", 0.3)
    base.update(kw)
    return QuantumParams.from_ig_ratio(ig_ratio, **base)


def _rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    return float(np.nanmax(np.abs(a - b)) / np.nanmax(np.abs(b)))


def _assert_states(got, ref, rtol=RTOL, fields=FIELDS):
    for g, r in zip(got, ref, strict=True):
        assert g.I_1 == pytest.approx(r.I_1, rel=rtol, abs=0)
        assert g.I_N == pytest.approx(r.I_N, rel=rtol, abs=0)
        for f in fields:
            assert _rel(getattr(g, f), getattr(r, f)) <= rtol, f


def _random_layout(rng, n):
    inner = rng.choice(list(".SDP"), size=n - 2, p=[0.25, 0.3, 0.3, 0.15])
    return Wire("." + "".join(inner) + ".")


def _random_h(rng, n, r):
    eps = rng.uniform(-0.8, 0.8, n)
    hop = {}
    for i in range(1, n):
        hop[(i, i + 1)] = rng.uniform(0.6, 1.4) * rng.choice([-1.0, 1.0])
        for k in range(2, r + 1):
            if i + k <= n and rng.random() < 0.7:
                hop[(i, i + k)] = rng.uniform(-0.5, 0.5)
    if r > 1:
        hop[(1, 1 + r)] = 0.3   # the range is exactly r
    return Hamiltonian.from_arrays(onsite=eps, hoppings=hop)


# --------------------------------------------------------------------------
# an oracle written from the definitions (Eqs. B7, B10, B26), independent of
# the library's solvers: dense G, T, K by scipy's adaptive quadrature
# --------------------------------------------------------------------------
def _t_matrix(w, h, gammas):
    n = h.N
    root = math.sqrt(4.0 - w * w)
    sigma = 0.5 * gammas**2 * (w - 1j * root)
    G = np.linalg.inv(w * np.eye(n) - h.dense() - np.diag(sigma))
    gam = gammas**2 * root
    T = np.abs(G) ** 2 * gam[:, None] * gam[None, :]
    T = 0.5 * (T + T.T)
    np.fill_diagonal(T, 0.0)
    return T


def _oracle(wire, params, h):
    from scipy.integrate import quad_vec

    gammas, unknown, target = probe_targets(wire, params)
    T0 = params.temperature
    if T0 == 0.0:
        K = _t_matrix(params.mubar, h, gammas)
    else:
        def f(w):
            e = (w - params.mubar) / T0
            return _t_matrix(w, h, gammas) * math.exp(-abs(e)) / (T0 * (1 + math.exp(-abs(e))) ** 2)
        lo, hi = max(-2.0, params.mubar - 40 * T0), min(2.0, params.mubar + 40 * T0)
        K, _ = quad_vec(f, lo, hi, epsabs=0.0, epsrel=1e-13, points=[params.mubar], limit=2000)
    U = np.flatnonzero(unknown)
    out = []
    for s in (1, -1):
        x = np.zeros(h.N)
        x[0], x[-1] = s * params.dmu / 2, -s * params.dmu / 2
        M = np.diag(K[U].sum(axis=1)) - K[np.ix_(U, U)]
        b = 2 * math.pi * target[U] + K[U][:, [0, -1]] @ x[[0, -1]]
        x[U] = np.linalg.solve(M, b)
        I = (K * (x[:, None] - x[None, :])).sum(axis=1) / (2 * math.pi)
        out.append((x, I))
    return out, gammas, unknown, target


# --------------------------------------------------------------------------
# the fast routes against the dense oracle
# --------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("r", [1, 2, 5])
def test_random_hamiltonian_fast_equals_dense_T0(seed, r):
    rng = np.random.default_rng(100 * r + seed)
    n = int(rng.integers(8, 40))
    wire = _random_layout(rng, n)
    h = _random_h(rng, n, r)
    assert h.range == r
    p = _params(mubar=float(rng.uniform(-1.0, 1.0)), gamma=float(rng.uniform(0.2, 1.0)), ig_ratio=0.1)
    _assert_states(solve_linear_general(wire, p, h), solve_linear_general(wire, p, h, "dense"))


# seeds 0, 1: seed 2 at r = 3, T = 0.2 has a sharp resonance (a weakly coupled
# state at w = -1.86) that the per-panel node doubling resolves only with
# 1024 nodes (~20 s; panel bisection would follow it in a few levels)
@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("r", [1, 3])
@pytest.mark.parametrize("T", [0.02, 0.2])
def test_random_hamiltonian_fast_equals_dense_finite_T(seed, r, T):
    # both quadratures converged to tol = 1e-14 of max |x| (measured agreement <= 6e-15)
    rng = np.random.default_rng(1000 + 10 * r + seed)
    n = int(rng.integers(8, 18))
    wire = _random_layout(rng, n)
    h = _random_h(rng, n, r)
    p = _params(mubar=float(rng.uniform(-1.0, 1.0)), temperature=T, ig_ratio=0.1)
    _assert_states(solve_linear_general(wire, p, h, tol=1e-14),
                   solve_linear_general(wire, p, h, "dense", tol=1e-14))


@pytest.mark.parametrize("T", [0.0, 0.05, 0.4])
@pytest.mark.parametrize("r", [1, 4])
def test_against_an_oracle_from_the_definitions(T, r):
    # K by scipy's adaptive Gauss-Kronrod (epsrel 1e-13) in w, not the library's
    # panels in theta; probe system by np.linalg.solve. 1e-10: the Laplacian
    # solve without refinement and quad_vec's error control (~1e-13) x cond ~ 10^2.
    rng = np.random.default_rng(7 + r)
    n = 14
    wire = Wire(".SDP.SD.S.DPS.")
    h = _random_h(rng, n, r)
    p = _params(mubar=0.7, temperature=T)
    got = solve_linear_general(wire, p, h, tol=1e-14)
    ref, gammas, unknown, target = _oracle(wire, p, h)
    has = gammas > 0
    for st, (x, I) in zip(got, ref, strict=True):
        assert _rel(st.mu[has] - p.mubar, x[has]) <= 1e-10
        assert st.I_1 == pytest.approx(I[0], rel=1e-10)
        # the returned potentials make every bath carry its target, and the currents sum to zero
        xs = np.where(has, st.mu - p.mubar, 0.0)
        K = _oracle_K(p, h, gammas)
        Ik = (K * (xs[:, None] - xs[None, :])).sum(axis=1) / (2 * math.pi)
        np.testing.assert_allclose(Ik[unknown], target[unknown], rtol=0, atol=1e-10 * p.Ig)
        assert abs(Ik.sum()) <= 1e-14
        assert st.I_1 + st.I_N + np.nansum(st.I[1:-1]) == pytest.approx(0.0, abs=1e-16)


def _oracle_K(params, h, gammas):
    if params.temperature == 0.0:
        return _t_matrix(params.mubar, h, gammas)
    from scipy.integrate import quad_vec

    T0 = params.temperature

    def f(w):
        e = abs(w - params.mubar) / T0
        return _t_matrix(w, h, gammas) * math.exp(-e) / (T0 * (1 + math.exp(-e)) ** 2)

    lo, hi = max(-2.0, params.mubar - 40 * T0), min(2.0, params.mubar + 40 * T0)
    return quad_vec(f, lo, hi, epsabs=0.0, epsrel=1e-13, points=[params.mubar], limit=2000)[0]


# --------------------------------------------------------------------------
# the uniform wire and SSH
# --------------------------------------------------------------------------
@pytest.mark.parametrize("layout,n", [("dimers", 30), ("single", 12), (".SP.DDS.P.", None)])
def test_uniform_through_every_general_route_equals_todays_solver(layout, n):
    wire = Wire.from_spec(layout, n)
    p = _params()
    h = Hamiltonian.uniform(wire.N)
    fast = solve_linear_fast(wire, p)
    gammas, unknown, target = probe_targets(wire, p)
    _assert_states(_solve_chain_t0(wire, p, h, gammas, unknown, target), fast)   # general chain kernel
    _assert_states(solve_linear_general(wire, p, h, "dense"), solve_linear_dense(wire, p))
    _assert_states(solve_linear_general(wire, p, h, "dense"), fast)
    res = solve_quantum(wire, p, hamiltonian=h)
    assert res.delta_I == solve_quantum(wire, p).delta_I         # the fast path: same bits


def test_ssh_with_equal_hoppings_is_the_uniform_wire():
    wire = Wire.dimers(40)
    p = _params()
    h = Hamiltonian.ssh(40, 1.0, 1.0)
    np.testing.assert_array_equal(h.hopping, Hamiltonian.uniform(40).hopping)
    gammas, unknown, target = probe_targets(wire, p)
    _assert_states(_solve_chain_t0(wire, p, h, gammas, unknown, target), solve_linear_fast(wire, p))


def test_ssh_bond_pattern():
    h = Hamiltonian.ssh(7, 1.5, 0.5).dense()
    assert [-h[l - 1, l] for l in range(1, 7)] == [1.5, 0.5, 1.5, 0.5, 1.5, 0.5]


@pytest.mark.parametrize("T", [0.0, 0.1])
@pytest.mark.parametrize("make", [lambda n: Hamiltonian.ssh(n, 1.0, 0.6),
                                  lambda n: Hamiltonian.anderson(n, 1.0, 5),
                                  lambda n: Hamiltonian.long_range(n, 1.0, 1.0, 3)])
def test_reverse_is_the_mirrored_wire_forward(T, make):
    wire = Wire(".SDDPS.SD.DS.")
    h = make(wire.N)
    p = _params(temperature=T)
    rev = solve_linear_general(wire, p, h)[1]
    mfw = solve_linear_general(wire.mirrored(), p, h.mirrored())[0]
    tol = 1e-12
    assert mfw.I_1 == pytest.approx(rev.I_N, rel=tol)
    assert _rel(mfw.mu, rev.mu[::-1]) <= tol
    assert _rel(mfw.J, -rev.J[::-1]) <= tol
    assert _rel(mfw.I, rev.I[::-1]) <= tol


def test_temperature_approaches_zero_like_T_squared():
    wire = Wire.dimers(12)
    h = Hamiltonian.ssh(12, 1.0, 0.7)
    x0 = solve_linear_general(wire, _params(), h)[0]
    dev = []
    for T in (0.02, 0.01, 0.005):
        st = solve_linear_general(wire, _params(temperature=T), h, tol=1e-14)[0]
        dev.append(abs(st.I_1 - x0.I_1))
    # Sommerfeld: I_1(T) - I_1(0) = a T^2 + b T^4 + ...: halving T divides the
    # deviation by 4 (measured 4.129, 4.034), and the excess over 4 by ~4 (3.8)
    r1, r2 = dev[0] / dev[1], dev[1] / dev[2]
    assert r2 == pytest.approx(4.0, rel=0.015)
    assert 3.4 < (r1 - 4.0) / (r2 - 4.0) < 4.4


def test_large_chain_is_finite_and_conserves_current():
    n = 20000
    wire = Wire.dimers(n)
    p = _params()
    for h in (Hamiltonian.ssh(n, 1.0, 0.6), Hamiltonian.anderson(n, 1.0, 1)):
        fwd, rev = solve_linear_general(wire, p, h)
        for st in (fwd, rev):
            assert np.all(np.isfinite(st.J))
            assert st.I_1 + st.I_N + np.nansum(st.I[1:-1]) == pytest.approx(0.0, abs=1e-15)


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------
def test_errors():
    wire = Wire.dimers(10)
    with pytest.raises(ParameterError, match="as many sites"):
        solve_linear_general(wire, _params(), Hamiltonian.uniform(12))
    with pytest.raises(ParameterError, match="must be a nonrecip.hamiltonian.Hamiltonian"):
        solve_linear_general(wire, _params(), "ssh")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="uniform wire only"):
        solve_quantum(wire, _params(), response="cubic", hamiltonian=Hamiltonian.ssh(10, 1.0, 0.5))
    with pytest.raises(ParameterError, match="method"):
        solve_linear_general(wire, _params(), None, "banded")
    # the dense oracle refuses, before any work, more baths than it can solve
    # (many baths at r > 1 take the block routes, tests/test_quantum_block.py)
    with pytest.raises(ParameterError, match="at most 3000 baths"):
        solve_linear_general(Wire.dimers(6002), _params(temperature=0.1), Hamiltonian.long_range(6002, 1.0, 1.0, 2),
                             "dense")
    # a potential pushed out of the band is refused, naming the bath
    with pytest.raises(ParameterError, match="outside the band"):
        solve_quantum(wire, _params(mubar=1.9, dmu=0.5, ig_ratio=5.0), hamiltonian=Hamiltonian.ssh(10, 1.0, 0.5))
    # the record: model, parameters, range and digest
    res = solve_quantum(wire, _params(temperature=0.1), hamiltonian=Hamiltonian.ssh(10, 1.0, 0.5))
    rec = res.parameters["hamiltonian"]
    assert rec["model"] == "ssh" and rec["t1"] == 1.0 and rec["range"] == 1 and len(rec["digest"]) == 16


# --------------------------------------------------------------------------
# large N: the range-1 route against the two-stream algorithm in mpmath
# --------------------------------------------------------------------------
def _mp_stream(wire, params, h, dps=34):
    """The two-stream solve of the general chain in ``dps``-digit arithmetic:
    ``s^L_{l+1} = t_l^2 / (Z_ll - s^L_l)`` etc., every step in mpmath."""
    import mpmath

    ctx = mpmath.mp.clone()
    ctx.dps = dps
    gammas, unknown, target = probe_targets(wire, params)
    n = wire.N
    mubar = ctx.mpf(params.mubar)
    root = ctx.sqrt(4 - mubar**2)
    gam = [ctx.mpf(g) ** 2 * root for g in gammas]
    z = [mubar - ctx.mpf(e) - ctx.mpf(g) ** 2 / 2 * (mubar - 1j * root) for e, g in zip(h.onsite, gammas, strict=True)]
    t2 = [ctx.mpf(t) ** 2 for t in h.hopping[0, :n - 1]]
    sL, sR = [ctx.mpc(0)] * n, [ctx.mpc(0)] * n
    for l in range(n - 1):
        sL[l + 1] = t2[l] / (z[l] - sL[l])
    for l in range(n - 1, 0, -1):
        sR[l - 1] = t2[l - 1] / (z[l] - sR[l])
    gL = [-2 * s.imag for s in sL]
    gR = [-2 * s.imag for s in sR]
    den2 = [abs(z[l] - sL[l] - sR[l]) ** 2 for l in range(n)]
    two_pi = 2 * ctx.pi
    Kn = gL[n - 1] * gam[n - 1] / (two_pi * den2[n - 1])
    tg = [ctx.mpf(v) for v in target]
    hdm = ctx.mpf(params.dmu) / 2
    out = []
    for x1, xN in ((hdm, -hdm), (-hdm, hdm)):
        rs = ds = Q = ctx.mpf(0)
        for l in range(1, n - 1):
            if unknown[l]:
                S = gam[l] + gL[l] + gR[l]
                tau = two_pi * den2[l] / ((gL[l] + gam[l]) * S)
                rho = tau * gam[l] / gL[l]
                rs += rho
                ds += tau * tg[l] - rho * Q
                Q += tg[l]
        I1 = (x1 - xN + ds - Q / Kn) / (rs + 1 / Kn)
        x = [ctx.mpf(0)] * n
        a, Q = x1, ctx.mpf(0)
        for l in range(1, n - 1):
            if unknown[l]:
                S = gam[l] + gL[l] + gR[l]
                p = two_pi * den2[l] * (tg[l] - gam[l] / gL[l] * (I1 + Q)) / (gam[l] * S)
                x[l] = a + p
                a += p * gam[l] / (gL[l] + gam[l])
                Q += tg[l]
        out.append((float(I1), np.array([float(mubar + v) for v in x])))
    return out


@pytest.mark.parametrize("make", [lambda n: Hamiltonian.ssh(n, 1.0, 0.6),
                                  lambda n: Hamiltonian.aubry_andre(n, 0.8, (5**0.5 - 1) / 2, 0.3)])
def test_range_one_keeps_its_digits_at_large_N(make):
    # the double-double sums of the two-stream solve keep I_1 to ~1e-15 relative
    # and mu to ~1e-15 absolute at N = 4000 (measured <= 4.4e-16 / 8.9e-16; the
    # reference itself rounds its inputs eps, t, gamma from the same doubles)
    n = 4000
    wire = Wire.dimers(n)
    p = _params()
    h = make(n)
    gammas, unknown, target = probe_targets(wire, p)
    got = _solve_chain_t0(wire, p, h, gammas, unknown, target)
    for st, (I1, mu) in zip(got, _mp_stream(wire, p, h), strict=True):
        assert st.I_1 == pytest.approx(I1, rel=1e-14)
        assert np.max(np.abs(st.mu[unknown] - mu[unknown])) <= 1e-14


@pytest.mark.parametrize("T", [0.01, 0.02])
def test_nonlinear_approaches_linear_at_finite_T_as_the_drive_vanishes(T):
    # an independent code path: the Newton solve of the full Landauer-Buttiker
    # currents with Fermi functions (nonlinear.py, its own Fermi-Gauss
    # quadrature). I_1 differs from linear response by O(dmu) relative
    # (measured 5.1e-5 and 2.6e-5 at dmu = 2e-3, 1e-3): halving dmu halves it.
    from nonrecip.deterministic.quantum.nonlinear import solve_nonlinear

    wire = Wire(".SDP.SD.")
    d = []
    for dmu in (2e-3, 1e-3):
        p = QuantumParams.from_ig_ratio(0.3, gamma=0.5, mubar=0.5, dmu=dmu, temperature=T)
        lin = solve_linear_general(wire, p, Hamiltonian.uniform(wire.N), tol=1e-14)
        nl = solve_nonlinear(wire, p, tol=1e-13)
        d.append(np.array([abs(a.I_1 - b.I_1) / abs(b.I_1) for a, b in zip(lin, nl, strict=True)]))
    assert np.all(d[1] < 1e-4)
    np.testing.assert_allclose(d[0] / d[1], 2.0, rtol=0.02)
