"""nonrecip.design: exhaustive search = brute force, the classical theorem =
exhaustive search, the annealer finds the optimum, mirror symmetry, results."""

from __future__ import annotations

import itertools
import json
import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from nonrecip.design import LayoutSpace, bath_weight, classical_optimum, closed_form_currents, design
from nonrecip.design.evaluate import Evaluator
from nonrecip.deterministic import solve_circuit, solve_classical, solve_quantum
from nonrecip.wire import CircuitParams, ClassicalParams, QuantumParams, Wire


def brute(N, K, M, solve, objective=None, min_gap=1, fixed=None):
    """Every layout by itertools, scored by calling the solver directly.

    The default objective is the solver's own ``delta_I`` (computed without the
    cancellation of ``|rev| - |fwd|``; tests/test_delta_exact.py checks it).
    """
    out = {}
    for t in itertools.product(".SDP", repeat=N - 2):
        lay = "." + "".join(t) + "."
        if lay.count("S") != K or lay.count("D") != K or lay.count("P") != M:
            continue
        pos = [i for i, c in enumerate(lay) if c != "."]
        if any(b - a < min_gap for a, b in zip(pos, pos[1:], strict=False)):
            continue
        if fixed and any(lay[s - 1] != k for s, k in fixed.items()):
            continue
        res = solve(Wire(lay))
        out[lay] = res.delta_I if objective is None else objective(res.forward.I_in, res.reverse.I_in)
    return out


def top_of(vals, n):
    return sorted(vals.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


CASES = [
    ("classical", ClassicalParams(p=0.6, Ig=0.05, drho=0.1), lambda w, p: solve_classical(w, p), 9, 2, 1),
    ("circuit", CircuitParams(V=1.0, R=2.0, Ig=0.3), lambda w, p: solve_circuit(w, p), 9, 2, 0),
    ("quantum", QuantumParams(gamma=0.7, Ig=0.005), lambda w, p: solve_quantum(w, p), 10, 2, 0),
    ("quantum", QuantumParams(gamma=0.5, mubar=0.4, Ig=0.003), lambda w, p: solve_quantum(w, p), 8, 1, 2),
]


@pytest.mark.parametrize("model,params,solve,N,K,M", CASES)
def test_exhaustive_is_brute_force(model, params, solve, N, K, M):
    vals = brute(N, K, M, lambda w: solve(w, params))
    r = design(model, N, K, params, probes=M, method="exhaustive", top=6)
    assert r.exhaustive and r.method == "exhaustive"
    assert r.evaluated == len(vals) == LayoutSpace(N, K, M).count
    # the same solver on the same layout: bit-identical values, identical order
    assert [(c.layout, c.objective) for c in r.best] == top_of(vals, 6)
    # the distribution comes from superposed injections: equal up to round-off, here
    # 1e-12 of the largest |objective| (observed <= 1e-15)
    want = np.sort(np.array(list(vals.values())))
    np.testing.assert_allclose(np.sort(r.objectives), want, rtol=0, atol=1e-12 * np.abs(want).max())
    assert r.parameters["superposed"] and r.parameters["solver_calls"] < r.evaluated
    direct = design(model, N, K, params, probes=M, method="exhaustive", top=6, superpose=False)
    assert direct.best == r.best and sorted(direct.objectives.tolist()) == sorted(vals.values())


def test_exhaustive_constrained_is_brute_force():
    params = QuantumParams(gamma=0.6, Ig=0.004)
    fixed = {3: "S", 9: "."}
    vals = brute(11, 2, 0, lambda w: solve_quantum(w, params), min_gap=2, fixed=fixed)
    r = design("quantum", 11, 2, params, fixed="3=S,9=.", min_gap=2, top=4)
    assert r.method == "exhaustive" and r.evaluated == len(vals) > 0
    assert [(c.layout, c.objective) for c in r.best] == top_of(vals, 4)


@pytest.mark.parametrize("objective", ["relative", "per-pair"])
def test_objectives_brute_force(objective):
    params = QuantumParams(gamma=0.7, Ig=0.02)

    def obj(f, r):
        d = abs(r) - abs(f)
        return d / 2 if objective == "per-pair" else d / (0.5 * (abs(f) + abs(r)))

    vals = brute(9, 2, 0, lambda w: solve_quantum(w, params), objective=obj)
    r = design("quantum", 9, 2, params, objective=objective, top=3)
    assert [c.layout for c in r.best] == [k for k, _ in top_of(vals, 3)]
    for c in r.best:  # closed-form objective here vs the evaluator's: same arithmetic up to rounding
        assert c.objective == pytest.approx(vals[c.layout], rel=1e-13)


def test_parallel_equals_serial():
    params = QuantumParams(gamma=0.7, Ig=0.005)
    a = design("quantum", 11, 2, params, top=5)
    b = design("quantum", 11, 2, params, top=5, workers=2)
    with ThreadPoolExecutor(3) as ex:
        c = design("quantum", 11, 2, params, top=5, executor=ex)
    # solver_calls depend on the chunking (a set of bath sites split across chunks is
    # solved in each); everything else is the same
    for r in (b, c):
        assert r.best == a.best and r.evaluated == a.evaluated and r.reference == a.reference
        np.testing.assert_allclose(r.objectives, a.objectives, rtol=0, atol=1e-12 * np.abs(a.objectives).max())


# ---------------------------------------------------------------- classical theorem
THEOREM_CASES = [
    # N, K, M, p, Ig, drho, min_gap
    (10, 2, 0, 0.5, 0.01, 0.1, 1),     # far from saturation
    (9, 2, 1, 0.7, 0.1, 0.2, 1),       # with a probe
    (10, 3, 0, 0.2, 0.5, 0.1, 1),      # q Ig A > 2 drho: the forward current changes sign (saturated)
    (11, 2, 0, 0.9, 1.0, 0.02, 2),     # saturated, min_gap
    (8, 1, 2, 0.5, 0.3, 0.0, 1),       # drho = 0: every layout gives 0
    (9, 2, 0, 0.4, 0.0, 0.1, 1),       # Ig = 0: every layout gives 0
    (12, 1, 1, 0.3, 0.2, 0.3, 3),      # min_gap 3
]


@pytest.mark.parametrize("N,K,M,p,Ig,drho,g", THEOREM_CASES)
def test_classical_theorem_is_exhaustive_search(N, K, M, p, Ig, drho, g):
    params = ClassicalParams(p=p, Ig=Ig, drho=drho)
    vals = brute(N, K, M, lambda w: solve_classical(w, params), min_gap=g)
    space = LayoutSpace(N, K, M, min_gap=g)
    opt = classical_optimum(space, params)
    mx = max(vals.values())
    scale = drho + Ig + 1e-300
    # solver values are O(1)-ulp accurate sums: 1e-14 of the current scale
    assert opt.delta_I == pytest.approx(mx, rel=1e-12, abs=1e-14 * scale)
    optimal = {lay for lay, v in vals.items() if v >= mx - 1e-12 * scale}
    assert optimal == {lay for lay in vals if opt.is_optimal(lay)}
    # the optimal order's placements are all optimal and number n_placements
    placed = list(opt.placements())
    assert len(placed) == opt.n_placements and set(placed) <= optimal
    r = design("classical", N, K, params, probes=M, min_gap=g, top=3)
    assert r.method == "analytic" and r.exhaustive
    assert r.best[0].objective == pytest.approx(mx, rel=1e-12, abs=1e-14 * scale)
    for lay in list(vals)[:: max(1, len(vals) // 40)]:  # closed form vs solver, any layout
        f, rv = closed_form_currents(lay, params)
        res = solve_classical(Wire(lay), params)
        assert f == pytest.approx(res.forward.I_in, abs=1e-14 * scale)
        assert rv == pytest.approx(res.reverse.I_in, abs=1e-14 * scale)


FIXED_CASES = [
    # N, K, M, fixed, min_gap, p, Ig, drho
    (10, 2, 0, {2: "D"}, 1, 0.5, 0.01, 0.1),             # a drain forced first
    (11, 2, 1, {5: "D", 8: "S"}, 1, 0.7, 0.02, 0.1),     # order forced against the optimum
    (12, 2, 0, {3: "S", 6: ".", 9: "D"}, 2, 0.6, 0.05, 0.1),
    (10, 3, 0, {4: "D", 7: "S"}, 1, 0.2, 0.5, 0.1),      # saturated (forward current reversed)
    (9, 1, 2, {3: "P", 6: "S"}, 1, 0.5, 0.1, 0.1),
]


@pytest.mark.parametrize("N,K,M,fixed,g,p,Ig,drho", FIXED_CASES)
def test_classical_fixed_sites_programme_is_exhaustive_search(N, K, M, fixed, g, p, Ig, drho):
    params = ClassicalParams(p=p, Ig=Ig, drho=drho)
    vals = brute(N, K, M, lambda w: solve_classical(w, params), min_gap=g, fixed=fixed)
    mx = max(vals.values())
    scale = drho + Ig
    opt = classical_optimum(LayoutSpace(N, K, M, fixed, g), params)
    assert opt.delta_I == pytest.approx(mx, rel=1e-12, abs=1e-14 * scale)
    assert {lay for lay, v in vals.items() if v >= mx - 1e-12 * scale} == {lay for lay in vals if opt.is_optimal(lay)}
    r = design("classical", N, K, params, probes=M, fixed=fixed, min_gap=g)
    assert r.method == "analytic" and len(r.best) == 1 and r.best[0].layout in vals
    assert r.best[0].objective == pytest.approx(mx, rel=1e-12, abs=1e-14 * scale)


def test_optimal_order_and_weight():
    assert bath_weight(".SSPDD.") == 2 * 2 * (2 + 1)          # A_max = 2K(K+M)
    assert bath_weight(".SDSD.") == 4                        # dimers: A = 2K
    assert bath_weight(".DDSS.") == -8
    params = ClassicalParams(p=0.9, Ig=0.001, drho=0.1)
    r = design("classical", 12, 3, params, top=2)
    assert r.best[0].layout.replace(".", "") == "SSSDDD"
    # unsaturated: the optimum is K = 3 times the dimers (A = 2K^2 vs 2K)
    assert r.best[0].delta_I == pytest.approx(3 * r.reference["dimers"].delta_I, rel=1e-12)


def test_classical_optimum_at_a_million_sites():
    params = ClassicalParams(p=0.99, Ig=1e-4, drho=0.1)
    r = design("classical", 10**6, 4, params, top=1)
    q = 0.01
    want = min(2 * q * 1e-4 * 4 * 4, 0.2) / (1 + q * 8)
    assert r.best[0].delta_I == pytest.approx(want, rel=1e-10)  # an O(N) cumulative sum of 10^6 terms
    assert r.parameters["optimal_layouts"] == math.comb(10**6 - 2, 8)


# ---------------------------------------------------------------- annealing
def test_annealer_finds_the_exhaustive_optimum():
    """Quantum N = 14, K = 3 (18,480 layouts): 8 restarts of 250 evaluations
    each; with seed 1 five of the eight restarts reach the exhaustive optimum
    (measured), we require at least half."""
    params = QuantumParams(gamma=0.7, Ig=0.005)
    ex = design("quantum", 14, 3, params, top=1)
    an = design("quantum", 14, 3, params, method="anneal", budget=2000, restarts=8, seed=1, top=3)
    assert not an.exhaustive and an.method == "anneal"
    assert an.best[0].layout == ex.best[0].layout
    assert an.parameters["restarts_agreeing"] >= 4
    assert an.evaluated <= 2000 + 8 * 8
    assert len(set(np.round(an.objectives, 300))) > 0 and an.parameters["cache_hits"] > 0
    again = design("quantum", 14, 3, params, method="anneal", budget=2000, restarts=8, seed=1, top=3)
    assert again.to_dict() == an.to_dict()  # reproducible


def test_annealer_respects_constraints():
    params = QuantumParams(gamma=0.7, Ig=0.005)
    an = design("quantum", 30, 3, params, probes=1, fixed="2=S,20=.", min_gap=2, method="anneal", budget=300,
                restarts=3, seed=0, top=5)
    space = LayoutSpace(30, 3, 1, fixed="2=S,20=.", min_gap=2)
    assert all(space.allowed(c.layout) for c in an.best)
    assert len(an.restart_best) == 3


def test_max_seconds_stops_annealing():
    params = QuantumParams(gamma=0.7, Ig=0.005)
    an = design("quantum", 200, 4, params, method="anneal", budget=10**6, max_seconds=0.5, restarts=2, seed=0)
    assert an.elapsed < 5.0 and an.evaluated < 10**6


# ---------------------------------------------------------------- symmetry, robustness, result
@pytest.mark.parametrize("model,params", [
    ("classical", ClassicalParams(p=0.6, Ig=0.05, drho=0.1)),
    ("circuit", CircuitParams(V=1.0, R=1.0, Ig=0.2)),
    ("quantum", QuantumParams(gamma=0.7, Ig=0.005)),
])
def test_mirror_has_opposite_delta_I(model, params):
    ev = Evaluator(model, params, 4)
    space = LayoutSpace(30, 4, 2)
    rng = np.random.default_rng(7)
    for _ in range(30):
        lay = space.layout(int(rng.integers(space.count)))
        a, b = ev(lay).delta_I, ev(lay[::-1]).delta_I
        # observed <= 5e-15 relative (quantum); the currents are O(1)-ulp accurate
        assert abs(a + b) <= 1e-12 * abs(a)


def test_robust_worst_case_is_brute_force():
    params = QuantumParams(gamma=0.7, Ig=0.004)
    mubars = np.linspace(0.8, 1.2, 3)
    per = [brute(9, 2, 0, lambda w, m=m: solve_quantum(w, params.replace(mubar=float(m)))) for m in mubars]
    worst = {lay: min(v[lay] for v in per) for lay in per[0]}
    r = design("quantum", 9, 2, params, robust_over=("mubar", 0.8, 1.2, 3), robust="worst", top=3)
    assert [c.layout for c in r.best] == [k for k, _ in top_of(worst, 3)]
    assert r.best[0].objective == pytest.approx(worst[r.best[0].layout], rel=1e-15)
    mean = {lay: sum(v[lay] for v in per) / 3 for lay in per[0]}
    rm = design("quantum", 9, 2, params, robust_over=("mubar", list(mubars)), robust="mean", top=1)
    assert rm.best[0].layout == top_of(mean, 1)[0][0]


def test_result_contract(tmp_path):
    r = design("quantum", 10, 2, QuantumParams(gamma=0.7, Ig=0.005), top=4)
    d = r.to_dict()
    assert list(d) == ["parameters", "best", "evaluated", "exhaustive", "reference"]
    assert all(list(c) == ["layout", "delta_I", "I_in_forward", "I_in_reverse", "objective"] for c in d["best"])
    objs = [c["objective"] for c in d["best"]]
    assert objs == sorted(objs, reverse=True)
    assert set(d["reference"]) == {"dimers"} and d["reference"]["dimers"]["layout"] == ".SDSD.....".ljust(10, ".")
    ref = solve_quantum(Wire(d["reference"]["dimers"]["layout"]), QuantumParams(gamma=0.7, Ig=0.005))
    assert d["reference"]["dimers"]["delta_I"] == ref.delta_I
    json.dumps(d, allow_nan=False)
    with pytest.raises(TypeError):
        r.parameters["N"] = 3  # type: ignore[index]
    with pytest.raises(AttributeError):
        r.evaluated = 0  # type: ignore[misc]
    with pytest.raises(ValueError):
        r.objectives[0] = 1.0
    df = r.to_frame()
    assert list(df["role"]) == ["best"] * 4 + ["reference"] and df["N"].iloc[0] == 10
    assert json.loads(r.save(tmp_path / "d.json").read_text()) == d
    r.save(tmp_path / "d.csv")
    r.save(tmp_path / "d.parquet")


def test_single_reference_for_one_pair():
    r = design("classical", 8, 1, ClassicalParams(p=0.5, Ig=0.01, drho=0.1))
    assert set(r.reference) == {"dimers", "single"} and r.reference["single"].layout == ".S....D."


def test_refused_layouts_are_skipped_and_counted():
    """mubar = 1.9 near the band edge: Ig = 0.006 pushes some bath potentials out of
    the band; those layouts are refused by the solver, skipped and counted."""
    from nonrecip.wire import ParameterError

    params = QuantumParams(gamma=0.7, mubar=1.9, dmu=0.05, Ig=0.006)
    ok, refused = {}, 0
    for t in itertools.product(".SD", repeat=8):
        lay = "." + "".join(t) + "."
        if lay.count("S") != 2 or lay.count("D") != 2:
            continue
        try:
            ok[lay] = solve_quantum(Wire(lay), params).delta_I
        except ParameterError:
            refused += 1
    assert 0 < refused < len(ok) + refused
    r = design("quantum", 10, 2, params, top=3)
    assert r.parameters["refused"] == refused and r.evaluated == len(ok) + refused
    assert [c.layout for c in r.best] == [k for k, _ in top_of(ok, 3)]
    an = design("quantum", 10, 2, params, method="anneal", budget=300, restarts=3, seed=0, top=1)
    assert an.parameters["refused"] > 0 and an.best[0].layout in ok
    with pytest.raises(ParameterError, match="refused every layout"):
        design("quantum", 10, 2, params.replace(Ig=0.05))


def test_classical_robust_closed_form_is_exhaustive_search():
    """The optimal order maximises delta_I at every p, so also the worst case and the mean."""
    params = ClassicalParams(p=0.6, Ig=0.02, drho=0.1)
    for robust in ("worst", "mean"):
        a = design("classical", 9, 2, params, robust_over=("p", 0.3, 0.9, 4), robust=robust, top=1)
        e = design("classical", 9, 2, params, robust_over=("p", 0.3, 0.9, 4), robust=robust, top=1,
                   method="exhaustive", superpose=False)
        assert a.method == "analytic"
        assert a.best[0].objective == pytest.approx(e.best[0].objective, rel=1e-12)


def test_dask_client_executor():
    distributed = pytest.importorskip("distributed")
    params = QuantumParams(gamma=0.7, Ig=0.005)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as client:
        r = design("quantum", 10, 2, params, top=4, executor=client)
    s = design("quantum", 10, 2, params, top=4)
    assert r.best == s.best and r.evaluated == s.evaluated


def test_nonlinear_response_is_brute_force():
    """Beyond linear response there is no superposition: one solve per layout."""
    params = QuantumParams(gamma=0.7, Ig=0.005)
    vals = brute(6, 1, 0, lambda w: solve_quantum(w, params, response="nonlinear"))
    r = design("quantum", 6, 1, params, response="nonlinear", top=3)
    assert not r.parameters["superposed"] and r.parameters["response"] == "nonlinear"
    assert [(c.layout, c.objective) for c in r.best] == top_of(vals, 3)
