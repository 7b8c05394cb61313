"""Route choice of the nonlinear solve: window cap -> band rule, and the K x K storage refusal.

Issue 11 items 3 and 4 (conventions §4, Eq. B22): no fixed cap of Chebyshev
energies that fails as N grows, and no refusal unless a potential leaves the
band -- or, stated before any work, a K x K band rule that cannot be stored
(nonrecip.deterministic.quantum.nonlinear_routes).

The inputs below were found by a search over dimers N = 66..1000, gamma =
0.08..0.25, Ig/Io = 0.2..3, mubar = 0, 0.6 at T = 0: before this change they
raised ConvergenceError "the energy quadrature did not reach tol" (513
window energies); the explicit ``max_nodes=513`` keeps that old behaviour
and checks that they still do.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.integrate import quad_vec

from nonrecip import ConvergenceError, ParameterError, QuantumParams, Wire
from nonrecip.deterministic.quantum import nonlinear, panels
from nonrecip.deterministic.quantum.greens import bath_couplings, transmission_dense
from nonrecip.deterministic.quantum.nonlinear import solve_nonlinear
from nonrecip.hamiltonian import Hamiltonian

TWO_PI = 2 * math.pi


def params(ig_ratio, **kw):
    kw.setdefault("dmu", 0.1)
    return QuantumParams.from_ig_ratio(ig_ratio, **kw)


def dense_currents_t0(wire, p, mu):
    """Bath currents at ``T = 0`` from the dense ``T(w)`` (greens.py), independent of every solver rule.

    ``I_l = (1/2pi) sum_l' int_{mu_l'}^{mu_l} T_ll'(w) dw`` (Eq. B22 at
    ``T = 0``): the matrix ``int T dw`` between consecutive sorted
    potentials by scipy ``quad_vec`` (adaptive Gauss-Kronrod on the whole
    ``K x K`` matrix, in ``theta`` with ``w = -2 cos theta`` so that the band
    edge is smooth; absolute error 1e-14 per piece, max norm), then
    cumulative sums.
    """
    g = bath_couplings(wire, p)
    has = np.flatnonzero(g > 0)
    x = mu[has]
    br = np.unique(x)

    def integrand(th):
        w = -2.0 * math.cos(th)
        return transmission_dense(w, g)[np.ix_(has, has)] * (2.0 * math.sin(th))

    th = np.arccos(-0.5 * br)
    pieces = [quad_vec(integrand, th[i], th[i + 1], epsabs=1e-14, epsrel=1e-13, norm="max", limit=2000)[0]
              for i in range(br.size - 1)]
    C = np.concatenate([np.zeros((1, has.size, has.size)), np.cumsum(pieces, axis=0)])
    idx = np.searchsorted(br, x)
    # I_a = (1/2pi) sum_b [C(x_a) - C(x_b)]_ab with C(x) = int_{br_0}^{x} T dw
    a = np.arange(has.size)
    upper = C[idx[:, None], a[:, None], a[None, :]]
    lower = C[idx[None, :], a[:, None], a[None, :]]
    I = np.full(wire.N, np.nan)
    I[has] = (upper - lower).sum(axis=1) / TWO_PI
    return I


def check_targets(wire, p, st, I, tol):
    """``I`` (recomputed currents) equal the state's and hit the targets: S +Ig, D -Ig, P 0."""
    scale = max(p.Ig, p.Io)
    # solver: Newton residual <= tol * scale plus a quadrature error <= tol *
    # scale; the reference: 1e-14 absolute per piece (< 1e-12 * scale summed
    # over the ~70 pieces). 10 tol leaves room.
    np.testing.assert_allclose(st.I, I, rtol=0, atol=10 * tol * scale)
    t = np.where(np.isfinite(st.mu), p.Ig * wire.injection, np.nan)
    inner = np.isfinite(t)
    inner[[0, -1]] = False
    assert np.max(np.abs(I[inner] - t[inner])) <= 10 * tol * scale


# --------------------------------------------------------------------------
# item 4: the window's cap of 513 energies -> the adaptive band rule
# --------------------------------------------------------------------------
def test_window_cap_moves_to_the_band_rule():
    # dimers N = 70 (70 baths), gamma = 0.1, mubar = 0.6, Ig/Io = 0.25:
    # potentials up to the band top, where T(w) has sharp resonances (the
    # broadening gamma^2 sqrt(4 - w^2) vanishes) and no polynomial in w on
    # one window converges; the panels in theta follow them.
    wire, p = Wire.dimers(70), params(0.25, gamma=0.1, mubar=0.6)
    with pytest.raises(ConvergenceError, match="quadrature did not reach tol.*leave max_nodes unset"):
        solve_nonlinear(wire, p, max_nodes=513)  # the old default: a hard cap
    info: dict = {}
    fwd, rev = solve_nonlinear(wire, p, info=info)
    assert info["route"] == "panels" and info["window"][1] == 2.0
    assert info["iterations"][0] <= 3  # warm start: the window's iterates
    check_targets(wire, p, fwd, dense_currents_t0(wire, p, fwd.mu), 1e-10)  # ~8 s per bias: forward only
    check_targets(wire, p, rev, rev.I, 1e-10)  # the reverse on its own rule


def test_band_rule_over_storage_continues_the_window():
    # dimers N = 600, gamma = 0.15, mubar = 0, Ig/Io = 0.5: the window needs
    # 769 energies; the K x K band rule of 600 baths would store ~3e9 numbers
    # (> panels.MAX_ENTRIES), so the window goes on (nonlinear_routes.window_cap).
    # No dense oracle fits (600^3 per energy, 769 energies): the currents at
    # the solution are recomputed on a window of 1025 energies (a finer rule
    # of its own, Newton not involved) and must hit the targets.
    wire, p = Wire.dimers(600), params(0.5, gamma=0.15, mubar=0.0)
    with pytest.raises(ConvergenceError, match="quadrature"):
        solve_nonlinear(wire, p, max_nodes=513)
    info: dict = {}
    fwd, rev = solve_nonlinear(wire, p, info=info)
    assert "route" not in info and info["nodes"] > 513
    scale = max(p.Ig, p.Io)
    I = nonlinear.landauer_currents(wire, p, np.nan_to_num(fwd.mu, nan=p.mubar), tol=1e-13, max_nodes=1025)
    # landauer_currents: two grids agree to 1e-13 max|I|; the solve: 1e-10 scale
    check_targets(wire, p, fwd, I, 1e-10)
    for st in (fwd, rev):
        check_targets(wire, p, st, st.I, 1e-10)
        assert abs(np.nansum(st.I)) <= 1e-12 * scale


def test_forced_continuation_equals_dense_oracle(monkeypatch):
    # The continuation path on a wire where the dense oracle fits: the window
    # stops at 65 energies, the K x K rule is refused (storage bound lowered
    # to 1 number), the window goes on to the energies it needs. The dense
    # oracle (dense T(w), LU Newton, its own grid) solves the same problem.
    wire, p = Wire.dimers(90), params(0.3, gamma=0.1, mubar=0.0)
    ref_f, ref_r = solve_nonlinear(wire, p, method="dense")
    monkeypatch.setattr(nonlinear, "WINDOW_NODES", 65)
    monkeypatch.setattr(panels, "MAX_ENTRIES", 1)
    info: dict = {}
    fwd, rev = solve_nonlinear(wire, p, info=info)
    assert info["nodes"] > 65 and "route" not in info
    # both: residual <= 1e-10 scale, quadrature <= 1e-10 scale; potentials
    # differ by that over the conductances (>= 1e-2): 1e-8 of max|mu - mubar|
    scale = max(p.Ig, p.Io)
    for st, ref in ((fwd, ref_f), (rev, ref_r)):
        np.testing.assert_allclose(st.I, ref.I, rtol=0, atol=3e-10 * scale)
        dx = np.nanmax(np.abs(ref.mu - p.mubar))
        np.testing.assert_allclose(st.mu, ref.mu, rtol=0, atol=1e-8 * dx)


def test_explicit_max_nodes_is_a_hard_bound():
    # given, max_nodes bounds the window (its memory O(max_nodes N)); the
    # message says how to let the band rule take over
    with pytest.raises(ConvergenceError, match="leave max_nodes unset"):
        solve_nonlinear(Wire(".SDSD."), params(0.5, gamma=0.5, mubar=1.0), n_nodes=3, max_nodes=4)


def test_cases_that_worked_keep_their_bits():
    # below the cap nothing changes: the default and the explicit old default agree bit for bit
    wire, p = Wire.dimers(66), params(0.5, gamma=0.12, mubar=0.0)  # 513 energies: at the cap
    a, b = solve_nonlinear(wire, p), solve_nonlinear(wire, p, max_nodes=513)
    for s, t in zip(a, b, strict=True):
        assert np.array_equal(s.mu, t.mu, equal_nan=True) and np.array_equal(s.I, t.I, equal_nan=True)


# --------------------------------------------------------------------------
# K x K storage: refused before any work, one line naming the parameter
# --------------------------------------------------------------------------
def _no_work(*args, **kw):
    raise AssertionError("work started before the storage check")


@pytest.mark.parametrize("method,h,name", [
    ("dense", lambda n: Hamiltonian.ssh(n, 1.0, 0.6), "method"),
    ("dense", lambda n: Hamiltonian.long_range(n, 1.0, 2.0, 2), "method"),
])
def test_kxk_storage_refused_before_any_work(monkeypatch, method, h, name):
    # dimers N = 200 at T = 0.3: the Fermi tails cover the band, the K x K
    # rule of 200 baths starts from 200 cells x 33 energies x 200^2 = 2.6e8
    # numbers > 6e7. Before: panels.TooManyEntries (ConvergenceError) after
    # the linear start (0.7 s dense SSH, ~38 s range 2 under load 8). With
    # method="auto" the same wires stream (range 2: the block kernel of
    # nonlinear_block; 25 s at load 8 for the range-2 case, not run here).
    wire, p = Wire.dimers(200), params(0.3, gamma=0.5, mubar=1.0, temperature=0.3)
    monkeypatch.setattr(nonlinear, "linear_start", _no_work)
    with pytest.raises(ParameterError, match="at least 2.64e\\+08 numbers") as e:
        solve_nonlinear(wire, p, method=method, hamiltonian=h(200))
    assert e.value.name == name


def test_kxk_storage_exceeded_while_adapting_is_a_parameter_error(monkeypatch):
    # a rule that grows past the bound after the check (panels split) ends in
    # the same ParameterError (bound lowered so that the initial cells fit
    # and the splits do not)
    from nonrecip.deterministic.quantum import nonlinear_routes

    wire, p = Wire(".SDP.DS."), params(0.4, gamma=0.5, mubar=1.0, temperature=0.5)
    h = Hamiltonian.long_range(8, 1.0, 2.0, 2)
    K = int(np.count_nonzero(bath_couplings(wire, p) > 0))
    low = panels.entries_at_least(8, K, 0.5, 0.95, 1.05)  # T = 0.5: the whole band, 8 cells
    monkeypatch.setattr(panels, "MAX_ENTRIES", low)
    monkeypatch.setattr(nonlinear_routes, "MAX_ENTRIES", low)
    with pytest.raises(ParameterError, match="K x K band quadrature .* needs more than") as e:
        solve_nonlinear(wire, p, hamiltonian=h, method="dense")
    assert e.value.name == "method"
    # method="auto" has the streaming rule (block kernel, range 2) to move to: it equals the
    # dense oracle (solved with the storage bound restored) to the 1e-8 of the general-H tests
    auto = solve_nonlinear(wire, p, hamiltonian=h)
    monkeypatch.undo()
    dense = solve_nonlinear(wire, p, hamiltonian=h, method="dense")
    for sa, sd in zip(auto, dense, strict=True):
        np.testing.assert_allclose(sa.mu, sd.mu, rtol=0, atol=1e-8, equal_nan=True)


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------
def test_cli_window_cap_case_succeeds(cli):
    # before: exit 1 ("the energy quadrature did not reach tol")
    r = cli("solve", "quantum", "--layout", "dimers", "--n", "70", "--gamma", "0.1", "--mu", "0.6",
            "--ig-ratio", "0.25", "--response", "nonlinear", "--json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    for bias in ("forward", "reverse"):
        assert math.isfinite(d[bias]["I_1"]) and all(math.isfinite(j) for j in d[bias]["J"])
    assert math.isfinite(d["delta_I"])


def test_cli_kxk_storage_refusal_one_line_exit_2(cli, tmp_path):
    # before: exit 1 with the ConvergenceError of panels.TooManyEntries (the
    # T = 0 few-bath case below; at T > 0 the command line's method='auto'
    # streams instead)
    out = tmp_path / "r.json"
    layout = "." + "SD" * 31 + "." * (30_000 - 63)
    r = cli("solve", "quantum", "--layout", layout, "--gamma", "0.5", "--dmu", "0.1", "--ig-ratio", "0.3",
            "--response", "nonlinear", "--out", str(out))
    assert r.code == 2 and r.out == ""
    assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err
    assert "invalid layout=" in r.err and "K x K" in r.err
    assert not out.exists()


def test_few_baths_long_wire_kxk_storage_refused_before_any_work(monkeypatch):
    # T = 0, 64 baths at one end of a 30000-site wire: the resonance route
    # (a few baths, N (dmu + 2e-3) > 100) is the K x K band rule, whose
    # initial cells (pi / N wide over the window of the reservoir potentials)
    # need 6e2 x 33 x 64^2 > 6e7 numbers. Before: TooManyEntries
    # (ConvergenceError, exit 1) after the linear start.
    wire = Wire("." + "SD" * 31 + "." * (30_000 - 63))
    p = params(0.3, gamma=0.5, mubar=0.0)
    monkeypatch.setattr(nonlinear, "linear_start", _no_work)
    with pytest.raises(ParameterError, match="K x K band quadrature.*64\\^2") as e:
        solve_nonlinear(wire, p)
    assert e.value.name == "layout"
