"""What a physicist sees in the terminal: width, numbers, summaries, exit codes, warnings.

* The 80- and 60-column rendering of every command that prints a table
  (solve for every model, simulate, converge, validate, sweep): no line is
  wider than ``COLUMNS`` and no number is split. A number is "whole" when
  it equals, to the 6 significant digits a narrow table may drop to
  (relative 1e-5), a number of the same command's unwrapped output (no
  ``COLUMNS``, piped: 10 digits, nothing wrapped); a number folded across
  lines leaves fragments (``0.01`` / ``2288``) that match nothing.
* Long wires print a summary (short layout, min/max, drops) whose values are
  recomputed here from the ``--json`` arrays.
* Zero up to rounding prints as ``0``; estimates as ``mean ± stderr`` with
  the stderr to 2 significant digits.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from nonrecip._render import ZERO_ULPS, fmt_est, fmt_num, short_layout

NUM = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])")

COMMANDS = {
    "classical": ("solve", "classical", "--layout", "dimers", "--n", "10", "--p", "0.9", "--ig", "0.05"),
    "classical-summary": ("solve", "classical", "--layout", "dimers", "--n", "1000"),
    "circuit": ("solve", "circuit", "--layout", ".SDSD.", "--v", "1", "--r", "1", "--ig", "0.3"),
    "quantum": ("solve", "quantum", "--layout", ".SP.D..S.P.", "--gamma", "0.5", "--ig-ratio", "0.3"),
    "quantum-summary": ("solve", "quantum", "--layout", "dimers", "--n", "2000", "--ig-ratio", "0.05"),
    "quantum-nonlinear": ("solve", "quantum", "--layout", "dimers", "--n", "8", "--response", "nonlinear"),
    "quantum-cubic": ("solve", "quantum", "--layout", ".SD.", "--response", "cubic"),
    "simulate": ("simulate", "--layout", ".SDSD.", "--steps", "4000", "--batches", "8"),
    "simulate-summary": ("simulate", "--layout", "dimers", "--n", "60", "--steps", "2000", "--batches", "8"),
    "converge": ("converge", "--layout", ".SD.", "--steps-min", "1000", "--steps-max", "4000", "--batches", "8"),
    "validate": ("validate", "--select", "classical.eq6", "--select", "quantum.worked_example"),
    "validate-rows": ("validate", "--select", "classical.eq6", "--rows"),
    "validate-list": ("validate", "--list"),
}


def numbers(text: str) -> list[str]:
    """Number tokens of ``text``, without the part markers ``(1/2)`` of a split table."""
    return NUM.findall(re.sub(r"\(\d+/\d+\)", "", text))


def _close(tok: str, ref: set[float]) -> bool:
    x = float(tok)
    return any(x == r or abs(x - r) <= 1e-5 * max(abs(x), abs(r)) for r in ref)


@pytest.fixture
def run(cli, monkeypatch):
    def go(args, columns: int | None):
        if columns is None:
            monkeypatch.delenv("COLUMNS", raising=False)
        else:
            monkeypatch.setenv("COLUMNS", str(columns))
        r = cli(*args)
        assert r.code == 0, r.err
        return r

    return go


@pytest.mark.parametrize("name", list(COMMANDS))
def test_tables_fit_80_and_60_columns_and_keep_every_number_whole(run, name):
    args = COMMANDS[name]
    wide = run(args, None).out
    ref = {float(t) for t in numbers(wide)}
    for width in (80, 60):
        out = run(args, width).out
        too_long = [ln for ln in out.splitlines() if len(ln) > width]
        assert too_long == [], f"{name} at {width} columns:\n" + "\n".join(too_long)
        toks = numbers(out)
        assert toks
        broken = [t for t in toks if not _close(t, ref)]
        assert broken == [], f"{name} at {width}: numbers not in the unwrapped output: {broken[:10]}\n{out}"


def test_piped_output_without_columns_is_not_wrapped(run):
    out = run(COMMANDS["classical"], None).out
    assert "(1/2)" not in out  # one table, not stacked parts
    rows = [ln for ln in out.splitlines() if ln.startswith("│") and re.match(r"│\s*\d+\s*│", ln)]
    assert len(rows) == 10  # one line per site, none wrapped
    assert max(len(ln) for ln in out.splitlines()) > 80


def test_sweep_fits_the_width(run, tmp_path):
    out = tmp_path / "s.csv"
    args = ("sweep", "simulate", "--layout", ".SD.", "--p", "0.5,0.9", "--steps", "2000", "--batches", "4",
            "--out", str(out), "--no-progress", "--workers", "1")
    first = run(args, 60)
    assert "2 computed" in first.err
    wide = run((*args, "--resume"), None).out
    ref = {float(t) for t in numbers(wide)}
    for width in (80, 60):
        text = run((*args, "--resume"), width).out
        assert max(len(ln) for ln in text.splitlines()) <= width
        assert [t for t in numbers(text) if not _close(t, ref)] == []
    # Monte Carlo columns as mean ± stderr, stderr to 2 significant digits
    est = re.findall(r"(-?\d+\.\d+) ± (\d+\.\d+)", wide)
    assert len(est) == 6
    for _, se in est:
        assert len(se.lstrip("0.").replace(".", "")) == 2


# ---------------------------------------------------------------- summaries
def test_a_million_sites_print_a_summary(cli):
    r = cli("solve", "classical", "--layout", "dimers", "--n", "1000000")
    assert r.code == 0, r.err
    assert len(r.out) < 5000  # was 1 MB
    assert "layout=dimers (N=1000000)" in r.out and "--sites" in r.out


def test_summary_values_are_those_of_the_arrays(cli):
    args = ("solve", "circuit", "--layout", "dimers", "--n", "50", "--ig", "0.3")
    doc = cli(*args, "--json").json()
    out = cli(*args).out
    for bias, short in (("forward", "fwd"), ("reverse", "rev")):
        V = doc[bias]["V"]
        J = doc[bias]["J"]
        line = next(ln for ln in out.splitlines() if re.match(rf"│ V\s+│ {short}", ln))
        vals = [float(t) for t in numbers(line)]
        expect = [min(V), max(V), V[0] - V[1], V[1] - V[-2], V[-2] - V[-1]]
        assert vals == pytest.approx(expect, rel=1e-9, abs=1e-12)
        line = next(ln for ln in out.splitlines() if re.match(rf"│ J\s+│ {short}", ln))
        assert [float(t) for t in numbers(line)] == pytest.approx([min(J), max(J)], rel=1e-9)


def test_sites_and_summary_options(cli):
    r = cli("solve", "classical", "--layout", "dimers", "--n", "60", "--sites")
    rows = [ln for ln in r.out.splitlines() if re.match(r"│\s*\d+\s*│\s+[.SDP]\s+│", ln)]
    assert len(rows) == 60
    r = cli("solve", "classical", "--layout", "dimers", "--n", "10", "--summary")
    assert "profiles over sites 1..10" in r.out and not re.search(r"│\s*10\s*│\s+\.\s+│", r.out)


def test_per_site_table_of_a_long_wire_is_fast(cli):
    # written line by line, not laid out by rich: 20000 rows in well under the time rich took for 5000 (13 s)
    import time

    t0 = time.perf_counter()
    r = cli("solve", "classical", "--layout", "dimers", "--n", "20000", "--sites")
    assert r.code == 0 and r.out.count("\n") > 20000
    assert time.perf_counter() - t0 < 30  # ~3 s on a loaded 2-core machine


def test_explicit_long_layout_is_cut_in_the_middle(cli):
    layout = "." + "SDP" * 20 + "."
    r = cli("solve", "classical", "--layout", layout)
    assert r.code == 0, r.err
    assert f"layout={layout[:10]}…{layout[-10:]} (N={len(layout)})" in r.out
    assert layout not in r.out
    assert short_layout(".SDSD.") == ".SDSD." and short_layout(".SD" * 20 + ".", named="dimers") == \
        "dimers (N=61)"


def test_monte_carlo_summary_shows_estimates(cli):
    r = cli(*COMMANDS["simulate-summary"])
    assert r.code == 0, r.err
    line = next(ln for ln in r.out.splitlines() if re.match(r"│ rho_plus\s+│ fwd", ln))
    assert line.count("±") == 2  # min and max, each with its error bar
    assert "no drops" in r.out


# ---------------------------------------------------------------- numbers
def test_zero_up_to_rounding_prints_as_zero(cli):
    # .SDDS. is parity symmetric: delta_I = 0 exactly; the nonlinear solve gives ~1e-18
    args = ("solve", "quantum", "--layout", ".SDDS.", "--response", "nonlinear")
    d = cli(*args, "--json").json()
    scale = max(abs(d["forward"]["I_1"]), abs(d["reverse"]["I_1"]))
    assert abs(d["delta_I"]) < ZERO_ULPS * 2.220446049250313e-16 * scale
    line = next(ln for ln in cli(*args).out.splitlines() if "delta_I" in ln)
    assert numbers(line) == ["0"]


def test_fmt_num_zero_rule():
    eps = 2.220446049250313e-16
    assert fmt_num(1.665e-17, zero=64 * eps * 0.1) == "0"
    assert fmt_num(-1e-18, zero=1e-15) == "0" and fmt_num(-0.0) == "0"
    assert fmt_num(2e-15, zero=1e-15) == "2e-15"  # above the threshold: printed
    assert fmt_num(float("nan")) == ""


def test_fmt_est_digits():
    assert fmt_est(0.0185234, 0.000172) == "0.01852 ± 0.00017"
    assert fmt_est(1.23456, 0.000996) == "1.2346 ± 0.0010"  # 0.000996 rounds up to 0.0010
    assert fmt_est(1234.5, 56.7) == "1234 ± 57"
    assert fmt_est(1.2346e-12, 3.4e-14) == "1.235e-12 ± 3.4e-14"
    rng = random.Random(3)
    for _ in range(2000):
        se = 10 ** rng.uniform(-12, 3)
        mean = rng.choice([-1, 1]) * 10 ** rng.uniform(-13, 4)
        m, s = fmt_est(mean, se).split(" ± ")
        s_val = float(s)
        assert s_val == pytest.approx(se, rel=0.05 + 1e-12)  # 2 significant digits
        digits = s.split("e")[0].replace(".", "").lstrip("0")
        if "." not in s:  # an integer stderr: trailing zeros only hold the place (730)
            digits = digits.rstrip("0")
            assert len(digits) <= 2, (mean, se, s)
        else:
            assert len(digits) == 2, (mean, se, s)
        assert not m.startswith("-") or float(m) != 0.0
        # the mean is rounded at the stderr's second digit: off by at most half of it
        unit = 10 ** (math.floor(math.log10(s_val)) - 1)
        assert abs(float(m) - mean) <= 0.5 * unit * (1 + 1e-9) + 1e-15 * abs(mean), (mean, se, m, s)  # + double rounding


# ---------------------------------------------------------------- sweep exit codes
def test_sweep_exit_codes_say_how_many_failed(cli, tmp_path):
    r = cli("sweep", "classical", "--layout", "dimers", "--n", "5,7", "--out", str(tmp_path / "a.csv"),
            "--no-progress", "--workers", "1")
    assert r.code == 1 and "all 2 points failed (status=error rows in" in r.err
    r = cli("sweep", "classical", "--layout", "dimers", "--n", "5,6", "--out", str(tmp_path / "b.csv"),
            "--no-progress", "--workers", "1")
    assert r.code == 0 and "1 of 2 points failed (status=error rows in" in r.err
    assert "error" in r.out  # the status column appears when a point failed


# ---------------------------------------------------------------- warnings
TYPICAL = [
    ("solve", "classical", "--layout", "dimers", "--n", "100000"),
    ("solve", "classical", "--layout", ".SPDP.", "--ig", "0"),
    ("solve", "circuit", "--layout", ".SDSD.", "--ig", "0.3"),
    ("solve", "quantum", "--layout", ".SP.D..S.P.", "--ig-ratio", "0.3"),
    ("solve", "quantum", "--layout", ".SP.D..S.P.", "--response", "nonlinear"),
    ("solve", "quantum", "--layout", "dimers", "--n", "40", "--response", "nonlinear", "--temperature", "0.01"),
    ("solve", "quantum", "--layout", ".SD.", "--response", "cubic"),
    ("simulate", "--layout", ".SD.", "--steps", "2000", "--estimator", "adjoint"),
    ("simulate", "--layout", ".SD.", "--p", "0.5", "--ig", "0.5", "--rho0", "0", "--mode", "physical",
     "--steps", "2000"),
    ("converge", "--layout", ".SD.", "--steps-max", "4000"),
    ("validate", "--select", "quantum.*"),
]


@pytest.mark.parametrize("args", TYPICAL, ids=lambda a: " ".join(a)[:50])
def test_no_warnings_on_successful_runs(cli, args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = cli(*args, "--json")
    assert r.code == 0, r.err
    assert "Warning" not in r.err
    assert [str(w.message) for w in caught if issubclass(w.category, (RuntimeWarning, UserWarning))] == []


def test_python_m_nonrecip_cli_without_warnings(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[1] / "src"),
                                                       os.environ.get("PYTHONPATH", "")]))
    r = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-m", "nonrecip.cli", "solve", "quantum",
                        "--layout", "dimers", "--n", "100000", "--ig-ratio", "0.05"],
                       capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "Warning" not in r.stderr
    assert "dimers (N=100000)" in r.stdout and len(r.stdout) < 6000
    json_doc = subprocess.run([sys.executable, "-m", "nonrecip.cli", "validate", "--select", "classical.eq6",
                               "--json"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    doc = json.loads(json_doc.stdout)
    assert isinstance(doc, dict) and doc["all_passed"] is True and doc["passed"] == 1 and doc["failed"] == 0


def test_readme_describes_these_outputs(cli):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    layout = "." + "SDP" * 20 + "."
    shown = next(t for t in readme.split("`") if "…" in t and "(N=" in t)
    assert shown == short_layout(layout)  # the README's example is what the CLI prints
    assert "64 eps S" in readme and str(ZERO_ULPS) == "64"
    doc = cli("validate", "--select", "classical.eq6", "--json").json()
    for key in doc:
        assert f'"{key}"' in readme, key
    assert "k of n points failed (status=error rows in OUT)" in readme
