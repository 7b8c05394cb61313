"""Steady-state Monte Carlo (nonrecip.stochastic.simulate) against the exact solver.

Statistical tolerances. Every Monte Carlo number is compared with the exact
O(N) solver (nonrecip.deterministic.classical.solve_classical, an independent
linear solve) in standard errors: |z| < Z_MAX = 4.5. With n_batches = 64
batch means the z-scores are t-distributed with 63 degrees of freedom, so
P(|z| > 4.5) = 3e-5 per comparison; a case makes at most ~6 N + 5 ~ 80
comparisons, so a correct estimator fails a case with probability < 3e-3,
and the seeds are fixed (the tests cannot flake: they pass or fail the same
way every time). Entries that carry no noise (e.g. rho-(N) under forward
bias, exactly rho0; every current at p = 1 with the adjoint estimator,
where a walker's fate is certain) have stderr 0 or at rounding level and
pass when within 1e-12 of the exact value (a few ulps of O(1) numbers).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from nonrecip import ClassicalParams, ParameterError, Wire, solve_classical
from nonrecip.stochastic import (
    BatchSums,
    SimulatedState,
    SteadyStateSimulation,
    batch_sizes,
    budgets,
    combine,
    convergence,
    run_batches,
    simulate,
    stderr_slopes,
)
from nonrecip.stochastic import simulation as simmod

Z_MAX = 4.5
EXACT_ATOL = 1e-12


def _z(mean, stderr, ref):
    mean, stderr, ref = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (mean, stderr, ref))
    exact = np.abs(mean - ref) <= EXACT_ATOL
    noiseless = stderr == 0.0
    z = np.where(noiseless, np.inf, (mean - ref) / np.where(noiseless, 1.0, stderr))
    return np.where(exact, 0.0, z)


def all_z(res, exact, *, densities=True):
    """z-scores of every estimated quantity: name -> array."""
    out = {"delta_I": _z(res.delta_I.mean, res.delta_I.stderr, exact.delta_I)}
    for bias in ("forward", "reverse"):
        s, e = res.state(bias), exact.state(bias)
        for f in ("I_in", "I_out"):
            v = getattr(s, f)
            out[f"{bias}.{f}"] = _z(v.mean, v.stderr, getattr(e, f))
        fields = ("J", "rho_plus", "rho_minus") if densities else ("J",)
        for f in fields:
            v = getattr(s, f)
            out[f"{bias}.{f}"] = _z(v.mean, v.stderr, getattr(e, f))
    return out


def assert_agrees(res, exact, *, densities=True):
    zs = all_z(res, exact, densities=densities)
    worst = {k: float(np.max(np.abs(v))) for k, v in zs.items()}
    bad = {k: v for k, v in worst.items() if not v < Z_MAX}
    assert not bad, f"|z| >= {Z_MAX}: {bad}"


# name, layout, p, Ig, drho, rho0: dimers, single, an irregular layout with P
# sites and odd N, p -> small and p = 1, and drains that take more than is there
CASES = [
    ("dimers10", ".SDSDSDSD.", 0.9, 0.05, 0.1, 1.0),
    ("single9", ".S.....D.", 0.6, 0.2, 0.15, 0.3),
    ("irregular11", ".SP.D..S.P.", 0.7, 0.25, 0.2, 0.5),
    ("dimers_p005", ".SDSDS.DP.", 0.05, 0.1, 0.1, 1.0),
    ("unbalanced_p1", ".DD..SPS.", 1.0, 0.3, 0.25, 0.2),
    ("drain_dry", ".SDSD.", 0.5, 2.0, 0.1, 0.05),
]


@pytest.mark.parametrize("name,layout,p,ig,drho,rho0", CASES, ids=[c[0] for c in CASES])
def test_walkers_agree_with_exact_solver(name, layout, p, ig, drho, rho0):
    wire, params = Wire(layout), ClassicalParams(p=p, Ig=ig, drho=drho, rho0=rho0)
    exact = solve_classical(wire, params)
    if name == "drain_dry":  # the premise: the linear model has negative densities here
        assert min(exact.forward.rho_plus.min(), exact.forward.rho_minus.min()) < 0
    res = simulate(wire, params, steps=100_000, seed=11, n_batches=64)
    assert isinstance(res.forward, SimulatedState)
    assert res.model == "simulate"
    assert_agrees(res, exact)


@pytest.mark.parametrize("name,layout,p,ig,drho,rho0", CASES, ids=[c[0] for c in CASES])
def test_adjoint_agrees_with_exact_solver(name, layout, p, ig, drho, rho0):
    wire, params = Wire(layout), ClassicalParams(p=p, Ig=ig, drho=drho, rho0=rho0)
    exact = solve_classical(wire, params)
    res = simulate(wire, params, steps=100_000, seed=12, n_batches=64, estimator="adjoint")
    assert_agrees(res, exact, densities=False)
    assert np.all(np.isnan(res.forward.rho_plus.mean))  # currents only, said so
    # J(l) = I_in + Ig * (cumulative injection): exact charge conservation, same error bar
    q = np.cumsum(wire.injection)[:-1]
    np.testing.assert_allclose(res.forward.J.mean, res.forward.I_in.mean + ig * q, rtol=0, atol=1e-14)
    # same residuals up to rounding of the added constant
    np.testing.assert_allclose(res.forward.J.stderr, res.forward.I_in.stderr, rtol=1e-12, atol=1e-15)


def test_adjoint_meets_one_percent_on_dimers_quickly():
    """The issue's benchmark point: a large wire where the forward current has
    reversed sign (so delta_I = 2 drho G, conventions §1 caveat)."""
    wire, params = Wire.dimers(100), ClassicalParams(p=0.9, Ig=0.05, drho=0.1, rho0=1.0)
    exact = solve_classical(wire, params)
    res = simulate(wire, params, steps=200_000, seed=5, estimator="adjoint")
    assert exact.forward.I_in < 0 < exact.delta_I
    assert abs(res.delta_I.z(exact.delta_I)) < Z_MAX
    # binomial variance of the exit indicator: stderr = 2 drho sqrt(G(1-G)/steps), G = 1/(1+98*0.1);
    # the batch-means estimate of it has relative spread 1/sqrt(2*31) = 13 %, 40 % is > 3 of those
    G = 1 / (1 + 98 * 0.1)
    expected = 2 * 0.1 * math.sqrt(G * (1 - G) / 200_000)
    assert abs(res.delta_I.stderr / expected - 1) < 0.4
    assert res.delta_I.stderr < 0.01 * exact.delta_I


def test_walkers_large_wire_agrees():
    wire, params = Wire.dimers(40), ClassicalParams(p=0.8, Ig=0.1, drho=0.3, rho0=0.0)
    exact = solve_classical(wire, params)
    res = simulate(wire, params, steps=50_000, seed=3, n_batches=64)
    assert_agrees(res, exact)


def test_background_is_exact():
    """rho0 only shifts the densities by rho0/m(l), with no noise (not simulated)."""
    wire = Wire(".SPD.")
    a = simulate(wire, ClassicalParams(p=0.4, Ig=0.1, drho=0.2, rho0=0.0), steps=4000, seed=2)
    b = simulate(wire, ClassicalParams(p=0.4, Ig=0.1, drho=0.2, rho0=3.0), steps=4000, seed=2)
    m = np.where(wire.scatterer, 0.4, 1.0)
    np.testing.assert_allclose(b.forward.rho_plus.mean - a.forward.rho_plus.mean, 3.0 / m, rtol=1e-14)
    np.testing.assert_array_equal(b.forward.rho_minus.stderr, a.forward.rho_minus.stderr)
    assert b.forward.I_in == a.forward.I_in


# --------------------------------------------------------------------------
# honest error bars
# --------------------------------------------------------------------------
N_SEEDS = 64
# The sample std s of n z-scores with true std sigma obeys (n-1) s^2/sigma^2 ~
# chi2(n-1); bounds at tail probability 1e-4 each (for n = 64: s/sigma in
# [0.66, 1.40]); the batch-mean z is t(31)-distributed, sigma = sqrt(31/29).
_SIGMA = math.sqrt(31 / 29)
S_LO = _SIGMA * math.sqrt(stats.chi2.ppf(1e-4, N_SEEDS - 1) / (N_SEEDS - 1))
S_HI = _SIGMA * math.sqrt(stats.chi2.ppf(1 - 1e-4, N_SEEDS - 1) / (N_SEEDS - 1))
# the mean of n z-scores has std sigma/sqrt(n): 4 of those (P ~ 6e-5)
MEAN_MAX = 4 * _SIGMA / math.sqrt(N_SEEDS)


@pytest.mark.parametrize("estimator,steps", [("walkers", 6000), ("adjoint", 3000)])
def test_standard_errors_are_calibrated(estimator, steps):
    wire, params = Wire(".SDP.SD."), ClassicalParams(p=0.6, Ig=0.2, drho=0.3)
    exact = solve_classical(wire, params)
    z = {"I_in_fwd": [], "I_in_rev": [], "delta_I": []}
    for seed in range(N_SEEDS):
        r = simulate(wire, params, steps=steps, seed=1000 + seed, estimator=estimator, workers=1)
        z["I_in_fwd"].append(r.forward.I_in.z(exact.forward.I_in))
        z["I_in_rev"].append(r.reverse.I_in.z(exact.reverse.I_in))
        z["delta_I"].append(r.delta_I.z(exact.delta_I))
    for k, v in z.items():
        v = np.array(v)
        assert abs(v.mean()) < MEAN_MAX, (k, v.mean())
        assert S_LO < v.std(ddof=1) < S_HI, (k, v.std(ddof=1), S_LO, S_HI)


def test_stderr_falls_as_inverse_sqrt_budget():
    """Fitted slope of log stderr vs log budget over 4 budgets x16 apart: -1/2.

    With 256 batches each stderr is known to 1/sqrt(2*255) = 4.4 %, so the
    slope over a log-budget span of ln 64 = 4.2 has an error ~0.015; 0.08 is
    more than 5 of those.
    """
    wire, params = Wire(".SD.PS.D."), ClassicalParams(p=0.7, Ig=0.1, drho=0.2)
    se = []
    steps_list = [4096 * 4**k for k in range(4)]
    for steps in steps_list:
        r = simulate(wire, params, steps=steps, seed=7, n_batches=256)
        se.append([r.forward.I_in.stderr, r.reverse.I_in.stderr, r.delta_I.stderr])
    se = np.log(np.array(se))
    for col in range(3):
        slope = np.polyfit(np.log(steps_list), se[:, col], 1)[0]
        assert abs(slope + 0.5) < 0.08, slope


def test_convergence_table_and_slopes():
    wire, params = Wire(".SDSD."), ClassicalParams(p=0.8, Ig=0.1, drho=0.2)
    df = convergence_df = convergence(wire, params, steps_min=2000, steps_max=32000, factor=4,
                                      estimator="adjoint", n_batches=64)
    assert list(df["steps"].unique()) == [2000, 8000, 32000]
    exact = solve_classical(wire, params)
    row = df[(df.quantity == "delta_I") & (df.steps == 32000)].iloc[0]
    assert row.exact == pytest.approx(exact.delta_I, rel=1e-14)
    assert row.abs_error == pytest.approx(abs(row.estimate - row.exact), rel=1e-12)
    assert np.all(np.abs(df["z"]) < Z_MAX)
    slopes = stderr_slopes(convergence_df)
    # 64 batches: each stderr to 9 %, slope over ln 16 = 2.8: error ~0.045; 0.25 is > 5 of those
    for k, v in slopes.items():
        assert abs(v + 0.5) < 0.25, (k, v)


def test_budgets():
    assert budgets(1000, 64000, 4) == [1000, 4000, 16000, 64000]
    assert budgets(10, 100, 3.0) == [10, 30, 90]
    with pytest.raises(ParameterError, match="factor"):
        budgets(10, 100, 1.0)
    with pytest.raises(ParameterError, match="steps_max"):
        budgets(100, 10, 2.0)


# --------------------------------------------------------------------------
# reproducibility, parallelism, interruption
# --------------------------------------------------------------------------
W = Wire(".SP.D..S.P.")
P = ClassicalParams(p=0.7, Ig=0.25, drho=0.2, rho0=0.5)


@pytest.mark.parametrize("estimator", ["walkers", "adjoint"])
def test_same_seed_same_bits_any_workers(estimator):
    a = simulate(W, P, steps=40_000, seed=9, estimator=estimator, workers=1)
    b = simulate(W, P, steps=40_000, seed=9, estimator=estimator, workers=2)
    c = simulate(W, P, steps=40_000, seed=9, estimator=estimator, workers=3)
    assert a.to_json() == b.to_json() == c.to_json()
    d = simulate(W, P, steps=40_000, seed=10, estimator=estimator, workers=2)
    assert d.to_json() != a.to_json()


def test_batches_split_anywhere_combine_to_the_same_bits():
    ref = simulate(W, P, steps=30_001, seed=4, n_batches=40)
    kw = dict(steps=30_001, seed=4, n_batches=40)
    parts = [run_batches(W, P, batch_ids=ids, **kw) for ids in ([5, 39, 0], range(10, 20), [1, 2, 3, 4],
                                                                 range(6, 10), range(20, 39))]
    empty = run_batches(W, P, batch_ids=[], **kw)  # validates, computes nothing
    assert len(empty) == 0
    res = combine(W, P, [empty] + parts[::-1], steps=30_001, seed=4)
    assert res.to_json() == ref.to_json()
    with pytest.raises(ParameterError, match="incomplete"):
        combine(W, P, parts[1:])
    with pytest.raises(ParameterError, match="repeat"):
        combine(W, P, parts + [parts[0]])
    with pytest.raises(ParameterError, match="seed"):
        combine(W, P, parts, seed=5)
    with pytest.raises(ParameterError, match="another wire"):
        combine(W, P.replace(Ig=0.3), parts)


def test_batch_streams_are_seedsequence_spawn():
    ss = np.random.SeedSequence(123).spawn(40)
    for b in (0, 7, 39):
        assert np.array_equal(simmod._batch_seed(123, b).generate_state(4), ss[b].generate_state(4))
    np.testing.assert_array_equal(batch_sizes(10, 4), [3, 3, 2, 2])


def test_interrupted_run_resumes_to_the_same_bits(tmp_path, monkeypatch):
    ck = tmp_path / "run.npz"
    ref = simulate(W, P, steps=20_000, seed=8, n_batches=16, workers=2)

    real = SteadyStateSimulation.run_batch
    calls = []

    def flaky(self, b, *args, **kw):
        calls.append(b)
        if len(calls) == 6:
            raise KeyboardInterrupt
        return real(self, b, *args, **kw)

    monkeypatch.setattr(SteadyStateSimulation, "run_batch", flaky)
    with pytest.raises(KeyboardInterrupt):
        simulate(W, P, steps=20_000, seed=8, n_batches=16, workers=1, checkpoint=ck)
    kept = BatchSums.load(ck)
    assert 1 <= len(kept) <= 5
    monkeypatch.setattr(SteadyStateSimulation, "run_batch", real)
    res = simulate(W, P, steps=20_000, seed=8, n_batches=16, workers=2, checkpoint=ck, resume=True)
    assert res.to_json() == ref.to_json()
    # the finished checkpoint holds every batch; resuming again computes nothing
    assert len(BatchSums.load(ck)) == 16
    again = simulate(W, P, steps=20_000, seed=8, n_batches=16, checkpoint=ck, resume=True)
    assert again.to_json() == ref.to_json()
    # a checkpoint of another run is refused
    with pytest.raises(ParameterError, match="checkpoint"):
        simulate(W, P, steps=20_000, seed=9, n_batches=16, checkpoint=ck, resume=True)


def test_interrupted_threads_keep_completed_batches(tmp_path, monkeypatch):
    ck = tmp_path / "run.npz"
    real = SteadyStateSimulation.run_batch

    def flaky(self, b, *args, **kw):
        if b == 9:
            raise KeyboardInterrupt
        return real(self, b, *args, **kw)

    monkeypatch.setattr(SteadyStateSimulation, "run_batch", flaky)
    with pytest.raises(KeyboardInterrupt):
        simulate(W, P, steps=12_000, seed=1, n_batches=12, workers=2, checkpoint=ck)
    kept = BatchSums.load(ck).batch_ids.tolist()
    assert 9 not in kept and len(kept) >= 1
    monkeypatch.setattr(SteadyStateSimulation, "run_batch", real)
    res = simulate(W, P, steps=12_000, seed=1, n_batches=12, checkpoint=ck, resume=True)
    assert res.to_json() == simulate(W, P, steps=12_000, seed=1, n_batches=12).to_json()


def test_checkpoint_file_is_checked(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ParameterError, match="checkpoint"):
        simulate(W, P, steps=1000, checkpoint=bad, resume=True)


# --------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------
@pytest.mark.parametrize("kw,name", [
    (dict(steps=0), "steps"),
    (dict(steps=2.5), "steps"),
    (dict(steps=10, n_batches=32), "steps"),
    (dict(n_batches=1), "n_batches"),
    (dict(seed=-1), "seed"),
    (dict(mode="quantum"), "mode"),
    (dict(estimator="magic"), "estimator"),
    (dict(mode="physical", estimator="adjoint"), "estimator"),
    (dict(workers=0), "workers"),
    (dict(resume=True), "resume"),
])
def test_bad_input_is_a_parameter_error(kw, name):
    args = dict(steps=1000)
    args.update(kw)
    with pytest.raises(ParameterError) as e:
        simulate(W, P, **args)
    assert e.value.name == name


def test_bad_model_objects_match_the_solver_errors():
    for bad_wire in (".SD.", None):
        with pytest.raises(ParameterError) as e1:
            solve_classical(bad_wire, P)
        with pytest.raises(ParameterError) as e2:
            simulate(bad_wire, P, steps=100)
        assert str(e1.value) == str(e2.value)
    with pytest.raises(ParameterError) as e:
        simulate(W, {"p": 0.5}, steps=100)
    assert e.value.name == "params"
    with pytest.raises(ParameterError, match="p >= "):
        simulate(W, P.replace(p=1e-9), steps=100)
    with pytest.raises(ParameterError, match="batch_ids"):
        run_batches(W, P, steps=100, seed=0, n_batches=4, batch_ids=[4])


def test_tiny_p_is_fine_for_the_adjoint_estimator():
    wire, params = Wire(".SD.PD.S."), ClassicalParams(p=1e-9, Ig=0.1, drho=0.2)
    exact = solve_classical(wire, params)
    res = simulate(wire, params, steps=20_000, seed=1, estimator="adjoint")
    assert_agrees(res, exact, densities=False)


# --------------------------------------------------------------------------
# the object layer
# --------------------------------------------------------------------------
def test_injectors_and_scatterers():
    sim = SteadyStateSimulation(Wire(".SP.D."), ClassicalParams(p=0.5, Ig=0.4, drho=0.3))
    np.testing.assert_array_equal(sim.scatterers, [2, 3, 5])
    names = [(i.name, i.site, i.direction, i.weight, i.rate, i.bias) for i in sim.injectors]
    assert names == [("left reservoir", 1, 1, 1, 0.3, "forward"), ("right reservoir", 6, -1, 1, 0.3, "reverse"),
                     ("source", 2, 1, 1, 0.2, "both"), ("source", 2, -1, 1, 0.2, "both"),
                     ("drain", 5, 1, -1, 0.2, "both"), ("drain", 5, -1, -1, 0.2, "both")]


def test_traced_walkers_follow_the_rule_and_exit_with_the_exact_probability():
    """Pure-Python step-by-step walkers (the walker rule of conventions §2, no event skipping) leave a
    .SD. wire to the right with probability G = 1/(1 + 2(1-p)) (Eq. 6 at Ig = 0)."""
    wire, p = Wire(".SD."), 0.6
    sim = SteadyStateSimulation(wire, ClassicalParams(p=p, Ig=0.0, drho=1.0))
    n_walkers = 2000
    right = 0
    for seed in range(n_walkers):
        tr = sim.trace(0, seed=seed)
        steps = np.diff(tr.sites)
        flips = np.diff(tr.directions) != 0
        assert np.all(np.abs(steps) <= 1)
        assert np.all(steps[flips] == 0)                       # a flip stays in place
        assert np.all(wire.scatterer[tr.sites[:-1][flips] - 1])  # and happens only at S/D/P
        assert np.all(steps[~flips] == tr.directions[:-1][~flips])
        right += tr.exit == "right"
    G = 1 / (1 + 2 * (1 - p))
    se = math.sqrt(G * (1 - G) / n_walkers)
    assert abs(right / n_walkers - G) < Z_MAX * se
    assert len(tr.to_frame()) == len(tr.sites)


# --------------------------------------------------------------------------
# physical mode (the population engine, one replica per batch)
# --------------------------------------------------------------------------
def test_physical_mode_agrees_where_drains_never_run_dry():
    wire, params = Wire(".SDSD."), ClassicalParams(p=0.7, Ig=0.05, drho=0.2, rho0=1.0)
    exact = solve_classical(wire, params)
    res = simulate(wire, params, steps=6400, seed=2, mode="physical")
    assert res.extra["mode"] == "physical"
    for st in (res.forward, res.reverse):
        assert np.all(st.unmet_drain.mean == 0)   # rho ~ 1 on every site, drains take 0.025
    assert_agrees(res, exact)
    assert "unmet_drain" in res.to_dict()["forward"]
    assert "unmet_drain" not in simulate(wire, params, steps=1000).to_dict()["forward"]


def test_physical_mode_reports_unmet_drain_where_the_linear_model_goes_negative():
    wire, params = Wire(".SDSD."), ClassicalParams(p=0.5, Ig=2.0, drho=0.1, rho0=0.05)
    exact = solve_classical(wire, params)
    assert exact.forward.rho_plus.min() < 0
    res = simulate(wire, params, steps=3200, seed=2, mode="physical")
    unmet = res.forward.unmet_drain
    drains = np.array([i for i, c in enumerate(wire.layout) if c == "D"])
    assert np.all(unmet.mean[drains] > Z_MAX * unmet.stderr[drains])  # clearly nonzero at the drains
    others = np.setdiff1d(np.arange(wire.N), drains)
    assert np.all(unmet.mean[others] == 0)
    # the population is no longer the linear model: its current is far off the linear one
    assert abs(res.forward.I_in.z(exact.forward.I_in)) > 10
