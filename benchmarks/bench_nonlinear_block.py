"""Benchmark: the nonlinear solve (Eq. B22) for hopping range r > 1 with many baths (conventions §4).

``dimers`` wires (``K = N`` baths), ``Hamiltonian.long_range(N, 1, 2, r)``,
gamma = 0.5, mubar = 1, dmu = 0.1, Ig/Io = 0.3, both biases
(:func:`.nonlinear.solve_nonlinear`, ``method="auto"``: beyond 256 baths the
matrix-free block route of :mod:`.nonlinear_block`; ``T = 0`` on the
Chebyshev window, ``T = 0.1`` on the streaming band rule). One warm-up solve
(JIT) at ``N = 600`` per ``(r, T)``, then one timed solve per ``N``. In the same
process, the baselines:

* the dense oracle (``method="dense"``) up to ``--dense-max`` sites;
* the ``K x K`` route (banded LU transmissions among the baths, exact
  Jacobian; refused beyond 256 baths before, forced here by lifting
  ``MAX_BATHS_KXK``) up to ``--kxk-max`` sites;

with the ratio of times and the largest difference of ``mu`` (absolute,
units of the hopping). Prints ``os.getloadavg()`` with every line: the box
is shared.

At ``T > 0`` the ``K x K`` band rule (and so the dense oracle) stores
``K^2`` numbers per energy and refuses beyond ``panels.MAX_ENTRIES`` (about
200 baths at ``T = 0.1``): compare there with ``--force-block`` at small ``N``.

Run:  python benchmarks/bench_nonlinear_block.py [--n 1000 10000] [--r 2 4] [--T 0 0.1]
      [--dense-max 1000] [--kxk-max 1000] [--force-block]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from nonrecip import QuantumParams, Wire
from nonrecip.deterministic.quantum import nonlinear_hamiltonian as nh
from nonrecip.deterministic.quantum.nonlinear import solve_nonlinear
from nonrecip.hamiltonian import Hamiltonian


def _params(temperature: float) -> QuantumParams:
    return QuantumParams.from_ig_ratio(0.3, gamma=0.5, mubar=1.0, dmu=0.1, temperature=temperature)


def _load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def _solve(n: int, r: int, temperature: float, method: str = "auto", kxk: bool = False, block: bool = False):
    wire = Wire.from_spec("dimers", n)
    H = Hamiltonian.long_range(n, 1.0, 2.0, r)
    limit = nh.MAX_BATHS_KXK
    nh.MAX_BATHS_KXK = 10**9 if kxk else 0 if block else limit
    info: dict = {}
    try:
        t0 = time.perf_counter()
        states = solve_nonlinear(wire, _params(temperature), hamiltonian=H, method=method, info=info)
        dt = time.perf_counter() - t0
    finally:
        nh.MAX_BATHS_KXK = limit
    return states, dt, info


def _diff(a, b) -> float:
    return max(float(np.nanmax(np.abs(x.mu - y.mu))) for x, y in zip(a, b, strict=True))


def main() -> None:
    """Run the table of the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--r", type=int, nargs="+", default=[2, 4])
    ap.add_argument("--T", type=float, nargs="+", default=[0.0, 0.1])
    ap.add_argument("--dense-max", type=int, default=1000)
    ap.add_argument("--kxk-max", type=int, default=1000)
    ap.add_argument("--force-block", action="store_true",
                    help="the block route at any number of baths (for baselines at N <= 256 at T > 0)")
    a = ap.parse_args()
    print(f"start: {_load()}", flush=True)
    for r in a.r:
        for T in a.T:
            _solve(600, r, T)                       # warm-up (JIT caches)
            for n in a.n:
                st, dt, info = _solve(n, r, T, block=a.force_block)
                route = info.get("route", "window")
                print(f"r={r} T={T:g} N={n}: block {dt:.2f} s (route {route}, energies {info['nodes']}, "
                      f"Newton {info['iterations']}) [{_load()}]", flush=True)
                if n <= a.kxk_max:
                    try:
                        ref, dk, ik = _solve(n, r, T, kxk=True)
                    except Exception as exc:  # noqa: BLE001 - a baseline that cannot run is reported
                        print(f"    K x K route: {type(exc).__name__}: {str(exc)[:100]}", flush=True)
                        continue
                    # at T > 0 a K x K band rule over MAX_ENTRIES numbers hands over to the stream
                    kind = "K x K route" if ik.get("route", "panels") == "panels" else "K x K refused, stream"
                    print(f"    {kind} {dk:.2f} s, ratio {dk / dt:.2f}, max|dmu| {_diff(st, ref):.2e} "
                          f"[{_load()}]", flush=True)
                if n <= a.dense_max:
                    try:
                        ref, dd, _ = _solve(n, r, T, method="dense")
                    except Exception as exc:  # noqa: BLE001 - a baseline that cannot run is reported
                        print(f"    dense: {type(exc).__name__}: {str(exc)[:100]}", flush=True)
                        continue
                    print(f"    dense {dd:.2f} s, ratio {dd / dt:.2f}, max|dmu| {_diff(st, ref):.2e} "
                          f"[{_load()}]", flush=True)
    print(f"end: {_load()}", flush=True)


if __name__ == "__main__":
    main()
