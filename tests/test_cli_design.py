"""``nonrecip design MODEL``: the command-line contract of the inverse design.

Every run goes through :func:`nonrecip.cli.main` (the console script's entry
point) with ``capsys``. The reference for each command is the library call
:func:`nonrecip.design.design` with the same inputs, written out by hand here
(not taken from the command), compared after a JSON round trip: the command
and the library run the same deterministic code, so the comparison is exact
(no tolerance), except where a CSV text round trip is involved (stated
there).
"""

from __future__ import annotations

import inspect
import json
import re

import numpy as np
import pandas as pd
import pytest

import nonrecip.design.evaluate as evaluate
from nonrecip.cli import main
from nonrecip.cli.design import layout_cell
from nonrecip.design import OBJECTIVES, design
from nonrecip.design.evaluate import ROBUST
from nonrecip.params import DESIGN_PARAMETERS, MODEL_PARAMETERS, PARAMETERS
from nonrecip.wire import CircuitParams, ClassicalParams, QuantumParams

TOP_KEYS = {"parameters", "best", "evaluated", "exhaustive", "reference"}
ROW_KEYS = {"layout", "delta_I", "I_in_forward", "I_in_reverse", "objective"}


def run(capsys, *args: str):
    """``(exit code, stdout, stderr)`` of ``nonrecip ARGS``."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *args: str) -> dict:
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def lib(model, n, pairs, params=None, **kw) -> dict:
    """The library's answer as the JSON text would carry it."""
    return json.loads(design(model, n, pairs, params, **kw).to_json())


# --------------------------------------------------------------------------
# the JSON contract
# --------------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ("classical", "--n", "12", "--pairs", "2"),
    ("quantum", "--n", "8", "--pairs", "2"),
    ("circuit", "--n", "30", "--pairs", "2", "--budget", "300", "--restarts", "2"),
], ids=["classical-analytic", "quantum-exhaustive", "circuit-anneal"])
def test_json_keys_and_types(capsys, args):
    d = run_json(capsys, "design", *args)
    assert set(d) == TOP_KEYS
    assert isinstance(d["parameters"], dict)
    assert isinstance(d["evaluated"], int) and not isinstance(d["evaluated"], bool) and d["evaluated"] >= 1
    assert isinstance(d["exhaustive"], bool)
    assert d["exhaustive"] is (args[0] != "circuit")  # the circuit case is annealed: 2 restarts, 300 evaluations
    n, k = int(args[2]), int(args[4])
    rows = d["best"] + list(d["reference"].values())
    assert d["best"] and set(d["reference"]) <= {"dimers", "single"} and "dimers" in d["reference"]
    for row in rows:
        assert set(row) == ROW_KEYS
        assert isinstance(row["layout"], str)
        for key in ROW_KEYS - {"layout"}:
            assert isinstance(row[key], float), key
        lay = row["layout"]
        assert len(lay) == n and re.fullmatch(r"\.[.SDP]*\.", lay)
        assert lay.count("S") == lay.count("D") == k
        # delta_I is |I_in(reverse)| - |I_in(forward)| (conventions §1); the solvers compute it
        # without that cancellation, so the two differ by the rounding of the two currents:
        # at most 4 ulp of the larger one
        scale = max(abs(row["I_in_reverse"]), abs(row["I_in_forward"]))
        assert abs(row["delta_I"] - (abs(row["I_in_reverse"]) - abs(row["I_in_forward"]))) <= 4 * 2.0**-52 * scale
    assert d["reference"]["dimers"]["layout"] == "." + "SD" * k + "." * (n - 2 * k - 1)
    objs = [row["objective"] for row in d["best"]]
    assert objs == sorted(objs, reverse=True)  # best first
    assert len({row["layout"] for row in d["best"]}) == len(d["best"])


def test_best_sorted_by_the_chosen_objective(capsys):
    d = run_json(capsys, "design", "quantum", "--n", "8", "--pairs", "1", "--objective", "relative", "--top", "6")
    objs = [r["objective"] for r in d["best"]]
    assert len(objs) == 6 and objs == sorted(objs, reverse=True)
    for r in d["best"]:  # relative: delta_I over the mean |I_in| (conventions §1)
        mean = 0.5 * (abs(r["I_in_forward"]) + abs(r["I_in_reverse"]))
        assert r["objective"] == pytest.approx(r["delta_I"] / mean, rel=1e-14)  # one division's round-off


# --------------------------------------------------------------------------
# the command == the library
# --------------------------------------------------------------------------
def test_classical_equals_library(capsys):
    d = run_json(capsys, "design", "classical", "--n", "14", "--pairs", "2", "--p", "0.5", "--ig", "0.1",
                 "--drho", "0.2", "--top", "3", "--fixed", "3=D")
    assert d == lib("classical", 14, 2, ClassicalParams(p=0.5, Ig=0.1, drho=0.2), top=3, fixed="3=D")


def test_quantum_equals_library(capsys):
    d = run_json(capsys, "design", "quantum", "--n", "9", "--pairs", "1", "--probes", "1", "--objective",
                 "per-pair", "--min-gap", "2", "--top", "4")
    assert d == lib("quantum", 9, 1, QuantumParams.from_options(), probes=1, objective="per-pair", min_gap=2,
                    top=4)
    assert d["exhaustive"] and d["parameters"]["probes"] == 1
    for r in d["best"]:
        assert r["layout"].count("P") == 1
        baths = [i for i, c in enumerate(r["layout"]) if c != "."]
        assert min(np.diff(baths)) >= 2


def test_circuit_anneal_equals_library(capsys):
    d = run_json(capsys, "design", "circuit", "--n", "40", "--pairs", "2", "--v", "2", "--r", "3", "--ig", "0.1",
                 "--budget", "400", "--restarts", "3", "--seed", "7")
    want = lib("circuit", 40, 2, CircuitParams(V=2.0, R=3.0, Ig=0.1), budget=400, restarts=3, seed=7)
    assert d == want
    assert d["exhaustive"] is False and d["parameters"]["restarts"] == 3


def test_robust_over_equals_library(capsys):
    d = run_json(capsys, "design", "quantum", "--n", "8", "--pairs", "1", "--robust-over", "mu:0.9:1.1:3",
                 "--robust", "mean", "--top", "3")
    assert d == lib("quantum", 8, 1, QuantumParams.from_options(), robust_over=("mubar", 0.9, 1.1, 3),
                    robust="mean", top=3)
    assert d["parameters"]["robust_values"] == pytest.approx([0.9, 1.0, 1.1], abs=1e-15)


# the quantum options reach the solver: each changes the answer, to the library's
QUANTUM_OPTIONS = [
    (("--gamma", "0.8"), {"gamma": 0.8}, {}),
    (("--mu", "0.6"), {"mubar": 0.6}, {}),
    (("--dmu", "0.05"), {"dmu": 0.05}, {}),
    (("--ig", "0.01"), {"Ig": 0.01}, {}),
    (("--ig-ratio", "0.6"), {"ig_ratio": 0.6}, {}),
    (("--gamma-contact", "0.7"), {"gamma_contact": 0.7}, {}),
]


@pytest.mark.parametrize("flags, params, kw", QUANTUM_OPTIONS, ids=lambda v: v[0] if isinstance(v, tuple) else "")
def test_quantum_options_reach_the_solver(capsys, flags, params, kw):
    base = run_json(capsys, "design", "quantum", "--n", "8", "--pairs", "1", "--top", "3")
    d = run_json(capsys, "design", "quantum", "--n", "8", "--pairs", "1", "--top", "3", *flags)
    assert d == lib("quantum", 8, 1, QuantumParams.from_options(**params), top=3, **kw)
    assert d["best"] != base["best"]  # the option changed the currents


def test_response_and_temperature_reach_the_solver(capsys):
    flags = ("--response", "nonlinear", "--temperature", "0.01", "--top", "2")
    d = run_json(capsys, "design", "quantum", "--n", "6", "--pairs", "1", *flags)
    cold = run_json(capsys, "design", "quantum", "--n", "6", "--pairs", "1", "--response", "nonlinear",
                    "--top", "2")
    linear = run_json(capsys, "design", "quantum", "--n", "6", "--pairs", "1", "--top", "2")
    assert d == lib("quantum", 6, 1, QuantumParams.from_options(temperature=0.01), response="nonlinear", top=2)
    assert cold == lib("quantum", 6, 1, QuantumParams.from_options(), response="nonlinear", top=2)
    assert d["parameters"]["response"] == cold["parameters"]["response"] == "nonlinear"
    assert d["best"] != cold["best"] != linear["best"]


# --------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------
ARGS = ("design", "quantum", "--n", "8", "--pairs", "2", "--top", "4")


def test_out_json_round_trip(capsys, tmp_path):
    f = tmp_path / "d.json"
    d = run_json(capsys, *ARGS, "--out", str(f))
    assert json.loads(f.read_text()) == d


@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_out_table_round_trip(capsys, tmp_path, ext):
    f = tmp_path / f"d{ext}"
    d = run_json(capsys, *ARGS, "--out", str(f))
    # CSV: floats are written by repr; read as text and parsed by float() they round-trip exactly
    df = pd.read_csv(f, converters={c: float for c in ROW_KEYS - {"layout"}}) if ext == ".csv" \
        else pd.read_parquet(f)
    best = df[df["role"] == "best"].sort_values("rank")
    assert list(best["rank"]) == list(range(1, len(d["best"]) + 1))
    for col in ROW_KEYS:
        assert list(best[col]) == [r[col] for r in d["best"]], col
    ref = df[df["role"] == "reference"]
    assert dict(zip(ref["name"], ref["delta_I"], strict=True)) == {k: v["delta_I"] for k, v in d["reference"].items()}
    assert set(df["model"]) == {"quantum"} and set(df["N"]) == {8}


def test_plot_writes_a_png(capsys, tmp_path):
    f = tmp_path / "design.png"
    code, out, err = run(capsys, *ARGS, "--plot", str(f))
    assert code == 0, err
    data = f.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    assert "rank" in out  # the table still goes to stdout


def test_existing_out_refused_unless_overwrite(capsys, tmp_path):
    f = tmp_path / "d.json"
    f.write_text("keep")
    code, out, err = run(capsys, *ARGS, "--out", str(f))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "--overwrite" in err
    assert f.read_text() == "keep"
    code, out, err = run(capsys, *ARGS, "--out", str(f), "--overwrite")
    assert code == 0, err
    assert set(json.loads(f.read_text())) == TOP_KEYS


# --------------------------------------------------------------------------
# bad input: one line, exit 2, no traceback, nothing written, before any work
# --------------------------------------------------------------------------
BAD = [
    (("classical", "--n", "5", "--pairs", "2"), "N"),                      # 2K + M = 4 interior baths need N >= 6
    (("quantum", "--n", "6", "--pairs", "2", "--probes", "1"), "N"),       # 5 interior baths need N >= 7
    (("classical", "--n", "12", "--pairs", "0"), "pairs"),
    (("classical", "--n", "12", "--pairs", "1", "--fixed", "1=S"), "fixed"),
    (("classical", "--n", "12", "--pairs", "1", "--fixed", "12=D"), "fixed"),
    (("classical", "--n", "12", "--pairs", "1", "--fixed", "13=S"), "fixed"),
    (("classical", "--n", "12", "--pairs", "1", "--fixed", "0=S"), "fixed"),
    (("classical", "--n", "12", "--pairs", "1", "--fixed", "3=S,3=D"), "fixed"),
    (("classical", "--n", "12", "--pairs", "1", "--budget", "0"), "budget"),
    (("circuit", "--n", "12", "--pairs", "1", "--budget", "0"), "budget"),
    (("classical", "--pairs", "1"), "--n"),
    (("classical", "--n", "12"), "--pairs"),
    (("classical", "--n", "12", "--pairs", "1", "--objective", "best"), "objective"),
    (("classical", "--n", "12", "--pairs", "1", "--restarts", "0"), "restarts"),
    (("classical", "--n", "12", "--pairs", "1", "--top", "0"), "top"),
    (("classical", "--n", "12", "--pairs", "1", "--max-seconds", "0"), "max_seconds"),
    (("classical", "--n", "12", "--pairs", "1", "--workers", "0"), "workers"),
    (("classical", "--n", "12", "--pairs", "1", "--min-gap", "0"), "min_gap"),
    (("classical", "--n", "12", "--pairs", "1", "--p", "0"), "p"),
    (("quantum", "--n", "12", "--pairs", "1", "--ig", "0.1", "--ig-ratio", "0.2"), "Ig"),
    (("quantum", "--n", "12", "--pairs", "1", "--robust-over", "mubar:0.9:1.1"), "robust_over"),
    (("quantum", "--n", "12", "--pairs", "1", "--robust-over", "p:0.9:1.1:3"), "robust_over"),
    (("quantum", "--n", "12", "--pairs", "1", "--robust-over", "mubar:a:1.1:3"), "robust_over"),
    (("quantum", "--n", "12", "--pairs", "1", "--robust", "best"), "robust"),
]


@pytest.fixture
def no_solver(monkeypatch):
    """Any solver call fails the test: the checks come before any work."""
    def boom(*a, **k):
        raise AssertionError("a solver ran before the input was checked")

    monkeypatch.setattr(evaluate, "_solve", boom)
    monkeypatch.setattr(evaluate, "_solve_full", boom)


def one_line_exit_2(code, out, err, name):
    assert code == 2, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("nonrecip: error:") and name in lines[0]
    assert "Traceback" not in err


@pytest.mark.parametrize("args, name", BAD, ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_bad_input(capsys, tmp_path, no_solver, args, name):
    f = tmp_path / "out.json"
    code, out, err = run(capsys, "design", *args, "--out", str(f), "--plot", str(tmp_path / "p.png"))
    one_line_exit_2(code, out, err, name)
    assert list(tmp_path.iterdir()) == []


def test_bad_output_paths(capsys, tmp_path, no_solver):
    (tmp_path / "dir.json").mkdir()
    (tmp_path / "file").write_text("x")
    cases = [("--out", tmp_path / "d.txt"), ("--out", tmp_path / "dir.json"), ("--out", tmp_path / "file" / "d.json"),
             ("--plot", tmp_path / "p.jpg"), ("--plot", tmp_path / "file"), ("--plot", tmp_path / "dir.json")]
    for flag, path in cases:
        code, out, err = run(capsys, *ARGS, flag, str(path))
        one_line_exit_2(code, out, err, flag.lstrip("-"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.json", "file"]
    assert list((tmp_path / "dir.json").iterdir()) == []


# --------------------------------------------------------------------------
# the human-readable form
# --------------------------------------------------------------------------
def test_table_fits_80_columns_and_shows_the_numbers(capsys):
    code, out, err = run(capsys, "design", "quantum", "--n", "10", "--pairs", "2", "--top", "3")
    assert code == 0, err
    d = run_json(capsys, "design", "quantum", "--n", "10", "--pairs", "2", "--top", "3")
    lines = out.splitlines()
    assert max(map(len, lines)) <= 80
    assert "exhaustive" in out and "evaluated 420" in out  # C(8,4) * 4!/(2!2!) = 70 * 6 layouts
    for i, r in enumerate(d["best"]):
        row = next(ln for ln in lines if ln.startswith(f"{i + 1} "))
        assert r["layout"] in row
        for key in ("delta_I", "I_in_forward", "I_in_reverse", "objective"):
            assert f"{r[key]:.5g}" in row.split()  # whole, never split
    dimers = next(ln for ln in lines if ln.startswith("dimers"))
    assert d["reference"]["dimers"]["layout"] in dimers


def test_long_layouts_are_cut_in_the_table(capsys):
    code, out, err = run(capsys, "design", "classical", "--n", "1000", "--pairs", "2", "--top", "2")
    assert code == 0, err
    d = run_json(capsys, "design", "classical", "--n", "1000", "--pairs", "2", "--top", "2")
    assert max(map(len, out.splitlines())) <= 80
    assert "closed form" in out and "(N=1000)" in out and "…" in out
    assert all(len(r["layout"]) == 1000 for r in d["best"])  # the full layout in --json


def test_annealing_report(capsys):
    code, out, err = run(capsys, "design", "circuit", "--n", "40", "--pairs", "2", "--budget", "400",
                         "--restarts", "3", "--seed", "7")
    assert code == 0, err
    d = run_json(capsys, "design", "circuit", "--n", "40", "--pairs", "2", "--budget", "400", "--restarts", "3",
                 "--seed", "7")
    text = " ".join(out.split())
    assert "annealing" in text and "not exhaustive" in text
    assert f"{d['parameters']['restarts_agreeing']} of 3 agree" in text and f"evaluated {d['evaluated']}" in text
    assert max(map(len, out.splitlines())) <= 80


@pytest.mark.parametrize("layout, width, want", [
    (".SD.", 24, ".SD."),
    (".S..S" + "." * 500 + "D.D" + "." * 492, 24, ".S..S…D.D… (N=1000)"),
    (".S..S" + "." * 500 + "D..D" + "." * 491, 19, ".S…S…D…D… (N=1000)"),  # short runs cut too
    (".SDSDSDSD" + "." * 991, 17, ".SDS…SD… (N=1000)"),  # too many baths: the two ends
])
def test_layout_cell(layout, width, want):
    assert layout_cell(layout, width) == want
    assert len(layout_cell(layout, width)) <= width


# --------------------------------------------------------------------------
# the options are the parameter table's, with the library's defaults
# --------------------------------------------------------------------------
def test_design_parameters_declared_once_with_the_library_defaults():
    sig = inspect.signature(design).parameters
    for name in DESIGN_PARAMETERS:
        if name in ("N", "pairs", "robust_over"):
            continue  # required (N, pairs) or parsed from NAME:LO:HI:N
        assert PARAMETERS[name].default == sig[name].default, name
    assert PARAMETERS["objective"].choices == OBJECTIVES
    assert PARAMETERS["robust"].choices == ROBUST


@pytest.mark.parametrize("model", ["classical", "quantum", "circuit"])
def test_command_options_are_the_table(model):
    from nonrecip.cli import command

    opts = {q.opts[0]: q for q in command().commands["design"].commands[model].params}
    own = [n for n in MODEL_PARAMETERS[model] if n not in ("layout", "method", "tol", "max_iter", "max_nodes")]
    for name in own + list(DESIGN_PARAMETERS):
        p = PARAMETERS[name]
        q = opts[p.flag]
        assert q.default == p.default_for(model), name
        assert q.help == p.cli_help, name
    assert {"--json", "--out", "--plot", "--overwrite"} <= set(opts)


def test_workers_give_the_serial_answer(capsys):
    d = run_json(capsys, "design", "quantum", "--n", "8", "--pairs", "2", "--workers", "2")
    want = lib("quantum", 8, 2, QuantumParams.from_options())
    assert (d["best"], d["evaluated"], d["exhaustive"], d["reference"]) == \
        (want["best"], want["evaluated"], want["exhaustive"], want["reference"])
