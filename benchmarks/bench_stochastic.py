"""Benchmark of the steady-state Monte Carlo (issue 3), with its baseline in the same run.

    python benchmarks/bench_stochastic.py            # about two minutes
    python benchmarks/bench_stochastic.py --quick    # smaller runs

(a) dimers, N = 100, p = 0.9, Ig = 0.05, drho = 0.1, rho0 = 1: CPU seconds
    (one core) to bring stderr(delta_I) below 1 % of delta_I — for nonrecip
    at the EXPECTED budget, ``mean over >= 8 pilot seeds of steps x (stderr /
    (0.01 delta_I exact))^2`` (not one seed stopped when its noisy estimate
    dips under 1 %; the share of seeds whose own error bar meets 1 % at that
    budget is printed), CPU time per call, everything included, median over
    seeds; and extrapolated for a straightforward vectorised NumPy
    time-stepped simulation of the whole population (binomial moves/flips
    per site per step, Poisson injections, forward and reverse wires; stderr
    from batch means over time; stderr * sqrt(CPU time) is constant, so the
    time to the target is (stderr * sqrt(t) / target)^2).
(b) walkers per CPU second on one core, and random numbers actually drawn
    per second (the kernels' own draw counter: transmissions passed without
    a draw are not counted).
(c) wall-clock speed-up from one worker to two on a long run.
(d) walker-steps per CPU second of the general estimator (densities and
    bond currents) against the baseline's walker-steps per second.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np

from nonrecip import ClassicalParams, Wire, solve_classical
from nonrecip.stochastic import run_batches, simulate

WIRE = Wire.dimers(100)
PARAMS = ClassicalParams(p=0.9, Ig=0.05, drho=0.1, rho0=1.0)
TARGET = 0.01  # stderr(delta_I) / delta_I


# --------------------------------------------------------------------------
# the baseline: the whole population, one time step at a time, in NumPy
# --------------------------------------------------------------------------
def numpy_population(wire: Wire, params: ClassicalParams, steps: int, *, seed: int = 0, burn_in: int = 0,
                     block: int = 1000):
    """Straightforward vectorised time-stepped simulation of the linear model.

    Two wires (forward and reverse) of signed integer walker counts per site
    and species, started from the exact steady state (rounded) and run
    ``burn_in`` steps unrecorded. Every step: at S/D/P sites a binomial
    ``Bin(|c|, p)`` of the walkers move on, the rest flip; on free sites all
    move; walkers leaving the wire are absorbed; reservoirs inject
    ``Poisson(rho0 + drho)`` / ``Poisson(rho0)``, sources ``Poisson(Ig/2)``
    per species, drains remove ``Poisson(Ig/2)`` per species (counts may go
    negative: the linear model). ``I_in`` of a step = net crossings of bond
    1 -> 2.

    Returns
    -------
    dI_blocks : ndarray, shape (steps // block,)
        Block means of ``|I_in(rev)| - |I_in(fwd)|``-linearised currents:
        ``(-I_rev) - I_fwd`` per block (both currents are negative here).
    i_blocks : ndarray, shape (steps // block, 2)
        Block means of ``I_in`` forward and reverse.
    walker_steps : int
        Walkers present summed over the recorded steps (both wires).
    """
    rng = np.random.default_rng(seed)
    n = wire.N
    scat = wire.scatterer
    src = wire.injection > 0
    drn = wire.injection < 0
    exact = solve_classical(wire, params)
    c = np.zeros((2, 2, n), np.int64)  # [bias, species(+,-), site]
    for b, st in enumerate((exact.forward, exact.reverse)):
        c[b, 0] = np.rint(st.rho_plus)
        c[b, 1] = np.rint(st.rho_minus)
    inj = np.array([[params.rho0 + params.drho, params.rho0], [params.rho0, params.rho0 + params.drho]])
    n_blocks = steps // block
    cur = np.zeros((n_blocks, 2))
    wsteps = 0
    half = 0.5 * params.Ig
    for t in range(burn_in + n_blocks * block):
        a = np.abs(c)
        movers = np.where(scat, np.sign(c) * rng.binomial(a, params.p), c)
        stay = c - movers
        new = np.empty_like(c)
        new[:, 0, 1:] = movers[:, 0, :-1]
        new[:, 0, 0] = 0
        new[:, 1, :-1] = movers[:, 1, 1:]
        new[:, 1, -1] = 0
        new[:, 0] += stay[:, 1]
        new[:, 1] += stay[:, 0]
        i_in = movers[:, 0, 0] - movers[:, 1, 1]
        new[:, 0, 0] += rng.poisson(inj[:, 0])
        new[:, 1, -1] += rng.poisson(inj[:, 1])
        if half > 0:
            new[:, :, src] += rng.poisson(half, size=(2, 2, int(src.sum())))
            new[:, :, drn] -= rng.poisson(half, size=(2, 2, int(drn.sum())))
        c = new
        if t >= burn_in:
            k = (t - burn_in) // block
            cur[k] += i_in
            wsteps += int(np.abs(c).sum())
    cur /= block
    return cur, wsteps


def baseline(steps: int, block: int):
    exact = solve_classical(WIRE, PARAMS)
    t0 = time.process_time()
    cur, wsteps = numpy_population(WIRE, PARAMS, steps, seed=1, burn_in=2000, block=block)
    cpu = time.process_time() - t0
    sf = np.sign(exact.forward.I_in)
    sr = np.sign(exact.reverse.I_in)
    d = sr * cur[:, 1] - sf * cur[:, 0]
    se = d.std(ddof=1) / math.sqrt(len(d))
    # time to the target: stderr^2 * t is constant
    t_target = (se * math.sqrt(cpu) / (TARGET * exact.delta_I)) ** 2
    return dict(cpu=cpu, steps=steps, se=se, mean=d.mean(), exact=exact.delta_I, t_target=t_target,
                wsteps_per_s=wsteps / cpu)


# --------------------------------------------------------------------------
# nonrecip
# --------------------------------------------------------------------------
def time_to_target(estimator: str, pilot: int, seeds: int = 8, repeat: int = 5) -> dict:
    """CPU time per call at the expected budget for stderr(delta_I) < 1 % of delta_I.

    The budget is the mean over ``seeds`` (>= 8) pilot runs of ``pilot x
    (stderr / target)^2`` (stderr falls as ``steps**-1/2``); then ``repeat``
    runs with other seeds at that budget, one worker.
    """
    exact = solve_classical(WIRE, PARAMS).delta_I
    need = []
    for s in range(max(8, seeds)):
        r = simulate(WIRE, PARAMS, steps=pilot, seed=1000 + s, estimator=estimator, workers=1)
        need.append(pilot * (r.delta_I.stderr / (TARGET * abs(exact))) ** 2)
    steps = int(math.ceil(np.mean(need) / 32) * 32)
    cpus, met, zs = [], 0, []
    for s in range(repeat):
        t0 = time.process_time()
        res = simulate(WIRE, PARAMS, steps=steps, seed=s, estimator=estimator, workers=1)
        cpus.append(time.process_time() - t0)
        met += res.delta_I.stderr < TARGET * abs(res.delta_I.mean)
        zs.append(res.delta_I.z(exact))
    return dict(cpu=float(np.median(cpus)), steps=steps, spread=float(np.std(need) / np.mean(need)),
                met=met / repeat, z=float(np.max(np.abs(zs))))


def walkers_per_second(estimator: str, steps: int) -> dict:
    """Walkers and random numbers drawn per CPU second of one ``run_batches`` call (one worker)."""
    t0 = time.process_time()
    bs = run_batches(WIRE, PARAMS, steps=steps, seed=2, n_batches=32, batch_ids=range(32), estimator=estimator,
                     workers=1)
    cpu = time.process_time() - t0
    _, wsteps, draws = bs.counters.sum(axis=0)
    if estimator == "adjoint":
        walkers = steps                       # one walker per step, entering at site 1
    else:                                     # every injector's mean count per step (forward + reverse + S/D)
        from nonrecip.stochastic import SteadyStateSimulation

        walkers = steps * sum(i.rate for i in SteadyStateSimulation(WIRE, PARAMS).injectors)
    return dict(cpu=cpu, walkers=walkers / cpu, wsteps=wsteps / cpu, draws=draws / cpu,
                draws_per_walker=draws / walkers)


def speedup(steps: int) -> dict:
    out = {}
    for w in (1, 2):
        t0 = time.perf_counter()
        c0 = time.process_time()
        r = simulate(WIRE, PARAMS, steps=steps, seed=3, workers=w, n_batches=64)
        out[w] = time.perf_counter() - t0
        out[f"cpu{w}"] = time.process_time() - c0
        out[f"json{w}"] = r.to_json()
    return dict(t1=out[1], t2=out[2], ratio=out[1] / out[2], identical=out["json1"] == out["json2"],
                cores2=out["cpu2"] / out[2])


def physical_walker_steps(steps: int) -> float:
    """Walker-steps per CPU second of mode="physical" (the population engine,
    ``scale`` walkers per unit density, both biases)."""
    from nonrecip.stochastic.population import DEFAULT_SCALE

    t0 = time.process_time()
    bs = run_batches(WIRE, PARAMS, steps=steps, seed=4, n_batches=2, batch_ids=[0, 1], mode="physical",
                     workers=1)
    cpu = time.process_time() - t0
    occ = sum(float(np.abs(bs.data[f"rho_{s}_{b}"]).sum()) for s in ("plus", "minus") for b in ("forward", "reverse"))
    return occ * DEFAULT_SCALE / cpu


def _load() -> str:
    """The 1-minute load average (``os.getloadavg()``), printed beside every ratio."""
    return f"{os.getloadavg()[0]:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller runs (figures less precise)")
    args = ap.parse_args()
    q = args.quick

    # warm up the JIT (compiled code is cached on disk after the first run)
    simulate(Wire(".SD."), PARAMS, steps=100, estimator="adjoint", workers=1)
    simulate(Wire(".SD."), PARAMS, steps=100, workers=1)

    exact = solve_classical(WIRE, PARAMS)
    print(f"dimers N=100 p=0.9 Ig=0.05 drho=0.1 rho0=1: exact delta_I = {exact.delta_I:.6g} "
          f"(I_in fwd {exact.forward.I_in:.6g}, rev {exact.reverse.I_in:.6g}); target stderr < "
          f"{TARGET * exact.delta_I:.3g}")

    print("\n(a) CPU seconds (one core) per call at the expected budget for stderr(delta_I) < 1 % of delta_I")
    rows = {}
    for est, pilot, rep in (("adjoint", 20_000, 5), ("walkers", 100_000, 3)):
        r = time_to_target(est, pilot, repeat=rep)
        rows[est] = r
        print(f"  nonrecip {est:8s}: {r['cpu']:.4f} s CPU  (expected budget {r['steps']} steps over 8 seeds, "
              f"spread {r['spread']:.0%}; 1 % met in {r['met']:.0%} of {rep} runs; max |z| vs exact {r['z']:.2f})")
    b = baseline(20_000 if q else 100_000, block=1000)
    print(f"  numpy population baseline: {b['steps']} steps in {b['cpu']:.1f} s CPU, stderr {b['se']:.3g} "
          f"(delta_I {b['mean']:.4g} vs exact {b['exact']:.4g}) -> extrapolated {b['t_target']:.3g} s "
          f"= {b['t_target'] / 3600:.2f} h to the target")
    for est, r in rows.items():
        print(f"  ratio baseline / nonrecip {est}: {b['t_target'] / r['cpu']:.3g}   (load {_load()})")

    print("\n(b) kernel speed, one core (walkers, and random numbers actually drawn)")
    e = walkers_per_second("adjoint", 2_000_000 if q else 10_000_000)
    print(f"  adjoint: {e['walkers']:.3g} walkers/s, {e['draws']:.3g} draws/s "
          f"({e['draws_per_walker']:.2f} draws per walker)   (load {_load()})")
    w = walkers_per_second("walkers", 200_000 if q else 1_000_000)
    print(f"  walkers: {w['walkers']:.3g} walkers/s, {w['draws']:.3g} draws/s "
          f"({w['draws_per_walker']:.2f} draws per walker), {w['wsteps']:.3g} walker-steps/s   (load {_load()})")

    print("\n(c) speed-up from 1 to 2 workers (walkers estimator, wall clock)")
    s = speedup(400_000 if q else 2_000_000)
    print(f"  1 worker {s['t1']:.2f} s, 2 workers {s['t2']:.2f} s: speed-up {s['ratio']:.2f} "
          f"(results bit-identical: {s['identical']}); cores busy with 2 workers (CPU/wall): {s['cores2']:.2f}"
          f"   (load {_load()})")

    print("\n(d) walker-steps per CPU second, general estimator (densities + bond currents)")
    print(f"  nonrecip walkers: {w['wsteps']:.3g} /s; numpy population: {b['wsteps_per_s']:.3g} /s; "
          f"ratio {w['wsteps'] / b['wsteps_per_s']:.3g}   (load {_load()})")
    ph = physical_walker_steps(2_000 if q else 20_000)
    print(f"  nonrecip physical mode (population engine, burn-in included): {ph:.3g} /s; "
          f"ratio {ph / b['wsteps_per_s']:.3g}   (load {_load()})")
    print("\n(figures depend on the machine's load; the 2-core machine was shared when they were taken)")


if __name__ == "__main__":
    main()
