"""``nonrecip trajectory``: JSON contract, files, exit codes, checkpoint/resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from nonrecip import ClassicalParams, Wire
from nonrecip.stochastic.population import TrajectoryRun

BASE = ["trajectory", "--layout", ".SDSD.", "--p", "0.7", "--ig", "0.1", "--drho", "0.2", "--rho0", "0.5"]


def test_json_contract_and_byte_identical(cli):
    args = BASE + ["--steps", "400", "--record-every", "20", "--seed", "3", "--bias", "both", "--json"]
    a, b = cli(*args), cli(*args)
    assert a.code == 0, a.err
    assert a.out == b.out  # same seed: same bytes
    d = a.json()
    assert set(d) == {"parameters", "forward", "reverse", "delta_I"}
    assert d["parameters"]["model"] == "trajectory" and d["parameters"]["steps"] == 400
    fw = d["forward"]
    assert fw["step"] == list(range(20, 401, 20))
    assert len(fw["I_in"]) == len(fw["I_out"]) == 20
    # the exact values are the solver's (independent of the simulation)
    from nonrecip.deterministic.classical import steady_state

    ex = steady_state(Wire(".SDSD."), ClassicalParams(p=0.7, Ig=0.1, drho=0.2, rho0=0.5), "forward")
    assert fw["exact"]["I_in"] == pytest.approx(ex.I_in, rel=1e-12)
    assert set(d["delta_I"]) == {"mean", "stderr"}
    c = cli(*[("4" if a == "3" else a) for a in args])
    assert c.code == 0 and c.out != a.out  # another seed, other numbers


def test_json_with_runs_has_stderr_and_only_one_bias(cli):
    r = cli(*BASE, "--steps", "100", "--record-every", "50", "--runs", "3", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["reverse"] is None and d["delta_I"] is None
    assert len(d["forward"]["I_in_stderr"]) == 2 and all(s > 0 for s in d["forward"]["I_in_stderr"])


@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_out_file_is_the_tidy_trajectory(cli, tmp_path, ext):
    out = tmp_path / f"traj{ext}"
    r = cli(*BASE, "--steps", "60", "--record-every", "30", "--mode", "physical", "--out", str(out))
    assert r.code == 0, r.err
    assert "I_in" in r.out and "exact" in r.out  # summary table on stdout
    df = pd.read_csv(out) if ext == ".csv" else pd.read_parquet(out)
    assert list(df.columns) == ["bias", "step", "quantity", "kind", "index", "value", "stderr"]
    assert set(df.quantity) == {"rho_plus", "rho_minus", "J", "I_in", "I_out", "unmet_drain"}
    assert sorted(df.step.unique()) == [0, 30, 60]


@pytest.mark.parametrize("args,needle", [
    (["--mode", "quantum"], "mode"),
    (["--bias", "up"], "bias"),
    (["--steps", "0"], "steps"),
    (["--scale", "-1"], "scale"),
    (["--p", "0"], "p="),
    (["--out", "x.txt"], "out"),
    (["--resume"], "resume"),
])
def test_bad_input_exit_2_one_line(cli, args, needle):
    r = cli(*BASE, "--steps", "10", *args) if "--steps" not in args else cli(*BASE, *args)
    assert r.code == 2
    assert r.out == ""
    assert r.err.count("\n") == 1 and needle in r.err and "Traceback" not in r.err


def test_existing_checkpoint_needs_resume(cli, tmp_path):
    ck = tmp_path / "ck"
    ck.write_bytes(b"x")
    r = cli(*BASE, "--steps", "10", "--checkpoint", str(ck))
    assert r.code == 2 and "--resume" in r.err
    r = cli(*BASE, "--steps", "10", "--checkpoint", str(ck), "--resume")
    assert r.code == 2 and "checkpoint" in r.err


def test_stop_and_resume_gives_the_uninterrupted_bytes(cli, tmp_path):
    args = BASE + ["--steps", "3000", "--record-every", "50", "--seed", "8", "--runs", "2", "--mode", "physical"]
    whole = cli(*args, "--json")
    ck = tmp_path / "run.ck"
    part_out = tmp_path / "part.csv"
    stopped = cli(*args, "--json", "--checkpoint", str(ck), "--stop-after", "1", "--out", str(part_out))
    assert stopped.code == 3 and stopped.out == ""
    assert ck.exists() and "--resume" in stopped.err
    assert pd.read_csv(part_out).step.max() < 3000  # what was computed so far
    resumed = cli(*args, "--json", "--checkpoint", str(ck), "--resume")
    assert resumed.code == 0, resumed.err
    assert resumed.out == whole.out
    # the checkpoint of a finished run resumes to the same answer at once
    again = cli(*args, "--json", "--checkpoint", str(ck), "--resume")
    assert again.out == whole.out
    # different parameters refuse the checkpoint, naming the difference
    bad = cli(*(args[:-1] + ["linear"]), "--json", "--checkpoint", str(ck), "--resume")
    assert bad.code == 2 and "mode" in bad.err


def test_sigterm_writes_checkpoint_and_resume_matches(tmp_path):
    """A real signal to a real process: exit 130, checkpoint kept, resume
    gives what an uninterrupted run gives."""
    wire, params = Wire.dimers(40), ClassicalParams(p=0.9, Ig=0.05, drho=0.1, rho0=1.0)
    steps = 60_000
    ck = tmp_path / "sig.ck"
    cmd = [sys.executable, "-c", "import sys; from nonrecip.cli import main; sys.exit(main())",
           "trajectory", "--n", "40", "--steps", str(steps), "--record-every", "500", "--seed", "2",
           "--checkpoint", str(ck), "--checkpoint-every", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy())
    # ends as soon as the first checkpoint exists; the long deadline only
    # matters for a cold JIT compile on a loaded machine
    deadline = time.monotonic() + 300
    while not ck.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    run = TrajectoryRun(wire, params, steps=steps, record_every=500, seed=2)
    if proc.returncode == 130:  # interrupted (the usual case)
        assert b"interrupted" in err and ck.exists()
        run.load_state(ck)
        assert 0 < run.done < steps
    else:  # the machine was fast enough to finish first: still a complete checkpoint
        assert proc.returncode == 0, err
        run.load_state(ck)
        assert run.done == steps
    run.run()
    ref = TrajectoryRun(wire, params, steps=steps, record_every=500, seed=2)
    ref.run()
    assert run.to_json() == ref.to_json()
    np.testing.assert_array_equal(run.boundary_series("forward")["I_in"], ref.boundary_series("forward")["I_in"])


def test_physical_json_reports_unmet_drain(cli):
    # '.SD.', p = 0.5, Ig = 0.5, rho0 = 0: the linear density at the drain is
    # -0.15 (exact solver), so the physical drain must fall short; the
    # deterministic (scale -> inf) shortfall is 0.2167 per step (fixed point of
    # the clipped mean-field map, iterated by hand). Tolerance 0.01 covers the
    # finite-population shift at scale 1000 (~5e-4) and the noise (~2e-4).
    r = cli("trajectory", "--layout", ".SD.", "--p", "0.5", "--ig", "0.5", "--drho", "0.1", "--rho0", "0",
            "--steps", "3000", "--mode", "physical", "--start", "linear", "--json")
    assert r.code == 0, r.err
    late = r.json()["forward"]["late"]
    assert late["unmet_drain"]["mean"] == pytest.approx(0.2167, abs=0.01)


# ---------------------------------------------------------------- the terminal table
NUM = r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])"


def _numbers(text: str) -> list[str]:
    """Number tokens, without the part markers ``(1/2)`` of a split table (as in test_cli_output)."""
    import re

    return re.findall(NUM, re.sub(r"\(\d+/\d+\)", "", text))


@pytest.mark.parametrize("mode", ["linear", "physical"])
def test_summary_fits_60_and_80_columns_and_keeps_numbers_whole(cli, monkeypatch, mode):
    import re

    args = (*BASE, "--steps", "2000", "--seed", "5", "--bias", "both", "--mode", mode)
    monkeypatch.delenv("COLUMNS", raising=False)
    wide = cli(*args)
    assert wide.code == 0, wide.err
    # relative 1e-5: a narrow table may drop to 6 significant digits (nonrecip._render)
    ref = [float(t) for t in _numbers(wide.out)]

    def whole(tok: str) -> bool:
        x = float(tok)
        return any(x == r or abs(x - r) <= 1e-5 * max(abs(x), abs(r)) for r in ref)

    for width in (60, 80):
        monkeypatch.setenv("COLUMNS", str(width))
        r = cli(*args)
        assert r.code == 0, r.err
        assert [ln for ln in r.out.splitlines() if len(ln) > width] == []
        assert [t for t in _numbers(r.out) if not whole(t)] == []
        assert "I_in" in r.out and "I_out" in r.out
    # estimates: the stderr to 2 significant digits, the mean to the same decimal place
    est = re.findall(r"(-?\d+\.(\d+)) ± (\d+\.(\d+))", wide.out)
    assert len(est) >= 4  # I_in, I_out under both biases
    for _, mean_dec, se, se_dec in est:
        assert len(se.replace(".", "").lstrip("0")) == 2, se
        assert len(mean_dec) == len(se_dec)


def test_summary_estimates_are_the_late_averages(cli, monkeypatch):
    """The printed ``mean ± stderr`` is the library's late average, rounded by the estimate rule."""
    from nonrecip._render import fmt_est

    monkeypatch.delenv("COLUMNS", raising=False)
    r = cli(*BASE, "--steps", "2000", "--seed", "5", "--bias", "forward")
    assert r.code == 0, r.err
    run = TrajectoryRun(Wire(".SDSD."), ClassicalParams(p=0.7, Ig=0.1, drho=0.2, rho0=0.5), steps=2000, seed=5,
                        bias="forward", record_every=4)
    run.run(workers=1)
    late = run.late_averages("forward")
    for q in ("I_in", "I_out"):
        line = next(ln for ln in r.out.splitlines() if f"│ {q} " in ln)
        assert fmt_est(late[q].mean, late[q].stderr) in line
