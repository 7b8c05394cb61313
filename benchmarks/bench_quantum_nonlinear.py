"""Benchmark: the nonlinear (full Landauer-Buttiker) quantum solver at T = 0.

Problem: ``dimers``, mubar = 1, gamma = 0.5, dmu = 0.1, Ig/Io = 0.3, T = 0,
forward + reverse together (one call of ``solve_nonlinear``).

Times

* ``fast``  -- Chebyshev energy grid, the O(N) two-stream kernel of
  ``quantum.linear`` at each energy, Newton with GMRES preconditioned by the
  O(N) linear-response solve: N = 100 ... 10^5;
* ``dense`` -- the same equations with dense T(w_j) = |G|^2 Gam Gam from a
  dense inverse at each energy and a dense Jacobian (the O(n N^3) oracle):
  N = 100 and 1000 (``--dense-max``).

Prints seconds, Newton iterations (forward, reverse), the number of
energies, the agreement of fast and dense, the ratio, and the fitted
scaling exponent of the fast path. The dense baseline runs with
``OPENBLAS_NUM_THREADS=1`` (unless set): on a shared, loaded machine a
threaded BLAS is many times slower for these sizes.

Side by side (``--base REV``, default ``main``): the same dimers solve at
``--compare-n`` (10^5) timed in a subprocess on this tree and on ``REV``
exported with ``git archive`` (PYTHONPATH selects the tree), best of
``--compare-repeat``, with ``os.getloadavg()`` printed.

Long ballistic wires (``--single 4000,20000``): ``single`` at T = 0 with
default settings (the adaptive band quadrature of ``quantum.panels``):
seconds, energies, panels, peak memory (VmHWM of a fresh subprocess).

Run:  python benchmarks/bench_quantum_nonlinear.py [--max-n 100000] [--dense-max 1000]
      [--base main] [--compare-n 100000] [--single 4000,20000] [--skip-scaling]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from nonrecip import QuantumParams, Wire  # noqa: E402
from nonrecip.deterministic.quantum.linear import solve_linear  # noqa: E402
from nonrecip.deterministic.quantum.nonlinear import solve_nonlinear  # noqa: E402

PARAMS = QuantumParams.from_ig_ratio(0.3, gamma=0.5, mubar=1.0, dmu=0.1)


def run(n: int, method: str, repeat: int):
    wire = Wire.dimers(n)
    info: dict[str, Any] = {}
    best, out = np.inf, None
    for _ in range(repeat):
        info = {}
        t = time.perf_counter()
        out = solve_nonlinear(wire, PARAMS, method=method, info=info)
        best = min(best, time.perf_counter() - t)
    return best, info, out


_TIMER = """
import sys, time
from nonrecip import QuantumParams, Wire
from nonrecip.deterministic.quantum.nonlinear import solve_nonlinear
p = QuantumParams.from_ig_ratio(0.3, gamma=0.5, mubar=1.0, dmu=0.1)
layout, n, rep = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
solve_nonlinear(Wire.from_spec(layout, n=20), p)
best = float("inf")
for _ in range(rep):
    t = time.perf_counter()
    f, r = solve_nonlinear(Wire.from_spec(layout, n=n), p)
    best = min(best, time.perf_counter() - t)
hwm = [x.split()[1] for x in open("/proc/self/status") if x.startswith("VmHWM")][0]
print(best, abs(r.I_1) - abs(f.I_1), int(hwm) / 1024.0)
"""


def timed(src: str, layout: str, n: int, rep: int) -> tuple[float, float, float]:
    """Seconds (best of ``rep``), delta_I and peak MiB of one solve in a fresh process on tree ``src``."""
    env = dict(os.environ, PYTHONPATH=src, OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", _TIMER, layout, str(n), str(rep)], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def compare_base(base: str, n: int, rep: int) -> None:
    """Dimers at ``n``: this tree against ``base`` exported by ``git archive``, side by side."""
    here = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        arch = subprocess.run(["git", "-C", str(here), "archive", base, "src"], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", tmp], input=arch.stdout, check=True)
        print(f"dimers N = {n}, best of {rep}, load average before: {os.getloadavg()}")
        for name, src in ((f"base {base}", str(Path(tmp) / "src")), ("this tree", str(here / "src"))):
            t, dI, mem = timed(src, "dimers", n, rep)
            print(f"  {name:>16}: {t:8.3f} s  delta_I = {dI:.15e}  peak {mem:.0f} MiB")
        print(f"load average after: {os.getloadavg()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-n", type=int, default=100_000)
    ap.add_argument("--dense-max", type=int, default=1000)
    ap.add_argument("--base", default="main")
    ap.add_argument("--compare-n", type=int, default=100_000)
    ap.add_argument("--compare-repeat", type=int, default=2)
    ap.add_argument("--single", default="4000,20000")
    ap.add_argument("--skip-scaling", action="store_true")
    args = ap.parse_args()

    if args.compare_n:
        compare_base(args.base, args.compare_n, args.compare_repeat)
    here = str(Path(__file__).resolve().parents[1] / "src")
    for n in [int(x) for x in args.single.split(",") if x]:
        t, dI, mem = timed(here, "single", n, 1)
        print(f"single N = {n}, T = 0, defaults: {t:.2f} s, delta_I/Ig = {dI / PARAMS.Ig:.12f}, "
              f"peak {mem:.0f} MiB (load {os.getloadavg()[0]:.1f})")
    if args.skip_scaling:
        return

    # warm up the JIT (kernels of quantum.linear) and the caches
    solve_nonlinear(Wire.dimers(20), PARAMS)
    solve_nonlinear(Wire.dimers(20), PARAMS, method="dense")

    ns = [n for n in (100, 1000, 10_000, 100_000, 1_000_000) if n <= args.max_n]
    print("nonlinear Landauer-Buttiker, T = 0, dimers, mubar=1, gamma=0.5, dmu=0.1, Ig/Io=0.3;"
          " forward + reverse per call")
    print(f"{'N':>8} {'method':>6} {'seconds':>10} {'Newton it':>10} {'energies':>8} "
          f"{'resid/Io':>9} {'quad/Io':>9} {'dI/Io':>12} {'dI_lin/Io':>12}")
    fast_t = {}
    for n in ns:
        rep = 3 if n <= 10_000 else 1
        t, info, (f, r) = run(n, "fast", rep)
        fast_t[n] = t
        lf, lr = solve_linear(Wire.dimers(n), PARAMS)
        dI = (abs(r.I_1) - abs(f.I_1)) / PARAMS.Io
        dIl = (abs(lr.I_1) - abs(lf.I_1)) / PARAMS.Io
        print(f"{n:>8} {'fast':>6} {t:>10.4f} {str(info['iterations']):>10} {info['nodes']:>8} "
              f"{info['residual'] / PARAMS.Io:>9.1e} {info['quadrature_error'] / PARAMS.Io:>9.1e} "
              f"{dI:>12.8f} {dIl:>12.8f}")
        if n <= args.dense_max:
            td, infod, (fd, rd) = run(n, "dense", 1)
            diff = max(np.nanmax(np.abs(fd.mu - f.mu)), np.nanmax(np.abs(rd.mu - r.mu)))
            print(f"{n:>8} {'dense':>6} {td:>10.4f} {str(infod['iterations']):>10} {infod['nodes']:>8} "
                  f"{infod['residual'] / PARAMS.Io:>9.1e} {infod['quadrature_error'] / PARAMS.Io:>9.1e}"
                  f"   dense/fast = {td / t:.0f}x, max|mu_dense - mu_fast| = {diff:.1e}")
    big = [n for n in fast_t if n >= 1000]
    if len(big) >= 2:
        slope = np.polyfit(np.log([*big]), np.log([fast_t[n] for n in big]), 1)[0]
        print(f"fast path scaling exponent (N = {big[0]}..{big[-1]}): {slope:.2f}")
    print("goals (issue 4): N = 1000 < 2 s, N = 10^5 < 60 s (figures taken on a shared, loaded machine)")


if __name__ == "__main__":
    main()
