"""Free disk space is checked before any work, where a file's size is known in advance (issue 12).

``--out`` of ``solve`` / ``simulate`` (JSON, CSV, Parquet) and ``simulate
--checkpoint``: the estimate of :mod:`nonrecip.runs.budget` against the free
space of the target directory (one ``shutil.disk_usage``, monkeypatched here:
no disk is filled). Checked: the refusal (exit 2, one line naming the option,
the figures and the directory, nothing written, no work started); a run
that fits goes on; the estimates bound the real files from above without
being absurd (the largest file per site within 2x of the figure), on another
layout and size than the ones measured for the figures.
"""

from __future__ import annotations

import os
import shutil
from collections import namedtuple

import pytest

from nonrecip import CircuitParams, ClassicalParams, QuantumParams, Wire, solve_quantum
from nonrecip.deterministic import solve_circuit, solve_classical
from nonrecip.runs import budget, check_free_space
from nonrecip.runs.budget import checkpoint_bytes, output_bytes
from nonrecip.stochastic import simulate
from nonrecip.wire import ParameterError

Usage = namedtuple("Usage", "total used free")


@pytest.fixture
def free(monkeypatch):
    """Set the free bytes every ``shutil.disk_usage`` reports; records the directories asked about."""
    state = {"free": 10**15, "asked": []}

    def disk_usage(path):
        state["asked"].append(os.fspath(path))
        return Usage(10**16, 10**16 - state["free"], state["free"])

    monkeypatch.setattr(shutil, "disk_usage", disk_usage)
    return state


def _no_work(monkeypatch):
    """Make every solver fail loudly: a refusal must come before any of them starts."""
    import nonrecip.deterministic as det
    import nonrecip.stochastic as sto

    def boom(*a, **k):
        raise AssertionError("work started before the disk check")

    for mod, name in ((det, "solve_classical"), (det, "solve_circuit"), (sto, "simulate")):
        monkeypatch.setattr(mod, name, boom)


@pytest.mark.parametrize("ext", [".json", ".csv", ".parquet"])
@pytest.mark.parametrize("cmd", [
    ["solve", "classical", "--layout", "dimers", "--n", "20000"],
    ["solve", "circuit", "--layout", "dimers", "--n", "20000"],
    ["solve", "quantum", "--layout", "dimers", "--n", "20000"],
    ["simulate", "--layout", "dimers", "--n", "20000", "--steps", "64"],
])
def test_out_refused_when_the_disk_is_too_full(cli, free, monkeypatch, tmp_path, cmd, ext):
    _no_work(monkeypatch)
    out = tmp_path / f"r{ext}"
    need = output_bytes(out, 20000)
    free["free"] = int(need) - 1
    r = cli(*cmd, "--out", str(out))
    assert r.code == 2 and r.out == "" and r.err.count("\n") == 1, r.err
    assert "invalid out=" in r.err and f"needs ~{need / 1e6:.3g} MB" in r.err
    assert f"{(need - 1) / 1e6:.3g} MB free on {tmp_path}" in r.err
    assert "Traceback" not in r.err and not out.exists() and list(tmp_path.iterdir()) == []
    assert free["asked"].count(str(tmp_path)) == 1  # one statvfs


def test_out_that_fits_is_written(cli, free, tmp_path):
    out = tmp_path / "r.csv"
    free["free"] = int(output_bytes(out, 40)) + 1  # just enough
    r = cli("solve", "classical", "--layout", "dimers", "--n", "40", "--out", str(out))
    assert r.code == 0 and out.exists(), r.err


@pytest.mark.parametrize("estimator, mode", [("walkers", "linear"), ("adjoint", "linear"), ("walkers", "physical")])
def test_checkpoint_refused_when_the_disk_is_too_full(cli, free, monkeypatch, tmp_path, estimator, mode):
    _no_work(monkeypatch)
    ck = tmp_path / "ck.npz"
    need = checkpoint_bytes(100_000, 64, estimator, mode)
    free["free"] = int(need) - 1
    r = cli("simulate", "--layout", "dimers", "--n", "100000", "--batches", "64", "--estimator", estimator,
            "--mode", mode, "--checkpoint", str(ck))
    assert r.code == 2 and r.out == "" and r.err.count("\n") == 1, r.err
    assert "invalid checkpoint=" in r.err and f"needs ~{need / 1e6:.3g} MB" in r.err and str(tmp_path) in r.err
    assert not ck.exists() and list(tmp_path.iterdir()) == []


def test_walkers_checkpoint_grows_with_batches_and_sites():
    # 48 bytes per site and batch (6 float64 sums of N values per batch), times the margin
    assert checkpoint_bytes(10**6, 100) > 1.5 * 48 * 10**8
    assert checkpoint_bytes(10**6, 100, "adjoint") < 0.01 * checkpoint_bytes(10**6, 100)


def test_unknown_free_space_refuses_nothing(monkeypatch, tmp_path):
    def fails(path):
        raise OSError("no statvfs here")

    monkeypatch.setattr(shutil, "disk_usage", fails)
    check_free_space("out", tmp_path / "r.json", 1e30)  # nothing known: nothing refused


def test_missing_directories_are_measured_at_the_nearest_existing_one(free, tmp_path):
    free["free"] = 10
    with pytest.raises(ParameterError, match=f"needs ~0.001 MB, 1e-05 MB free on {tmp_path}$") as e:
        check_free_space("checkpoint", tmp_path / "a" / "b" / "ck.npz", 1000.0)
    assert e.value.name == "checkpoint"


# --------------------------------------------------------------------------
# the estimates bound the real files (other layouts and sizes than measured)
# --------------------------------------------------------------------------
def _results():
    w = Wire(".SP.D..S.P." * 60)  # 660 sites, mixed
    yield "classical", solve_classical(w, ClassicalParams(p=0.3, Ig=0.7, drho=0.01))
    yield "circuit", solve_circuit(w, CircuitParams())
    yield "quantum", solve_quantum(w, QuantumParams(Ig=1e-5))  # small: the potentials stay in the band
    yield "walkers", simulate(w, ClassicalParams(p=0.9), steps=200, seed=3, workers=1)
    yield "adjoint", simulate(w, ClassicalParams(p=0.9), steps=2000, seed=3, workers=1, estimator="adjoint")


def test_output_estimates_bound_the_written_files(tmp_path):
    n = 660
    largest = dict.fromkeys((".json", ".csv", ".parquet"), 0.0)
    for name, res in _results():
        for ext in largest:
            path = tmp_path / f"{name}{ext}"
            res.save(path)
            size = path.stat().st_size
            assert size <= output_bytes(path, n), (name, ext, size)
            largest[ext] = max(largest[ext], size / n)
    # not absurd: the figure (the largest model, per format) is within 2x of the largest file written per site
    for ext, per_site in largest.items():
        assert per_site >= budget.FILE_BYTES_PER_SITE[ext] / 2, (ext, per_site)


@pytest.mark.parametrize("estimator, batches", [("walkers", 4), ("walkers", 16), ("adjoint", 16)])
def test_checkpoint_estimate_bounds_the_written_checkpoint(tmp_path, estimator, batches):
    w = Wire(".SP.D..S.P." * 60)
    ck = tmp_path / "ck.npz"
    simulate(w, ClassicalParams(p=0.9), steps=40 * batches, seed=2, workers=2, n_batches=batches,
             estimator=estimator, checkpoint=ck)
    size = ck.stat().st_size
    assert size <= checkpoint_bytes(w.N, batches, estimator)
    if estimator == "walkers":  # 48 bytes per site and batch, as measured on dimers
        assert size >= 0.9 * 48 * w.N * batches


# --------------------------------------------------------------------------
# trajectory --out: records x biases x sites, known before the run
# --------------------------------------------------------------------------
def _trajectory_bytes(out, n, steps, every, bias, runs=1):
    from nonrecip.runs.budget import DISK_MARGIN, FILE_OVERHEAD, TRAJECTORY_FILE_BYTES

    records = steps // every + 1
    return DISK_MARGIN * TRAJECTORY_FILE_BYTES[out.suffix, runs > 1] * records * (2 if bias == "both" else 1) * n + FILE_OVERHEAD


@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_trajectory_out_refused_when_the_disk_is_too_full(cli, free, monkeypatch, tmp_path, ext):
    import nonrecip.stochastic.population as population

    class Boom:
        def __init__(self, *a, **k):
            raise AssertionError("work started before the disk check")

    monkeypatch.setattr(population, "TrajectoryRun", Boom)
    out = tmp_path / f"t{ext}"
    need = _trajectory_bytes(out, 2000, 100000, 50, "both", runs=3)
    free["free"] = int(need) - 1
    r = cli("trajectory", "--layout", "dimers", "--n", "2000", "--steps", "100000", "--record-every", "50",
            "--bias", "both", "--runs", "3", "--out", str(out))
    assert r.code == 2 and r.out == "" and r.err.count("\n") == 1, r.err
    assert "invalid out=" in r.err and f"needs ~{need / 1e6:.3g} MB" in r.err
    assert "Traceback" not in r.err and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("ext", [".csv", ".parquet"])
@pytest.mark.parametrize("runs, bias", [(1, "forward"), (2, "both")])
def test_trajectory_estimate_bounds_the_written_table(cli, tmp_path, ext, runs, bias):
    """On a layout and size not used for the figures (`.SD..SP.D.` repeated, N = 150): the estimate lies
    above the real file, within 2x of a CSV and 4x of a Parquet file (Parquet's compression depends on the
    values: 12.7 to 25.6 bytes per site-record measured with several runs)."""
    layout = ".SD..SP.D." * 15
    out = tmp_path / f"t{ext}"
    r = cli("trajectory", "--layout", layout, "--steps", "600", "--record-every", "6", "--runs", str(runs),
            "--bias", bias, "--out", str(out), "--no-progress")
    assert r.code == 0, r.err
    est = _trajectory_bytes(out, len(layout), 600, 6, bias, runs)
    size = out.stat().st_size
    assert size < est < (4 if ext == ".parquet" else 2) * size + 65536, (size, est)


# --------------------------------------------------------------------------
# sweep --out and converge --out: rows x columns, known before the run
# --------------------------------------------------------------------------
@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_sweep_out_refused_when_the_disk_is_too_full(cli, free, monkeypatch, tmp_path, ext):
    import nonrecip.sweep.run as run_mod
    from nonrecip.runs.budget import table_bytes
    from nonrecip.sweep.models import MODELS

    def boom(*a, **k):
        raise AssertionError("work started before the disk check")

    monkeypatch.setattr(run_mod, "_run", boom)
    out = tmp_path / f"s{ext}"
    need = table_bytes(2000, len(MODELS["classical"].params) + run_mod.OUTPUT_COLUMNS, journal=True)
    free["free"] = int(need) - 1
    r = cli("sweep", "classical", "--layout", "dimers", "--n", "10:4008:2", "--out", str(out), "--no-progress")
    assert r.code == 2 and r.out == "" and r.err.count("\n") == 1, r.err
    assert "invalid out=" in r.err and f"needs ~{need / 1e6:.3g} MB" in r.err and str(tmp_path) in r.err
    assert "Traceback" not in r.err and list(tmp_path.iterdir()) == []


def test_converge_out_refused_when_the_disk_is_full(cli, free, monkeypatch, tmp_path):
    import nonrecip.stochastic as sto

    monkeypatch.setattr(sto, "convergence", lambda *a, **k: (_ for _ in ()).throw(AssertionError("work started")))
    free["free"] = 1000
    out = tmp_path / "c.csv"
    r = cli("converge", "--layout", ".SD.", "--steps-min", "1000", "--steps-max", "64000", "--out", str(out))
    assert r.code == 2 and r.out == "" and r.err.count("\n") == 1, r.err
    assert "invalid out=" in r.err and "MB free on" in r.err and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("model, grid", [
    ("classical", {"layout": "dimers,.SD.,.SP.D..S.P.", "n": "10:100:10", "p": "0.1:0.9:0.1"}),
    ("quantum", {"layout": "dimers,.SD.", "n": "6:80:2", "ig": "0.1,0.2"}),
])
@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_sweep_estimate_bounds_table_and_journal(tmp_path, model, grid, ext):
    """The peak on disk -- the table, its rewrite beside it, and every row in the JSON journal -- lies
    under the estimate, within 6x of it beyond the fixed file overhead (the figures are upper bounds
    per cell over the models, and a model's rows hold fewer columns than the bound)."""
    import json

    from nonrecip.runs.budget import FILE_OVERHEAD, table_bytes
    from nonrecip.sweep import run_sweep
    from nonrecip.sweep.models import MODELS
    from nonrecip.sweep.run import OUTPUT_COLUMNS

    out = tmp_path / f"s{ext}"
    df = run_sweep(model, grid, out=out, workers=1)
    assert len(df.columns) <= len(MODELS[model].params) + OUTPUT_COLUMNS
    journal = len(json.dumps(df.to_dict("records"), allow_nan=True, default=str))
    peak = 2 * out.stat().st_size + journal
    est = table_bytes(len(df), len(MODELS[model].params) + OUTPUT_COLUMNS, journal=True)
    assert peak <= est and est - 2 * FILE_OVERHEAD < 6 * peak, (peak, est)
