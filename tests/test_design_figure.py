"""Gallery figure `design` (quick): its numbers are what the solvers return."""

from __future__ import annotations

import itertools

import pytest

from nonrecip.deterministic import solve_classical, solve_quantum
from nonrecip.paper.figures._base import FIGURES
from nonrecip.paper.figures.design import CLASSICAL, QUANTUM, fig_design
from nonrecip.wire import Wire


@pytest.fixture(scope="module")
def pf():
    return fig_design(quick=True)


def test_registered(pf):
    assert FIGURES["design"].func is fig_design and not FIGURES["design"].paper
    assert pf.name == "design" and pf.fig.axes


def test_rows_are_solver_calls(pf):
    df = pf.data
    assert set(df["series"]) == {"optimum", "dimers", "single"}
    for r in df.itertuples():
        res = (solve_classical(Wire(r.layout), CLASSICAL) if r.model == "classical"
               else solve_quantum(Wire(r.layout), QUANTUM))
        assert r.delta_I == res.delta_I  # the same solver call: bit-identical
        assert r.delta_I_over_Ig == pytest.approx(res.delta_I / r.Ig, rel=1e-15)


def test_classical_optimum_is_the_theorem(pf):
    df_c = pf.data[(pf.data["model"] == "classical") & (pf.data["series"] == "optimum")]
    q = 1 - CLASSICAL.p
    for r in df_c.itertuples():  # delta_I* = min(2 q Ig K^2, 2 drho) / (1 + 2 q K)
        want = min(2 * q * CLASSICAL.Ig * r.K**2, 2 * CLASSICAL.drho) / (1 + 2 * q * r.K)
        assert r.delta_I == pytest.approx(want, rel=1e-12)
    assert len(df_c) > 0


def test_quantum_optimum_is_brute_force(pf):
    r = pf.data.query("model == 'quantum' and series == 'optimum' and K == 2 and N == 8").iloc[0]
    best = -1.0
    for t in itertools.product(".SD", repeat=6):
        lay = "." + "".join(t) + "."
        if lay.count("S") == 2 and lay.count("D") == 2:
            best = max(best, solve_quantum(Wire(lay), QUANTUM).delta_I)
    assert r["delta_I"] == best
