"""Full nonlinear Landauer-Buttiker solve (Eq. B22) for any wire Hamiltonian (conventions §4).

Issue 11, item 2. Every route of :func:`solve_nonlinear` with ``hamiltonian=H``
(Chebyshev window with the ``O(N)`` chain kernel for range 1 or the ``K x K``
banded transmissions for range > 1; the ``K x K`` band rule; the streaming band
rule for range 1) is checked against the oracle ``method="dense"``, which
takes ``T_ll'(w)`` from the dense ``G = [w - H - Sigma(w)]^{-1}`` at every
energy (an independent linear algebra path: no continued fractions, no banded
LU). Tolerances: both solves stop with every bath current within
``tol * max(Ig, Io)`` (``tol = 1e-10``) of its target and quadratures that
agree to the same bound, so the potentials agree to ``~1e-10 / conductance``;
we assert ``1e-8`` on ``mu`` (units of the hopping) and ``1e-8 max(Ig, Io)``
on ``I_1``, ``h`` and ``dn`` (measured: below 1e-11 in every case here).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from nonrecip import QuantumParams, Wire, solve_quantum
from nonrecip.cli import main
from nonrecip.deterministic.quantum.general import solve_linear_general
from nonrecip.deterministic.quantum.nonlinear import solve_nonlinear
from nonrecip.hamiltonian import Hamiltonian
from nonrecip.wire import ParameterError

TOL_MU = 1e-8
TOL_I = 1e-8


def _params(mubar=1.0, dmu=0.1, temperature=0.0, ig_ratio=0.3):
    return QuantumParams.from_ig_ratio(ig_ratio, gamma=0.5, mubar=mubar, dmu=dmu, temperature=temperature)


def _random_h(n: int, r: int, seed: int) -> Hamiltonian:
    """A random real symmetric banded ``H`` of range ``r`` (hoppings of both signs)."""
    rng = np.random.default_rng(seed)
    a = 0.5 * rng.normal(size=(n, n))
    a = 0.5 * (a + a.T)
    i, j = np.indices((n, n))
    a[np.abs(i - j) > r] = 0.0
    a[np.abs(i - j) == 1] += 0.8          # keep the chain connected
    return Hamiltonian.from_matrix(a)


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
    # (id, layout, n, H(n), params, expected route)
    ("ssh-window", "dimers", 40, lambda n: Hamiltonian.ssh(n, 1.0, 0.6), _params(), "window"),
    ("anderson-window", "dimers", 30, lambda n: Hamiltonian.anderson(n, 1.0, 3), _params(), "window"),
    ("aubry-andre", "dimers", 24, lambda n: Hamiltonian.aubry_andre(n, 0.5, 0.3, 0.2), _params(), "window"),
    ("longrange-r2", "dimers", 30, lambda n: Hamiltonian.long_range(n, 1.0, 2.0, 2), _params(), "window"),
    ("longrange-r3", "dimers", 24, lambda n: Hamiltonian.long_range(n, 1.0, 1.5, 3), _params(), "window"),
    ("random-r2", ".SDP.DS..", None, lambda n: _random_h(n, 2, 1), _params(mubar=0.5, dmu=0.2), None),
    ("random-r3-hot", ".SDP.DS..", None, lambda n: _random_h(n, 3, 2), _params(mubar=0.5, dmu=0.2,
                                                                                 temperature=0.2), "panels"),
    ("ssh-hot-stream", "dimers", 40, lambda n: Hamiltonian.ssh(n, 1.0, 0.6), _params(temperature=0.3), "stream"),
    ("longrange-hot-kxk", "dimers", 24, lambda n: Hamiltonian.long_range(n, 1.0, 2.0, 2),
     _params(temperature=0.3), "panels"),
    ("ssh-warm-window", "dimers", 30, lambda n: Hamiltonian.ssh(n, 1.0, 0.8), _params(temperature=0.02), "window"),
    ("anderson-single-panels", "single", 120, lambda n: Hamiltonian.anderson(n, 0.3, 5), _params(dmu=1.0), "panels"),
]


def _wire(layout, n):
    return Wire(layout) if n is None else Wire.from_spec(layout, n)


@pytest.mark.parametrize("name,layout,n,h,p,route", CASES, ids=[c[0] for c in CASES])
def test_equals_dense_oracle(name, layout, n, h, p, route):
    wire = _wire(layout, n)
    H = h(wire.N)
    info: dict = {}
    fast = solve_nonlinear(wire, p, hamiltonian=H, info=info)
    if route is not None:
        assert info.get("route", "window") == route
    dense = solve_nonlinear(wire, p, hamiltonian=H, method="dense")
    _assert_same(fast, dense, p)
    # and the currents do depend on H: not the uniform wire's answer
    uni = solve_nonlinear(wire, p)
    assert np.nanmax(np.abs(uni[0].mu - fast[0].mu)) > 1e-4


@pytest.mark.parametrize("temperature", [0.0, 0.3])
def test_uniform_hamiltonian_through_the_general_routes(temperature):
    # SSH with t1 = t2 = 1 is the paper's wire: passed explicitly, it goes through
    # the general operators (chain structure / H's eps, t in the stream kernel)
    # and must give the uniform solver's answer
    wire = Wire.from_spec("dimers", 40)
    p = _params(temperature=temperature)
    H = Hamiltonian.ssh(40, 1.0, 1.0)
    assert H.is_uniform
    _assert_same(solve_nonlinear(wire, p, hamiltonian=H), solve_nonlinear(wire, p), p)
    # the dense K x K oracle with a general H too
    _assert_same(solve_nonlinear(wire, p, hamiltonian=H, method="dense"), solve_nonlinear(wire, p), p)


@pytest.mark.parametrize("h", [lambda n: Hamiltonian.ssh(n, 1.0, 0.6), lambda n: Hamiltonian.long_range(n, 1.0, 2.0, 2)],
                         ids=["ssh", "longrange-r2"])
@pytest.mark.parametrize("temperature", [0.0, 0.1])
def test_linear_limit(h, temperature):
    # the nonlinear potentials approach the linear-response ones (Eq. B26 to
    # first order) as dmu and Ig -> 0 together; the deviation relative to
    # the drive is O(drive): halving the drive halves it (ratio 2 within 10%)
    wire = Wire.from_spec("dimers", 30)
    H = h(30)
    devs = []
    for s in (1.0, 0.5, 0.25):
        p = _params(dmu=0.1 * s, temperature=temperature)
        nl = solve_nonlinear(wire, p, hamiltonian=H)
        li = solve_linear_general(wire, p, H)
        devs.append(max(float(np.nanmax(np.abs(a.mu - b.mu))) for a, b in zip(nl, li, strict=True)) / p.dmu)
    assert devs[0] < 0.1
    for a, b in zip(devs[:-1], devs[1:], strict=True):
        assert 1.8 < a / b < 2.2, devs


def test_solve_quantum_nonlinear_general_and_uniform_bits():
    wire = Wire.from_spec("dimers", 20)
    p = _params()
    H = Hamiltonian.ssh(20, 1.0, 0.6)
    res = solve_quantum(wire, p, response="nonlinear", hamiltonian=H)
    ref = solve_nonlinear(wire, p, hamiltonian=H)
    np.testing.assert_array_equal(res.forward.mu, ref[0].mu)
    # a uniform Hamiltonian keeps the uniform solver's bits
    a = solve_quantum(wire, p, response="nonlinear", hamiltonian=Hamiltonian.uniform(20))
    b = solve_quantum(wire, p, response="nonlinear")
    np.testing.assert_array_equal(a.forward.mu, b.forward.mu)
    assert a.delta_I == b.delta_I


def test_refusals():
    # (range r > 1 with more than 256 baths is no longer refused: tests/test_nonlinear_block.py)
    with pytest.raises(ParameterError, match="uniform wire only"):
        solve_quantum(Wire.from_spec("dimers", 10), _params(), response="cubic",
                      hamiltonian=Hamiltonian.ssh(10, 1.0, 0.5))
    with pytest.raises(ParameterError, match="as many sites"):
        solve_nonlinear(Wire.from_spec("dimers", 10), _params(), hamiltonian=Hamiltonian.ssh(12, 1.0, 0.5))


def _run(capsys, *args):
    code = main(list(args))
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_cli_nonlinear_ssh(capsys):
    code, out, err = _run(capsys, "solve", "quantum", "--layout", "dimers", "--n", "40", "--model", "ssh",
                          "--t1", "1", "--t2", "0.6", "--response", "nonlinear", "--json")
    assert code == 0, err
    got = json.loads(out)
    ref = solve_nonlinear(Wire.from_spec("dimers", 40), QuantumParams.from_options(),
                          hamiltonian=Hamiltonian.ssh(40, 1.0, 0.6))
    assert got["parameters"]["response"] == "nonlinear" and got["parameters"]["hamiltonian"]["model"] == "ssh"
    assert got["forward"]["I_1"] == ref[0].I_1


@pytest.mark.parametrize("args,words", [
    (("--layout", "dimers", "--n", "20", "--model", "ssh", "--t2", "0.5", "--response", "cubic"),
     ["uniform wire only"]),
])
def test_cli_refusals_one_line_exit_2(capsys, tmp_path, args, words):
    out_file = tmp_path / "r.json"
    code, out, err = _run(capsys, "solve", "quantum", *args, "--out", str(out_file))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for w in words:
        assert w in err, (w, err)
    assert not out_file.exists()


@pytest.mark.parametrize("h", [lambda n: Hamiltonian.ssh(n, 1.0, 0.6), lambda n: _random_h(n, 3, 4)],
                         ids=["ssh", "random-r3"])
@pytest.mark.parametrize("temperature", [0.0, 0.3])
def test_landauer_currents_equal_adaptive_quadrature(h, temperature):
    # the currents at given potentials (Eq. B22) against scipy's adaptive quad of
    # the dense T_ll'(w) = Gam_l Gam_l' |G_ll'|^2 of H (no Chebyshev grid, no
    # panels, no banded LU); T = 0.3 takes the band rule (tails reach the edge).
    # quad's error bound 1e-13 per integral; we assert 1e-10 of the largest current
    from scipy.integrate import quad
    from scipy.special import expit

    from nonrecip.deterministic.quantum.general import bath_transmission
    from nonrecip.deterministic.quantum.greens import bath_couplings
    from nonrecip.deterministic.quantum.nonlinear import landauer_currents

    wire = Wire(".SD.PS.D.")
    H = h(wire.N)
    p = _params(temperature=temperature)
    g = bath_couplings(wire, p)
    sites = np.flatnonzero(g > 0)
    rng = np.random.default_rng(7)
    mu = np.full(wire.N, np.nan)
    mu[sites] = 1.0 + 0.2 * rng.uniform(-1, 1, sites.size)
    got = landauer_currents(wire, p, np.nan_to_num(mu, nan=1.0), hamiltonian=H)

    def f(w, m):
        return 1.0 * (w < m) if temperature == 0.0 else expit(-(w - m) / temperature)

    ref = np.zeros(sites.size)
    for a in range(sites.size):
        for b in range(sites.size):
            if a == b:
                continue
            ma, mb = mu[sites[a]], mu[sites[b]]

            def integrand(w, a=a, b=b, ma=ma, mb=mb):
                return bath_transmission(w, g, H, sites, "dense")[a, b] * (f(w, ma) - f(w, mb))

            if temperature == 0.0:
                val = quad(lambda w, a=a, b=b: bath_transmission(w, g, H, sites, "dense")[a, b],
                           mb, ma, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
            else:
                val = quad(integrand, -2.0 + 1e-12, 2.0 - 1e-12, points=sorted((ma, mb)),
                           epsabs=1e-13, epsrel=1e-12, limit=400)[0]
            ref[a] += val / (2 * math.pi)
    scale = float(np.max(np.abs(ref)))
    np.testing.assert_allclose(got[sites], ref, rtol=0, atol=1e-10 * scale)
    assert np.all(np.isnan(np.delete(got, sites)))


def test_design_search_nonlinear_general_h():
    # the layout search accepts response='nonlinear' with a general H; its best
    # candidate's delta_I is that of solving the layout directly (same solver:
    # equal to rounding), and it differs from the uniform wire's search
    from nonrecip.design.search import design

    p = _params()
    H = Hamiltonian.ssh(10, 1.0, 0.6)
    res = design("quantum", 10, 2, p, response="nonlinear", hamiltonian=H, method="exhaustive")
    best = res.best[0]
    direct = solve_quantum(Wire(best.layout), p, response="nonlinear", hamiltonian=H)
    assert best.delta_I == pytest.approx(direct.delta_I, rel=1e-12, abs=0)
    uni = design("quantum", 10, 2, p, response="nonlinear", method="exhaustive")
    assert abs(uni.best[0].delta_I - best.delta_I) > 1e-4 * abs(best.delta_I)
    with pytest.raises(ParameterError, match="uniform wire only"):
        design("quantum", 10, 2, p, response="cubic", hamiltonian=H)
