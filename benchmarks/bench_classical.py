"""Benchmark: exact classical steady state of ``dimers``, O(N) vs banded vs dense.

Times, for N = 10^3 .. 10^6 (decades and half-decades):

* ``solve_classical`` -- the production O(N) closed solve (cumulative sums),
  forward + reverse, building the full Result;
* ``flux_solve`` -- the same flux equations by banded LU (scipy), both biases
  as two right-hand sides of one factorisation;

and, at the largest N where a dense solve still fits comfortably, the dense
oracle ``solve_dense`` (the 2N x 2N density system of conventions §2, numpy LU), forward +
reverse. Prints seconds per solve (best of a few), the fitted scaling
exponent and the ratios. Also checks that the three agree.

Run:  python benchmarks/bench_classical.py [--dense-n 4000] [--max-n 1000000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nonrecip import ClassicalParams, Wire, solve_classical
from nonrecip.deterministic.classical import flux_solve, move_probability, solve_dense

PARAMS = ClassicalParams(p=0.9, Ig=0.05, drho=0.1, rho0=1.0)


def best_of(f, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def sizes(max_n: int) -> list[int]:
    out = []
    for e in np.arange(3.0, np.log10(max_n) + 1e-9, 0.5):
        n = int(round(10 ** e))
        out.append(n + (n % 2))   # dimers need even N
    return out


def fit_exponent(ns, ts) -> float:
    return float(np.polyfit(np.log(ns), np.log(ts), 1)[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-n", type=int, default=10**6)
    ap.add_argument("--dense-n", type=int, default=4000, help="N of the dense baseline (2N x 2N system)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    # warm-up (imports, caches)
    w = Wire.dimers(100)
    solve_classical(w, PARAMS)
    m = move_probability(w, PARAMS.p)
    flux_solve(m, 0.5 * PARAMS.Ig * w.injection, np.array([1.1, 1.0]), np.array([1.0, 1.1]))

    print(f"dimers, p={PARAMS.p}, Ig={PARAMS.Ig}, drho={PARAMS.drho}; seconds per forward+reverse solve, "
          f"best of {args.repeat}")
    print(f"{'N':>9} {'O(N) solve_classical':>21} {'banded flux_solve':>18} {'banded/O(N)':>12} {'us per site':>12}")
    ns, t_fast, t_band = [], [], []
    for n in sizes(args.max_n):
        w = Wire.dimers(n)
        m = move_probability(w, PARAMS.p)
        s = 0.5 * PARAMS.Ig * w.injection
        inj_l = np.array([PARAMS.rho0 + PARAMS.drho, PARAMS.rho0])
        inj_r = inj_l[::-1].copy()
        tf = best_of(lambda w=w: solve_classical(w, PARAMS), args.repeat)
        tb = best_of(lambda m=m, s=s, inj_l=inj_l, inj_r=inj_r: flux_solve(m, s, inj_l, inj_r), max(2, args.repeat // 2))
        ns.append(n)
        t_fast.append(tf)
        t_band.append(tb)
        print(f"{n:>9d} {tf:>21.3e} {tb:>18.3e} {tb / tf:>12.1f} {1e6 * tf / n:>12.4f}")

    big = [i for i, n in enumerate(ns) if n >= 10**4]
    print(f"fitted exponent t ~ N^k, N >= 1e4: O(N) solve k = {fit_exponent([ns[i] for i in big], [t_fast[i] for i in big]):.3f}, "
          f"banded k = {fit_exponent([ns[i] for i in big], [t_band[i] for i in big]):.3f}  "
          f"(all N: {fit_exponent(ns, t_fast):.3f}, {fit_exponent(ns, t_band):.3f})")
    if ns[-1] >= 10**6:
        print(f"N = {ns[-1]}: {t_fast[-1] * 1e3:.1f} ms for forward + reverse")

    # agreement at a moderate N (banded vs O(N))
    n = 10**5
    w = Wire.dimers(n)
    res = solve_classical(w, PARAMS)
    m = move_probability(w, PARAMS.p)
    xp, xm = flux_solve(m, 0.5 * PARAMS.Ig * w.injection, np.array([1.1, 1.0]), np.array([1.0, 1.1]))
    dev = max(np.max(np.abs(m * res.forward.rho_plus - xp[:, 0])), np.max(np.abs(m * res.reverse.rho_minus - xm[:, 1])))
    print(f"N = {n}: max |flux difference| O(N) vs banded = {dev:.2e}")

    # the dense baseline
    n = args.dense_n + (args.dense_n % 2)
    w = Wire.dimers(n)
    print(f"\ndense baseline: solve_dense (numpy LU of the {2 * n} x {2 * n} density system, "
          f"{(2 * n) ** 2 * 8 / 2**20:.0f} MiB), forward + reverse, one run")
    t0 = time.perf_counter()
    fwd = solve_dense(w, PARAMS, "forward")
    rev = solve_dense(w, PARAMS, "reverse")
    t_dense = time.perf_counter() - t0
    tf = best_of(lambda w=w: solve_classical(w, PARAMS), args.repeat)
    res = solve_classical(w, PARAMS)
    dev = max(abs(fwd.I_in - res.forward.I_in), abs(rev.I_in - res.reverse.I_in))
    print(f"N = {n}: dense {t_dense:.2f} s, O(N) {tf:.2e} s -> dense / O(N) = {t_dense / tf:,.0f}x; "
          f"|I_in difference| = {dev:.1e}")
    # dense cost ~ (2N)^3: extrapolate to the largest N
    print(f"dense at N = {ns[-1]} would take ~{t_dense * (ns[-1] / n) ** 3:.1e} s "
          f"and {(2 * ns[-1]) ** 2 * 8 / 2**40:.1f} TiB (extrapolated ~N^3, N^2)")


if __name__ == "__main__":
    main()
