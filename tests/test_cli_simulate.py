"""``nonrecip simulate`` and ``nonrecip converge`` through the real entry point."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from nonrecip import ClassicalParams, Wire, solve_classical
from nonrecip.stochastic import SteadyStateSimulation

ARGS = ["--layout", ".SP.D..S.P.", "--p", "0.7", "--ig", "0.25", "--drho", "0.2", "--rho0", "0.5"]


def test_simulate_json_shape_and_values(cli):
    r = cli("simulate", *ARGS, "--steps", "40000", "--seed", "3", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert set(d) == {"parameters", "forward", "reverse", "delta_I"}
    par = d["parameters"]
    assert par["model"] == "simulate" and par["layout"] == ".SP.D..S.P." and par["N"] == 11
    assert {par[k] for k in ("steps", "seed", "n_batches", "mode", "estimator")} == {40000, 3, 32, "linear", "walkers"}
    fwd = d["forward"]
    assert set(fwd) == {"I_in", "I_out", "J", "rho_plus", "rho_minus"}
    assert set(fwd["I_in"]) == {"mean", "stderr"}
    assert len(fwd["J"]) == 10 and len(fwd["rho_plus"]) == 11
    assert all(set(x) == {"mean", "stderr"} for x in fwd["rho_minus"])
    exact = solve_classical(Wire(".SP.D..S.P."), ClassicalParams(p=0.7, Ig=0.25, drho=0.2, rho0=0.5))
    # 32 batch means: |t_31| < 4.5 has P ~ 1e-4 per comparison
    assert abs(d["delta_I"]["mean"] - exact.delta_I) < 4.5 * d["delta_I"]["stderr"]
    assert "simulate:" in r.err  # timings on stderr, never on stdout


def test_simulate_json_is_byte_identical_for_any_workers(cli):
    a = cli("simulate", *ARGS, "--steps", "20000", "--seed", "5", "--json", "--workers", "1")
    b = cli("simulate", *ARGS, "--steps", "20000", "--seed", "5", "--json", "--workers", "2")
    c = cli("simulate", *ARGS, "--steps", "20000", "--seed", "5", "--json", "--workers", "2", "--progress")
    assert a.code == b.code == c.code == 0
    assert a.out == b.out == c.out


def test_simulate_adjoint_and_table(cli):
    r = cli("simulate", "--layout", "dimers", "--n", "12", "--steps", "20000", "--estimator", "adjoint")
    assert r.code == 0, r.err
    assert "delta_I" in r.out and "±" in r.out


def test_simulate_physical_mode_has_unmet_drain(cli):
    r = cli("simulate", "--layout", ".SDSD.", "--p", "0.5", "--ig", "2", "--drho", "0.1", "--rho0", "0.05",
            "--steps", "640", "--mode", "physical", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert len(d["forward"]["unmet_drain"]) == 6
    assert d["forward"]["unmet_drain"][2]["mean"] > 0


def test_simulate_out_files(cli, tmp_path):
    r = cli("simulate", *ARGS, "--steps", "5000", "--out", str(tmp_path / "r.csv"))
    assert r.code == 0, r.err
    df = pd.read_csv(tmp_path / "r.csv")
    assert {"bias", "quantity", "index", "value", "stderr"} <= set(df.columns)
    r = cli("simulate", *ARGS, "--steps", "5000", "--out", str(tmp_path / "r.json"), "--json")
    assert json.loads((tmp_path / "r.json").read_text()) == r.json()


@pytest.mark.parametrize("args,word", [
    (["--steps", "0"], "steps"),
    (["--batches", "1"], "n_batches"),
    (["--mode", "quantum"], "mode"),
    (["--estimator", "magic"], "estimator"),
    (["--p", "0"], "p"),
    (["--resume"], "resume"),
])
def test_simulate_bad_input_exit_2(cli, args, word):
    r = cli("simulate", "--layout", ".SD.", *args)
    assert r.code == 2
    assert r.out == ""
    assert r.err.count("\n") == 1 and word in r.err and "Traceback" not in r.err


def test_simulate_interrupted_keeps_checkpoint_and_resumes(cli, tmp_path, monkeypatch):
    ck = tmp_path / "ck.npz"
    base = ["simulate", *ARGS, "--steps", "16000", "--batches", "16", "--seed", "2", "--json", "--workers", "1"]
    ref = cli(*base)
    real = SteadyStateSimulation.run_batch

    def flaky(self, b, *a, **kw):
        if b == 5:
            raise KeyboardInterrupt
        return real(self, b, *a, **kw)

    monkeypatch.setattr(SteadyStateSimulation, "run_batch", flaky)
    r = cli(*base, "--checkpoint", str(ck))
    assert r.code == 130
    assert r.out == ""
    assert r.err.count("\n") == 1 and "5 of 16 batches kept" in r.err and "--resume" in r.err
    monkeypatch.setattr(SteadyStateSimulation, "run_batch", real)
    r = cli(*base, "--checkpoint", str(ck), "--resume")
    assert r.code == 0, r.err
    assert r.out == ref.out


def test_converge_table_json_csv_and_plot(cli, tmp_path):
    base = ["converge", "--layout", ".SDSD.", "--p", "0.8", "--ig", "0.1", "--drho", "0.2",
            "--steps-min", "2000", "--steps-max", "32000", "--estimator", "adjoint"]
    r = cli(*base)
    assert r.code == 0, r.err
    assert "slope" in r.out and "delta_I" in r.out
    png, csv = tmp_path / "c.png", tmp_path / "c.csv"
    r = cli(*base, "--json", "--plot", str(png), "--out", str(csv))
    assert r.code == 0, r.err
    d = r.json()
    assert set(d) == {"parameters", "forward", "reverse", "delta_I"}
    rows = d["delta_I"]["rows"]
    assert [x["steps"] for x in rows] == [2000, 8000, 32000]
    assert set(rows[0]) == {"steps", "estimate", "stderr", "exact", "abs_error", "z"}
    assert isinstance(d["forward"]["I_in"]["stderr_slope"], float)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    df = pd.read_csv(csv)
    assert len(df) == 9
    assert cli(*base, "--json").out == r.out  # byte-identical


def test_converge_bad_input(cli):
    r = cli("converge", "--layout", ".SD.", "--factor", "1")
    assert r.code == 2 and "factor" in r.err
    r = cli("converge", "--layout", ".SD.", "--plot", "x.svg")
    assert r.code == 2 and "plot" in r.err


def test_sigterm_keeps_checkpoint_and_exits_130(tmp_path):
    """A real process killed with SIGTERM mid-run: one line on stderr, exit
    130, the checkpoint holds the batches finished so far (resume to the same
    bits is tested in-process in test_stochastic.py)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from nonrecip.stochastic import BatchSums

    ck = tmp_path / "ck.npz"
    cmd = [sys.executable, "-c", "import sys; from nonrecip.cli import main; sys.exit(main())",
           "simulate", "--layout", "dimers", "--n", "60", "--steps", "400000000", "--batches", "4000",
           "--checkpoint", str(ck), "--workers", "2", "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    # The loop ends as soon as the checkpoint appears (~9 s cold on a quiet
    # 2-core machine: JIT compile + first batch). The generous deadline only
    # matters on a loaded machine, where a cold compile once took > 60 s.
    deadline = time.monotonic() + 300
    while not ck.exists() and time.monotonic() < deadline:  # written when the first batch is done
        time.sleep(0.2)
    assert ck.exists(), "no checkpoint within 300 s"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert out == ""
    assert "Traceback" not in err and "batches kept in" in err.splitlines()[-1], err
    kept = BatchSums.load(ck)
    assert 1 <= len(kept) < 4000
    assert kept.key["steps"] == 400_000_000
