"""Benchmark: a Monte Carlo sweep on a local Dask cluster vs the same points
computed serially in this process, and Dask's per-task overhead.

1. Eight ``simulate`` points (dimers N = 20, p in {0.5, 0.7}, Ig in {0.02,
   0.05}, seeds {0, 1}; ``--steps`` each) run
   * serially here, one after the other, one thread each
     (``simulate(..., workers=1)``): the baseline;
   * on a plain process pool of ``--workers`` processes (no Dask): the
     ceiling the machine allows at the moment;
   * by :func:`nonrecip.sweep.run_sweep` on a ``LocalCluster`` of
     ``--workers`` single-threaded worker processes (started and warmed up
     before the clock starts; its start-up time is printed apart): once with
     Dask's default settings (the baseline of issue 6: 1.4-1.7x), once as
     :func:`nonrecip.sweep.local_cluster` makes it
     (:data:`nonrecip.sweep.run.LOCAL_CLUSTER_CONFIG`).
   Prints both times (best of ``--repeat``), the speed-up (goal: >= 1.8x on
   2 cores), the CPU seconds spent here and in the workers (equal CPU and a
   low speed-up mean the cores were busy with something else), and checks
   that every estimate and stderr is bit-identical between the two.
2. Dask's per-task overhead: ``--tasks`` trivial tasks (``client.submit`` of
   a no-op) on the same cluster, wall time per task; and the per-point
   overhead of a whole sweep of trivial points (classical ``.SD.``: the
   solve is ~0.1 ms), including validation, keys and the atomic table.

The JIT is warmed up in this process and on every worker before timing.

Run:  python benchmarks/bench_sweep.py [--workers 2] [--steps 2000000] [--tasks 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

from distributed import Client, LocalCluster

from nonrecip import ClassicalParams, Wire
from nonrecip.stochastic import simulate
from nonrecip.sweep import local_cluster, run_sweep


def _noop(x):
    return x


def _simulate_point(q: dict):
    res = simulate(Wire.from_spec(q["layout"], q["N"]),
                   ClassicalParams(p=q["p"], Ig=q["Ig"], drho=q["drho"], rho0=q["rho0"]),
                   steps=q["steps"], seed=q["seed"], n_batches=q["n_batches"], workers=1)
    return res.forward.I_in.mean, res.forward.I_in.stderr, res.delta_I.mean, res.delta_I.stderr


def _ceiling(points, n: int, repeat: int) -> float:
    """Best wall time of the points on a plain process pool (no Dask): what
    this machine allows right now."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(n, mp_context=mp.get_context("spawn")) as pool:
        list(pool.map(_simulate_point, [dict(points[0].params, steps=1000, n_batches=2)] * n))  # warm-up
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            list(pool.map(_simulate_point, [pt.params for pt in points]))
            best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--steps", type=int, default=2_000_000)
    ap.add_argument("--tasks", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs (the machine may be shared)")
    args = ap.parse_args()

    grid = {"layout": "dimers", "n": 20, "p": "0.5,0.7", "ig": "0.02,0.05", "seed": "0,1",
            "steps": args.steps, "batches": 32}
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} "
          "(shared with other jobs: figures taken under load)")

    # -- warm-up here ---------------------------------------------------------
    simulate(Wire.from_spec("dimers", 20), ClassicalParams(p=0.5, Ig=0.05), steps=1000, n_batches=2, workers=1)

    # -- serial baseline ------------------------------------------------------
    from nonrecip.sweep import Grid

    points = Grid("simulate", grid).points()
    t_serial, cpu_serial = float("inf"), 0.0
    for _ in range(args.repeat):
        t, c = time.perf_counter(), time.process_time()
        serial = {}
        for pt in points:
            serial[pt.key] = _simulate_point(pt.params)
        if time.perf_counter() - t < t_serial:
            t_serial, cpu_serial = time.perf_counter() - t, time.process_time() - c
    print(f"serial, in process : {len(points)} points in {t_serial:7.2f} s wall, {cpu_serial:6.2f} s CPU "
          f"(best of {args.repeat})")

    t_pool = _ceiling(points, args.workers, args.repeat)
    print(f"plain process pool : {len(points)} points in {t_pool:7.2f} s wall on {args.workers} processes, no Dask "
          f"(best of {args.repeat}): the machine's ceiling now, {t_serial / t_pool:.2f}x")

    # -- the same sweep on a local cluster ------------------------------------
    def timed_sweeps(client):
        """Best wall time of the sweep on ``client``'s cluster, the workers' CPU
        seconds of that run, this process's CPU seconds, and the table."""
        # warm the workers' JIT (a different point, so nothing is reused)
        run_sweep("simulate", {"n": 6, "steps": 1000, "batches": 2}, scheduler=client)
        client.run(lambda: None)
        best = (float("inf"), 0.0, 0.0, None)
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:  # a fresh table: nothing reused
                c0, here = sum(client.run(time.process_time).values()), time.process_time()
                t = time.perf_counter()
                df = run_sweep("simulate", grid, scheduler=client, out=Path(tmp) / "bench.parquet")
                wall = time.perf_counter() - t
                if wall < best[0]:
                    best = (wall, sum(client.run(time.process_time).values()) - c0, time.process_time() - here, df)
        return best

    # baseline of issue 6: the same LocalCluster with Dask's default settings
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                      silence_logs=logging.ERROR, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster, \
            Client(cluster) as client:
        t_default, cpu_default, here_default, _ = timed_sweeps(client)
    print(f"sweep, Dask defaults: {len(points)} points in {t_default:7.2f} s wall, {cpu_default:6.2f} s CPU in the "
          f"workers, {here_default:.2f} s here (best of {args.repeat}): {t_serial / t_default:.2f}x")

    t = time.perf_counter()
    with local_cluster(args.workers) as cluster, Client(cluster) as client:
        t_start = time.perf_counter() - t
        t_sweep, cpu_sweep, here_sweep, df = timed_sweeps(client)
        same = all((r.I_in_forward, r.I_in_forward_stderr, r.delta_I, r.delta_I_stderr) == serial[r.point_id]
                   for r in df.itertuples(index=False))
        print(f"sweep, {args.workers} workers   : {len(df)} points in {t_sweep:7.2f} s wall, {cpu_sweep:6.2f} s CPU "
              f"in the workers, {here_sweep:.2f} s here (best of {args.repeat}; local_cluster() settings; "
              f"cluster start-up {t_start:.2f} s, not included)")
        print(f"speed-up           : {t_serial / t_sweep:.2f}x on {args.workers} workers "
              f"(goal >= 1.8x on 2 cores; plain pool {t_serial / t_pool:.2f}x, Dask defaults {t_serial / t_default:.2f}x); "
              f"CPU ratio workers/serial {cpu_sweep / cpu_serial:.2f}; bit-identical to serial: {same}")

        # -- Dask's per-task overhead ----------------------------------------
        futs = client.map(_noop, range(50), pure=False)  # warm
        client.gather(futs)
        del futs
        t = time.perf_counter()
        futs = [client.submit(_noop, i, pure=False) for i in range(args.tasks)]
        client.gather(futs)
        t_tasks = time.perf_counter() - t
        del futs
        print(f"dask per-task      : {args.tasks} no-op tasks in {t_tasks:.2f} s = "
              f"{1e3 * t_tasks / args.tasks:.2f} ms/task (submit + run + gather)")
        n_trivial = max(100, args.tasks // 4)
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            df = run_sweep("classical", {"layout": ".SD.", "p": f"0.001:{n_trivial / 1000:g}:0.001"},
                           scheduler=client, out=Path(tmp) / "trivial.parquet")
            t_trivial = time.perf_counter() - t
        print(f"sweep per point    : {len(df)} trivial classical points in {t_trivial:.2f} s = "
              f"{1e3 * t_trivial / len(df):.2f} ms/point (validation, Dask, parts journal, atomic table)")


if __name__ == "__main__":
    main()
