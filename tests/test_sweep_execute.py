"""Where sweep points run: in this process (small sweeps) or batched Dask tasks.

The table must not depend on where it was computed: the in-process path and
the batched Dask path are compared with each other and with serial library
solves, bit for bit (same solver, same inputs: tolerance 0). Whether a
cluster is started is observed by replacing :func:`local_cluster`, never by
timing.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import nonrecip.sweep.run as run_mod
from nonrecip.deterministic import solve_classical
from nonrecip.stochastic import simulate
from nonrecip.sweep import execute, local_cluster, read_table, run_sweep
from nonrecip.sweep.execute import point_seconds, points_per_task
from nonrecip.wire import ClassicalParams, Wire

GRID = {"layout": "dimers", "n": "4:10:2", "p": "0.5,0.7,0.9"}  # 12 cheap points


def _no_cluster(*a, **k):
    raise AssertionError("a small sweep must not start a cluster")


def _same_outputs(a: pd.DataFrame, b: pd.DataFrame, check_dtype: bool = True) -> None:
    cols = [c for c in a.columns if c != "error"]
    pd.testing.assert_frame_equal(a[cols].reset_index(drop=True), b[cols].reset_index(drop=True),
                                  check_dtype=check_dtype)


def test_small_sweep_runs_here_without_a_cluster_and_equals_serial(monkeypatch, tmp_path):
    monkeypatch.setattr(run_mod, "local_cluster", _no_cluster)
    df = run_sweep("classical", GRID, out=tmp_path / "s.parquet")
    assert len(df) == 12 and (df["status"] == "ok").all() and df.attrs["computed"] == 12
    for r in df.itertuples(index=False):
        res = solve_classical(Wire.from_spec(r.layout, int(r.N)), ClassicalParams(p=r.p, Ig=r.Ig, drho=r.drho))
        assert (r.I_in_forward, r.I_in_reverse, r.delta_I) == (res.forward.I_in, res.reverse.I_in, res.delta_I)
    _same_outputs(read_table(tmp_path / "s.parquet"), df, check_dtype=False)  # text read back as str dtype


def test_one_worker_asked_runs_here_also_when_costly(monkeypatch):
    monkeypatch.setattr(run_mod, "local_cluster", _no_cluster)
    monkeypatch.setattr(execute, "SMALL_SECONDS", 0.0)  # every sweep "large"
    monkeypatch.setattr(run_mod, "SMALL_SECONDS", 0.0)
    df = run_sweep("classical", GRID, workers=1)
    assert len(df) == 12 and (df["status"] == "ok").all()


def test_bad_points_in_process_are_error_rows(monkeypatch):
    monkeypatch.setattr(run_mod, "local_cluster", _no_cluster)
    df = run_sweep("classical", {"layout": "dimers", "n": "4,5", "p": 0.9})  # dimers need an even N
    assert list(df["status"]) == ["ok", "error"] and "N" in df["error"].iloc[1]


def test_large_sweep_starts_a_cluster_and_equals_the_in_process_table(monkeypatch):
    grid = {"layout": "dimers", "n": "4:40:2", "p": "0.5,0.9"}  # 38 points: more than the probe takes
    here = run_sweep("classical", grid)
    started = []

    def counting_cluster(*a, **k):
        started.append(1)
        return local_cluster(*a, **k)

    monkeypatch.setattr(run_mod, "local_cluster", counting_cluster)
    monkeypatch.setattr(run_mod, "SMALL_SECONDS", 0.0)
    there = run_sweep("classical", grid, workers=2)
    assert started == [1]
    assert there.attrs["computed"] == 38
    _same_outputs(here, there)


def test_batched_tasks_on_a_given_scheduler_equal_the_in_process_table():
    # the scheduler's first tasks (one point per worker) are timed, the other
    # points go several to a task: the table is the same, row for row
    grid = {"layout": "dimers", "n": "4:40:2", "p": "0.5,0.9"}
    here = run_sweep("classical", grid)
    with local_cluster(2, processes=False) as threads:
        there = run_sweep("classical", grid, scheduler=threads)
    _same_outputs(here, there)


def test_monte_carlo_in_process_is_bit_identical_to_simulate(monkeypatch):
    monkeypatch.setattr(run_mod, "local_cluster", _no_cluster)
    df = run_sweep("simulate", {"n": 6, "steps": 4000, "batches": 4, "seed": "1,2"})
    for r in df.itertuples(index=False):
        res = simulate(Wire.from_spec("dimers", 6), ClassicalParams(p=r.p, Ig=r.Ig, drho=r.drho),
                       steps=4000, seed=int(r.seed), n_batches=4, workers=1)
        assert (r.I_in_forward, r.I_in_forward_stderr) == (res.forward.I_in.mean, res.forward.I_in.stderr)
        assert (r.delta_I, r.delta_I_stderr) == (res.delta_I.mean, res.delta_I.stderr)


def test_points_per_task_rules():
    # about TASK_SECONDS (0.25 s) of work a task ...
    assert points_per_task(0.001, 100_000, 2) == 250
    # ... at least four tasks per worker ...
    assert points_per_task(0.001, 40, 2) == 5
    # ... never less than one point; an unknown cost gives small tasks, not one huge one
    assert points_per_task(10.0, 100, 2) == 1
    assert points_per_task(math.nan, 80, 2) == 10


def test_point_seconds_leaves_out_the_first_point_and_takes_the_median():
    assert point_seconds([5.0, 0.1, 0.3, 0.2]) == 0.2  # the first paid for imports and JIT
    assert point_seconds([0.4]) == 0.4


class _Clock:
    """A clock that moves only when a fake solver says it worked."""

    def __init__(self):
        self.t = 0.0

    def thread_time(self):
        return self.t

    monotonic = perf_counter = thread_time


@pytest.mark.parametrize("stochastic", [False, True])
def test_probe_estimate_is_the_cost_of_a_point(stochastic, monkeypatch):
    # the probe's bookkeeping on a fake clock (no timing of a shared machine):
    # points of known cost, the first one slow (imports, JIT)
    from nonrecip.sweep import Grid

    clock = _Clock()
    monkeypatch.setattr(execute, "time", clock)
    model = "simulate" if stochastic else "classical"
    grid = {"n": 8, "steps": 1000, "batches": 8, "seed": "1:6"} if stochastic else {"n": "4:40:2", "p": 0.9}
    g = Grid(model, grid)
    todo = [(p, g.spec.prepare(p.params)) for p in g.points()]
    costs = iter([5.0] + [0.01, 0.03, 0.02, 0.02, 0.04] * 10)
    if stochastic:
        def fake_chunk(prep, ids):
            clock.t += next(costs) * len(ids)
            return {"__error__": "fake"}

        monkeypatch.setattr(execute._models, "mc_chunk", fake_chunk)
        done, est = execute.run_here(g.spec, todo, list, probe=True)
        assert done == 0 and est == pytest.approx(8 * 0.01)  # batch 1 of 8, batch 0 paid for the JIT
    else:
        def fake_solve(solver, prep):
            clock.t += next(costs)
            return {"delta_I": 0.0}

        monkeypatch.setattr(execute._models, "solve_point", fake_solve)
        rows: list = []
        done, est = execute.run_here(g.spec, todo, rows.extend, probe=True)
        # PROBE_POINTS at least, then until PROBE_SECONDS (0.1 s) of work: 5 + 0.01 + 0.03 s > 0.1 s after 3
        assert done == 3 and len(rows) == 3
        assert est == pytest.approx(0.03)  # upper median of the times after the first (0.01, 0.03)


def test_sigint_in_process_keeps_finished_points_and_resume_finishes(monkeypatch, tmp_path):
    # a real SIGINT, sent once the first rows are stored, while the other
    # points are computed here (24 points of ~0.02-0.3 s, journaled every 0.25 s)
    import os
    import signal

    monkeypatch.setattr(run_mod, "local_cluster", _no_cluster)
    out = tmp_path / "i.parquet"
    grid = {"layout": "dimers", "n": "100000:1250000:50000", "p": 0.9}
    rows: list[str] = []

    def callback(row):
        rows.append(row["point_id"])
        if len(rows) == 1:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        run_sweep("classical", grid, out=out, workers=1, callback=callback)
    kept = read_table(out)
    assert 1 <= len(kept) < 24 and set(rows) == set(kept["point_id"])
    assert not (tmp_path / "i.parquet.parts").exists() and not (tmp_path / "i.parquet.lock").exists()
    df = run_sweep("classical", grid, out=out, resume=True, workers=1)
    assert len(df) == 24 and df.attrs["reused"] == len(kept) and df.attrs["computed"] == 24 - len(kept)


def test_results_are_tracked_on_the_sweeps_own_client_when_another_is_the_default(monkeypatch):
    # dask's ``as_completed`` takes the loop of the *default* client unless told: with a
    # second Client in the process (a notebook's own, a benchmark's), our connections were
    # driven from that client's thread -- corrupted tornado writes, a hang, ~1 s per sweep
    # of polling -- seen in bench_sweep. The tracking loop must be the sweep's client's.
    import distributed

    from nonrecip.sweep import local_cluster

    loops = []
    real = distributed.as_completed

    class Spy(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            loops.append(self.loop)

    monkeypatch.setattr(distributed, "as_completed", Spy)
    grid = {"layout": "dimers", "n": "4:12:2", "p": "0.5,0.9"}
    here = run_sweep("classical", grid)
    with local_cluster(1, processes=False) as cb, distributed.Client(cb) as ours, \
            local_cluster(1, processes=False) as ca, distributed.Client(ca) as other:
        assert distributed.default_client() is other
        there = run_sweep("classical", grid, scheduler=ours)
        assert loops and all(loop is ours.loop for loop in loops) and ours.loop is not other.loop
    _same_outputs(here, there)
