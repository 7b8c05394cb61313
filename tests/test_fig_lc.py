"""`nonrecip figure lc`: classical and quantum delta_I/Ig on N/l_c are what
the solvers and the Monte Carlo return; they approach each other as N/l_c grows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nonrecip import ClassicalParams, QuantumParams, Wire, solve_classical
from nonrecip.deterministic.quantum import solve_quantum
from nonrecip.stochastic import simulate


@pytest.fixture(scope="module")
def df(tmp_path_factory):
    from nonrecip.cli import main

    out = tmp_path_factory.mktemp("lc")
    assert main(["figure", "lc", "--out", str(out), "--quick"]) == 0
    assert (out / "fig_lc.png").stat().st_size > 10_000
    return pd.read_csv(out / "fig_lc.csv")


def test_numbers_are_the_solvers(df):
    for r in df[df["series"] == "quantum NEGF"].sample(3, random_state=0).itertuples():
        res = solve_quantum(Wire.dimers(int(r.N)), QuantumParams(gamma=r.gamma, mubar=r.mubar, dmu=r.dmu, Ig=r.Ig))
        assert r.value == pytest.approx(res.delta_I / r.Ig, rel=1e-12)
        # quantum l_c = 1/alpha_R, alpha = arccosh(C), 2C = mubar - gamma^2 (mubar - i sqrt(4 - mubar^2))/2 (Eq. 20),
        # typed here from the paper
        C = 0.5 * (r.mubar - r.gamma**2 * (r.mubar - 1j * np.sqrt(4 - r.mubar**2)) / 2)
        a = np.log(C + np.sqrt(C * C - 1))
        assert r.lc == pytest.approx(1 / abs(a.real), rel=1e-12)
    for r in df[df["series"] == "classical exact"].sample(3, random_state=1).itertuples():
        res = solve_classical(Wire.dimers(int(r.N)), ClassicalParams(p=r.p, Ig=r.Ig, drho=r.drho))
        assert r.value == pytest.approx(res.delta_I / r.Ig, rel=1e-9)
        assert r.p == pytest.approx(1 - 1 / r.lc, rel=1e-14)  # the same l_c classically


def test_monte_carlo_points(df):
    mc = df[df["series"] == "classical Monte Carlo"]
    assert len(mc) == 5
    r = mc.iloc[2]
    res = simulate(Wire.dimers(int(r.N)), ClassicalParams(p=r.p, Ig=r.Ig, drho=r.drho), steps=int(r.steps),
                   seed=int(r.seed), estimator="adjoint")
    assert r.value == pytest.approx(res.delta_I.mean / r.Ig, rel=1e-12)
    for r in mc.itertuples():  # each within 5 stderr of the exact solve (fixed seeds)
        exact = solve_classical(Wire.dimers(int(r.N)), ClassicalParams(p=r.p, Ig=r.Ig, drho=r.drho)).delta_I / r.Ig
        assert abs(r.value - exact) < 5 * r.stderr


def test_models_meet_for_long_wires(df):
    q = df[df["series"] == "quantum NEGF"]
    c = df[df["series"] == "classical exact"]
    m = q.merge(c, on=["gamma", "N"], suffixes=("_q", "_c"))
    m["diff"] = (m["value_q"] - m["value_c"]).abs()
    for _g, s in m.groupby("gamma"):
        s = s.sort_values("N")
        far = s[s["N_over_lc_q"] > 20]["diff"]
        assert len(far) and (far < 0.02).all()  # l_c/N-small: observed <= 0.017 (gamma = 1 at N/l_c = 20)
        assert s["diff"].iloc[-1] < s["diff"].max()
