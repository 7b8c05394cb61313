"""Accuracy and reuse of the T > 0 block route (range r > 1; conventions §4, §5).

* the per-energy structures kept (:class:`EnergyStructures`) give the same
  bits as rebuilding them at every product, whatever the memory cap;
* the heat-free forward map (``_block_apply``) equals the forward map with
  heat (``_block_kernels.block_apply_kernel``) and both equal the currents
  of the definition (Eqs. B10, B26) evaluated in extended precision
  (``numpy.longdouble``, 64-bit mantissa: an independent oracle, 2^11 times
  finer than double);
* the T > 0 block route equals the dense oracle (``method="dense"``) and a
  solve of the same discrete problem (its own quadrature rule) done
  entirely in extended precision.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nonrecip import QuantumParams, Wire
from nonrecip.deterministic.quantum.block import BlockStructure
from nonrecip.deterministic.quantum.block_thermal import EnergyStructures, solve_block_thermal, structure_bytes
from nonrecip.deterministic.quantum.general import _reservoirs, solve_linear_general
from nonrecip.deterministic.quantum.linear import probe_targets
from nonrecip.hamiltonian import Hamiltonian

EPS = np.finfo(float).eps
LD = np.longdouble
pytestmark = pytest.mark.skipif(np.finfo(LD).eps > 1e-18, reason="numpy.longdouble is not extended precision here")


def _params(T=0.1, **kw):
    base = dict(gamma=0.5, mubar=0.7, dmu=0.1, temperature=T)
    base.update(kw)
    return QuantumParams.from_ig_ratio(0.1, **base)


def _random_case(seed, n, r):
    rng = np.random.default_rng(seed)
    inner = rng.choice(list(".SDP"), size=n - 2, p=[0.1, 0.35, 0.35, 0.2])
    wire = Wire("." + "".join(inner) + ".")
    hop = {}
    for i in range(1, n):
        hop[(i, i + 1)] = rng.uniform(0.7, 1.3)
        for k in range(2, r + 1):
            if i + k <= n:
                hop[(i, i + k)] = rng.uniform(-0.4, 0.4)
    h = Hamiltonian.from_arrays(onsite=rng.uniform(-0.5, 0.5, n), hoppings=hop)
    return wire, h


def _green_ld(w, gammas, h):
    """``G = (w - H - Sigma(w))^{-1}`` in extended precision (Gauss-Jordan with partial pivoting)."""
    n = h.N
    wl = LD(w)
    g2 = np.asarray(gammas, dtype=LD) ** 2
    root = np.sqrt(LD(4) - wl * wl)
    z = -h.dense().astype(np.clongdouble)
    z[np.diag_indices(n)] += wl - g2 * (wl / 2 - 1j * root / 2)
    a = np.concatenate([z, np.eye(n, dtype=np.clongdouble)], axis=1)
    for c in range(n):
        piv = c + int(np.argmax(np.abs(a[c:, c])))
        a[[c, piv]] = a[[piv, c]]
        a[c] /= a[c, c]
        f = a[:, c].copy()
        f[c] = 0
        a -= f[:, None] * a[c][None, :]
    return a[:, n:], g2 * root


def _transmission_ld(w, gammas, h):
    """``T_ll' = Gam_l Gam_l' |G_ll'|^2`` (Eq. B10) in extended precision."""
    g, gam = _green_ld(w, gammas, h)
    return gam[:, None] * gam[None, :] * np.abs(g) ** 2


def _currents_ld(t, x):
    """``I_l = (1/2pi) sum_l' T_ll' (x_l - x_l')`` (Eq. B26 at first order) in extended precision."""
    x = np.asarray(x, dtype=LD)
    return (t.sum(axis=1) * x - t @ x) / (2 * LD(math.pi))


# --------------------------------------------------------------------------
# kept structures = rebuilt structures (same kernels on the same inputs)
# --------------------------------------------------------------------------
def test_kept_structures_give_the_same_bits_as_rebuilding():
    wire, h = _random_case(7, 90, 3)
    p = _params()
    args = (wire, p, h, *probe_targets(wire, p))
    infos: list[dict] = [{}, {}, {}]
    runs = [solve_block_thermal(*args, info=infos[0]),                              # all kept
            solve_block_thermal(*args, info=infos[1], cache_bytes=0),               # rebuilt per product
            solve_block_thermal(*args, info=infos[2], cache_bytes=5 * structure_bytes(90, 3))]  # 5 kept
    assert infos[0]["built"] < infos[2]["built"] < infos[1]["built"]
    assert infos[1]["kept_bytes"] == 0 and infos[2]["kept_bytes"] <= 5 * structure_bytes(90, 3)
    for other in runs[1:]:
        for a, b in zip(runs[0], other, strict=True):
            for f in ("mu", "I", "J", "dn", "h"):
                np.testing.assert_array_equal(getattr(a, f), getattr(b, f))   # tolerance 0: same bits


def test_structure_bytes_is_what_a_structure_holds():
    wire, h = _random_case(1, 101, 4)
    g, _, _ = probe_targets(wire, _params())
    st = EnergyStructures(g, h).get(0.3)
    held = sum(a.nbytes for a in (st.AL, st.AR, st.Gd, st.GamL, st.GamR, st.gam, st.dd))
    assert held == structure_bytes(101, 4)


# --------------------------------------------------------------------------
# the forward map against its definition in extended precision
# --------------------------------------------------------------------------
# Both forward maps sum the same terms in double; their error against the
# extended-precision definition, relative to max |I|, is measured at most
# 5.0e-15 = 22 eps (heat-free map) and 9.6e-15 = 43 eps (map with heat) over
# these nine cases (N = 120: rounding ~ eps per block passed, amplified by the
# cancellation of the through-currents at each bath). 128 eps = 2.8e-14
# leaves a factor 3 over the worst.
@pytest.mark.parametrize("r", [2, 3, 5])
@pytest.mark.parametrize("w", [-1.9, 0.3, 1.7])
def test_forward_maps_equal_the_definition_in_extended_precision(r, w):
    wire, h = _random_case(100 + r, 120, r)
    g, _, _ = probe_targets(wire, _params())
    has = g > 0
    rng = np.random.default_rng(r)
    x = np.where(has, np.linspace(0.05, -0.05, 120) + 0.01 * rng.standard_normal((2, 120)), 0.0)
    st = BlockStructure(w, g, h)
    fast = st.currents(x)
    full = st.apply(x, heat=False)[0]
    t = _transmission_ld(w, g, h)
    for b in range(2):
        ref = _currents_ld(t, x[b])
        scale = float(np.abs(ref[has]).max())
        for got in (fast[b], full[b]):
            err = float(np.abs((got[has] - ref[has]).astype(float)).max()) / scale
            assert err <= 128 * EPS, err
        np.testing.assert_array_equal(fast[b][~has], 0.0)


# --------------------------------------------------------------------------
# the T > 0 block route against the dense oracle and an extended-precision solve
# --------------------------------------------------------------------------
# Dense oracle (its own quadrature, refined on the whole K x K matrix to
# tol = 1e-14; O(n_energies N^3), hence N = 80): measured <= 2e-14 relative
# here; both quadratures are converged to ~1e-14 and each solve has a
# rounding floor ~ N eps = 2e-14 (thermal_cg), so 2e-13 leaves a factor 10.
@pytest.mark.parametrize("seed,r", [(0, 2), (1, 3)])
def test_thermal_block_equals_dense(seed, r):
    wire, h = _random_case(seed, 80, r)
    p = _params()
    got = solve_block_thermal(wire, p, h, *probe_targets(wire, p), tol=1e-14)
    ref = solve_linear_general(wire, p, h, method="dense", tol=1e-14)
    for a, b in zip(got, ref, strict=True):
        for f in ("mu", "I", "J"):
            x, y = getattr(a, f), getattr(b, f)
            assert np.nanmax(np.abs(x - y)) <= 2e-13 * np.nanmax(np.abs(y)), f


def test_thermal_block_equals_an_extended_precision_solve_of_the_same_rule():
    """The discrete problem of the route (its final quadrature rule) solved in long double.

    ``K = sum_q c_q T(w_q)`` and the grounded probe system are formed and
    solved in extended precision (Gauss-Jordan): what is left is the
    route's rounding alone (no quadrature error). ``N = 64``: an
    ``N x N`` extended-precision inverse per energy (~300 energies) costs
    seconds. The bound: 10 x the floor the route reports
    (``info["floor"]``, its error estimate from the true residual), and
    never above 1e-13.
    """
    wire, h = _random_case(3, 64, 3)
    p = _params()
    gammas, unknown, target = probe_targets(wire, p)
    info: dict = {}
    fwd, rev = solve_block_thermal(wire, p, h, gammas, unknown, target, tol=1e-14, info=info)
    ws, cs = info["rule"]
    k = sum(LD(c) * _transmission_ld(w, gammas, h) for w, c in zip(ws, cs, strict=True))
    lap = np.diag(k.sum(axis=1)) - k                  # 2 pi I = lap @ x
    has = gammas > 0
    fixed = np.flatnonzero(has & ~unknown)             # the two contacts
    u = np.flatnonzero(unknown)
    for k_bias, st in enumerate((fwd, rev)):
        x = np.zeros(wire.N, dtype=LD)
        x1 = _reservoirs(p)[k_bias]
        x[fixed] = [x1, -x1]
        rhs = 2 * LD(math.pi) * np.asarray(target[u], dtype=LD) - lap[np.ix_(u, fixed)] @ x[fixed]
        a = np.concatenate([lap[np.ix_(u, u)], rhs[:, None]], axis=1)
        for c in range(len(u)):                      # SPD: no pivoting needed
            a[c] /= a[c, c]
            f = a[:, c].copy()
            f[c] = 0
            a -= f[:, None] * a[c][None, :]
        x[u] = a[:, -1]
        ref = LD(p.mubar) + x[has]
        err = float(np.abs((st.mu[has] - ref).astype(float)).max()) / float(np.abs(x[has]).max())
        print(f"extended-precision solve: error {err:.2e}, floor estimate {info['floor']:.2e}")
        assert err <= min(10 * info["floor"], 1e-13), (err, info["floor"])


# --------------------------------------------------------------------------
# range 1, T > 0: the double-double residual and one step of refinement
# --------------------------------------------------------------------------
def _chain_currents_ld(ws, cs, gammas, h, x):
    """The two-stream forward map of ``_chain.thermal_apply_kernel`` in ``numpy.longdouble``, vectorised over energies."""
    n = h.N
    W, C = ws.astype(LD), cs.astype(LD)
    root = np.sqrt(LD(4) - W * W)
    g2 = np.asarray(gammas, dtype=LD) ** 2
    eps = h.onsite.astype(LD)
    t2 = h.hopping[0, :n - 1].astype(LD) ** 2
    has = np.asarray(gammas) > 0
    X = np.asarray(x, dtype=LD)
    nb = X.shape[0]
    reL = np.zeros((n, W.size), LD)
    gamL = np.zeros((n, W.size), LD)
    mL = np.zeros((n, nb, W.size), LD)
    m = np.zeros((nb, W.size), LD)
    for l in range(n):
        gam, rez = g2[l] * root, W * (1 - g2[l] / 2) - eps[l]
        mL[l] = m
        if has[l]:
            m = m + gam / (gamL[l] + gam) * (X[:, l, None] - m)
        if l < n - 1:
            dr, di = rez - reL[l], (gam + gamL[l]) / 2
            qq = t2[l] / (dr * dr + di * di)
            reL[l + 1], gamL[l + 1] = dr * qq, (gam + gamL[l]) * qq
    out = np.zeros((nb, n), LD)
    reR, gamR, m = np.zeros(W.size, LD), np.zeros(W.size, LD), np.zeros((nb, W.size), LD)
    for l in range(n - 1, -1, -1):
        gam, rez = g2[l] * root, W * (1 - g2[l] / 2) - eps[l]
        if has[l]:
            dr, di = rez - reL[l] - reR, (gam + gamL[l] + gamR) / 2
            pre = gam / (2 * LD(math.pi) * (dr * dr + di * di))
            cur = pre * (gamL[l] * (X[:, l, None] - mL[l]) + gamR * (X[:, l, None] - m))
            out[:, l] = (C * cur).sum(axis=1)
            m = m + gam / (gamR + gam) * (X[:, l, None] - m)
        if l > 0:
            er, ei = rez - reR, (gam + gamR) / 2
            uu = t2[l - 1] / (er * er + ei * ei)
            reR, gamR = er * uu, (gam + gamR) * uu
    return out


def test_double_double_chain_currents_equal_the_definition_in_extended_precision():
    """Measured 4e-17 of max |I| against the dense long-double definition (N = 60, 4 energies): that is
    long double's own resolution here (5e-20 absolute on currents ~1e-3, an N x N elimination; the
    double-double kernel resolves ~1e-31). Bound 2e-16 = 1 eps: what double cannot reach."""
    from nonrecip.deterministic.quantum._chain import thermal_apply_kernel
    from nonrecip.deterministic.quantum._chain_dd import thermal_currents_dd_kernel

    rng = np.random.default_rng(5)
    n = 60
    h = Hamiltonian.from_arrays(onsite=rng.uniform(-0.5, 0.5, n),
                                hoppings={(i, i + 1): rng.uniform(0.7, 1.3) for i in range(1, n)})
    wire = Wire("." + "".join(rng.choice(list("SDP."), size=n - 2)) + ".")
    g, _, _ = probe_targets(wire, _params())
    has = g > 0
    x = np.where(has, np.linspace(0.05, -0.05, n) + 0.01 * rng.standard_normal((2, n)), 0.0)
    ws, cs = np.array([-1.3, 0.2, 0.75, 1.9]), np.array([0.1, 0.4, 0.3, 0.2])
    oh, ol = np.empty_like(x), np.empty_like(x)
    thermal_currents_dd_kernel(ws, cs, g, h.onsite, np.ascontiguousarray(h.hopping[0, :n - 1]), has, x, oh, ol)
    od, dn = np.empty_like(x), np.empty_like(x)
    thermal_apply_kernel(ws, cs, g**2, h.onsite, h.hopping[0, :n - 1] ** 2, has, x, od, dn)
    for b in range(2):
        ref = sum(LD(c) * _currents_ld(_transmission_ld(w, g, h), x[b]) for w, c in zip(ws, cs, strict=True))
        scale = float(np.abs(ref[has]).max())
        got = oh[b].astype(LD) + ol[b].astype(LD)
        assert float(np.abs(got[has] - ref[has]).max()) <= 2e-16 * scale
        assert float(np.abs(od[b][has] - ref[has].astype(float)).max()) <= 64 * EPS * scale   # the double map


def test_refinement_with_the_double_double_residual_lowers_the_chain_floor():
    """N = 1000 dimers, SSH 1/0.8, T = 0.1: the CG answer's error estimate ``max |P^{-1} r| / max |x|``
    with ``r`` the residual in long double (an independent evaluation of the same discrete problem) is
    measured 1.8e-14; after one refinement step 2.5e-15, which is the resolution of the output itself
    (``x = mu - mubar`` with ``mu ~ 1`` in double: 1.1e-16 / max |x| = 2.2e-15; on the internal ``x``
    the step reaches 2e-16). Bounds: the step gains a factor 4 and lands below 4e-15."""
    from nonrecip.deterministic.quantum._kernels import solve_kernel
    from nonrecip.deterministic.quantum.general import chain_structure
    from nonrecip.deterministic.quantum.thermal_chain import solve_chain_thermal

    n = 1000
    p = QuantumParams.from_ig_ratio(0.05, gamma=0.5, mubar=1.0, dmu=0.1, temperature=0.1)
    wire = Wire.dimers(n) if hasattr(Wire, "dimers") else Wire("." + "SD" * ((n - 2) // 2) + ".")
    h = Hamiltonian.ssh(n, 1.0, 0.8)
    gammas, unknown, target = probe_targets(wire, p)
    info0: dict = {}
    info1: dict = {}
    x0 = np.array([s.mu - p.mubar for s in solve_chain_thermal(wire, p, h, gammas, unknown, target, info=info0)])
    x1 = np.array([s.mu - p.mubar for s in solve_chain_thermal(wire, p, h, gammas, unknown, target,
                                                                info=info1, refine=1)])
    assert info0["energies"] == info1["energies"] and info1["refine"]
    has = gammas > 0
    st0 = chain_structure(p.mubar, gammas, h)

    def estimate(x, ws, cs):
        x = np.where(has[None], np.nan_to_num(x), 0.0)
        r = np.where(unknown[None], (target[None].astype(LD) - _chain_currents_ld(ws, cs, gammas, h, x)).astype(float),
                     0.0)
        worst = 0.0
        for b in range(2):
            z = np.zeros((1, n))
            solve_kernel(st0.gam, st0.gamL, st0.gamR, st0.den2, unknown, r[b], np.zeros(1), np.zeros(1),
                         np.empty(1), z, np.empty((1, n - 1)))
            worst = max(worst, float(np.abs(z[0][unknown]).max() / np.abs(x[b]).max()))
        return worst

    # the rule the route used (both runs choose the same: the refinement comes after it)
    from nonrecip.deterministic.quantum import thermal_cg
    seen = {}
    orig = thermal_cg.solve_thermal_cg

    def spy(*a, **k):
        out = orig(*a, **k)
        seen["rule"] = out[1], out[2]
        return out

    thermal_cg.solve_thermal_cg = spy
    try:
        solve_chain_thermal(wire, p, h, gammas, unknown, target)
    finally:
        thermal_cg.solve_thermal_cg = orig
    ws, cs = seen["rule"]
    e0, e1 = estimate(x0, ws, cs), estimate(x1, ws, cs)
    print(f"error estimate with a long-double residual: CG {e0:.2e}, refined {e1:.2e}; route's own {info1['refine']}")
    assert e1 <= 4e-15 and e1 <= 0.25 * e0


def test_route_equals_the_old_per_product_route():
    """Against the route as it was (frozen in benchmarks/_baseline_block_thermal.py: structures rebuilt
    per product, the forward map with heat, the old CG loop). The two stop CG at different points
    below the same floor, so they agree to the tolerance, not bit for bit: measured 3e-15 here (dn)
    (N = 90, tol = 1e-14; 4e-14 and 7e-14 at N = 2000, tol = 1e-13 in the benchmark); bound 1e-13."""
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "_baseline_block_thermal.py"
    spec = importlib.util.spec_from_file_location("_baseline_block_thermal", path)
    assert spec is not None and spec.loader is not None
    old = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(old)
    wire, h = _random_case(11, 90, 2)
    p = _params()
    args = (wire, p, h, *probe_targets(wire, p))
    new_states = solve_block_thermal(*args, tol=1e-14)
    old_states = old.solve_block_thermal_old(*args, tol=1e-14)
    for a, b in zip(new_states, old_states, strict=True):
        for f in ("mu", "I", "J", "dn", "h"):
            x, y = getattr(a, f), getattr(b, f)
            err = np.nanmax(np.abs(x - y)) / np.nanmax(np.abs(y))
            assert err <= 1e-13, f
