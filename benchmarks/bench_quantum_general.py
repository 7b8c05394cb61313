"""Benchmark: linear response for general Hamiltonians and T > 0 (conventions §4).

Side by side in one run (gamma = 0.5, mubar = 1, dmu = 0.1, Ig/Io = 0.05;
forward and reverse together; best of ``--repeat`` after one warm-up call):

1. the uniform wire, ``dimers``: today's solver (``solve_linear_fast``) vs
   ``solve_quantum(..., hamiltonian=Hamiltonian.uniform(N))`` (the general
   entry point) vs the general chain kernel forced on the same wire, at
   N = 10^5 and 10^6;
2. SSH (t1 = 1, t2 = 0.6) and Anderson (W = 1) ``dimers``, N = 10^6;
3. long-range hopping r = 4 (alpha = 1): ``single`` at N = 10^5 (banded
   LU, 4 baths), and ``dimers`` at N = 1000 banded vs the dense oracle;
4. T = 0.1, ``dimers``, SSH, N = 10^4 (PCG over the thermal average);
   and the accuracy of the general solvers against the dense oracle.

Prints ``os.getloadavg()`` before and after: the box is shared.

Run:  python benchmarks/bench_quantum_general.py [--repeat 3] [--max-n 1000000]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from nonrecip import QuantumParams, Wire, solve_quantum
from nonrecip.deterministic.quantum.general import _solve_chain_t0, solve_linear_general
from nonrecip.deterministic.quantum.linear import probe_targets, solve_linear_fast
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
        for f in ("mu", "J", "I", "dn", "h"):
            x, y = getattr(s, f), getattr(t, f)
            e = max(e, float(np.nanmax(np.abs(x - y)) / np.nanmax(np.abs(y))))
    return e


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--max-n", type=int, default=1_000_000)
    a = ap.parse_args()
    print("load before:", os.getloadavg())
    print("\n1. uniform dimers: today's solver vs the general entry point vs the general chain kernel")
    for n in (10**5, 10**6):
        if n > a.max_n:
            continue
        w = Wire.dimers(n)
        h = Hamiltonian.uniform(n)
        g, u, t = probe_targets(w, PARAMS)
        t_old = best(lambda w=w: solve_linear_fast(w, PARAMS), a.repeat)
        t_q = best(lambda w=w: solve_quantum(w, PARAMS), a.repeat)
        t_api = best(lambda w=w, h=h: solve_quantum(w, PARAMS, hamiltonian=h), a.repeat)
        t_chain = best(lambda w=w, h=h, g=g, u=u, t=t: _solve_chain_t0(w, PARAMS, h, g, u, t), a.repeat)
        print(f"  N={n:>8}: solve_linear_fast {t_old:.3f} s | solve_quantum() {t_q:.3f} s | "
              f"solve_quantum(hamiltonian=uniform) {t_api:.3f} s (x{t_api / t_q:.2f} of solve_quantum()) | "
              f"general chain kernel {t_chain:.3f} s (x{t_chain / t_old:.2f}); "
              f"chain vs today max rel diff {rel(_solve_chain_t0(w, PARAMS, h, g, u, t), solve_linear_fast(w, PARAMS)):.1e}")
    print("\n2. SSH / Anderson dimers, linear, T = 0 (goal < 0.5 s per bias pair at 10^6)")
    n = min(10**6, a.max_n)
    w = Wire.dimers(n)
    for h in (Hamiltonian.ssh(n, 1.0, 0.6), Hamiltonian.anderson(n, 1.0, 1)):
        tt = best(lambda h=h: solve_linear_general(w, PARAMS, h), a.repeat)
        print(f"  {h.model:9s} N={n}: {tt:.3f} s")
    print("\n3. long range r = 4 (alpha = 1)")
    n = min(10**5, a.max_n)
    h = Hamiltonian.long_range(n, 1.0, 1.0, 4)
    ws = Wire.single(n)
    tt = best(lambda: solve_linear_general(ws, PARAMS, h), a.repeat)
    print(f"  single N={n}: banded LU {tt:.3f} s (goal < 2 s; dense does not fit: {n}^2 complex = "
          f"{16 * n * n / 1e9:.0f} GB)")
    for n in (500, 1000):
        h = Hamiltonian.long_range(n, 1.0, 1.0, 4)
        w = Wire.dimers(n)
        tb = best(lambda h=h, w=w: solve_linear_general(w, PARAMS, h), 1)
        td = best(lambda h=h, w=w: solve_linear_general(w, PARAMS, h, "dense"), 1)
        e = rel(solve_linear_general(w, PARAMS, h), solve_linear_general(w, PARAMS, h, "dense"))
        print(f"  dimers N={n}: banded {tb:.3f} s | dense {td:.3f} s (x{td / tb:.1f}) | max rel diff {e:.1e}")
    print("\n4. T = 0.1 dimers, SSH (goal < 2 s at N = 10^4)")
    pt = PARAMS.replace(temperature=0.1)
    for n in (1000, 10**4):
        w = Wire.dimers(n)
        h = Hamiltonian.ssh(n, 1.0, 0.6)
        tt = best(lambda h=h, w=w: solve_linear_general(w, pt, h), 1)
        print(f"  N={n}: {tt:.2f} s")
    w = Wire.dimers(60)
    h = Hamiltonian.ssh(60, 1.0, 0.6)
    e = rel(solve_linear_general(w, pt, h, tol=1e-14), solve_linear_general(w, pt, h, "dense", tol=1e-14))
    print(f"  N=60 vs the dense oracle: max rel diff {e:.1e}")
    print("\nload after:", os.getloadavg())


if __name__ == "__main__":
    main()
