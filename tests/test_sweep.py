"""Sweeps on a real Dask LocalCluster (loopback, worker processes with nannies).

One module-scoped cluster of two single-threaded worker processes serves
every test; the sweeps reach it through its scheduler address exactly as
``--scheduler tcp://HOST:PORT`` does. Reference values are the same points
computed serially in this process by the library solvers; deterministic
models must agree bit for bit (same code, same inputs: tolerance 0).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import dask
import numpy as np
import pandas as pd
import pytest

from nonrecip.deterministic import solve_circuit, solve_classical
from nonrecip.deterministic.quantum import solve_quantum
from nonrecip.stochastic import simulate
from nonrecip.sweep import Grid, local_cluster, read_table, run_sweep
from nonrecip.sweep.store import SweepStore
from nonrecip.wire import CircuitParams, ClassicalParams, ParameterError, QuantumParams, Wire


@pytest.fixture(scope="module")
def cluster():
    with local_cluster(2) as c:
        yield c


@pytest.fixture(scope="module")
def address(cluster) -> str:
    return cluster.scheduler_address


def _serial_classical(layout, n, p, ig, drho=0.1, rho0=1.0):
    return solve_classical(Wire.from_spec(layout, n), ClassicalParams(p=p, Ig=ig, drho=drho, rho0=rho0))


def _assert_matches_serial_classical(df: pd.DataFrame) -> None:
    ok = df[df["status"] == "ok"]
    assert len(ok) > 0
    for r in ok.itertuples(index=False):
        res = _serial_classical(r.layout, int(r.N), r.p, r.Ig, r.drho, r.rho0)
        # tolerance 0: the worker runs the same solver on the same inputs
        assert (r.I_in_forward, r.I_in_reverse) == (res.forward.I_in, res.reverse.I_in)
        assert (r.I_out_forward, r.I_out_reverse) == (res.forward.I_out, res.reverse.I_out)
        assert r.delta_I == res.delta_I


# --------------------------------------------------------------------------
# a sweep equals the same points computed serially
# --------------------------------------------------------------------------
def test_classical_sweep_equals_serial_solves(address, tmp_path):
    grid = {"layout": "dimers,.SDSD.,.S..D.", "n": "4:12:2", "p": "0.1:0.9:0.4", "ig": "0,0.05"}
    df = run_sweep("classical", grid, scheduler=address, out=tmp_path / "c.parquet")
    # 5 N x 3 p x 2 Ig for dimers; each explicit layout fixes N: 3 x 2 each
    assert len(df) == 30 + 6 + 6 and (df["status"] == "ok").all()
    assert df["point_id"].is_unique
    assert list(df["point_id"]) == [p.key for p in Grid("classical", grid).points()]  # grid order
    _assert_matches_serial_classical(df)
    # the file holds the same table, floats bit for bit
    pd.testing.assert_frame_equal(read_table(tmp_path / "c.parquet"), df, check_dtype=False)
    assert not (tmp_path / "c.parquet.parts").exists()  # merged and cleaned up
    assert df.attrs["computed"] == 42 and df.attrs["reused"] == 0


def test_circuit_sweep_equals_serial_and_paper_fig1(address, tmp_path):
    df = run_sweep("circuit", {"layout": ".SD.,.SDDS.,.SDSD.", "v": "1,2", "ig": "0.3"},
                   scheduler=address, out=tmp_path / "k.csv")
    for r in df.itertuples(index=False):
        res = solve_circuit(Wire(r.layout), CircuitParams(V=r.V, R=r.R, Ig=r.Ig))
        assert (r.I_in_forward, r.I_in_reverse, r.delta_I) == (res.forward.I_in, res.reverse.I_in, res.delta_I)
    # conventions §3 (Fig. 1): I_in = V/R - Ig/3, V/R, V/R - 2 Ig/5 (forward);
    # 1e-12: a Kirchhoff solve of 4-6 nodes, rounding only
    want = {".SD.": 1 / 3, ".SDDS.": 0.0, ".SDSD.": 2 / 5}
    for r in df.itertuples(index=False):
        assert abs(r.I_in_forward - (r.V / r.R - want[r.layout] * r.Ig)) < 1e-12
    # CSV round trip keeps every float bit for bit
    back = read_table(tmp_path / "k.csv")
    assert np.array_equal(back["delta_I"].to_numpy(), df["delta_I"].to_numpy())


def test_quantum_sweep_equals_serial_and_eq_b33():
    # an in-process cluster (worker threads): the quantum kernels are
    # compiled once, in this process, for the sweep and the serial oracle
    grid = {"layout": ".SD.,dimers", "n": 8, "ig-ratio": "0,0.3", "gamma": "0.5", "response": "linear,cubic"}
    with local_cluster(2, processes=False) as threads:
        df = run_sweep("quantum", grid, scheduler=threads)
    # Ig and Ig/Io together are refused before anything runs, like `solve quantum --ig --ig-ratio`
    with pytest.raises(ParameterError, match="not both"):
        run_sweep("quantum", {"layout": ".SD.", "ig": 0.001, "ig_ratio": 0.3})
    assert len(df) == 8
    # the solver itself (on the worker) refuses the cubic expansion B35
    # beyond one dimer: recorded as error rows, the rest computed
    cubic_dimers = (df["layout"] == "dimers") & (df["response"] == "cubic")
    assert (df[cubic_dimers]["status"] == "error").all() and cubic_dimers.sum() == 2
    assert df[cubic_dimers]["error"].str.contains("cubic expansion").all()
    assert (df[~cubic_dimers]["status"] == "ok").all()
    for r in df[~cubic_dimers].itertuples(index=False):
        qp = QuantumParams.from_ig_ratio(r.ig_ratio, gamma=r.gamma, mubar=r.mubar, dmu=r.dmu,
                                         gamma_contact=r.gamma_contact, temperature=r.temperature)
        res = solve_quantum(Wire.from_spec(r.layout, int(r.N)), qp, response=r.response, method=r.method)
        # tolerance 0: the same solver on the same inputs
        assert (r.I_in_forward, r.I_in_reverse, r.delta_I) == (res.forward.I_in, res.reverse.I_in, res.delta_I)
    # conventions §4, Eq. B33: N = 4, mubar = 1, gamma = 0.5, Ig/Io = 0.3,
    # dmu = 0.1 gives delta_I = 0.00106103...; 1e-12 relative: a 4-site
    # linear solve, rounding only
    b33 = df[(df["layout"] == ".SD.") & (df["gamma"] == 0.5) & (df["ig_ratio"] == 0.3) & (df["response"] == "linear")]
    assert len(b33) == 1 and abs(b33["delta_I"].iloc[0] / 0.0010610329539459689 - 1) < 1e-12


# --------------------------------------------------------------------------
# bad points are recorded, not fatal
# --------------------------------------------------------------------------
def test_bad_points_are_rows_with_their_error_and_the_rest_goes_on(address, tmp_path):
    grid = {"layout": "dimers", "n": "4:7", "p": "0.5,1.5"}
    df = run_sweep("classical", grid, scheduler=address, out=tmp_path / "b.parquet")
    assert len(df) == 8
    good = df[(df["N"] % 2 == 0) & (df["p"] == 0.5)]
    assert (good["status"] == "ok").all() and len(good) == 2
    bad = df[df["status"] == "error"]
    assert len(bad) == 6 and df.attrs["errors"] == 6
    assert bad["I_in_forward"].isna().all()
    odd = bad[(bad["N"] % 2 == 1) & (bad["p"] == 0.5)]
    assert odd["error"].str.contains("even N").all()
    assert bad[(bad["p"] == 1.5) & (bad["N"] % 2 == 0)]["error"].str.contains(r"p=1.5: must be in \(0, 1\]").all()
    _assert_matches_serial_classical(df)
    # a named layout without N is an error row too, not an exception
    df2 = run_sweep("classical", {"layout": "single,.SD."}, scheduler=address)
    assert list(df2["status"]) == ["error", "ok"]
    assert "needs the number of sites N" in df2["error"].iloc[0]


def test_run_options_are_validated_before_anything_runs(address, tmp_path):
    with pytest.raises(ParameterError, match="sizes the local cluster"):
        run_sweep("classical", {"n": 4}, scheduler=address, workers=2)
    with pytest.raises(ParameterError, match=".parquet or .csv"):
        run_sweep("classical", {"n": 4}, scheduler=address, out=tmp_path / "x.txt")
    with pytest.raises(ParameterError, match="needs an output file"):
        run_sweep("classical", {"n": 4}, scheduler=address, resume=True)
    # nothing listens on the discard port; 1 s instead of dask's 30 s connect timeout
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(ParameterError, match="no Dask scheduler answers"):
            run_sweep("classical", {"n": 4}, scheduler="tcp://127.0.0.1:9")


# --------------------------------------------------------------------------
# interruption and resume
# --------------------------------------------------------------------------
# 12 points of ~0.02-0.15 s each: long enough that an interrupt after the
# third stored point finds others unfinished
GRID12 = {"layout": "dimers", "n": "100000:650000:50000", "p": 0.9}


def test_ctrl_c_keeps_finished_points_and_resume_computes_only_the_missing(address, tmp_path):
    out = tmp_path / "r.parquet"
    seen: list[str] = []

    def interrupt_after_three(row):
        seen.append(row["point_id"])
        if len(seen) == 3:
            raise KeyboardInterrupt  # what Ctrl-C raises in the client

    with pytest.raises(KeyboardInterrupt):
        run_sweep("classical", GRID12, scheduler=address, out=out, callback=interrupt_after_three)
    kept = read_table(out)
    assert 3 <= len(kept) < 12 and kept["point_id"].is_unique
    assert set(seen) <= set(kept["point_id"])
    assert not (tmp_path / "r.parquet.parts").exists()  # flushed into the table on the way out

    computed: list[str] = []
    df = run_sweep("classical", GRID12, scheduler=address, out=out, resume=True, callback=lambda r: computed.append(r["point_id"]))
    assert len(df) == 12 and df["point_id"].is_unique
    assert len(computed) == 12 - len(kept) == df.attrs["computed"]
    assert set(computed).isdisjoint(kept["point_id"]) and df.attrs["reused"] == len(kept)
    _assert_matches_serial_classical(df)
    # resuming a complete sweep computes nothing and starts no work
    again = run_sweep("classical", GRID12, scheduler=address, out=out, resume=True)
    assert again.attrs["computed"] == 0
    pd.testing.assert_frame_equal(again, df)


def test_parts_journal_survives_a_crash_before_the_table_is_rewritten(tmp_path):
    # a client killed with SIGKILL never reaches the final flush: every
    # finished point must already be durable in the parts journal
    out = tmp_path / "j.csv"
    store = SweepStore(out, "classical", flush_seconds=1e9)
    store.add([{"point_id": "a", "model": "classical", "status": "ok", "error": None, "N": 4, "p": 0.5, "delta_I": 0.1}])
    store.add([{"point_id": "b", "model": "classical", "status": "error", "error": "E", "N": 5, "p": 0.5}])
    assert not out.exists() and len(list((tmp_path / "j.csv.parts").iterdir())) == 2
    again = SweepStore(out, "classical", resume=True)  # the next run, after the "crash"
    assert set(again.rows) == {"a", "b"} and again.rows["a"]["delta_I"] == 0.1
    again.flush(["b", "a"])
    df = read_table(out)
    assert list(df["point_id"]) == ["b", "a"] and not (tmp_path / "j.csv.parts").exists()
    # a table and a stale part holding the same point: read once, never twice
    SweepStore(out, "classical", flush_seconds=1e9).rows  # noqa: B018 (fresh run clears parts)
    s3 = SweepStore(out, "classical", resume=True, flush_seconds=1e9)
    s3.add([dict(s3.rows["a"])])
    s4 = SweepStore(out, "classical", resume=True)
    assert sorted(s4.rows) == ["a", "b"]
    with pytest.raises(ParameterError, match="holds a 'classical' sweep"):
        SweepStore(out, "circuit", resume=True)


# --------------------------------------------------------------------------
# Monte Carlo: chunks of batches combine into the serial run, bit for bit
# --------------------------------------------------------------------------
def _assert_matches_serial_simulate(df: pd.DataFrame) -> None:
    assert (df["status"] == "ok").all()
    for r in df.itertuples(index=False):
        res = simulate(Wire.from_spec(r.layout, int(r.N)), ClassicalParams(p=r.p, Ig=r.Ig, drho=r.drho, rho0=r.rho0),
                       steps=int(r.steps), seed=int(r.seed), n_batches=int(r.n_batches), mode=r.mode,
                       estimator=r.estimator, workers=1)
        # tolerance 0: combine() of any split of the batches is the serial run bit for bit
        for col, est in (("I_in_forward", res.forward.I_in), ("I_in_reverse", res.reverse.I_in),
                         ("I_out_forward", res.forward.I_out), ("I_out_reverse", res.reverse.I_out),
                         ("delta_I", res.delta_I)):
            assert (getattr(r, col), getattr(r, col + "_stderr")) == (est.mean, est.stderr), col


def test_simulate_sweep_is_bit_identical_to_serial_simulate(address, tmp_path):
    # 8 batches in chunks of 3: uneven chunks (3, 3, 2) on two workers
    grid = {"layout": "dimers,.SPPD.", "n": 8, "p": "0.5", "steps": 4000, "seed": "0,7",
            "batches": 8, "estimator": "walkers,adjoint"}
    df = run_sweep("simulate", grid, scheduler=address, out=tmp_path / "mc.parquet", chunk_batches=3)
    assert len(df) == 8 and df["point_id"].is_unique
    _assert_matches_serial_simulate(df)
    assert (df["delta_I_stderr"] > 0).all()
    # the seed is part of the point: two seeds, two different estimates
    a = df[(df["layout"] == "dimers") & (df["estimator"] == "walkers")]
    assert len(a) == 2 and a["I_in_forward"].iloc[0] != a["I_in_forward"].iloc[1]
    # bad Monte Carlo options are rows, not exceptions
    bad = run_sweep("simulate", {"n": 6, "steps": "1000", "batches": "1,4", "mode": "linear,sideways"},
                    scheduler=address)
    assert list(bad["status"]) == ["error", "error", "ok", "error"]  # (batches, mode), mode fastest
    assert "n_batches" in bad["error"].iloc[0] and "mode" in bad["error"].iloc[3]


# --------------------------------------------------------------------------
# faults: a worker killed mid-sweep
# --------------------------------------------------------------------------
def test_worker_killed_mid_sweep_loses_and_duplicates_nothing(cluster, address, tmp_path):
    from distributed import Client

    # 4 Monte Carlo points of 8 batches in chunks of 2: 16 chunk tasks of
    # ~0.1 s and 4 combine tasks; a worker is killed while it runs one
    grid = {"layout": "dimers", "n": 16, "p": 0.5, "steps": 200_000, "seed": "0:3", "batches": 8}
    with Client(address) as monitor:
        pids = monitor.run(os.getpid)
        killed: dict = {}
        stop = threading.Event()

        def kill_a_busy_worker():
            while not stop.is_set():
                busy = {w: ks for w, ks in monitor.processing().items()
                        if any(str(k).startswith("nonrecip-simulate-") for k in ks)}
                if busy:
                    addr = next(iter(busy))
                    killed.update(addr=addr, pid=pids[addr], keys=list(busy[addr]))
                    os.kill(pids[addr], signal.SIGKILL)  # dies mid-task; its nanny restarts it
                    return
                time.sleep(0.005)

        killer = threading.Thread(target=kill_a_busy_worker)
        killer.start()
        try:
            df = run_sweep("simulate", grid, scheduler=address, out=tmp_path / "k.parquet", chunk_batches=2)
        finally:
            stop.set()
            killer.join()
        assert killed, "the sweep ended before a worker could be killed"
        # the worker process really died and was replaced
        monitor.wait_for_workers(2, timeout=60)
        deadline = time.monotonic() + 30
        while killed["pid"] in monitor.run(os.getpid).values() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert killed["pid"] not in monitor.run(os.getpid).values()
    assert len(df) == 4 and df["point_id"].is_unique and (df["status"] == "ok").all()
    _assert_matches_serial_simulate(df)
    table = read_table(tmp_path / "k.parquet")
    assert len(table) == 4 and table["point_id"].is_unique


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------
def test_cli_writes_parquet_and_csv_and_json_records(cli, address, tmp_path):
    args = ["sweep", "classical", "--layout", "dimers", "--n", "4:8:2", "--p", "0.5,0.9", "--scheduler", address]
    r = cli(*args, "--out", str(tmp_path / "a.parquet"), "--json", "--no-progress")
    assert r.code == 0, r.err
    recs = r.json()
    assert [(x["N"], x["p"]) for x in recs] == [(4, 0.5), (4, 0.9), (6, 0.5), (6, 0.9), (8, 0.5), (8, 0.9)]
    pq = read_table(tmp_path / "a.parquet")
    assert list(pq["delta_I"]) == [x["delta_I"] for x in recs]
    r2 = cli(*args, "--out", str(tmp_path / "a.csv"), "--json")
    assert r2.code == 0 and r2.out == r.out  # same inputs, same bytes on stdout
    csv = read_table(tmp_path / "a.csv")
    pd.testing.assert_frame_equal(csv, pq, check_dtype=False)
    _assert_matches_serial_classical(pq)
    # the human table goes to stdout, the summary to stderr
    r3 = cli(*args, "--out", str(tmp_path / "a.csv"), "--resume")
    assert r3.code == 0 and "delta_I" in r3.out and "0 computed, 6 reused" in r3.err


def test_cli_spec_file_and_overrides(cli, address, tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(f'model = "circuit"\nout = "{tmp_path / "s.parquet"}"\n[grid]\nlayout = [".SD.", ".SDSD."]\nv = "1:3:1"\n')
    r = cli("sweep", "circuit", "--spec", str(spec), "--ig", "0.1,0.2", "--scheduler", address, "--json")
    assert r.code == 0, r.err
    recs = r.json()
    assert len(recs) == 2 * 3 * 2 and {x["Ig"] for x in recs} == {0.1, 0.2}
    assert len(read_table(tmp_path / "s.parquet")) == 12


def test_cli_ctrl_c_exits_130_with_one_line_and_resume_finishes(cli, address, tmp_path):
    # a real SIGINT to a `nonrecip sweep` process, as Ctrl-C in a terminal;
    # the 12 points of GRID12 on the module cluster
    out = tmp_path / "i.parquet"
    args = ["sweep", "classical", "--layout", "dimers", "--n", GRID12["n"], "--p", str(GRID12["p"]),
            "--scheduler", address, "--out", str(out), "--no-progress"]
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from nonrecip.cli import main; sys.exit(main(sys.argv[1:]))",
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    parts = tmp_path / "i.parquet.parts"
    deadline = time.monotonic() + 120
    while not (out.exists() or (parts.is_dir() and any(parts.iterdir()))) and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    kept = len(read_table(out))
    assert proc.returncode == 130 and stdout == ""
    assert stderr.strip().splitlines() == [f"nonrecip: interrupted: {kept} finished points kept in {out}; "
                                           "rerun the same command with --resume to compute the rest"]
    assert 1 <= kept < 12
    r = cli(*args, "--resume", "--json")
    assert r.code == 0 and f"{12 - kept} computed, {kept} reused" in r.err
    assert len({x["point_id"] for x in r.json()}) == 12


@pytest.mark.parametrize("args, fragment", [
    (["--n", "4:40:0"], "invalid N='4:40:0': the step of a range must not be 0"),
    (["--p", "0.5,abc"], "invalid p='abc'"),
    (["--n", "4.5"], "invalid N='4.5'"),
    (["--bogus", "1"], "No such option"),
    (["--out", "x.txt"], ".parquet or .csv"),
])
def test_cli_bad_options_exit_2_with_one_line(cli, tmp_path, args, fragment):
    r = cli("sweep", "classical", *args)
    assert r.code == 2 and r.out == ""
    assert len(r.err.strip().splitlines()) == 1 and fragment in r.err


def test_cli_default_local_cluster_starts_and_stops(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli("sweep", "circuit", "--layout", ".SDSD.", "--ig", "0:0.4:0.2", "--workers", "1", "--json", "--no-progress")
    assert r.code == 0, r.err
    assert [x["Ig"] for x in r.json()] == [0.0, 0.2, 0.4]
    assert (tmp_path / "sweep-circuit.parquet").exists()  # the default --out


# --------------------------------------------------------------------------
# nothing lost (issue 12): overwrite, locks, changed grids, temporaries, signals
# --------------------------------------------------------------------------
SMALL = {"layout": "dimers", "n": "4:8:2", "p": 0.9}


def test_existing_out_is_refused_without_resume_or_overwrite(address, tmp_path):
    out = tmp_path / "o.parquet"
    first = run_sweep("classical", SMALL, scheduler=address, out=out)
    before = out.read_bytes()
    # before: a sweep of 1 point silently replaced the 3-row table
    with pytest.raises(ParameterError, match="exists.*--overwrite"):
        run_sweep("classical", {"layout": "dimers", "n": 10, "p": 0.9}, scheduler=address, out=out)
    assert out.read_bytes() == before
    df = run_sweep("classical", {"layout": "dimers", "n": 10, "p": 0.9}, scheduler=address, out=out, overwrite=True)
    assert len(read_table(out)) == len(df) == 1
    assert len(first) == 3


def test_cli_refuses_an_existing_out_and_a_directory(cli, address, tmp_path):
    out = tmp_path / "c.csv"
    args = ["sweep", "classical", "--layout", "dimers", "--n", "4", "--scheduler", address, "--no-progress"]
    assert cli(*args, "--out", str(out)).code == 0
    before = out.read_bytes()
    r = cli(*args, "--out", str(out))
    assert r.code == 2 and r.err.count("\n") == 1 and "--resume" in r.err and out.read_bytes() == before
    r = cli(*args, "--out", str(tmp_path))
    assert r.code == 2 and r.err.count("\n") == 1 and "is a directory" in r.err and "Traceback" not in r.err
    r = cli(*args[:5], "6", *args[6:], "--out", str(out), "--overwrite")
    assert r.code == 0 and list(read_table(out)["N"]) == [6]


def test_cli_sigterm_exits_130_with_one_line(address, tmp_path):
    # before: SIGTERM killed the sweep with -15 and no message
    out = tmp_path / "term.parquet"
    args = ["sweep", "classical", "--layout", "dimers", "--n", GRID12["n"], "--p", str(GRID12["p"]),
            "--scheduler", address, "--out", str(out), "--no-progress"]
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from nonrecip.cli import main; sys.exit(main(sys.argv[1:]))",
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    parts = tmp_path / "term.parquet.parts"
    deadline = time.monotonic() + 120
    while not (out.exists() or (parts.is_dir() and any(parts.iterdir()))) and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=120)
    kept = len(read_table(out))
    assert proc.returncode == 130 and stdout == "", stderr
    assert stderr.strip().splitlines() == [f"nonrecip: interrupted: {kept} finished points kept in {out}; "
                                           "rerun the same command with --resume to compute the rest"]


def test_a_second_sweep_on_the_same_out_is_refused(address, tmp_path):
    from nonrecip.runs import FileLock

    out = tmp_path / "l.parquet"
    with FileLock(out, "out"):  # what a running sweep holds
        with pytest.raises(ParameterError, match="another run"):
            run_sweep("classical", SMALL, scheduler=address, out=out)
        assert not out.exists()
    # two real sweeps at once: the one that finds the lock taken refuses, the other stores every point
    results: dict[int, object] = {}

    def go(i):
        try:
            results[i] = run_sweep("classical", GRID12, scheduler=address, out=out, overwrite=True)
        except ParameterError as e:
            results[i] = e

    import threading

    t = threading.Thread(target=go, args=(1,))
    t.start()
    deadline = time.monotonic() + 60
    while not (tmp_path / "l.parquet.lock").exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    go(2)
    t.join()
    assert isinstance(results[2], ParameterError) and "another run" in str(results[2])
    assert len(read_table(out)) == 12 and len(results[1]) == 12


def test_resume_with_a_changed_grid_sets_the_stale_rows_aside(address, tmp_path):
    out = tmp_path / "g.csv"
    run_sweep("classical", {"layout": "dimers", "n": "4:8:2", "p": 0.9}, scheduler=address, out=out)
    with pytest.warns(UserWarning, match="moved from"):
        df = run_sweep("classical", {"layout": "dimers", "n": "6:10:2", "p": 0.9}, scheduler=address, out=out,
                       resume=True)
    table = read_table(out)
    assert sorted(table["N"]) == [6, 8, 10] == sorted(df["N"])  # exactly the grid's points
    assert df.attrs["reused"] == 2 and df.attrs["computed"] == 1 and df.attrs["set_aside"] == 1
    aside = read_table(tmp_path / "g.set-aside.csv")
    assert df.attrs["set_aside_path"] == str(tmp_path / "g.set-aside.csv")
    assert list(aside["N"]) == [4]


def test_temporaries_of_a_killed_sweep_are_cleaned(address, tmp_path):
    out = tmp_path / "t.parquet"
    left = [tmp_path / ".t.parquet.k1ll3d.tmp", tmp_path / "t.parquet.parts" / ".part-1.json.x.tmp"]
    left[1].parent.mkdir()
    for f in left:
        f.write_bytes(b"half")
    run_sweep("classical", SMALL, scheduler=address, out=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.parquet"]


def test_signals_at_random_moments_always_interrupt_and_keep_points(address, tmp_path):
    """16 sweeps, SIGINT or SIGTERM from another thread at a random moment
    (before the 12 points are done, or while the last ones are stored): every
    one ends in KeyboardInterrupt with its finished points in the table, never
    a silent success (before: 5 of 38 Ctrl-C were swallowed)."""
    import os
    import random
    import threading

    rng = random.Random(7)
    for i in range(16):
        out = tmp_path / f"s{i}.parquet"
        sig = (signal.SIGINT, signal.SIGTERM)[i % 2]
        sent = threading.Event()
        rows: list[str] = []
        timer = threading.Timer(0.05 + rng.random() * 1.0, lambda s=sig, e=sent: (os.kill(os.getpid(), s), e.set()))

        def callback(row, _rows=rows, _sent=sent):
            _rows.append(row["point_id"])
            if len(_rows) == 12:
                _sent.wait()  # the signal comes before the sweep can return

        timer.start()
        with pytest.raises(KeyboardInterrupt):
            run_sweep("classical", GRID12, scheduler=address, out=out, callback=callback, overwrite=True)
        assert sent.is_set()
        kept = read_table(out) if out.exists() else pd.DataFrame({"point_id": []})
        assert set(rows) <= set(kept["point_id"]) and kept["point_id"].is_unique
        assert not (tmp_path / f"s{i}.parquet.lock").exists()
