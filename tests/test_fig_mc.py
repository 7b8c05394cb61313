"""`nonrecip figure mc`: the Monte Carlo convergence data are what
`simulate` returns for the same seed, and the error bars shrink."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nonrecip import ClassicalParams, Wire, solve_classical
from nonrecip.stochastic import simulate


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    from nonrecip.cli import main

    d = tmp_path_factory.mktemp("mc")
    assert main(["figure", "mc", "--out", str(d), "--quick"]) == 0
    return d


def test_png_csv(out):
    assert (out / "fig_mc.png").stat().st_size > 10_000
    df = pd.read_csv(out / "fig_mc.csv")
    assert set(df["estimator"]) == {"walkers", "adjoint"}


def test_numbers_are_simulate_s(out):
    df = pd.read_csv(out / "fig_mc.csv")
    for r in df[df["quantity"] == "delta_I"].sample(2, random_state=0).itertuples():
        res = simulate(Wire.dimers(int(r.N)), ClassicalParams(p=r.p, Ig=r.Ig, drho=r.drho), steps=int(r.steps),
                       seed=int(r.seed), estimator=r.estimator)
        # same seed and budget: bit-identical up to the CSV round trip
        assert r.mean == pytest.approx(res.delta_I.mean, rel=1e-12, abs=1e-15)
        assert r.stderr == pytest.approx(res.delta_I.stderr, rel=1e-12)
        exact = solve_classical(Wire.dimers(int(r.N)), ClassicalParams(p=r.p, Ig=r.Ig, drho=r.drho)).delta_I
        assert r.exact == pytest.approx(exact, rel=1e-12)
        assert abs(r.mean - exact) < 5 * r.stderr  # fixed seed; |z| < 5


def test_error_bars_shrink(out):
    df = pd.read_csv(out / "fig_mc.csv")
    for est, sub in df[df["quantity"] == "delta_I"].groupby("estimator"):
        se = sub.sort_values("steps")["stderr"].to_numpy()
        assert np.all(np.diff(se) < 0), est  # 4x the budget: the stderr must fall (expected factor 2)
