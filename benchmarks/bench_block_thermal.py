"""Benchmark: linear response at ``T > 0`` for hopping range ``r > 1`` (the CG route of :mod:`.block_thermal`).

``dimers`` wires (``K ~ N`` baths), ``Hamiltonian.long_range(N, 1, 1, r)``,
gamma = 0.5, mubar = 1, dmu = 0.1, Ig/Io = 0.05, ``T = 0.1``, forward and
reverse together, one call each (the first call of the process compiles the
kernels and is not timed: a warm-up at ``N = 200`` runs first). In the same
process:

* **new**: :func:`.block_thermal.solve_block_thermal` as ``method="auto"``
  runs it — every quadrature energy's block structure built once and kept
  (:class:`.block_thermal.EnergyStructures`), products by the heat-free
  forward map (:func:`._block_apply.block_currents_kernel`);
* **old** (the baseline, up to ``--old-max`` sites): the route before, a
  frozen copy in ``_baseline_block_thermal.py`` — the structure rebuilt at
  every energy of every product, the forward map with heat
  (:func:`._block_kernels.block_apply_kernel`), the CG and quadrature loop
  as it was;
* ``r = 1`` for reference (the issue's goal, ``T = 0.1``, ``dimers``,
  ``N = 10^4``, under 2 s): the range-1 CG route (:mod:`.thermal_chain`).

Prints per case: the time of each route, their ratio, the largest relative
difference of the potentials and currents (old vs new), CG iterations,
energies, structures built, memory kept, and ``os.getloadavg()`` (the box
is shared: 2 cores).

Run:  python benchmarks/bench_block_thermal.py [--n 10000 100000] [--r 2 4] [--old-max 10000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from nonrecip import QuantumParams, Wire
from nonrecip.deterministic.quantum.block_thermal import solve_block_thermal
from nonrecip.deterministic.quantum.general import solve_linear_general
from nonrecip.deterministic.quantum.linear import probe_targets
from nonrecip.hamiltonian import Hamiltonian

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _baseline_block_thermal import solve_block_thermal_old as old_route  # noqa: E402

PARAMS = QuantumParams.from_ig_ratio(0.05, gamma=0.5, mubar=1.0, dmu=0.1, temperature=0.1)


def dimers(n: int) -> Wire:
    return Wire("." + "SD" * ((n - 2) // 2) + "." * ((n - 2) % 2) + ".")


def rel(a, b) -> float:
    e = 0.0
    for s, t in zip(a, b, strict=True):
        for f in ("mu", "I", "J", "dn", "h"):
            x, y = getattr(s, f), getattr(t, f)
            e = max(e, float(np.nanmax(np.abs(x - y)) / np.nanmax(np.abs(y))))
    return e


def timed(f, *args, **kw):
    t = time.perf_counter()
    out = f(*args, **kw)
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--r", type=int, nargs="+", default=[2, 4])
    ap.add_argument("--old-max", type=int, default=10_000, help="largest N for the old route")
    ap.add_argument("--no-r1", action="store_true", help="skip the r = 1 reference")
    a = ap.parse_args()
    p = PARAMS
    print(f"loadavg {os.getloadavg()}  T = {p.temperature}, dimers, long-range t = 1, alpha = 1")
    w0 = dimers(200)
    for r in a.r:           # warm-up: compile every kernel outside the clock
        h0 = Hamiltonian.long_range(200, 1.0, 1.0, r)
        g, u, t = probe_targets(w0, p)
        solve_block_thermal(w0, p, h0, g, u, t)
        old_route(w0, p, h0, g, u, t)
    solve_linear_general(w0, p, Hamiltonian.ssh(200, 1.0, 0.8))
    for n in a.n:
        w = dimers(n)
        g, u, t = probe_targets(w, p)
        if not a.no_r1:
            _, t1 = timed(solve_linear_general, w, p, Hamiltonian.ssh(n, 1.0, 0.8))
            # (the r = 1 route before: ~15-22 s at N = 10^4, load 4, measured by hand at commit 9acc9b5)
            print(f"N = {n:>6}  r = 1 (ssh 1/0.8, thermal_chain): {t1:8.2f} s   loadavg {os.getloadavg()}",
                  flush=True)
        for r in a.r:
            h = Hamiltonian.long_range(n, 1.0, 1.0, r)
            info: dict = {}
            new, tn = timed(solve_block_thermal, w, p, h, g, u, t, info=info)
            line = (f"N = {n:>6}  r = {r}: new {tn:8.2f} s  (CG {info['iterations']}, energies "
                    f"{info['energies']}, built {info['built']}, kept {info['kept_bytes'] / 2**20:.0f} MiB, "
                    f"floor {info['floor']:.1e})")
            if n <= a.old_max:
                old, to = timed(old_route, w, p, h, g, u, t)
                line += f"  old {to:8.2f} s  ratio {to / tn:5.2f}  max rel diff {rel(new, old):.1e}"
            print(line + f"  loadavg {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
