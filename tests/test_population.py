"""Time-stepped population engine (nonrecip.stochastic.population) against
independent references: the exact O(N) solver, a NumPy iteration of the
walker rule written here, and the eigenvalues of the explicit one-step map."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nonrecip import Bias, ClassicalParams, ParameterError, Wire
from nonrecip.deterministic.classical import steady_state
from nonrecip.stochastic.population import (
    TrajectoryRun,
    WireSimulation,
    default_burn_in,
    physical_batch,
    relaxation_time,
    trajectory,
)

# |z| bound for Monte Carlo vs exact. Each case compares ~3N quantities (<= 40);
# the standard errors come from K = 100 independent replicas, so z ~ t_99 and
# P(|t_99| > 4.5) ~ 2e-5: over all ~200 comparisons of this file a false alarm
# has probability ~0.4 %, while a bias of a few stderr fails.
Z_MAX = 4.5
K_REPLICAS = 100


# ---------------------------------------------------------------------------
# an independent reference: the walker rule (conventions §2) in expectation, in NumPy
# ---------------------------------------------------------------------------
def mean_field_step(xp, xm, wire, params, bias, physical=False):
    """One step of the expected densities (conventions §2), written from the
    rule, not from the kernel: move/flip, then reservoirs and sources, then drains
    (clipped at what is there when ``physical``). Returns new xp, xm, unmet."""
    m = np.where(np.array([c != "." for c in wire.layout]), params.p, 1.0)
    half = params.Ig / 2
    src = np.array([half if c == "S" else 0.0 for c in wire.layout])
    drn = np.array([half if c == "D" else 0.0 for c in wire.layout])
    hi, lo = params.rho0 + params.drho, params.rho0
    inj_l, inj_r = (hi, lo) if bias == "forward" else (lo, hi)
    new_p = np.zeros_like(xp)
    new_m = np.zeros_like(xm)
    new_p[1:] += m[:-1] * xp[:-1]
    new_m[:-1] += m[1:] * xm[1:]
    new_p += (1 - m) * xm
    new_m += (1 - m) * xp
    new_p[0] += inj_l
    new_m[-1] += inj_r
    new_p += src
    new_m += src
    if physical:
        take_p = np.minimum(drn, np.maximum(new_p, 0))
        take_m = np.minimum(drn, np.maximum(new_m, 0))
        unmet = 2 * drn - take_p - take_m
        return new_p - take_p, new_m - take_m, unmet
    return new_p - drn, new_m - drn, np.zeros_like(xp)


def transition_matrix(wire, p):
    """The 2N x 2N linear one-step map of (rho+, rho-)."""
    n = wire.N
    m = np.where(wire.scatterer, p, 1.0)
    A = np.zeros((2 * n, 2 * n))
    for l in range(n):
        if l + 1 < n:
            A[l + 1, l] += m[l]
        A[n + l, l] += 1 - m[l]
        if l > 0:
            A[n + l - 1, n + l] += m[l]
        A[l, n + l] += 1 - m[l]
    return A


def replica_estimates(wire, params, bias, *, steps, scale, mode="linear", k=K_REPLICAS, seed=0, burn_in=None):
    """Means and standard errors over k independent physical_batch replicas."""
    kids = np.random.SeedSequence(seed).spawn(k)
    rows = []
    for ss in kids:
        s = physical_batch(wire, params, steps=steps, seed_seq=ss, bias=bias, scale=scale, mode=mode,
                           burn_in=burn_in)
        rows.append(np.concatenate([s["rho_plus"], s["rho_minus"], s["J"], [s["I_in"], s["I_out"]],
                                    s["unmet_drain"]]) / steps)
    x = np.array(rows)
    return x.mean(axis=0), x.std(axis=0, ddof=1) / math.sqrt(k)


def assert_z(mean, se, ref, what):
    ok_zero = (se == 0) & (mean == ref)
    z = np.where(se > 0, (mean - ref) / np.where(se > 0, se, 1), np.where(ok_zero, 0.0, np.inf))
    assert np.all(np.abs(z) < Z_MAX), f"{what}: max |z| = {np.max(np.abs(z)):.2f} at {np.argmax(np.abs(z))}"


# ---------------------------------------------------------------------------
# linear mode: unbiased for the exact linear steady state
# ---------------------------------------------------------------------------
LINEAR_CASES = [
    # (layout, params, bias, scale)
    (Wire.dimers(6), ClassicalParams(p=0.9, Ig=0.05, drho=0.1, rho0=1.0), "forward", 1e4),
    (Wire.dimers(6), ClassicalParams(p=0.05, Ig=0.05, drho=0.1, rho0=1.0), "reverse", 1e4),
    # odd N, P sites, linear densities negative at several sites (signed walkers)
    (Wire(".SPPDP.S.D."), ClassicalParams(p=0.2, Ig=0.3, drho=0.15, rho0=0.05), "forward", 1e3),
    (Wire(".SPPDP.S.D."), ClassicalParams(p=0.2, Ig=0.3, drho=0.15, rho0=0.05), "reverse", 1e3),
    (Wire(".SP.D..S.P."), ClassicalParams(p=1.0, Ig=0.2, drho=0.1, rho0=0.3), "forward", 1e3),
    (Wire(".DD..SPS."), ClassicalParams(p=0.5, Ig=0.5, drho=0.1, rho0=0.0), "reverse", 1e3),
]


@pytest.mark.parametrize("wire,params,bias,scale", LINEAR_CASES,
                         ids=[f"{w.layout}-p{pr.p}-{b}" for w, pr, b, _ in LINEAR_CASES])
def test_linear_time_average_matches_exact(wire, params, bias, scale):
    # 20 relaxation times per replica: a wrong step rule would have moved the
    # mean well away from the exact state it starts in (start="linear")
    steps = int(20 * relaxation_time(wire, params.p)) + 20
    mean, se = replica_estimates(wire, params, bias, steps=steps, scale=scale)
    ex = steady_state(wire, params, bias)
    n = wire.N
    ref = np.concatenate([ex.rho_plus, ex.rho_minus, ex.J, [ex.I_in, ex.I_out], np.zeros(n)])
    assert_z(mean[: 3 * n + 1], se[: 3 * n + 1], ref[: 3 * n + 1], f"{wire.layout} {bias}")
    assert np.all(mean[3 * n + 1:] == 0.0)  # linear mode never records unmet drain


def test_linear_from_empty_matches_exact_after_burn_in():
    # empty start, default burn-in (5 relaxation times: residual bias < e^-5 of
    # the initial distance ~ 1, i.e. < 0.7 % of a stderr here... checked in z)
    wire, params = Wire.single(7), ClassicalParams(p=0.6, Ig=0.1, drho=0.2, rho0=0.5)
    steps = int(20 * relaxation_time(wire, params.p))
    kids = np.random.SeedSequence(11).spawn(60)
    x = np.array([physical_batch(wire, params, steps=steps, seed_seq=s, bias="forward", mode="linear",
                                 start="empty", scale=1e3)["J"] / steps for s in kids])
    ex = steady_state(wire, params, "forward")
    # 60 replicas: t_59 tail P(|t| > 4.5) ~ 3e-5 over 6 bonds
    assert_z(x.mean(0), x.std(0, ddof=1) / math.sqrt(60), ex.J, "single(7) J")


# ---------------------------------------------------------------------------
# deterministic limit: scale -> inf follows the expected-density map exactly
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("layout,p", [(".SDSD.", 0.7), (".SPPDP.S.D.", 0.3)])
def test_large_scale_trajectory_follows_mean_field_and_reaches_exact(layout, p):
    wire = Wire(layout)
    params = ClassicalParams(p=p, Ig=0.3, drho=0.2, rho0=0.4)
    # scale 1e12 walkers per unit density: relative noise ~ 1e-6 per site;
    # TOL = 1e-4 leaves a factor ~100 while any convention slip (e.g. measuring
    # before the injection) moves values by >= Ig/2 = 0.15
    TOL = 1e-4
    T = int(40 * relaxation_time(wire, p))
    sim = WireSimulation(wire, params, scale=1e12, seed=3, record_every=1)
    sim.step(T)
    h = sim.history
    xp, xm = np.zeros(wire.N), np.zeros(wire.N)
    checks = {1, 2, 3, 5, T // 10, T}
    for t in range(1, T + 1):
        xp, xm, _ = mean_field_step(xp, xm, wire, params, "forward")
        if t in checks:
            rp = h[(h.step == t) & (h.quantity == "rho_plus")]["value"].to_numpy()
            rm = h[(h.step == t) & (h.quantity == "rho_minus")]["value"].to_numpy()
            np.testing.assert_allclose(rp, xp, atol=TOL, err_msg=f"rho+ at step {t}")
            np.testing.assert_allclose(rm, xm, atol=TOL, err_msg=f"rho- at step {t}")
    # after 40 relaxation times the snapshot is the exact steady state
    ex = steady_state(wire, params, "forward")
    np.testing.assert_allclose(sim.occupation[0], ex.rho_plus, atol=TOL)
    np.testing.assert_allclose(sim.occupation[1], ex.rho_minus, atol=TOL)
    J_last = h[(h.step == T) & (h.quantity == "J")]["value"].to_numpy()
    np.testing.assert_allclose(J_last, ex.J, atol=TOL)


def test_large_scale_physical_reaches_clipped_mean_field_fixed_point():
    # the linear solution is negative at the drains here; the physical mode at
    # large scale must reach the fixed point of the clipped expected-density map
    wire = Wire(".SDSD.")
    params = ClassicalParams(p=0.5, Ig=0.5, drho=0.1, rho0=0.0)
    assert steady_state(wire, params, "forward").rho_plus.min() < -0.1
    xp, xm = np.zeros(wire.N), np.zeros(wire.N)
    for _ in range(5000):
        xp, xm, unmet = mean_field_step(xp, xm, wire, params, "forward", physical=True)
    T = 200
    sim = WireSimulation(wire, params, mode="physical", scale=1e12, seed=5)
    sim.step(int(40 * relaxation_time(wire, params.p)))
    sim.reset_averages()
    sim.step(T)
    a = sim.averages()
    # scale 1e12: relative noise ~1e-6 (clipping a near-empty site biases by the
    # same order); TOL = 1e-4 as above
    TOL = 1e-4
    np.testing.assert_allclose(a["rho_plus"], xp, atol=TOL)
    np.testing.assert_allclose(a["rho_minus"], xm, atol=TOL)
    np.testing.assert_allclose(a["unmet_drain"], unmet, atol=TOL)
    assert unmet[4] > 0.1  # the last drain (site 5) runs dry in this case


# ---------------------------------------------------------------------------
# physical mode
# ---------------------------------------------------------------------------
def test_physical_equals_linear_bit_for_bit_when_no_drain_runs_dry():
    # rho0 = 5 gives ~5000 walkers per site and species while a drain asks for
    # Poisson(25): a shortfall would need a 5000-sigma fluctuation. Both modes
    # draw the same random numbers, so they must agree exactly.
    wire = Wire.dimers(10)
    params = ClassicalParams(p=0.8, Ig=0.05, drho=0.1, rho0=5.0)
    ss = np.random.SeedSequence(42)
    lin = physical_batch(wire, params, steps=500, seed_seq=ss, bias="forward", mode="linear", burn_in=100)
    phy = physical_batch(wire, params, steps=500, seed_seq=ss, bias="forward", mode="physical", burn_in=100)
    assert np.all(phy["unmet_drain"] == 0)
    for k in ("rho_plus", "rho_minus", "J", "I_in", "I_out"):
        np.testing.assert_array_equal(lin[k], phy[k])


def test_physical_unmet_drain_where_linear_densities_go_negative():
    wire = Wire(".SD.")
    params = ClassicalParams(p=0.5, Ig=0.5, drho=0.1, rho0=0.0)
    ex = steady_state(wire, params, "forward")
    assert ex.rho_plus[2] < 0  # linear model unphysical at the drain (site 3)
    sim = WireSimulation(wire, params, mode="physical", scale=300, seed=7, start="linear", record_every=10)
    sim.step(default_burn_in(wire, params.p))
    sim.reset_averages()
    sim.step(3000)
    assert sim.counts.min() >= 0
    h = sim.history
    assert h[h.quantity.isin(["rho_plus", "rho_minus"])]["value"].min() >= 0
    a = sim.averages()
    assert a["unmet_drain"][2] > 0.1  # deterministic limit: 0.2167 (mean-field map)
    assert np.all(a["unmet_drain"][[0, 1, 3]] == 0)  # only the drain can fall short


def test_physical_charge_balance():
    # stationary mean: I_out - I_in = (n_S - n_D) Ig + total unmet drain
    wire = Wire(".DD..SPS.")
    params = ClassicalParams(p=0.5, Ig=0.5, drho=0.1, rho0=0.0)
    mean, se = replica_estimates(wire, params, "forward", steps=400, scale=300, mode="physical", k=40, seed=2)
    n = wire.N
    i_in, i_out = mean[3 * n - 1], mean[3 * n]
    unmet = mean[3 * n + 1:].sum()
    # per-replica differences are correlated; bound with the sum of stderrs
    # (conservative), 4.5 of them (40 replicas, t_39 tail ~ 6e-5)
    bound = Z_MAX * (se[3 * n - 1] + se[3 * n] + se[3 * n + 1:].sum())
    assert abs((i_out - i_in) - ((wire.n_sources - wire.n_drains) * params.Ig + unmet)) < bound
    assert unmet > 0.2


# ---------------------------------------------------------------------------
# trajectories and ensembles
# ---------------------------------------------------------------------------
def test_trajectory_frame_shape_and_units():
    wire, params = Wire(".SD."), ClassicalParams(p=0.5, Ig=0.1, drho=0.2, rho0=1.0)
    df = trajectory(wire, params, steps=20, record_every=5, seed=1, mode="physical")
    assert list(df.columns) == ["bias", "step", "quantity", "kind", "index", "value", "stderr"]
    assert sorted(df.step.unique()) == [0, 5, 10, 15, 20]
    at0 = df[df.step == 0]
    assert set(at0.quantity) == {"rho_plus", "rho_minus"} and np.all(at0.value == 0)  # empty start
    j = df[(df.step == 20) & (df.quantity == "J")]
    assert list(j["index"]) == [1, 2, 3]
    io = df[df.quantity == "I_in"]
    assert io["index"].isna().all() and io["stderr"].isna().all()
    assert set(df[df.quantity == "unmet_drain"]["index"]) == {1, 2, 3, 4}
    # empty start: step 1 injects Poisson(scale*1.2) at site 1 and nothing can
    # have been absorbed yet, so I_in of the first window is positive
    assert io.value.iloc[0] > 0


def test_ensemble_stderr_and_relaxation_from_empty():
    wire, params = Wire.dimers(8), ClassicalParams(p=0.8, Ig=0.05, drho=0.1, rho0=1.0)
    T = int(20 * relaxation_time(wire, params.p))
    run = TrajectoryRun(wire, params, steps=T, seed=4, bias="both", n_runs=24, record_every=T // 40)
    run.run(workers=2)
    ex_f, ex_r = run.exact("forward"), run.exact("reverse")
    for b, ex in ((Bias.FORWARD, ex_f), (Bias.REVERSE, ex_r)):
        late = run.late_averages(b)
        # 24 independent runs: z ~ t_23, P(|t_23| > 4.5) ~ 2e-4, 4 comparisons
        assert abs(late["I_in"].z(ex.I_in)) < Z_MAX
        assert abs(late["I_out"].z(ex.I_out)) < Z_MAX
    df = run.frame()
    first = df[(df.bias == "forward") & (df.quantity == "J") & (df.step == df.step[df.step > 0].min())]
    assert np.all(first.stderr > 0)
    # far from the steady state at the start: the wire is still filling
    rho_first = df[(df.bias == "forward") & (df.quantity == "rho_plus") & (df.step == 0)]["value"]
    assert np.all(rho_first == 0)
    d = run.to_dict()
    assert set(d) == {"parameters", "forward", "reverse", "delta_I"}
    # exact delta_I from the solver, ensemble estimate within 4.5 stderr
    dI = abs(ex_r.I_in) - abs(ex_f.I_in)
    assert abs(d["delta_I"]["mean"] - dI) < Z_MAX * d["delta_I"]["stderr"]


def test_same_seed_identical_and_independent_of_threads_and_chunks():
    wire, params = Wire(".SPPDP.S.D."), ClassicalParams(p=0.3, Ig=0.3, drho=0.15, rho0=0.05)
    a = trajectory(wire, params, steps=300, seed=9, n_runs=3, record_every=7, workers=1, mode="physical")
    b = trajectory(wire, params, steps=300, seed=9, n_runs=3, record_every=7, workers=2, mode="physical")
    assert a.equals(b)
    c = trajectory(wire, params, steps=300, seed=10, n_runs=3, record_every=7, workers=2, mode="physical")
    assert not a.equals(c)
    # any split into calls gives the same history and sums
    s1 = WireSimulation(wire, params, seed=3, record_every=7)
    s1.step(300)
    s2 = WireSimulation(wire, params, seed=3, record_every=7)
    for k in (1, 6, 13, 80, 200):
        s2.step(k)
    assert s1.history.equals(s2.history)
    for k, v in s1.sums().items():
        np.testing.assert_array_equal(v, s2.sums()[k])


def test_checkpoint_resume_is_bit_identical(tmp_path):
    wire, params = Wire.dimers(6), ClassicalParams(p=0.7, Ig=0.05, drho=0.1, rho0=1.0)
    kw = dict(steps=3000, seed=5, bias="both", n_runs=2, record_every=10, mode="physical")
    whole = TrajectoryRun(wire, params, **kw)
    whole.run()
    ck = tmp_path / "ck.npz"
    part = TrajectoryRun(wire, params, **kw)
    calls = []
    assert part.run(should_stop=lambda: calls.append(1) or len(calls) >= 2, checkpoint=ck) is False
    assert 0 < part.done < 3000
    resumed = TrajectoryRun(wire, params, **kw)
    resumed.load_state(ck)
    assert resumed.done == part.done
    assert resumed.run(checkpoint=ck)
    assert resumed.frame().equals(whole.frame())
    assert resumed.to_json() == whole.to_json()
    # a checkpoint only resumes the same parameters
    other = TrajectoryRun(wire, params.replace(Ig=0.06), **kw)
    with pytest.raises(ParameterError, match="Ig"):
        other.load_state(ck)
    # --steps may grow: a longer run continues the same stream
    longer = TrajectoryRun(wire, params, **{**kw, "steps": 3500})
    longer.load_state(ck)
    longer.run()
    ref = TrajectoryRun(wire, params, **{**kw, "steps": 3500})
    ref.run()
    assert longer.frame().equals(ref.frame())


# ---------------------------------------------------------------------------
# the parts, the relaxation time, the physical_batch contract
# ---------------------------------------------------------------------------
def test_parts_of_the_wire():
    sim = WireSimulation(Wire(".SPD."), ClassicalParams(p=0.4, Ig=0.2, drho=0.1, rho0=1.0), bias="reverse")
    left, right = sim.reservoirs
    assert (left.site, left.injection, right.site, right.injection) == (1, 1.0, 5, 1.1)
    assert [s.site for s in sim.sources] == [2] and sim.sources[0].injection == 0.1
    assert [d.site for d in sim.drains] == [4]
    assert [(s.site, s.kind) for s in sim.scatterers] == [(2, "S"), (3, "P"), (4, "D")]
    assert list(sim.walkers.columns) == ["site", "kind", "right_movers", "left_movers"]


@pytest.mark.parametrize("layout,n", [("dimers", 6), ("dimers", 40), ("single", 30), (".SP.D..S.P.", None)])
@pytest.mark.parametrize("p", [0.05, 0.5, 0.9, 0.99])
def test_relaxation_time_bounds_slowest_mode(layout, n, p):
    wire = Wire.from_spec(layout, n)
    lam = np.max(np.abs(np.linalg.eigvals(transition_matrix(wire, p))))
    tau = -1.0 / math.log(lam)
    # an upper bound (burn-in long enough) but not absurdly loose (factor 10)
    assert tau <= relaxation_time(wire, p) <= 10 * tau + wire.N


def test_physical_batch_contract():
    wire, params = Wire.dimers(6), ClassicalParams(p=0.5, Ig=0.3, drho=0.1, rho0=0.0)
    ss = np.random.SeedSequence(1)
    out = physical_batch(wire, params, steps=50, seed_seq=ss, bias=Bias.FORWARD)
    assert {k: np.shape(v) for k, v in out.items()} == {
        "rho_plus": (6,), "rho_minus": (6,), "J": (5,), "unmet_drain": (6,), "I_in": (), "I_out": ()}
    again = physical_batch(wire, params, steps=50, seed_seq=np.random.SeedSequence(1), bias="forward")
    for k in out:
        np.testing.assert_array_equal(out[k], again[k])
    assert np.all(out["rho_plus"] >= 0) and out["unmet_drain"].sum() > 0


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------
W, PR = Wire(".SD."), ClassicalParams(p=0.5, Ig=0.1)


@pytest.mark.parametrize("kwargs,name", [
    (dict(mode="quantum"), "mode"),
    (dict(start="full"), "start"),
    (dict(bias="sideways"), "bias"),
    (dict(scale=0.0), "scale"),
    (dict(scale=1e20), "scale"),
    (dict(seed=-1), "seed"),
    (dict(record_every=0), "record_every"),
])
def test_wire_simulation_rejects_bad_input(kwargs, name):
    with pytest.raises(ParameterError) as e:
        WireSimulation(W, PR, **kwargs)
    assert e.value.name == name


@pytest.mark.parametrize("kwargs,name", [
    (dict(steps=0), "steps"),
    (dict(steps=10, n_runs=0), "runs"),
    (dict(steps=10, bias="up"), "bias"),
    (dict(steps=10, record_every=-2), "record_every"),
])
def test_trajectory_rejects_bad_input(kwargs, name):
    with pytest.raises(ParameterError) as e:
        trajectory(W, PR, **kwargs)
    assert e.value.name == name


def test_physical_batch_rejects_bad_input():
    with pytest.raises(ParameterError) as e:
        physical_batch(W, PR, steps=10, seed_seq=3, bias="forward")
    assert e.value.name == "seed_seq"
    with pytest.raises(ParameterError) as e:
        physical_batch(".SD.", PR, steps=10, seed_seq=np.random.SeedSequence(0), bias="forward")
    assert e.value.name == "wire"
    with pytest.raises(ParameterError) as e:
        physical_batch(W, PR, steps=10, seed_seq=np.random.SeedSequence(0), bias="forward", burn_in=-1)
    assert e.value.name == "burn_in"
