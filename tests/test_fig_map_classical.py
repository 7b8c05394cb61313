"""`nonrecip figure map-classical`: delta_I over (p, N) equals the exact solve
(and Eq. 8, typed here, where the forward current keeps its sign)."""

from __future__ import annotations

import pandas as pd
import pytest

from nonrecip import ClassicalParams, Wire, solve_classical
from nonrecip.paper import figures as F


@pytest.fixture(scope="module")
def data():
    pf = F.make("map-classical", quick=True)
    try:
        yield pf.data
    finally:
        pf.fig.clear()


def test_numbers_are_the_solver_s(data):
    for r in data.sample(6, random_state=1).itertuples():
        res = solve_classical(Wire.dimers(int(r.N)), ClassicalParams(p=r.p, Ig=r.Ig, drho=r.drho))
        assert r.delta_I == pytest.approx(res.delta_I, rel=1e-12, abs=1e-16)


def test_eq8_where_forward_current_keeps_sign(data):
    # Eq. 8 typed from the paper; the map's Ig keeps the forward current positive
    for r in data.itertuples():
        q, K = 1 - r.p, r.N / 2 - 1
        assert r.drho - q * K * r.Ig > 0
        assert r.delta_I_over_Ig == pytest.approx(2 * q * K / (1 + (r.N - 2) * q), rel=1e-9, abs=1e-12)
    assert isinstance(data, pd.DataFrame) and data["N"].nunique() > 4 and data["p"].nunique() > 4
