"""Benchmark: the time-stepped population engine against NumPy baselines.

Run: ``python benchmarks/bench_population.py [--quick]``

Configuration (issue 3): ``dimers``, p = 0.9, Ig = 0.05, drho = 0.1, rho0 = 1,
forward bias, linear mode, ``scale`` walkers per unit density, N = 100 and
N = 1000, every run started in the exact linear steady state.

Measured:

* **nonrecip** -- :class:`nonrecip.stochastic.population.WireSimulation`
  (Numba kernel, binomial split per site and species);
* **NumPy per-walker** -- the straightforward vectorised NumPy time-stepped
  simulation of the whole population: one array entry per walker (site,
  direction, weight +-1), a uniform per walker and step, walkers absorbed at
  the ends, drains adding negative-weight walkers (written below);
* **NumPy counts** -- the same binomial-split algorithm as nonrecip, vectorised
  over sites with NumPy (the fair "same algorithm" baseline).

Figures: steps per second, site updates per second (2 N per step) and
walker-steps per second (walkers present x steps; for nonrecip walkers of
opposite weight on the same site cancel, so fewer walkers carry the same
expectation), and ratios. Then one core against two: a two-member ensemble
advanced with one and with two threads (the kernel releases the GIL).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nonrecip import ClassicalParams, Wire
from nonrecip.deterministic.classical import move_probability, steady_state
from nonrecip.stochastic.population import TrajectoryRun, WireSimulation

PARAMS = ClassicalParams(p=0.9, Ig=0.05, drho=0.1, rho0=1.0)


# ---------------------------------------------------------------------------
# baseline 1: one array entry per walker
# ---------------------------------------------------------------------------
class PerWalkerNumpy:
    """Every walker is an entry: ``site`` (0-based), ``dirn`` (+1 right, -1
    left), ``w`` (+1, or -1 for the negative-weight walkers that drains emit)."""

    def __init__(self, wire: Wire, params: ClassicalParams, scale: float, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        self.n = wire.N
        self.m = move_probability(wire, params.p)
        self.scale = scale
        self.src = np.array([i for i, c in enumerate(wire.layout) if c == "S"])
        self.drn = np.array([i for i, c in enumerate(wire.layout) if c == "D"])
        self.inj = (scale * (params.rho0 + params.drho), scale * params.rho0)
        self.half = scale * params.Ig / 2
        ex = steady_state(wire, params, "forward")
        sites, dirs, ws = [], [], []
        for rho, d in ((ex.rho_plus, 1), (ex.rho_minus, -1)):
            k = self.rng.poisson(scale * np.abs(rho))
            sites.append(np.repeat(np.arange(self.n), k))
            dirs.append(np.full(k.sum(), d))
            ws.append(np.repeat(np.sign(rho), k))
        self.site = np.concatenate(sites).astype(np.int64)
        self.dirn = np.concatenate(dirs).astype(np.int64)
        self.w = np.concatenate(ws).astype(np.int64)
        self.J = np.zeros(self.n - 1)

    def _new(self, site: np.ndarray, d: int, w: int):
        return site, np.full(site.size, d, np.int64), np.full(site.size, w, np.int64)

    def step(self) -> None:
        rng = self.rng
        move = rng.random(self.site.size) < self.m[self.site]
        # crossings of bond l -> l+1
        right = move & (self.dirn > 0) & (self.site < self.n - 1)
        left = move & (self.dirn < 0) & (self.site > 0)
        self.J += np.bincount(self.site[right], self.w[right], minlength=self.n)[: self.n - 1]
        self.J -= np.bincount(self.site[left] - 1, self.w[left], minlength=self.n)[: self.n - 1]
        self.site = self.site + np.where(move, self.dirn, 0)
        self.dirn = np.where(move, self.dirn, -self.dirn)
        keep = (self.site >= 0) & (self.site < self.n)
        parts = [(self.site[keep], self.dirn[keep], self.w[keep]),
                 self._new(np.zeros(rng.poisson(self.inj[0]), np.int64), 1, 1),
                 self._new(np.full(rng.poisson(self.inj[1]), self.n - 1, np.int64), -1, 1)]
        for sites, w in ((self.src, 1), (self.drn, -1)):
            for d in (1, -1):
                k = rng.poisson(self.half, sites.size)
                parts.append(self._new(np.repeat(sites, k), d, w))
        self.site = np.concatenate([p[0] for p in parts])
        self.dirn = np.concatenate([p[1] for p in parts])
        self.w = np.concatenate([p[2] for p in parts])

    @property
    def walkers(self) -> int:
        return int(self.site.size)


# ---------------------------------------------------------------------------
# baseline 2: counts per site, the same algorithm as nonrecip, vectorised
# ---------------------------------------------------------------------------
class CountsNumpy:
    def __init__(self, wire: Wire, params: ClassicalParams, scale: float, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        self.m = move_probability(wire, params.p)
        self.n = wire.N
        ex = steady_state(wire, params, "forward")
        rho = np.stack([ex.rho_plus, ex.rho_minus])
        self.c = (np.sign(rho) * self.rng.poisson(scale * np.abs(rho))).astype(np.int64)
        self.src = np.array([c == "S" for c in wire.layout])
        self.drn = np.array([c == "D" for c in wire.layout])
        self.inj = (scale * (params.rho0 + params.drho), scale * params.rho0)
        self.half = scale * params.Ig / 2
        self.J = np.zeros(self.n - 1)

    def step(self) -> None:
        rng, c = self.rng, self.c
        k = np.sign(c) * rng.binomial(np.abs(c), self.m)          # movers, both species
        stay = c - k
        self.J += k[0, :-1] - k[1, 1:]
        new = np.zeros_like(c)
        new[0, 1:] = k[0, :-1]
        new[1, :-1] = k[1, 1:]
        new[0] += stay[1]
        new[1] += stay[0]
        new[0, 0] += rng.poisson(self.inj[0])
        new[1, -1] += rng.poisson(self.inj[1])
        ns, nd = int(self.src.sum()), int(self.drn.sum())
        new[:, self.src] += rng.poisson(self.half, (2, ns))
        new[:, self.drn] -= rng.poisson(self.half, (2, nd))
        self.c = new

    @property
    def walkers(self) -> int:
        return int(np.abs(self.c).sum())


# ---------------------------------------------------------------------------
def timed(step_fn, walkers_fn, steps: int) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, mean walkers present) over ``steps`` calls."""
    w = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step_fn()
        w += walkers_fn()
    return time.perf_counter() - t0, time.process_time() - c0, w / steps


def bench_nonrecip(wire: Wire, scale: float, steps: int) -> tuple[float, float, float]:
    sim = WireSimulation(wire, PARAMS, scale=scale, seed=1, start="linear")
    sim.step(10)  # warm (JIT from cache)
    walkers = float(np.abs(sim.counts).sum())
    t0, c0 = time.perf_counter(), time.process_time()
    sim.step(steps)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    walkers = 0.5 * (walkers + float(np.abs(sim.counts).sum()))
    return wall, cpu, walkers


def row(name: str, n: int, steps: int, wall: float, walkers: float) -> dict:
    sps = steps / wall
    return dict(name=name, N=n, steps_per_s=sps, site_updates_per_s=sps * 2 * n, walker_steps_per_s=sps * walkers,
                walkers=walkers)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps (a smoke run)")
    ap.add_argument("--scale", type=float, default=1000.0, help="walkers per unit density (default 1000)")
    args = ap.parse_args()
    q = 0.1 if args.quick else 1.0
    scale = args.scale
    print(f"dimers, p={PARAMS.p}, Ig={PARAMS.Ig}, drho={PARAMS.drho}, rho0={PARAMS.rho0}, linear mode, "
          f"scale={scale:g} walkers per unit density; figures from wall time on a shared, loaded machine")
    WireSimulation(Wire.dimers(4), PARAMS).step(2)  # JIT warm-up (compile or load the cache)
    rows = []
    for n, k_nr, k_cnt, k_walk in ((100, 20000, 4000, 40), (1000, 2000, 500, 6)):
        wire = Wire.dimers(n)
        k_nr, k_cnt, k_walk = (max(2, int(k * q)) for k in (k_nr, k_cnt, k_walk))
        wall, cpu, walkers = bench_nonrecip(wire, scale, k_nr)
        nr = row("nonrecip (numba)", n, k_nr, wall, walkers)
        bc = CountsNumpy(wire, PARAMS, scale)
        wall, cpu, walkers = timed(bc.step, lambda b=bc: b.walkers, k_cnt)
        cnt = row("NumPy counts", n, k_cnt, wall, walkers)
        bw = PerWalkerNumpy(wire, PARAMS, scale)
        bw.step()
        wall, cpu, walkers = timed(bw.step, lambda b=bw: b.walkers, k_walk)
        pw = row("NumPy per-walker", n, k_walk, wall, walkers)
        rows += [nr, cnt, pw]
        print(f"\nN = {n}")
        print(f"  {'engine':<20}{'steps/s':>12}{'site-upd/s':>14}{'walker-steps/s':>16}{'walkers':>12}")
        for r in (nr, cnt, pw):
            print(f"  {r['name']:<20}{r['steps_per_s']:>12.4g}{r['site_updates_per_s']:>14.4g}"
                  f"{r['walker_steps_per_s']:>16.4g}{r['walkers']:>12.4g}")
        print(f"  ratio nonrecip / NumPy counts     (steps/s): {nr['steps_per_s'] / cnt['steps_per_s']:8.3g}")
        print(f"  ratio nonrecip / NumPy per-walker (steps/s): {nr['steps_per_s'] / pw['steps_per_s']:8.3g}"
              f"   (walker-steps/s: {nr['walker_steps_per_s'] / pw['walker_steps_per_s']:.3g})")

    print("\none core vs two: a two-member ensemble, threads releasing the GIL")
    for n, k in ((100, 40000), (1000, 4000)):
        k = max(2, int(k * q))
        wire = Wire.dimers(n)
        out = {}
        for workers in (1, 2):
            run = TrajectoryRun(wire, PARAMS, steps=10 * k, n_runs=2, record_every=k, scale=scale, start="linear")
            run.advance(10, workers=workers)
            t0 = time.perf_counter()
            run.advance(k, workers=workers)
            out[workers] = 2 * k / (time.perf_counter() - t0)
        print(f"  N = {n:5d}: 1 thread {out[1]:.4g} member-steps/s, 2 threads {out[2]:.4g} "
              f"member-steps/s, speed-up {out[2] / out[1]:.2f}")


if __name__ == "__main__":
    main()
