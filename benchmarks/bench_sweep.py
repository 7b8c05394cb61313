"""Benchmark: sweep overhead, start-up, and a real 2-worker speed-up, side by side in one run.

Every figure is repeated ``--repeat`` times and printed as the median with
its spread (min-max), next to the machine's load average (1 min) at the
time, because the machine may be shared: a ratio measured at a load above
the core count says more about the other jobs than about nonrecip.

1. **Start-up** (fresh interpreters, CPU seconds user+sys): ``python -c
   pass``, ``nonrecip --help`` (into a pipe: plain help), ``nonrecip solve
   classical --layout .SDSD.``. Goals: help < 0.15 s, solve < 0.3 s.
2. **995 cheap points** (classical, dimers N = 10, p = 0.001..0.995): the
   ``nonrecip sweep classical ... --out X.parquet`` command against a plain
   Python loop of ``solve_classical`` writing a Parquet table of the same
   points and outputs; both whole processes, start-up included. Goal:
   within 1.5x of the loop.
3. **Per-point overhead** in this process: :func:`nonrecip.sweep.run_sweep`
   of the 995 points (it runs them here: the sweep is small) minus a loop
   of the same solves, per point, CPU. Goal: < 0.3 ms.
4. **Costly points**: ``--points`` Monte Carlo points (dimers N = 20,
   ``--steps`` each, one thread per point) serially here, on a plain
   :class:`concurrent.futures.ProcessPoolExecutor` of ``--workers``
   processes (started and warmed before the clock, and once more started
   inside the clock: spawn, imports and compiled-code load), and by ``run_sweep``
   with ``workers=--workers`` and its own local cluster: in a fresh process
   each time (what ``nonrecip sweep ... --workers`` waits for once imported;
   the fork server its workers come from starts with it), as a later sweep of
   this process (the server is up), and on an already running cluster. For
   its own cluster the start-up (``local_cluster`` returning, workers
   registered) and shut-down (``close``) are printed on a line of their own,
   with how many points were computed here before the cluster was asked for.
   Speed-ups against the serial time; the process pool is what the machine
   allows now. Estimates and error bars of every sweep are checked
   bit-identical to the serial ``simulate``.

``--before SRC`` also measures 1, 2 and the fresh-process sweep of 4 with
another nonrecip source tree (e.g. ``git archive`` of an older commit,
unpacked: its ``src``), in the same run, as the baseline.

Run:  python benchmarks/bench_sweep.py [--repeat 5] [--workers 2] [--points 8] [--steps 2000000] [--before DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CLI = "import sys; from nonrecip.cli import main; sys.exit(main())"
GRID995 = ["--layout", "dimers", "--n", "10", "--p", "0.001:0.995:0.001"]

#: the plain loop: the same 995 points and outputs, one Parquet table
PLAIN = """
import sys
from decimal import Decimal
import pandas as pd
from nonrecip import ClassicalParams, Wire, solve_classical
rows = []
for i in range(1, 996):
    p = float(Decimal(i) / 1000)
    r = solve_classical(Wire.from_spec("dimers", 10), ClassicalParams(p=p))
    rows.append({"layout": "dimers", "N": 10, "p": p, "Ig": 0.05, "drho": 0.1, "rho0": 1.0,
                 "I_in_forward": r.forward.I_in, "I_in_reverse": r.reverse.I_in,
                 "I_out_forward": r.forward.I_out, "I_out_reverse": r.reverse.I_out, "delta_I": r.delta_I})
pd.DataFrame(rows).to_parquet(sys.argv[1], index=False)
"""


def load() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


def spread(xs: list[float], unit: str = "s", scale: float = 1.0, fmt: str = ".3f") -> str:
    """``median [min-max] unit``."""
    m = statistics.median(xs)
    return f"{scale * m:{fmt}} [{scale * min(xs):{fmt}}-{scale * max(xs):{fmt}}] {unit}"


def run_child(args: list[str], src: str, cwd: str | None = None) -> tuple[float, float]:
    """Wall and CPU (user+sys) seconds of a child Python process with ``PYTHONPATH=src``."""
    env = dict(os.environ, PYTHONPATH=src)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run([sys.executable, *args], env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode not in (0,):
        raise RuntimeError(f"{args}: exit {p.returncode}: {p.stderr[-500:]}")
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def startup(src: str, repeat: int, label: str) -> None:
    cases = [("python -c pass", ["-c", "pass"]),
             ("nonrecip --help (pipe)", ["-c", CLI, "--help"]),
             ("solve classical .SDSD.", ["-c", CLI, "solve", "classical", "--layout", ".SDSD."])]
    for name, args in cases:
        cpu, loads = [], []
        for _ in range(repeat):
            loads.append(load())
            cpu.append(run_child(args, src)[1])
        print(f"  {label:7s} {name:24s}: CPU {spread(cpu)}  (load {statistics.median(loads):.1f})")


def sweep995(src: str, repeat: int, label: str) -> tuple[float, float]:
    """Medians of (sweep wall, loop wall); prints both with CPU and the ratio."""
    rows: dict[str, tuple[list[float], list[float]]] = {"sweep": ([], []), "loop": ([], [])}
    ratios, loads = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat):
            loads.append(load())
            w_loop, c_loop = run_child(["-c", PLAIN, str(Path(tmp) / f"plain{i}.parquet")], src)
            w_sw, c_sw = run_child(["-c", CLI, "sweep", "classical", *GRID995, "--out", str(Path(tmp) / f"s{i}.parquet"),
                                    "--no-progress"], src, cwd=tmp)
            rows["loop"][0].append(w_loop)
            rows["loop"][1].append(c_loop)
            rows["sweep"][0].append(w_sw)
            rows["sweep"][1].append(c_sw)
            ratios.append(w_sw / w_loop)
    for k in ("loop", "sweep"):
        print(f"  {label:7s} {k:5s}: wall {spread(rows[k][0])}, CPU {spread(rows[k][1])}")
    print(f"  {label:7s} sweep/loop wall: {spread(ratios, 'x', fmt='.2f')} (goal <= 1.5x; "
          f"load {min(loads):.1f}-{max(loads):.1f})")
    return statistics.median(rows["sweep"][0]), statistics.median(rows["loop"][0])


def overhead(repeat: int) -> None:
    from nonrecip import ClassicalParams, Wire, solve_classical
    from nonrecip.sweep import Grid, run_sweep

    grid = {"layout": "dimers", "n": 10, "p": "0.001:0.995:0.001"}
    points = Grid("classical", grid).points()
    run_sweep("classical", {"layout": "dimers", "n": 10, "p": "0.5,0.6"}, workers=1)  # imports, warm
    per, loads = [], []
    for _ in range(repeat):
        loads.append(load())
        t = time.process_time()
        for pt in points:
            solve_classical(Wire.from_spec("dimers", 10), ClassicalParams(p=pt.params["p"]))
        t_solve = time.process_time() - t
        with tempfile.TemporaryDirectory() as tmp:
            t = time.process_time()
            df = run_sweep("classical", grid, out=Path(tmp) / "o.parquet")
            t_sweep = time.process_time() - t
        assert len(df) == len(points) and df.attrs["computed"] == len(points)
        per.append((t_sweep - t_solve) / len(points))
    print(f"  per-point overhead of run_sweep (995 points, here, Parquet out): {spread(per, 'ms', 1e3)} CPU "
          f"(goal < 0.3 ms; load {statistics.median(loads):.1f})")


def _simulate_point(q: dict) -> tuple[float, float, float, float]:
    from nonrecip import ClassicalParams, Wire
    from nonrecip.stochastic import simulate

    res = simulate(Wire.from_spec(q["layout"], q["N"]),
                   ClassicalParams(p=q["p"], Ig=q["Ig"], drho=q["drho"], rho0=q["rho0"]),
                   steps=q["steps"], seed=q["seed"], n_batches=q["n_batches"], workers=1)
    return res.forward.I_in.mean, res.forward.I_in.stderr, res.delta_I.mean, res.delta_I.stderr


def timed_sweep(grid: dict, workers: int) -> dict:
    """``run_sweep(grid, workers=workers)`` with its own local cluster, timed in parts.

    Returns the wall time of the call, of its cluster's start-up (``local_cluster``
    returning: the workers registered) and shut-down (``close``), how many points
    were stored before the cluster started (computed here meanwhile), and the
    rows' estimates by point id.
    """
    import nonrecip.sweep.run as run_mod
    from nonrecip.sweep import run_sweep

    times: dict[str, Any] = {"start": 0.0, "close": 0.0, "here": 0}
    rows: list[str] = []
    real = run_mod.local_cluster

    def cluster(*a, **k):
        times["here"] = len(rows)
        t = time.perf_counter()
        c = real(*a, **k)
        times["start"] = time.perf_counter() - t
        close = c.close

        def timed_close(*a, **k):
            t = time.perf_counter()
            try:
                return close(*a, **k)
            finally:
                times["close"] = time.perf_counter() - t

        c.close = timed_close
        return c

    run_mod.local_cluster = cluster
    try:
        t = time.perf_counter()
        df = run_sweep("simulate", grid, workers=workers, callback=lambda r: rows.append(r["point_id"]))
        times["total"] = time.perf_counter() - t
    finally:
        run_mod.local_cluster = real
    times["values"] = {r.point_id: (r.I_in_forward, r.I_in_forward_stderr, r.delta_I, r.delta_I_stderr)
                       for r in df.itertuples(index=False)}
    return times


#: a fresh process timing one run_sweep with its own cluster (what `nonrecip sweep ... --workers` waits
#: for once its imports are done): JSON of timed_sweep on stdout
FRESH = """
import json, sys
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
import bench_sweep as b
grid, workers = json.loads(sys.argv[3]), int(sys.argv[4])
b._simulate_point(dict(b._points(grid)[0].params, steps=1000, n_batches=2))  # this process's kernels, as in the bench
out = b.timed_sweep(grid, workers)
out["values"] = {k: list(v) for k, v in out["values"].items()}
print(json.dumps(out))
"""


def _points(grid: dict) -> list:
    from nonrecip.sweep import Grid

    return Grid("simulate", grid).points()


def fresh_sweep(src: str, grid: dict, workers: int) -> dict:
    """:func:`timed_sweep` in a fresh Python process with ``src`` as nonrecip's tree."""
    import json

    p = subprocess.run([sys.executable, "-c", FRESH, src, str(Path(__file__).resolve().parent), json.dumps(grid),
                        str(workers)], env=dict(os.environ, PYTHONPATH=src), capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(f"fresh sweep: exit {p.returncode}: {p.stderr[-800:]}")
    out = json.loads(p.stdout.strip().splitlines()[-1])
    out["values"] = {k: tuple(v) for k, v in out["values"].items()}
    return out


def costly(repeat: int, workers: int, n_points: int, steps: int, trees: list[tuple[str, str]]) -> None:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from distributed import Client

    from nonrecip.sweep import local_cluster, run_sweep

    grid = {"layout": "dimers", "n": 20, "p": 0.7, "ig": 0.05, "seed": f"1:{n_points}", "steps": steps, "batches": 8}
    points = _points(grid)
    _simulate_point(dict(points[0].params, steps=1000, n_batches=2))  # JIT here
    t_serial, t_pool, t_cold, t_warm, loads = [], [], [], [], []
    fresh: dict[str, list[dict]] = {label: [] for label, _ in trees}
    again: list[dict] = []
    serial: dict = {}
    same = True
    # this process's first sweep of its own cluster starts the fork server and warms it with this
    # sweep's kernels (a server first started by a bare local_cluster() would leave each new worker
    # to load them: ~2.5 s more per sweep at a load of 7): not timed
    timed_sweep(grid, workers)
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool, \
            local_cluster(workers) as cluster, Client(cluster) as client:
        list(pool.map(_simulate_point, [dict(points[0].params, steps=1000, n_batches=2)] * workers))  # warm
        run_sweep("simulate", {"n": 6, "steps": 1000, "batches": 2}, scheduler=client)  # warm the workers
        for _ in range(repeat):
            loads.append(load())
            t = time.perf_counter()
            for pt in points:
                serial[pt.key] = _simulate_point(pt.params)
            t_serial.append(time.perf_counter() - t)
            t = time.perf_counter()
            list(pool.map(_simulate_point, [pt.params for pt in points]))
            t_pool.append(time.perf_counter() - t)
            t = time.perf_counter()  # a pool started inside the clock: what a user of a plain pool waits for
            with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as cold:
                list(cold.map(_simulate_point, [pt.params for pt in points]))
            t_cold.append(time.perf_counter() - t)
            for label, tree in trees:  # its own cluster, in a fresh process: what a CLI user waits for
                fresh[label].append(fresh_sweep(tree, grid, workers))
            again.append(timed_sweep(grid, workers))  # a later sweep of the same process
            t = time.perf_counter()
            dfw = run_sweep("simulate", grid, scheduler=client)
            t_warm.append(time.perf_counter() - t)
            for values in [r["values"] for r in (*[f[-1] for f in fresh.values()], again[-1])] + \
                    [{r.point_id: (r.I_in_forward, r.I_in_forward_stderr, r.delta_I, r.delta_I_stderr)
                      for r in dfw.itertuples(index=False)}]:
                same &= values == serial
    sp = lambda ts: [a / b for a, b in zip(t_serial, ts, strict=True)]  # noqa: E731
    print(f"  {len(points)} points of {steps} steps: serial {spread(t_serial)}; load {min(loads):.1f}-{max(loads):.1f} "
          f"on {os.cpu_count()} cores")
    print(f"  plain process pool, {workers} procs: {spread(t_pool)} = {spread(sp(t_pool), 'x', fmt='.2f')}")
    print(f"  plain process pool started inside the clock: {spread(t_cold)} = {spread(sp(t_cold), 'x', fmt='.2f')}")
    for label, runs in [*((f"{lb}, fresh process", r) for lb, r in fresh.items()), ("now, later sweep here", again)]:
        total = [r["total"] for r in runs]
        print(f"  run_sweep, workers={workers}, own cluster ({label}): {spread(total)} = "
              f"{spread(sp(total), 'x', fmt='.2f')}")
        print(f"      its cluster's start-up {spread([r['start'] for r in runs])}, shut-down "
              f"{spread([r['close'] for r in runs])}; points computed here first: "
              f"{sorted(r['here'] for r in runs)}")
    print(f"  run_sweep on a running cluster: {spread(t_warm)} = {spread(sp(t_warm), 'x', fmt='.2f')}; "
          f"all bit-identical to serial: {same}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--points", type=int, default=8)
    ap.add_argument("--steps", type=int, default=2_000_000)
    ap.add_argument("--before", help="src directory of another nonrecip version, measured as the baseline")
    ap.add_argument("--skip-costly", action="store_true")
    ap.add_argument("--only-costly", action="store_true")
    args = ap.parse_args()
    src = str(Path(__file__).resolve().parents[1] / "src")
    sys.path.insert(0, src)  # this tree's nonrecip, also here (sections 3 and 4)
    trees = [("before", str(Path(args.before).resolve()))] if args.before else []
    trees.append(("now", src))
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"medians [min-max] of {args.repeat} runs")
    if not args.only_costly:
        print("1. start-up, CPU s (goals: --help < 0.15, solve < 0.3)")
        for label, tree in trees:
            startup(tree, args.repeat, label)
        print("2. 995 cheap classical points, whole processes (issue 14 baseline: sweep 7.2 s vs loop 0.65 s, 11x)")
        for label, tree in trees:
            sweep995(tree, args.repeat, label)
        print("3. per-point overhead")
        overhead(args.repeat)
    if not args.skip_costly:
        print(f"4. costly points on {args.workers} workers (issue 14 baseline: Dask 1.85x vs pool 0.96x in one run)")
        costly(args.repeat, args.workers, args.points, args.steps, trees)
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
