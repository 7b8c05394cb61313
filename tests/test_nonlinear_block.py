"""Nonlinear Landauer-Buttiker solve (Eq. B22) for hopping range ``r > 1`` with many baths (issue 11).

The matrix-free block route (:mod:`nonrecip.deterministic.quantum.nonlinear_block`:
the block forward map of the linear-response solve at every energy, Newton-GMRES
preconditioned by the block sweep at ``mubar``) serves ``r > 1`` beyond
``MAX_BATHS_KXK`` baths; at small ``N`` the tests force it by setting that
limit to 0 and check against the oracle ``method="dense"`` (dense
``G = [w - H - Sigma(w)]^{-1}`` at every energy, ``T_ll'`` among the baths,
Newton by LU on the exact Jacobian: no block recursion, no GMRES). Which route
ran is asserted by counting the calls of the block kernel and by ``info``.

Tolerances (as tests/test_quantum_nonlinear_hamiltonian.py): both solves stop
with every bath current within ``tol * max(Ig, Io)`` (``tol = 1e-10``) of its
target, on quadratures that agree to the same bound, so the potentials agree to
``~1e-10 / conductance``; we assert ``1e-8`` on ``mu`` (units of the hopping)
and ``1e-8 max(Ig, Io)`` on ``I``, ``h``, ``dn``. Measured here: <= 5e-12.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from nonrecip import QuantumParams, Wire
from nonrecip.cli import main
from nonrecip.deterministic.quantum import nonlinear_block as nb
from nonrecip.deterministic.quantum import nonlinear_hamiltonian as nh
from nonrecip.deterministic.quantum.general import solve_linear_general
from nonrecip.deterministic.quantum.nonlinear import landauer_currents, solve_nonlinear
from nonrecip.hamiltonian import Hamiltonian

TOL_MU = 1e-8
TOL_I = 1e-8


def _params(mubar=0.5, dmu=0.2, temperature=0.0, ig_ratio=0.3):
    return QuantumParams.from_ig_ratio(ig_ratio, gamma=0.5, mubar=mubar, dmu=dmu, temperature=temperature)


def _random_h(n: int, r: int, seed: int) -> Hamiltonian:
    """A random real symmetric banded ``H`` of range ``r`` (hoppings of both signs, long range)."""
    rng = np.random.default_rng(seed)
    a = 0.5 * rng.normal(size=(n, n))
    a = 0.5 * (a + a.T)
    i, j = np.indices((n, n))
    a[np.abs(i - j) > r] = 0.0
    a[np.abs(i - j) == 1] += 0.8          # keep the chain connected
    a[np.abs(i - j) == r] += 0.3          # and the outermost diagonal present: range exactly r
    return Hamiltonian.from_matrix(a)


@pytest.fixture
def block_calls(monkeypatch):
    """Count the calls of the block kernel (the route that ran)."""
    calls = {"n": 0}
    orig = nb.BlockEngine.run

    def run(self, *a, **k):
        calls["n"] += 1
        return orig(self, *a, **k)

    monkeypatch.setattr(nb.BlockEngine, "run", run)
    return calls


def _assert_same(a, b, p):
    scale = max(p.Ig, p.dmu / (2 * math.pi))
    for s, t in zip(a, b, strict=True):
        np.testing.assert_array_equal(np.isnan(s.mu), np.isnan(t.mu))
        np.testing.assert_allclose(s.mu, t.mu, rtol=0, atol=TOL_MU)
        assert abs(s.I_1 - t.I_1) <= TOL_I * scale
        assert abs(s.I_N - t.I_N) <= TOL_I * scale
        np.testing.assert_allclose(s.I, t.I, rtol=0, atol=TOL_I * scale)
        np.testing.assert_allclose(s.h, t.h, rtol=0, atol=TOL_I * scale)
        np.testing.assert_allclose(s.dn, t.dn, rtol=0, atol=TOL_I)
        assert np.all(np.isfinite(s.J))


CASES = [
    # (id, layout, n, range, seed, params, route)
    ("dimers-r2-cold", "dimers", 30, 2, 1, _params(), "window"),
    ("random-r3-cold", ".SDP.DS..P.SD.", None, 3, 2, _params(mubar=-0.4), "window"),
    ("dimers-r4-cold", "dimers", 26, 4, 3, _params(mubar=1.0, dmu=0.1), "window"),
    ("dimers-r2-warm", "dimers", 30, 2, 4, _params(mubar=0.3, dmu=0.05, temperature=0.01), "window"),
    ("dimers-r3-warm", "dimers", 30, 3, 4, _params(mubar=-0.3, dmu=0.05, temperature=0.01), "window"),
    ("dimers-r2-hot", "dimers", 40, 2, 5, _params(temperature=0.3), "stream"),
    ("dimers-r3-hot", "dimers", 36, 3, 6, _params(temperature=0.1), "stream"),
    ("dimers-r4-hot", "dimers", 34, 4, 7, _params(mubar=-1.0, dmu=0.1, temperature=0.2), "stream"),
]


@pytest.mark.parametrize("name,layout,n,r,seed,p,route", CASES, ids=[c[0] for c in CASES])
def test_block_route_equals_dense_oracle(monkeypatch, block_calls, name, layout, n, r, seed, p, route):
    monkeypatch.setattr(nh, "MAX_BATHS_KXK", 0)        # every r > 1 wire takes the block route
    wire = Wire(layout) if n is None else Wire.from_spec(layout, n)
    H = _random_h(wire.N, r, seed)
    assert H.range == r
    info: dict = {}
    fast = solve_nonlinear(wire, p, hamiltonian=H, info=info)
    assert block_calls["n"] > 0
    assert info.get("route", "window") == route
    calls = block_calls["n"]
    dense = solve_nonlinear(wire, p, hamiltonian=H, method="dense")
    assert block_calls["n"] == calls                   # the oracle never touches the block kernel
    _assert_same(fast, dense, p)
    # and the drive is beyond linear response: the potentials differ from the linear ones
    lin = solve_linear_general(wire, p, H)
    assert np.nanmax(np.abs(lin[0].mu - fast[0].mu)) > 1e-5


@pytest.mark.parametrize("temperature", [0.0, 0.3])
def test_landauer_currents_block_equals_kxk(monkeypatch, block_calls, temperature):
    # the currents at given potentials: block kernel (limit 0) vs K x K banded transmissions
    wire = Wire.from_spec("dimers", 40)
    H = _random_h(40, 3, 8)
    p = _params(temperature=temperature)
    has = ~np.isnan(solve_linear_general(wire, p, H)[0].mu)
    mu = np.where(has, 0.5 + 0.1 * np.random.default_rng(3).uniform(-1, 1, 40), 0.5)
    ref = landauer_currents(wire, p, mu, hamiltonian=H)
    assert block_calls["n"] == 0
    monkeypatch.setattr(nh, "MAX_BATHS_KXK", 0)
    got = landauer_currents(wire, p, mu, hamiltonian=H)
    assert block_calls["n"] > 0
    # both refine to 1e-12 of the largest current (window) or to the band rule's bound
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-10 * float(np.nanmax(np.abs(ref))))


def test_many_baths_equals_kxk_route(monkeypatch, block_calls):
    # dimers N = 600, r = 2: 600 baths, beyond MAX_BATHS_KXK = 256 -> the block route by
    # default (refused before); the K x K route (limit lifted) is an independent solve
    wire = Wire.from_spec("dimers", 600)
    H = Hamiltonian.long_range(600, 1.0, 2.0, 2)
    p = _params(mubar=1.0, dmu=0.1)
    assert nh.MAX_BATHS_KXK == 256
    fast = solve_nonlinear(wire, p, hamiltonian=H)
    assert block_calls["n"] > 0
    calls = block_calls["n"]
    monkeypatch.setattr(nh, "MAX_BATHS_KXK", 10**6)
    kxk = solve_nonlinear(wire, p, hamiltonian=H)
    assert block_calls["n"] == calls
    _assert_same(fast, kxk, p)


def test_many_baths_nonlinear_tends_to_linear(block_calls):
    # dimers N = 600, r = 2 (600 baths, the block route): the deviation of the
    # nonlinear potentials from linear response (Eq. B26 to first order,
    # the block linear solve) relative to the drive is O(drive): halving dmu
    # and Ig halves it (ratio 2 within 10%)
    wire = Wire.from_spec("dimers", 600)
    H = Hamiltonian.long_range(600, 1.0, 2.0, 2)
    devs = []
    for s in (1.0, 0.5, 0.25):
        p = _params(mubar=1.0, dmu=0.1 * s)
        nl = solve_nonlinear(wire, p, hamiltonian=H)
        li = solve_linear_general(wire, p, H)
        devs.append(max(float(np.nanmax(np.abs(a.mu - b.mu))) for a, b in zip(nl, li, strict=True)) / p.dmu)
    assert block_calls["n"] > 0
    assert 0 < devs[0] < 0.1
    for a, b in zip(devs[:-1], devs[1:], strict=True):
        assert 1.8 < a / b < 2.2, devs


def test_cli_many_baths_range_2(capsys):
    # 2000 baths at range 2: refused before (at most 256), now served by the block route
    code = main(["solve", "quantum", "--response", "nonlinear", "--model", "long-range", "--hopping-range", "2",
                 "--layout", "dimers", "--n", "2000", "--json"])
    cap = capsys.readouterr()
    assert code == 0, cap.err
    got = json.loads(cap.out)
    assert got["parameters"]["hamiltonian"]["range"] == 2
    for bias in ("forward", "reverse"):
        rec = got[bias]
        assert math.isfinite(rec["I_1"]) and math.isfinite(rec["I_N"])
        mu = np.array([np.nan if v is None else v for v in rec["mu"]], dtype=float)
        assert np.count_nonzero(np.isfinite(mu)) == 2000       # every site of 'dimers' has a bath
    assert math.isfinite(got["delta_I"])


def test_structure_cache_keeps_the_bits(monkeypatch):
    # the per-energy block structures kept within STRUCTURE_BUDGET are the ones the
    # kernel recomputes without them: the same bits with the budget 0 (pure streaming)
    # and with a budget that keeps only some of a rule's energies
    monkeypatch.setattr(nh, "MAX_BATHS_KXK", 0)
    wire = Wire.from_spec("dimers", 30)
    H = _random_h(30, 2, 9)
    p = _params(temperature=0.3)
    runs = []
    for budget in (nb.STRUCTURE_BUDGET, 0, 50 * 80 * 30 * 2):
        monkeypatch.setattr(nb, "STRUCTURE_BUDGET", budget)
        info: dict = {}
        runs.append(solve_nonlinear(wire, p, hamiltonian=H, info=info))
        assert info["route"] == "stream"
    for other in runs[1:]:
        for s, t in zip(runs[0], other, strict=True):
            for f in ("mu", "I", "h", "dn", "J"):
                np.testing.assert_array_equal(getattr(s, f), getattr(t, f))
