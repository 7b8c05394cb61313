"""nonrecip.design: every bad input is one ParameterError, raised before any solver call."""

from __future__ import annotations

import pytest

import nonrecip.design.evaluate as evaluate
from nonrecip.design import design
from nonrecip.wire import ClassicalParams, ParameterError, QuantumParams

CP = ClassicalParams(p=0.5, Ig=0.1, drho=0.1)


@pytest.fixture(autouse=True)
def no_solver(monkeypatch):
    """Any solver call during validation fails the test."""
    def boom(*a, **k):
        raise AssertionError("a solver ran before validation finished")

    monkeypatch.setattr(evaluate, "_solve", boom)
    monkeypatch.setattr(evaluate, "_solve_full", boom)


def check(name, match, **kw):
    args = dict(model="classical", n=10, pairs=2, params=CP)
    args.update(kw)
    with pytest.raises(ParameterError, match=match) as e:
        design(**args)
    assert e.value.name == name


def test_n_too_small():
    check("N", r"must be >= 2K \+ M \+ 2 = 9", n=8, pairs=3, probes=1)


def test_pairs_below_one():
    check("pairs", r"integer >= 1", pairs=0)


def test_fixed_on_an_end():
    check("fixed", r"reservoir contacts", fixed="1=S")
    check("fixed", r"reservoir contacts", fixed={10: "D"})


def test_fixed_outside_the_wire():
    check("fixed", r"outside the wire", fixed="12=S")


def test_fixed_twice_with_different_kinds():
    check("fixed", r"fixed twice", fixed="3=S,3=D")


def test_fixed_more_baths_than_the_layout_has():
    check("fixed", r"fixes 3 sources but the layout has 2", fixed="2=S,3=S,4=S")


def test_fixed_bad_kind_and_text():
    check("fixed", r"one of S, D, P", fixed="3=X")
    check("fixed", r"must look like", fixed="3S")


def test_fixed_baths_closer_than_min_gap():
    check("fixed", r"closer than min_gap", fixed="3=S,4=D", min_gap=2)


def test_budget_zero():
    check("budget", r"integer >= 1", budget=0)


def test_min_gap_impossible():
    check("min_gap", r"need N >= 12", min_gap=3)


def test_min_gap_impossible_with_fixed_sites():
    check("min_gap", r"given fixed sites", n=12, probes=1, min_gap=2, fixed="3=S,9=.")


def test_objective_and_model():
    check("objective", r"delta_I, relative, per-pair", objective="ratio")
    check("model", r"classical, circuit, quantum", model="walkers")


def test_params_of_the_wrong_model():
    check("params", r"ClassicalParams", params=QuantumParams())


def test_classical_needs_p():
    check("p", r"ClassicalParams\(p=", params=None)


def test_analytic_not_applicable():
    check("method", r"closed form covers", method="analytic", objective="relative")
    check("method", r"one of auto", method="best")


def test_robust_over():
    check("robust_over", r"must name a parameter", robust_over=("mubar", 0.8, 1.2, 3))
    check("robust_over", r"integer >= 2", robust_over=("p", 0.5, 0.9, 1))
    check("p", r"\(0, 1\]", robust_over=("p", 0.5, 1.5, 3))
    check("robust", r"worst, mean", robust_over=("p", 0.5, 0.9, 3), robust="best")


def test_response_only_quantum():
    check("response", r"quantum model only", response="cubic")
    check("response", r"linear, nonlinear, cubic", model="quantum", params=QuantumParams(), response="quad")


def test_other_counts():
    check("restarts", r">= 1", restarts=0)
    check("top", r">= 1", top=0)
    check("max_seconds", r"> 0", max_seconds=0)
    check("workers", r">= 1", workers=0)
