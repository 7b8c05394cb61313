"""The local cluster a sweep starts itself: forked workers, work done here meanwhile, when not to start one.

Behaviour is observed, never timed: which process the workers were forked
from and what they had loaded before any task, whether a cluster was started
(by replacing :func:`local_cluster` or the fork server's ``ready``), which
points were computed in this process. Tables are compared with the
in-process ones bit for bit (same functions, same inputs: tolerance 0).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import distributed
import pandas as pd
import pytest

import nonrecip.sweep.run as run_mod
from nonrecip.sweep import cluster as cluster_mod
from nonrecip.sweep import local_cluster, read_table, run_sweep

GRID = {"layout": "dimers", "n": "4:40:2", "p": "0.5,0.9"}  # 38 cheap points


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    cols = [c for c in a.columns if c != "error"]
    pd.testing.assert_frame_equal(a[cols].reset_index(drop=True), b[cols].reset_index(drop=True))


def _forkserver_pid() -> int | None:
    from multiprocessing import forkserver

    return forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]


def _worker_state(dask_worker=None) -> tuple[int, bool, object]:
    import signal
    import sys

    return os.getppid(), "nonrecip.sweep.models" in sys.modules, signal.getsignal(signal.SIGINT)


def test_workers_are_forked_from_the_warm_server_and_ignore_sigint():
    # before: each worker was a fresh interpreter that imported Dask and nonrecip itself
    with local_cluster(2) as c, distributed.Client(c, set_as_default=False) as client:
        state = client.run(_worker_state)  # in the workers' event loop: before any task of ours
    server = _forkserver_pid()
    assert len(state) == 2 and server is not None
    for parent, models_loaded, sigint in state.values():
        assert parent == server  # forked from the server ...
        assert models_loaded  # ... which had imported what a worker runs
        assert sigint == signal.SIG_IGN  # Ctrl-C is the client's to handle


def test_points_are_computed_here_until_the_server_is_ready(monkeypatch):
    # the server "becomes ready" after 5 polls: the points computed here meanwhile and the ones
    # the cluster computes make the same table as a sweep computed here
    here = run_sweep("classical", GRID)
    polls: list[int] = []
    started: list[int] = []
    rows: list[str] = []

    def fake_server(warm=None):
        def ready():
            polls.append(1)
            return len(polls) > 5
        return ready

    def counting_cluster(*a, **k):
        started.append(len(rows))
        return local_cluster(*a, **k)

    monkeypatch.setattr(run_mod, "start_fork_server", fake_server)
    monkeypatch.setattr(run_mod, "local_cluster", counting_cluster)
    monkeypatch.setattr(run_mod, "SMALL_SECONDS", 0.0)
    monkeypatch.setattr(run_mod, "OVERLAP_SECONDS", 0.0)  # one point per poll
    there = run_sweep("classical", GRID, workers=2, callback=lambda r: rows.append(r["point_id"]))
    probe = started[0] - 5
    assert len(started) == 1 and 3 <= probe <= 16  # the probe's points, then one per poll until ready
    assert there.attrs["computed"] == 38 and sorted(rows) == sorted(here["point_id"])
    assert rows[:started[0]] == list(here["point_id"][:started[0]])  # the first ones, in order, here
    _same(here, there)


def test_a_server_never_ready_leaves_one_point_per_worker_to_the_cluster(monkeypatch):
    here = run_sweep("classical", GRID)
    started: list[int] = []
    rows: list[str] = []
    monkeypatch.setattr(run_mod, "start_fork_server", lambda warm=None: lambda: False)
    monkeypatch.setattr(run_mod, "local_cluster", lambda *a, **k: started.append(len(rows)) or local_cluster(*a, **k))
    monkeypatch.setattr(run_mod, "SMALL_SECONDS", 0.0)
    there = run_sweep("classical", GRID, workers=2, callback=lambda r: rows.append(r["point_id"]))
    assert started == [36]  # the decision to use a cluster stands: the last two points are its
    _same(here, there)


@pytest.mark.parametrize("cost, cluster", [(1e-9, True), (1e3, False)])
def test_once_a_cluster_was_measured_its_cost_decides(monkeypatch, cost, cluster):
    # 38 cheap points (~0.03 s of work here): a cluster that costs ~nothing is worth starting, one
    # that costs more than SMALL_SECONDS still never raises the threshold above it
    started: list[int] = []
    monkeypatch.setattr(run_mod, "known_cost", lambda: cost)
    monkeypatch.setattr(run_mod, "local_cluster", lambda *a, **k: started.append(1) or local_cluster(*a, **k))
    df = run_sweep("classical", GRID, workers=2)
    assert started == ([1] if cluster else []) and df.attrs["computed"] == 38
    # n workers finish sooner when the work exceeds c n / (n - 1)
    assert run_mod._small_seconds(2) == min(run_mod.SMALL_SECONDS, 2 * cost)
    assert run_mod._small_seconds(3) == min(run_mod.SMALL_SECONDS, 1.5 * cost)
    monkeypatch.setattr(run_mod, "known_cost", lambda: None)
    assert run_mod._small_seconds(2) == run_mod.SMALL_SECONDS  # nothing measured yet


def test_the_measured_cost_is_recorded_with_the_server_up(monkeypatch):
    monkeypatch.setattr(run_mod, "SMALL_SECONDS", 0.0)
    run_sweep("classical", {"layout": "dimers", "n": "4:12:2", "p": 0.9}, workers=2)
    cost = cluster_mod.known_cost()
    assert cost is not None and cost > 0


def test_the_sweeps_client_is_never_the_default_client(monkeypatch):
    # another client of this process stays the default during the sweep (dask's functions that take
    # the default client -- wait, compute, as_completed without a loop -- keep going to it)
    monkeypatch.setattr(run_mod, "SMALL_SECONDS", 0.0)
    seen = []
    with local_cluster(1, processes=False) as ca, distributed.Client(ca) as other:
        run_sweep("classical", {"layout": "dimers", "n": "4:12:2", "p": 0.9}, workers=2,
                  callback=lambda r: seen.append(distributed.default_client()))
        assert seen and all(c is other for c in seen)
        with local_cluster(1) as cb:
            seen.clear()
            run_sweep("classical", {"layout": "dimers", "n": "4:12:2", "p": 0.9}, scheduler=cb.scheduler_address,
                      callback=lambda r: seen.append(distributed.default_client()))
            assert seen and all(c is other for c in seen)


def test_cli_ctrl_c_to_the_process_group_with_its_own_cluster(tmp_path):
    # Ctrl-C in a terminal: SIGINT to the whole process group (the sweep, its fork server, its
    # workers); exit 130, one line, the finished points kept, and --resume computes the rest.
    # 12 Monte Carlo points of ~0.3 s of CPU: a sweep of its own cluster. The signal comes once a
    # point is stored, and once more in a second run ~1.5 s later (during the cluster's start or
    # its work, whichever it is on this machine): the same outcome either way
    out = tmp_path / "c.parquet"
    args = ["sweep", "simulate", "--n", "20", "--p", "0.7", "--steps", "2000000", "--batches", "8",
            "--seed", "1:12", "--workers", "2", "--out", str(out), "--no-progress"]
    code = "import sys; from nonrecip.cli import main; sys.exit(main(sys.argv[1:]))"
    parts = tmp_path / "c.parquet.parts"
    for extra in (0.0, 1.5):
        proc = subprocess.Popen([sys.executable, "-c", code, *args, *(["--resume"] if out.exists() else [])],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        deadline = time.monotonic() + 120
        while not (parts.is_dir() and any(parts.iterdir())) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        time.sleep(extra)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
        if proc.returncode == 0:  # finished before the signal (a fast machine): nothing to check
            break
        kept = len(read_table(out))
        assert proc.returncode == 130 and stdout == "", stderr
        assert stderr.strip().splitlines() == [f"nonrecip: interrupted: {kept} finished points kept in {out}; "
                                               "rerun the same command with --resume to compute the rest"]
    r = subprocess.run([sys.executable, "-c", code, *args, "--resume"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert len(read_table(out)) == 12 and read_table(out)["point_id"].is_unique


def test_workers_drop_only_the_heartbeat_error_of_a_closing_scheduler():
    import logging

    drop = cluster_mod._SchedulerClosing()

    def record(msg: str) -> logging.LogRecord:
        return logging.LogRecord("distributed.worker", logging.ERROR, __file__, 1, msg, None, None)

    assert not drop.filter(record("Failed to communicate with scheduler during heartbeat."))
    assert drop.filter(record("Unexpected exception during heartbeat. Closing worker."))
    assert drop.filter(record("Compute Failed"))
