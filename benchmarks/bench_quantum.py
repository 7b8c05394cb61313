"""Benchmark: quantum linear response of ``dimers``, direct O(N) vs dense NumPy.

For the paper's dimer wire (gamma = 0.5, mubar = 1, dmu = 0.1, Ig/Io = 0.05)
this times, forward and reverse together:

* ``solve_linear_fast`` -- the direct O(N) two-stream solver (numba), the
  full output (mu, I, J, delta n, h for both biases);
* a straightforward dense NumPy solve of the same problem (the baseline):
  ``G = inv(Z)``, ``T = |G|^2 Gam Gam``, the probe matrix
  ``diag(sum T) - T`` restricted to the S/D baths, one LU solve with the two
  biases as right-hand sides, ``I_1`` from row 1 of ``T``;
* ``solve_linear_dense`` -- the test oracle (the baseline plus one step of
  iterative refinement, ``J`` from Eq. B19, delta n and h as dense sums).

at N = 200 .. 3200 side by side (the ratio at 3200 is the issue's goal of
>= 1000x), then the fast solver alone at 10^4, 10^5, 10^6 (the goals:
< 0.05 s and < 0.5 s), the fitted scaling exponent, the peak memory
(tracemalloc) and the accuracy: fast vs dense, fast vs the 40-digit mpmath
evaluations (dense at N = 40, O(N) at 10^4) and vs the compiled
double-double evaluation at 10^5 and 10^6.

Run:  python benchmarks/bench_quantum.py [--max-dense 3200] [--max-n 1000000] [--no-mp]
"""

from __future__ import annotations

import argparse
import math
import time
import tracemalloc

import numpy as np

from nonrecip import QuantumParams, Wire
from nonrecip.deterministic.quantum.greens import bath_couplings, broadening, hamiltonian_dense, self_energy
from nonrecip.deterministic.quantum.linear import solve_linear_dense, solve_linear_fast
from nonrecip.deterministic.quantum.reference import linear_dd_stream, linear_mp_dense, linear_mp_stream

PARAMS = QuantumParams.from_ig_ratio(0.05, gamma=0.5, mubar=1.0, dmu=0.1)


def best_of(f, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def dense_baseline(wire: Wire, p: QuantumParams) -> np.ndarray:
    """The straightforward dense solve: I_1 forward and reverse."""
    g = bath_couplings(wire, p)
    n = wire.N
    Z = p.mubar * np.eye(n) - hamiltonian_dense(n) - np.diag(self_energy(p.mubar, g))
    G = np.linalg.inv(Z)
    gam = broadening(p.mubar, g)
    T = np.abs(G) ** 2 * np.outer(gam, gam)
    np.fill_diagonal(T, 0.0)
    U = np.flatnonzero(wire.scatterer)
    K = np.array([0, n - 1])
    M = np.diag(T[U].sum(axis=1)) - T[np.ix_(U, U)]
    xK = np.array([[p.dmu / 2, -p.dmu / 2], [-p.dmu / 2, p.dmu / 2]])          # columns: fwd, rev
    b = 2 * math.pi * (p.Ig * wire.injection[U])[:, None] + T[np.ix_(U, K)] @ xK
    x = np.zeros((n, 2))
    x[K] = xK
    x[U] = np.linalg.solve(M, b)
    return (T[0][:, None] * (x[0][None, :] - x)).sum(axis=0) / (2 * math.pi)


def peak_memory(f) -> int:
    tracemalloc.start()
    f()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-dense", type=int, default=3200)
    ap.add_argument("--max-n", type=int, default=10**6)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-mp", action="store_true", help="skip the (slow) mpmath evaluation at N = 10^4")
    args = ap.parse_args()
    p = PARAMS
    print(f"dimers, gamma={p.gamma}, mubar={p.mubar}, dmu={p.dmu}, Ig/Io={p.ig_ratio:g}; "
          f"seconds per forward+reverse solve (best of {args.repeat}; dense: best of 2, 1 at the largest)")

    # warm-up: JIT (cached), imports
    w = Wire.dimers(40)
    solve_linear_fast(w, p)
    dense_baseline(w, p)
    linear_dd_stream(w, p)

    print(f"\n{'N':>7} {'fast O(N)':>11} {'dense base':>11} {'dense oracle':>13} {'base/fast':>10}"
          f" {'|dI_1|/I_1 fast-dense':>22} {'max|dmu| fast-dense':>20}")
    n = 200
    while n <= args.max_dense:
        wire = Wire.dimers(n)
        tf = best_of(lambda wire=wire: solve_linear_fast(wire, p), args.repeat)
        rep = 1 if n >= args.max_dense else 2
        tb = best_of(lambda wire=wire: dense_baseline(wire, p), rep)
        if n <= 2000:
            to = best_of(lambda wire=wire: solve_linear_dense(wire, p), 1)
            d = solve_linear_dense(wire, p)
            f = solve_linear_fast(wire, p)
            eI = max(abs(a.I_1 / b.I_1 - 1) for a, b in zip(f, d, strict=False))
            emu = max(np.nanmax(np.abs(a.mu - b.mu)) for a, b in zip(f, d, strict=False))
            acc = f"{eI:>22.1e} {emu:>20.1e}"
            tos = f"{to:>13.3e}"
        else:
            I1 = dense_baseline(wire, p)
            f = solve_linear_fast(wire, p)
            eI = max(abs(f[0].I_1 / I1[0] - 1), abs(f[1].I_1 / I1[1] - 1))
            acc = f"{eI:>22.1e} {'(baseline)':>20}"
            tos = f"{'-':>13}"
        print(f"{n:>7d} {tf:>11.3e} {tb:>11.3e} {tos} {tb / tf:>10.0f} {acc}")
        n *= 2

    print(f"\n{'N':>9} {'fast O(N) [s]':>14} {'us/site':>9} {'peak MiB':>9} {'bytes/site':>11}")
    ns, ts = [], []
    for n in (10**4, 10**5, 10**6):
        if n > args.max_n:
            break
        wire = Wire.dimers(n)
        wire.kinds, wire.injection, wire.scatterer  # noqa: B018 - cached layout arrays, not the solve
        t = best_of(lambda wire=wire: solve_linear_fast(wire, p), args.repeat if n < 10**6 else 3)
        mem = peak_memory(lambda wire=wire: solve_linear_fast(wire, p))
        ns.append(n)
        ts.append(t)
        print(f"{n:>9d} {t:>14.4f} {1e6 * t / n:>9.3f} {mem / 2**20:>9.1f} {mem / n:>11.0f}")
    if len(ns) > 1:
        print(f"scaling exponent (fit of log t vs log N, 1e4..{ns[-1]:.0e}): "
              f"{np.polyfit(np.log(ns), np.log(ts), 1)[0]:.3f}")

    print("\naccuracy against extended-precision evaluations (fast solver, both biases):")
    wire = Wire.dimers(40)
    ref = linear_mp_dense(wire, p, dps=40)
    f = solve_linear_fast(wire, p)
    eI = max(abs(s.I_1 / ref[b]["I_1"] - 1) for s, b in zip(f, ("forward", "reverse"), strict=False))
    emu = max(np.nanmax(np.abs(s.mu - ref[b]["mu"])) for s, b in zip(f, ("forward", "reverse"), strict=False))
    print(f"  N=40      mpmath dense (Z^-1, T, LU at 40 digits): I_1 rel {eI:.1e}, mu abs {emu:.1e}")
    if not args.no_mp:
        wire = Wire.dimers(10**4)
        t = time.perf_counter()
        ref = linear_mp_stream(wire, p, dps=40)
        t = time.perf_counter() - t
        f = solve_linear_fast(wire, p)
        eI = max(abs(s.I_1 / ref[b]["I_1"] - 1) for s, b in zip(f, ("forward", "reverse"), strict=False))
        emu = max(np.nanmax(np.abs(s.mu - ref[b]["mu"])) for s, b in zip(f, ("forward", "reverse"), strict=False))
        print(f"  N=10^4    mpmath O(N) at 40 digits ({t:.0f} s):       I_1 rel {eI:.1e}, mu abs {emu:.1e}")
    for n in (10**5, 10**6):
        if n > args.max_n:
            break
        wire = Wire.dimers(n)
        t = time.perf_counter()
        ref = linear_dd_stream(wire, p)
        t = time.perf_counter() - t
        f = solve_linear_fast(wire, p)
        eI = max(abs((s.I_1 - ref[b]["I_1"]) - ref[b]["I_1_lo"]) / abs(ref[b]["I_1"])
                 for s, b in zip(f, ("forward", "reverse"), strict=False))
        emu = max(np.nanmax(np.abs(((s.mu - p.mubar) - ref[b]["x"]) - ref[b]["x_lo"]))
                  for s, b in zip(f, ("forward", "reverse"), strict=False))
        print(f"  N=10^{round(math.log10(n))}    double-double O(N) ({t:.1f} s):           "
              f"I_1 rel {eI:.1e}, mu abs {emu:.1e} (1 ulp of mu~1: 2.2e-16)")
    print("\n(figures taken on a shared 2-core machine under load from other jobs)")


if __name__ == "__main__":
    main()
