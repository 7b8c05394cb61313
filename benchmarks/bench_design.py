"""Benchmark: the design search (nonrecip.design).

Prints

1. layouts per second per core with the quantum linear model at N = 20,
   100, 1000 (K = 3): one ``solve_quantum`` (forward + reverse) and the
   objective per layout, and by superposition (:mod:`nonrecip.design.superpose`:
   6 solves score the 20 orders of one set of bath sites);
2. time to the exhaustive optimum for N = 16, K = 3 (60,060 layouts, quantum
   linear): the naive loop (itertools over placements, ``solve_quantum`` per
   layout, one core) against ``design(..., method="exhaustive")`` serially and
   on a process pool of ``--workers``; the ratio, and ``os.getloadavg()``
   before and after (the machine is shared);
3. the classical closed-form optimum at N = 10^6 (K = 4) against exhaustive
   enumeration (N = 16, K = 3) and annealing (N = 40, K = 3, budget 5000) of
   the classical model.

Run:  python benchmarks/bench_design.py [--workers 2] [--quick]
"""

from __future__ import annotations

import argparse
import itertools
import os
import time

import numpy as np

from nonrecip.design import LayoutSpace, design
from nonrecip.design.anneal import random_layout
from nonrecip.design.evaluate import Evaluator
from nonrecip.deterministic import solve_quantum
from nonrecip.wire import ClassicalParams, QuantumParams, Wire

QP = QuantumParams(gamma=0.7, mubar=1.0, dmu=0.1, Ig=0.0005)
CP = ClassicalParams(p=0.8, Ig=0.01, drho=0.1)


def evals_per_second(N: int, K: int, seconds: float) -> float:
    ev = Evaluator("quantum", QP, K)
    space = LayoutSpace(N, K)
    rng = np.random.default_rng(0)
    lays = [random_layout(space, rng) for _ in range(200)]
    ev(lays[0])
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        ev(lays[n % len(lays)])
        n += 1
    return n / (time.perf_counter() - t0)


def superposed_per_second(N: int, K: int, seconds: float) -> float:
    """Layouts per second scored by superposition (all orders of random bath sites)."""
    from nonrecip.design.superpose import block_scores

    ev = Evaluator("quantum", QP, K)
    space = LayoutSpace(N, K)
    rng = np.random.default_rng(0)
    words = sorted({"".join(p) for p in itertools.permutations("S" * K + "D" * K)})
    blocks = []
    for _ in range(50):
        sites = np.sort(rng.choice(np.arange(1, N - 1), 2 * K, replace=False))
        block = []
        for w in words:
            b = ["."] * N
            for s_, c in zip(sites, w, strict=True):
                b[s_] = c
            block.append("".join(b))
        blocks.append(block)
    block_scores(space, ev, blocks[0])
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        block_scores(space, ev, blocks[n % len(blocks)])
        n += 1
    return n * len(words) / (time.perf_counter() - t0)


def naive_exhaustive(N: int, K: int) -> tuple[str, float, int]:
    best, best_lay, n = -np.inf, "", 0
    for pos in itertools.combinations(range(1, N - 1), 2 * K):
        for s in itertools.combinations(range(2 * K), K):
            lay = ["."] * N
            for j, p in enumerate(pos):
                lay[p] = "S" if j in s else "D"
            w = "".join(lay)
            d = solve_quantum(Wire(w), QP).delta_I
            n += 1
            if d > best or (d == best and w < best_lay):
                best, best_lay = d, w
    return best_lay, best, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="shorter timings, N = 14 instead of 16")
    a = ap.parse_args()
    print(f"load average before: {os.getloadavg()}")
    print("1. quantum linear: layouts per second per core (K = 3: direct solve / superposed, 20 orders per 6 solves)")
    for N in (20, 100, 1000):
        t = 0.5 if a.quick else 2.0
        print(f"   N = {N:5d}: direct {evals_per_second(N, 3, t):8.0f} /s   superposed {superposed_per_second(N, 3, t):8.0f} /s")

    N, K = (14, 3) if a.quick else (16, 3)
    print(f"2. exhaustive optimum, quantum linear, N = {N}, K = {K} ({LayoutSpace(N, K).count} layouts)")
    t0 = time.perf_counter()
    lay0, d0, n0 = naive_exhaustive(N, K)
    t_naive = time.perf_counter() - t0
    print(f"   naive loop (1 core):        {t_naive:7.2f} s  {n0} layouts  best {lay0} {d0:.6g}")
    t0 = time.perf_counter()
    r1 = design("quantum", N, K, QP, method="exhaustive", top=1)
    t_serial = time.perf_counter() - t0
    print(f"   design, serial:             {t_serial:7.2f} s  {r1.evaluated} layouts  best {r1.best[0].layout}")
    t0 = time.perf_counter()
    r2 = design("quantum", N, K, QP, method="exhaustive", top=1, workers=a.workers)
    t_par = time.perf_counter() - t0
    print(f"   design, {a.workers} processes:        {t_par:7.2f} s  best {r2.best[0].layout}")
    assert r1.best[0].layout == r2.best[0].layout == lay0 and r1.best[0].delta_I == d0
    print(f"   speed-up vs naive: serial {t_naive / t_serial:.2f}x, {a.workers} processes {t_naive / t_par:.2f}x")
    print(f"   load average after: {os.getloadavg()}")

    print("3. classical optimum")
    t0 = time.perf_counter()
    rc = design("classical", 10**6, 4, CP, top=1)
    t_an = time.perf_counter() - t0
    print(f"   closed form, N = 10^6, K = 4: {t_an:7.3f} s  delta_I = {rc.best[0].delta_I:.10g} "
          f"(dimers {rc.reference['dimers'].delta_I:.10g}), {rc.parameters['optimal_layouts']:.3e} optimal layouts")
    t0 = time.perf_counter()
    re = design("classical", 16, 3, CP, method="exhaustive", top=1)
    print(f"   exhaustive, N = 16, K = 3:    {time.perf_counter() - t0:7.3f} s  ({re.evaluated} layouts)")
    t0 = time.perf_counter()
    ra = design("classical", 40, 3, CP, method="anneal", budget=5000, restarts=5, seed=0, top=1)
    print(f"   annealing, N = 40, K = 3:     {time.perf_counter() - t0:7.3f} s  ({ra.evaluated} layouts, "
          f"{ra.parameters['restarts_agreeing']}/5 restarts at the best, "
          f"best = closed form: {abs(ra.best[0].delta_I - rc.best[0].delta_I * 0 - re.best[0].delta_I) < 1e-15})")


if __name__ == "__main__":
    main()
