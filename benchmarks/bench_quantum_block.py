"""Benchmark: the block two-stream solve for hopping range r > 1 at T = 0 (conventions §4).

``dimers`` wires (``K ~ N`` baths), ``Hamiltonian.long_range(N, 1, 1, r)``,
gamma = 0.5, mubar = 1, dmu = 0.1, Ig/Io = 0.05, forward and reverse
together, best of ``--repeat`` after one warm-up call. In the same run:

* the block solve (:func:`.block.solve_block_t0`, what ``method="auto"``
  takes for more than 128 baths), and its parts (structure, the
  drive-independent factorisation, one sweep, one forward map);
* the ``K x K`` route (banded LU columns + dense probe solve) up to
  ``--kxk-max`` sites, and the dense oracle (``method="dense"``) up to
  ``--dense-max`` sites, with the largest relative difference of the block
  solve from each (``I_1``, ``I_N``, ``mu``, ``J``, ``I``, ``dn``, ``h``);
* at every ``N``: how far the default (up to 3 refinement steps) is from no
  refinement and from a single step (what holds where no oracle fits);
* ``T = 0.1`` (``--thermal``): the CG route of :mod:`.block_thermal`
  (iterations, quadrature nodes) against the ``K x K`` route up to
  ``--thermal-kxk-max`` sites.

Prints ``os.getloadavg()`` before and after: the box is shared.

Run:  python benchmarks/bench_quantum_block.py [--r 4] [--repeat 3] [--max-n 100000]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from nonrecip import QuantumParams, Wire
from nonrecip.deterministic.quantum.block import BlockStructure, solve_block_t0
from nonrecip.deterministic.quantum.block_thermal import solve_block_thermal
from nonrecip.deterministic.quantum.general import _solve_bath_matrix, solve_linear_general
from nonrecip.deterministic.quantum.linear import probe_targets
from nonrecip.hamiltonian import Hamiltonian

PARAMS = QuantumParams.from_ig_ratio(0.05, gamma=0.5, mubar=1.0, dmu=0.1)


def best(f, repeat):
    f()
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return min(ts)


def rel(a, b):
    e = 0.0
    for s, t in zip(a, b, strict=True):
        e = max(e, abs(s.I_1 - t.I_1) / abs(t.I_1), abs(s.I_N - t.I_N) / abs(t.I_N))
        for f in ("mu", "J", "I", "dn", "h"):
            x, y = getattr(s, f), getattr(t, f)
            e = max(e, float(np.nanmax(np.abs(x - y)) / np.nanmax(np.abs(y))))
    return e


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--r", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--max-n", type=int, default=100_000)
    ap.add_argument("--kxk-max", type=int, default=4000)
    ap.add_argument("--dense-max", type=int, default=1000)
    ap.add_argument("--thermal", type=int, default=2000, help="largest N at T = 0.1 (0: skip)")
    ap.add_argument("--thermal-kxk-max", type=int, default=500)
    a = ap.parse_args()
    print("load before:", os.getloadavg())
    print(f"dimers, long-range r = {a.r} (alpha = 1), T = 0, both biases; goal: N = 1e5 under 2 s")
    for n in (1000, 2000, 4000, 10_000, 30_000, 100_000):
        if n > a.max_n:
            continue
        w, h = Wire.dimers(n), Hamiltonian.long_range(n, 1.0, 1.0, a.r)
        g, u, t = probe_targets(w, PARAMS)
        blk = solve_block_t0(w, PARAMS, h, g, u, t)
        t_blk = best(lambda w=w, h=h, g=g, u=u, t=t: solve_block_t0(w, PARAMS, h, g, u, t), a.repeat)
        t_st = best(lambda h=h, g=g: BlockStructure(PARAMS.mubar, g, h), a.repeat)
        st = BlockStructure(PARAMS.mubar, g, h)
        t_fa = best(lambda st=st, u=u: st.factor(u), a.repeat)
        tg, zero = np.broadcast_to(t, (2, n)), np.zeros((2, n))
        t_sw = best(lambda st=st, tg=tg, zero=zero: st.sweep(tg, zero), a.repeat)
        x = st.sweep(tg, zero)
        t_ap = best(lambda st=st, x=x: st.apply(x, heat=False), a.repeat)
        r0 = rel(solve_block_t0(w, PARAMS, h, g, u, t, refine=0), blk)
        r1 = rel(solve_block_t0(w, PARAMS, h, g, u, t, refine=1), blk)
        line = (f"  N={n:>7} K={np.count_nonzero(g):>6}: block {t_blk:.3f} s (structure {t_st:.3f}, factor {t_fa:.3f}, "
                f"sweep {t_sw:.3f}, forward map {t_ap:.3f}) | vs no refinement {r0:.1e}, vs one step {r1:.1e}")
        if n <= a.kxk_max:
            t0 = time.perf_counter()
            kxk = _solve_bath_matrix(w, PARAMS, h, g, u, t, "banded", 1e-13)
            line += f" | KxK {time.perf_counter() - t0:.2f} s, block vs KxK {rel(blk, kxk):.1e}"
        if n <= a.dense_max:
            t0 = time.perf_counter()
            den = solve_linear_general(w, PARAMS, h, "dense")
            line += f" | dense {time.perf_counter() - t0:.2f} s, block vs dense {rel(blk, den):.1e}"
        print(line, flush=True)
    print(f"T = 0.1, dimers, r = {a.r}: CG on block forward maps (one run each)")
    hot = QuantumParams.from_ig_ratio(0.05, gamma=0.5, mubar=1.0, dmu=0.1, temperature=0.1)
    for n in (500, 2000, 10_000):
        if n > a.thermal:
            continue
        w, h = Wire.dimers(n), Hamiltonian.long_range(n, 1.0, 1.0, a.r)
        g, u, t = probe_targets(w, hot)
        info: dict = {}
        t0 = time.perf_counter()
        cg = solve_block_thermal(w, hot, h, g, u, t, info=info)
        line = (f"  N={n:>7}: CG {time.perf_counter() - t0:.2f} s ({info['iterations']} iterations, "
                f"{info['energies']} energies)")
        if n <= a.thermal_kxk_max:
            t0 = time.perf_counter()
            kxk = _solve_bath_matrix(w, hot, h, g, u, t, "banded", 1e-13)
            line += f" | KxK {time.perf_counter() - t0:.2f} s, CG vs KxK {rel(cg, kxk):.1e}"
        print(line, flush=True)
    print("load after:", os.getloadavg())


if __name__ == "__main__":
    main()
