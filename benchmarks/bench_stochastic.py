"""Benchmark of the steady-state Monte Carlo (issue 3), with its baseline in the same run.

    python benchmarks/bench_stochastic.py            # about two minutes
    python benchmarks/bench_stochastic.py --quick    # smaller runs

(a) dimers, N = 100, p = 0.9, Ig = 0.05, drho = 0.1, rho0 = 1: CPU seconds
    (one core) to bring stderr(delta_I) below 1 % of delta_I — measured for
    nonrecip (budget raised by 10 % until the target is met; the CPU time of
    the run that met it, everything included) and extrapolated for a straightforward vectorised NumPy
    time-stepped simulation of the whole population (binomial moves/flips
    per site per step, Poisson injections, forward and reverse wires; stderr
    from batch means over time; stderr * sqrt(CPU time) is constant, so the
    time to the target is (stderr * sqrt(t) / target)^2).
(b) kernel scattering events (arrivals of walkers on S/D/P sites, each
    resolved with its exact law) per CPU second on one core, and random
    numbers drawn per second.
(c) wall-clock speed-up from one worker to two on a long run.
(d) walker-steps per CPU second of the general estimator (densities and
    bond currents) against the baseline's walker-steps per second.
"""

from __future__ import annotations

import argparse
import math
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
def time_to_target(estimator: str, start: int, repeat: int = 5) -> dict:
    """Raise the budget by 10 % steps until stderr(delta_I) < 1 % of delta_I;
    the CPU time of that run (one worker; median of ``repeat`` runs)."""
    steps = start
    while True:
        cpus = []
        for _ in range(repeat):
            t0 = time.process_time()
            res = simulate(WIRE, PARAMS, steps=steps, seed=1, estimator=estimator, workers=1)
            cpus.append(time.process_time() - t0)
        rel = res.delta_I.stderr / abs(res.delta_I.mean)
        if rel < TARGET:
            return dict(cpu=float(np.median(cpus)), steps=steps, rel=rel, res=res)
        steps = int(steps * 1.1)


def events_per_second(estimator: str, steps: int) -> dict:
    t0 = time.process_time()
    bs = run_batches(WIRE, PARAMS, steps=steps, seed=2, n_batches=32, batch_ids=range(32), estimator=estimator,
                     workers=1)
    cpu = time.process_time() - t0
    ev, wsteps, draws = bs.counters.sum(axis=0)
    return dict(cpu=cpu, events=ev / cpu, wsteps=wsteps / cpu, draws=draws / cpu)


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

    print("\n(a) CPU seconds (one core) to stderr(delta_I) < 1 % of delta_I")
    rows = {}
    for est, start, rep in (("adjoint", 60_000, 5), ("walkers", 300_000, 1)):
        r = time_to_target(est, start, rep)
        rows[est] = r
        print(f"  nonrecip {est:8s}: {r['cpu']:.4f} s CPU  ({r['steps']} steps, stderr/delta_I = {r['rel']:.4f}, "
              f"z vs exact = {r['res'].delta_I.z(exact.delta_I):+.2f})")
    b = baseline(20_000 if q else 100_000, block=1000)
    print(f"  numpy population baseline: {b['steps']} steps in {b['cpu']:.1f} s CPU, stderr {b['se']:.3g} "
          f"(delta_I {b['mean']:.4g} vs exact {b['exact']:.4g}) -> extrapolated {b['t_target']:.3g} s "
          f"= {b['t_target'] / 3600:.2f} h to the target")
    for est, r in rows.items():
        print(f"  ratio baseline / nonrecip {est}: {b['t_target'] / r['cpu']:.3g}")

    print("\n(b) kernel speed, one core")
    e = events_per_second("adjoint", 2_000_000 if q else 10_000_000)
    print(f"  adjoint: {e['events']:.3g} scattering events/s, {e['draws']:.3g} random numbers/s")
    w = events_per_second("walkers", 200_000 if q else 1_000_000)
    print(f"  walkers: {w['events']:.3g} scattering events/s, {w['draws']:.3g} random numbers/s, "
          f"{w['wsteps']:.3g} walker-steps/s")

    print("\n(c) speed-up from 1 to 2 workers (walkers estimator, wall clock)")
    s = speedup(400_000 if q else 2_000_000)
    print(f"  1 worker {s['t1']:.2f} s, 2 workers {s['t2']:.2f} s: speed-up {s['ratio']:.2f} "
          f"(results bit-identical: {s['identical']}); cores busy with 2 workers (CPU/wall): {s['cores2']:.2f}")

    print("\n(d) walker-steps per CPU second, general estimator (densities + bond currents)")
    print(f"  nonrecip walkers: {w['wsteps']:.3g} /s; numpy population: {b['wsteps_per_s']:.3g} /s; "
          f"ratio {w['wsteps'] / b['wsteps_per_s']:.3g}")
    ph = physical_walker_steps(2_000 if q else 20_000)
    print(f"  nonrecip physical mode (population engine, burn-in included): {ph:.3g} /s; "
          f"ratio {ph / b['wsteps_per_s']:.3g}")
    print("\n(figures depend on the machine's load; the 2-core machine was shared when they were taken)")


if __name__ == "__main__":
    main()
