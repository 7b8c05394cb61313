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
    assert set(df["series"]) == {"Kirchhoff solve", "Sec. I closed form"}


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
