"""`nonrecip figure 1`: the image is written and the CSV holds exactly what
the circuit solver returns, and the Sec. I closed forms."""

from __future__ import annotations

import pandas as pd
import pytest

from nonrecip import CircuitParams, Wire, solve_circuit

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def fig1(tmp_path_factory):
    from nonrecip.cli import main

    out = tmp_path_factory.mktemp("fig1")
    assert main(["figure", "1", "--out", str(out), "--quick"]) == 0
    return out


def test_png_and_csv(fig1):
    png = (fig1 / "fig_1.png").read_bytes()
    assert png.startswith(PNG) and len(png) > 10_000
    df = pd.read_csv(fig1 / "fig_1.csv")
    assert set(df["panel"]) == {"a", "b", "c"}
    assert set(df["series"]) == {"Kirchhoff solve", "Sec. I closed form", "classical Monte Carlo"}


def test_numbers_are_the_solver_s(fig1):
    df = pd.read_csv(fig1 / "fig_1.csv")
    num = df[df["series"] == "Kirchhoff solve"].sample(8, random_state=0)
    for r in num.itertuples():
        res = solve_circuit(Wire(r.layout), CircuitParams(V=r.V, R=r.R, Ig=r.Ig))
        # CSV round trip keeps ~17 significant digits: 1e-12 is far below any physics
        assert r.I_in == pytest.approx(res.state(r.bias).I_in, rel=1e-12, abs=1e-14)


def test_closed_form_points_match_sec_I(fig1):
    # Sec. I, typed here from the paper: I_in = s V/R - k Ig, k = 1/3, 0, 2/5
    k = {"a": 1 / 3, "b": 0.0, "c": 2 / 5}
    df = pd.read_csv(fig1 / "fig_1.csv")
    ref = df[df["series"] == "Sec. I closed form"]
    assert len(ref) > 10
    for r in ref.itertuples():
        s = 1.0 if r.bias == "forward" else -1.0
        assert r.I_in == pytest.approx(s * r.V / r.R - k[r.panel] * r.Ig, rel=1e-12, abs=1e-14)


def test_monte_carlo_points(fig1):
    from nonrecip import ClassicalParams
    from nonrecip.stochastic import simulate

    df = pd.read_csv(fig1 / "fig_1.csv")
    mc = df[df["series"] == "classical Monte Carlo"]
    assert len(mc) >= 6
    r = mc.iloc[3]
    res = simulate(Wire(r.layout), ClassicalParams(p=r.p, Ig=r.Ig, drho=r.drho), steps=int(r.steps), seed=int(r.seed),
                   estimator="adjoint")
    assert r.I_in == pytest.approx(res.state(r.bias).I_in.mean, rel=1e-12)
    # the walkers at p = 0.01 sit on the circuit within their error bar plus the O(p) distance to the p -> 0
    # limit (|dI/dp| <= V/R + N Ig, see validate's circuit.p0_limit): |z| < 5 after removing that bias
    k = {"a": 1 / 3, "b": 0.0, "c": 2 / 5}
    for r in mc.itertuples():
        s = 1.0 if r.bias == "forward" else -1.0
        circuit = s * r.V / r.R - k[r.panel] * r.Ig
        assert abs(r.I_in - circuit) < 5 * r.stderr + r.p * (r.V / r.R + len(r.layout) * r.Ig)
