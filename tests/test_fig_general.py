"""Gallery figures of general wires (ssh, disorder, long-range, temperature): every sampled
plotted number is an independent solver call, with the Hamiltonian typed here from its
definition (not the named constructor) and, where cheap, the dense oracle."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nonrecip import QuantumParams, Wire, solve_quantum
from nonrecip.hamiltonian import Hamiltonian


def _make(name, tmp_path_factory):
    from nonrecip.cli import main

    out = tmp_path_factory.mktemp(name)
    assert main(["figure", name, "--out", str(out), "--quick"]) == 0
    assert (out / f"fig_{name}.png").stat().st_size > 10_000
    return pd.read_csv(out / f"fig_{name}.csv")


def _p(r):
    return QuantumParams(gamma=r.gamma, mubar=r.mubar, dmu=r.dmu, Ig=r.Ig, temperature=r.temperature)


def _dense_delta(r, h):
    # the O(N^3) oracle (dense G at every energy): independent of the chain/banded routes.
    # 1e-10: oracle vs fast route agree to ~1e-14 (tests/test_quantum_general.py); room for T > 0 quadrature
    return solve_quantum(Wire(r.layout), _p(r), hamiltonian=h, method="dense").delta_I


def test_ssh(tmp_path_factory):
    df = _make("ssh", tmp_path_factory)
    for r in df.sample(4, random_state=0).itertuples():
        n = int(r.N)
        hop = {(l, l + 1): (r.t1 if l % 2 == 1 else r.t2) for l in range(1, n)}  # bond (l, l+1): t1 for odd l
        h = Hamiltonian.from_arrays(hoppings=hop, n=n)
        assert r.delta_I == pytest.approx(_dense_delta(r, h), rel=1e-10)
        assert r.delta_I_over_Ig == pytest.approx(r.delta_I / r.Ig, rel=1e-15)
    # t2 = t1 is the uniform wire: the curve passes through today's solver there
    u = df[np.isclose(df["t2"], 1.0)]
    for r in u.itertuples():
        assert r.delta_I == pytest.approx(solve_quantum(Wire(r.layout), _p(r)).delta_I, rel=1e-12)


def test_disorder(tmp_path_factory):
    df = _make("disorder", tmp_path_factory)
    real = df[df["series"] == "realisation"]
    for r in real.sample(3, random_state=1).itertuples():
        n = int(r.N)
        eps = np.random.default_rng(int(r.seed)).uniform(-r.W / 2, r.W / 2, n)
        assert r.delta_I == pytest.approx(_dense_delta(r, Hamiltonian.from_arrays(onsite=eps)), rel=1e-10)
    ens = df[df["series"] == "ensemble"]
    for e in ens.itertuples():
        v = real[real["W"] == e.W]["delta_I_over_Ig"].to_numpy()
        assert e.n == len(v)
        assert e.delta_I_over_Ig_mean == pytest.approx(v.mean(), rel=1e-12)
        assert e.delta_I_over_Ig_typical == pytest.approx(math.exp(np.log(np.abs(v)).mean()), rel=1e-12)
        assert e.xi == (math.inf if e.W == 0 else pytest.approx(24 * (4 - e.mubar**2) / e.W**2, rel=1e-15))


def test_long_range(tmp_path_factory):
    df = _make("long-range", tmp_path_factory)
    for r in df.sample(4, random_state=2).itertuples():
        n, rng = int(r.N), int(r.r)
        hop = {(l, l + k): k ** (-r.alpha) for k in range(1, rng + 1) for l in range(1, n - k + 1)}
        h = Hamiltonian.from_arrays(hoppings=hop, n=n)
        assert r.delta_I == pytest.approx(_dense_delta(r, h), rel=1e-10)


def test_temperature(tmp_path_factory):
    df = _make("temperature", tmp_path_factory)
    for r in df[df["temperature"] > 0].sample(3, random_state=3).itertuples():
        n = int(r.N)
        if r.series.startswith("uniform"):
            h = Hamiltonian.from_arrays(n=n)
        elif r.series.startswith("SSH"):
            h = Hamiltonian.from_arrays(hoppings={(l, l + 1): (1.0 if l % 2 else 0.6) for l in range(1, n)}, n=n)
        else:
            h = Hamiltonian.from_arrays(onsite=np.random.default_rng(0).uniform(-0.5, 0.5, n))
        # dense oracle with its own quadrature rule; both converge to ~1e-13 of max|x|
        assert r.delta_I == pytest.approx(_dense_delta(r, h), rel=1e-9)
    # T = 0 points are the T = 0 solver
    for r in df[df["temperature"] == 0].itertuples():
        if r.series.startswith("uniform"):
            assert r.delta_I == solve_quantum(Wire(r.layout), _p(r)).delta_I
