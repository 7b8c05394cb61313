"""The resistive circuit (conventions §3) and its relation to the classical model.

``circuit_state`` (O(N): KCL fixes the segment currents up to I_in, KVL fixes
I_in) is checked against ``solve_nodal`` (dense nodal analysis) and against
Kirchhoff's laws and energy conservation directly. Then the p -> 0 limit of
the classical master equation is compared with the circuit (Sec. II: Eq. 6
at p -> 0 is Fig. 1a with e v_F drho / 3 = V/R).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nonrecip import CircuitParams, ClassicalParams, ParameterError, Wire
from nonrecip.canonical import wires as canonical_wires
from nonrecip.deterministic.circuit import circuit_state, solve_circuit, solve_nodal
from nonrecip.deterministic.classical import move_probability, steady_state
from nonrecip.paper import equations as eq

EPS = np.finfo(float).eps
# circuit_state: cumulative sums of N terms of size O(V/R + N Ig): ~N eps of
# that scale; observed a few ulps. O(1) values here.
TOL = 1e-12


def tol_nodal(N: int) -> float:
    """Dense nodal solve: the wire's Laplacian has cond ~ N^2; 4 N^2 eps."""
    return max(TOL, 4.0 * N * N * EPS)


def scale(*a) -> float:
    return max(1.0, *(float(np.max(np.abs(x))) for x in a))


RNG = np.random.default_rng(7)
LAYOUTS = [w.layout for w in canonical_wires().values()] + [
    "." + "".join(RNG.choice(list(".SDP"), n - 2)) + "." for n in (4, 5, 9, 16, 31, 64) for _ in range(2)
]


def check_kirchhoff(w: Wire, params: CircuitParams, bias: str, s) -> None:
    N = w.N
    r = params.R / (N - 1)
    v1, vn = (params.V, 0.0) if bias == "forward" else (0.0, params.V)
    sc = scale(s.J, s.V)
    assert s.V[0] == pytest.approx(v1, abs=TOL * sc) and s.V[-1] == pytest.approx(vn, abs=TOL * sc)
    # KCL at every inner node: what flows out minus in is what the source adds
    np.testing.assert_allclose(np.diff(s.J), params.Ig * w.injection[1:-1], rtol=0, atol=TOL * sc)
    # Ohm on every segment (KVL): V(l) - V(l+1) = r J(l)
    np.testing.assert_allclose(s.V[:-1] - s.V[1:], r * s.J, rtol=0, atol=TOL * sc)
    assert s.I_in == s.J[0] and s.I_out == s.J[-1]
    assert s.I_out - s.I_in == pytest.approx(params.Ig * (w.n_sources - w.n_drains), abs=TOL * sc)
    # Joule heat and energy conservation: heat = power of terminals + sources
    np.testing.assert_allclose(s.heat, r * s.J ** 2, rtol=1e-14, atol=0)
    power = v1 * s.I_in - vn * s.I_out + np.sum(s.V * params.Ig * w.injection)
    assert np.sum(s.heat) == pytest.approx(power, abs=TOL * sc * sc * N)
    # heat_bulk: the average around each bulk node (Eq. D4), averaged over nodes 2..N-1
    assert s.heat_bulk == pytest.approx(np.mean([(s.heat[l - 1] + s.heat[l]) / 2 for l in range(1, N - 1)]),
                                        rel=1e-13, abs=1e-300)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_circuit_matches_nodal_and_kirchhoff(layout):
    w = Wire(layout)
    for V, R, Ig in [(1.0, 1.0, 0.3), (0.2, 4.0, 1.5), (0.0, 1.0, 0.5), (3.0, 0.1, 0.0)]:
        params = CircuitParams(V=V, R=R, Ig=Ig)
        for bias in ("forward", "reverse"):
            a, d = circuit_state(w, params, bias), solve_nodal(w, params, bias)
            t = tol_nodal(w.N) * scale(a.J, a.V)
            np.testing.assert_allclose(a.J, d.J, rtol=0, atol=t)
            np.testing.assert_allclose(a.V, d.V, rtol=0, atol=t)
            np.testing.assert_allclose(a.heat, d.heat, rtol=0, atol=t * scale(a.J) * R)
            check_kirchhoff(w, params, bias, a)
            if w.N <= 16:
                check_kirchhoff(w, params, bias, d)


@settings(deadline=None, max_examples=40)
@given(layout=st.text(alphabet=".SDP", min_size=2, max_size=60).map(lambda s: "." + s + "."),
       V=st.floats(0, 5), R=st.floats(0.05, 10), Ig=st.floats(0, 3))
def test_property_circuit(layout, V, R, Ig):
    w = Wire(layout)
    params = CircuitParams(V=V, R=R, Ig=Ig)
    res = solve_circuit(w, params)
    for bias in ("forward", "reverse"):
        a = res.state(bias)
        check_kirchhoff(w, params, bias, a)
        d = solve_nodal(w, params, bias)
        np.testing.assert_allclose(a.J, d.J, rtol=0, atol=tol_nodal(w.N) * scale(a.J, a.V / R))
    # reverse bias = mirrored wire under forward bias
    mir = circuit_state(w.mirrored(), params, "forward")
    np.testing.assert_allclose(res.reverse.J, -mir.J[::-1], rtol=0, atol=TOL * scale(mir.J))
    np.testing.assert_allclose(res.reverse.V, mir.V[::-1], rtol=0, atol=TOL * scale(mir.V))
    if w.is_balanced and w.is_parity_symmetric:
        assert res.delta_I == pytest.approx(0.0, abs=TOL * scale(res.forward.J))


def test_solve_circuit_rejects_wrong_types():
    with pytest.raises(ParameterError, match="wire"):
        solve_circuit(".SD.", CircuitParams())
    with pytest.raises(ParameterError, match="params"):
        solve_circuit(Wire(".SD."), ClassicalParams(p=0.5))


# --------------------------------------------------------------------------
# classical p -> 0 versus the circuit
# --------------------------------------------------------------------------
# the classical currents are rational in p and analytic at p = 0: the gap to
# the circuit is C p with C <~ N (drho + N Ig) (observed C ~ 0.2 for .SD.);
# at p = 1e-9 and N <= 40 a bound of 1e-6 is ample, and a 100x smaller p must
# shrink the gap ~100x (first order).
P0 = 1e-9
TOL_P0 = 1e-6


def classical_vs_uniform_circuit(layout, p, Ig=0.3, drho=0.7, bias="forward"):
    """Gap between the classical model at p and the circuit with
    R = N - 1 (one unit per segment) and V = drho, i.e. V/R = e v_F drho/(N-1)."""
    w = Wire(layout)
    cl = steady_state(w, ClassicalParams(p=p, Ig=Ig, drho=drho, rho0=0.4), bias)
    ci = circuit_state(w, CircuitParams(V=drho, R=w.N - 1, Ig=Ig), bias)
    m = move_probability(w, p)
    inner = slice(1, w.N - 1)
    # node potential <-> flux m rho minus the background, on every inner site
    dv = max(np.max(np.abs(m * cl.rho_plus - 0.4 - ci.V)[inner]), np.max(np.abs(m * cl.rho_minus - 0.4 - ci.V)[inner]))
    return np.max(np.abs(cl.J - ci.J)), dv


def test_eq6_at_p0_is_fig1a():
    # Sec. II: I_in of Eq. 6 at p -> 0 is the circuit's V/R - Ig/3 with e v_F drho / 3 = V/R
    Ig, drho = 0.3, 0.7
    assert eq.eq6_current(0.0, Ig, drho) == pytest.approx(eq.fig1_current("a", drho / 3, 1.0, Ig), abs=1e-15)
    assert eq.eq6_current(0.0, Ig, drho, "reverse") == pytest.approx(
        eq.fig1_current("a", drho / 3, 1.0, Ig, "reverse"), abs=1e-15)
    dJ, dV = classical_vs_uniform_circuit(".SD.", P0)
    assert dJ < TOL_P0 and dV < TOL_P0


@pytest.mark.parametrize("N", [4, 6, 12, 40])
def test_dimers_at_p0_are_the_circuit_of_app_d(N):
    # Eq. 8 at p -> 0 is D1 with V/R = e v_F drho / (N - 1)
    Ig, drho = 0.3, 0.7
    assert eq.eq8_current(N, 0.0, Ig, drho) == pytest.approx(eq.d1_current(N, drho, N - 1.0, Ig), abs=1e-15)
    for bias in ("forward", "reverse"):
        dJ, dV = classical_vs_uniform_circuit(Wire.dimers(N).layout, P0, bias=bias)
        assert dJ < TOL_P0 and dV < TOL_P0
    gaps = [classical_vs_uniform_circuit(Wire.dimers(N).layout, p)[0] for p in (1e-6, 1e-8)]
    assert gaps[0] / gaps[1] == pytest.approx(100, rel=0.05)   # first order in p


@pytest.mark.parametrize("layout", [".SPDDSPS.", ".PPSDDPSP.", ".SSDSS.", ".DPD.", ".SPPD."])
def test_any_layout_without_free_inner_sites_is_the_uniform_circuit_at_p0(layout):
    # generalisation: every inner site a scatterer (S, D or P; balanced or not)
    # -> at p -> 0 each segment is one unit of resistance and the classical
    # wire is the paper's uniform circuit with V/R = e v_F drho / (N - 1)
    assert "." not in Wire(layout).layout[1:-1]
    for bias in ("forward", "reverse"):
        dJ, dV = classical_vs_uniform_circuit(layout, P0, bias=bias)
        assert dJ < TOL_P0 and dV < TOL_P0


def test_free_inner_sites_break_the_uniform_identification():
    # a free site carries no resistance in the master equation: for 'single'
    # the classical current (C23) does not depend on N, the circuit's does
    dJ, _ = classical_vs_uniform_circuit(".S..D.", P0)
    assert dJ > 0.1
    assert eq.c23_current(0.0, 0.3, 0.7) != pytest.approx(circuit_state(
        Wire(".S..D."), CircuitParams(V=0.7, R=5.0, Ig=0.3)).I_in, abs=0.01)


def network_currents(w: Wire, p: float, Ig: float, drho: float, bias: str) -> np.ndarray:
    """Nodal analysis of a resistor network (independent of both solvers).

    Nodes: left reservoir, sites 1..N, right reservoir. Resistance 1/2 at each
    contact and w(l) = 1 - m(l) per site, split half to each side:
    r(l, l+1) = (w(l) + w(l+1))/2. Reservoirs held at drho and 0 (forward).
    """
    N = w.N
    wl = 1.0 - move_probability(w, p)
    r = np.concatenate([[0.5 + wl[0] / 2], (wl[:-1] + wl[1:]) / 2, [wl[-1] / 2 + 0.5]])   # N + 1 bonds
    g = 1.0 / r
    n = N + 2
    G = np.zeros((n, n))
    b = np.zeros(n)
    for k in range(N + 1):
        G[k, k] += g[k]
        G[k + 1, k + 1] += g[k]
        G[k, k + 1] -= g[k]
        G[k + 1, k] -= g[k]
    b[1:-1] = Ig * w.injection
    vl, vr = (drho, 0.0) if bias == "forward" else (0.0, drho)
    for node, v in ((0, vl), (n - 1, vr)):
        G[node, :] = 0.0
        G[node, node] = 1.0
        b[node] = v
    phi = np.linalg.solve(G, b)
    return g[1:-1] * (phi[1:-2] - phi[2:-1])       # bonds l -> l+1, l = 1..N-1


@pytest.mark.parametrize("layout", [".S.D.", ".SD.", ".S.P.D.S.D.", ".SPDDSPS.", ".D.S.S.P.", ".P.P."])
@pytest.mark.parametrize("p", [P0, 0.3, 0.8, 0.999])  # p = 1: zero resistances
def test_classical_is_a_resistor_network_at_any_p(layout, p):
    # what generalises, exactly: at every p the classical currents are those of
    # a resistor network with 1/2 per contact and 1 - p per scatterer site,
    # split half to each side (free sites: no resistance). At p -> 0 with every
    # inner site a scatterer that is the paper's uniform wire. (Layouts here
    # have no two neighbouring free sites, so no resistance is zero.)
    w = Wire(layout)
    assert ".." not in layout
    for bias in ("forward", "reverse"):
        cl = steady_state(w, ClassicalParams(p=p, Ig=0.3, drho=0.7), bias)
        np.testing.assert_allclose(cl.J, network_currents(w, p, 0.3, 0.7, bias), rtol=0, atol=1e-12)
