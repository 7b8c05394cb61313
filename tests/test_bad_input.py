"""Generated bad and extreme invocations of every command: one line, exit 2, nothing written.

The promise of the command line (README, "Bad input gives one line on stderr
and exit code 2, never a traceback"): every invocation below runs in-process
through :func:`nonrecip.cli.main` in an empty working directory and must

* return exit code 2 when the input is outside what the parameter table
  (:mod:`nonrecip.params`), the size guards (:mod:`nonrecip.runs.budget`) or
  the path checks (:mod:`nonrecip.runs.paths`) allow; an extreme input that
  is allowed may also succeed (exit 0, every printed current finite) or
  fail as a documented non-convergence (exit 1);
* print exactly one line on stderr when it fails, and never a traceback;
* leave the working directory as it was (nothing written, no temporary file).

The cases are generated: every numeric parameter of every command at below
its range, above it, NaN, +-inf, +-1e308, 1e-320, integers beyond 64 bits and
a word; bad choices; unknown options; missing required inputs; then the
output paths of every command (an existing directory, a path under a file, a
read-only place, a name longer than the filesystem allows, a wrong
extension), sizes that cannot fit (N = 10^9 on every solver, the dense
oracle at N = 20000, 10^23 steps), and the sweep's scheduler, spec files and
grid limit. The Monte Carlo commands run only the inputs refused before any
work (an allowed extreme drive is a long run, tested with the Monte Carlo).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from nonrecip.cli import main
from nonrecip.params import MODEL_PARAMETERS, PARAMETERS
from nonrecip.wire import ParameterError

INT64_MAX = 2**63 - 1  # the kernels count in int64

#: base invocation of each command: small, valid, fast; a bad option is appended (the last value wins)
BASE = {
    "classical": ["solve", "classical", "--layout", "dimers", "--n", "6"],
    "circuit": ["solve", "circuit", "--layout", "dimers", "--n", "6"],
    "quantum": ["solve", "quantum", "--layout", "dimers", "--n", "6"],
    "simulate": ["simulate", "--layout", "dimers", "--n", "4", "--steps", "200", "--batches", "2", "--no-progress"],
    "converge": ["converge", "--layout", "dimers", "--n", "4", "--steps-min", "100", "--steps-max", "400",
                 "--batches", "2", "--no-progress"],
    "trajectory": ["trajectory", "--layout", "dimers", "--n", "4", "--steps", "20", "--no-progress"],
}
#: commands whose allowed extreme inputs are run too (exact solvers: milliseconds)
FAST = {"classical", "circuit", "quantum"}
#: file outputs of each command: option -> an allowed extension
OUTPUTS = {
    "classical": {"--out": ".json"}, "circuit": {"--out": ".csv"}, "quantum": {"--out": ".parquet"},
    "simulate": {"--out": ".json", "--checkpoint": ".npz"},
    "converge": {"--out": ".csv", "--plot": ".png"},
    "trajectory": {"--out": ".csv", "--checkpoint": ".npz"},
}

LONG = "x" * 300  # longer than any filesystem's name limit (255 bytes)
#: a directory no one may write into, root included (sysfs refuses new files)
READ_ONLY = "/sys" if os.path.isdir("/sys") else "/proc"


def _texts(p) -> list[str]:
    """Bad or extreme spellings of one numeric parameter."""
    if p.kind is float:
        texts = ["nan", "inf", "-inf", "1e308", "-1e308", "1e-320", "abc", str(10**30)]
        if p.lo is not None:
            texts.append(repr(float(p.lo)) if p.lo_open else repr(p.lo - 1.0))
        if p.hi is not None:
            texts.append(repr(float(p.hi)) if p.hi_open else repr(p.hi + 1.0))
    else:
        texts = ["abc", "1.5", "nan", "1e308", str(10**30), str(-(10**30))]
        if p.lo is not None:
            texts.append(str(int(p.lo) - 1))
        if p.hi is not None:
            texts.append(str(int(p.hi) + 1))
    return list(dict.fromkeys(texts))


def _allowed(p, text: str) -> bool:
    """Does the parameter table allow this text (as the command-line parser reads it)?"""
    try:
        value = float(text) if p.kind is float else int(text)
    except ValueError:
        return False
    try:
        p.check(value)
    except ParameterError:
        return False
    return True


def _cases() -> list[tuple[str, list[str], str]]:
    cases: list[tuple[str, list[str], str]] = []
    for cmd, base in BASE.items():
        names = MODEL_PARAMETERS[cmd]
        for name in names:
            p = PARAMETERS[name]
            if p.kind is str:
                if p.choices:
                    for bad in ("garbage", ""):
                        cases.append((f"{cmd}-{name}={bad!r}", base + [p.flag, bad], "invalid"))
                continue
            for text in _texts(p):
                if not _allowed(p, text):
                    cases.append((f"{cmd}-{name}={text}", base + [p.flag, text], "invalid"))
                elif int(text) > INT64_MAX if p.kind is int else False:
                    if name in ("N", "steps", "steps_min", "steps_max", "runs"):
                        cases.append((f"{cmd}-{name}={text}", base + [p.flag, text], "invalid"))  # 64-bit counts
                    elif cmd in FAST:
                        cases.append((f"{cmd}-{name}={text}", base + [p.flag, text], "extreme"))
                elif cmd in FAST:
                    cases.append((f"{cmd}-{name}={text}", base + [p.flag, text], "extreme"))
        # the wire: bad layouts, a named layout without --n, odd dimers, sizes that cannot fit
        for layout in ("", "abc", "SD", ".SD", ".S", "dimers3", ".SDX."):
            cases.append((f"{cmd}-layout={layout!r}", base + ["--layout", layout], "invalid"))
        cases.append((f"{cmd}-dimers-without-n", [a for a in base if a not in ("--n", "4", "6")], "invalid"))
        cases.append((f"{cmd}-dimers-odd-n", base + ["--n", "7"], "invalid"))
        cases.append((f"{cmd}-n=1e9", base + ["--n", str(10**9)], "invalid"))
        cases.append((f"{cmd}-unknown-option", base + ["--bogus", "1"], "invalid"))
        cases.append((f"{cmd}-stray-argument", base + ["stray"], "invalid"))
        # outputs
        for flag, ext in OUTPUTS[cmd].items():
            for label, path in (("dir", "adir"), ("under-file", f"afile/x{ext}"), ("read-only", f"{READ_ONLY}/x{ext}"),
                                ("too-long", LONG + ext), ("missing-dir", f"nodir/x{ext}"), ("extension", "x.txt")):
                if flag == "--checkpoint" and label == "extension":
                    continue  # any checkpoint name is allowed
                cases.append((f"{cmd}-{flag[2:]}-{label}", base + [flag, path], "invalid"))
    cases += [
        ("quantum-dense-n20000", BASE["quantum"] + ["--n", "20000", "--method", "dense"], "invalid"),
        ("quantum-nonlinear-n1e9", BASE["quantum"] + ["--n", str(10**9), "--response", "nonlinear"], "invalid"),
        ("quantum-ig-and-ratio", BASE["quantum"] + ["--ig", "0.1", "--ig-ratio", "0.1"], "invalid"),
        ("quantum-cubic-not-dimer", BASE["quantum"] + ["--response", "cubic"], "invalid"),
        ("quantum-cubic-temperature", BASE["quantum"] + ["--temperature", "0.1", "--response", "cubic"], "invalid"),
        ("simulate-steps-1e23", BASE["simulate"] + ["--steps", str(10**23)], "invalid"),
        ("simulate-adjoint-n1e9", BASE["simulate"] + ["--n", str(10**9), "--estimator", "adjoint"], "invalid"),
        ("simulate-resume-without-checkpoint", BASE["simulate"] + ["--resume"], "invalid"),
        ("simulate-resume-missing-checkpoint", BASE["simulate"] + ["--checkpoint", "c.npz", "--resume"], "invalid"),
        ("simulate-workers-0", BASE["simulate"] + ["--workers", "0"], "invalid"),
        ("converge-factor-1e308", BASE["converge"] + ["--factor", "1e308"], "invalid"),
        ("converge-steps-max-below-min", BASE["converge"] + ["--steps-max", "50"], "invalid"),
        ("trajectory-records-cannot-fit", BASE["trajectory"] + ["--steps", str(10**12), "--record-every", "1"],
         "invalid"),
        ("trajectory-resume-without-checkpoint", BASE["trajectory"] + ["--resume"], "invalid"),
        ("trajectory-json-to-out", BASE["trajectory"] + ["--out", "x.json"], "invalid"),
        # validate: checked before any check runs
        ("validate-seed-negative", ["validate", "--seed", "-1"], "invalid"),
        ("validate-seed-word", ["validate", "--seed", "abc"], "invalid"),
        ("validate-quick-and-full", ["validate", "--quick", "--full"], "invalid"),
        ("validate-select-nothing", ["validate", "--select", "nothing*"], "invalid"),
        ("validate-out-read-only", ["validate", "--out", f"{READ_ONLY}/r.md"], "invalid"),
        ("validate-out-dir", ["validate", "--out", "adir"], "invalid"),
        ("validate-out-under-file", ["validate", "--out", "afile/r.md"], "invalid"),
        ("validate-out-too-long", ["validate", "--out", LONG + ".md"], "invalid"),
        ("validate-out-extension", ["validate", "--out", "r.txt"], "invalid"),
        # figure
        ("figure-missing-name", ["figure"], "invalid"),
        ("figure-unknown-name", ["figure", "4z", "--out", "figs"], "invalid"),
        ("figure-out-file", ["figure", "3a", "--out", "afile"], "invalid"),
        ("figure-out-under-file", ["figure", "3a", "--out", "afile/figs"], "invalid"),
        ("figure-out-read-only", ["figure", "3a", "--out", f"{READ_ONLY}/figs"], "invalid"),
        ("figure-out-too-long", ["figure", "3a", "--out", LONG], "invalid"),
        # commands and options that do not exist
        ("unknown-command", ["frobnicate"], "invalid"),
        ("solve-unknown-model", ["solve", "magnetic"], "invalid"),
        ("sweep-unknown-model", ["sweep", "magnetic"], "invalid"),
    ]
    cases += _sweep_cases()
    return cases


def _sweep_cases() -> list[tuple[str, list[str], str]]:
    """Sweeps refused before a cluster starts: unreadable axes, limits, scheduler, spec files, outputs."""
    cases = []
    for model in ("classical", "circuit", "quantum", "simulate"):
        base = ["sweep", model, "--layout", ".SD.", "--out", "t.parquet", "--no-progress"]
        for name in MODEL_PARAMETERS[model]:
            p = PARAMETERS[name]
            if p.kind is str:
                continue
            for text in ("abc", "1:2:0", "5:1:1", "0.5,", "inf:1", "0:1e9" if p.kind is float else "4:4000000"):
                cases.append((f"sweep-{model}-{name}={text}", base + [p.flag, text], "invalid"))
            if p.kind is int:
                cases.append((f"sweep-{model}-{name}=4.5", base + [p.flag, "4.5"], "invalid"))
        cases += [
            (f"sweep-{model}-max-points", base + ["--layout", "dimers", "--n", "4:40:2", "--max-points", "5"],
             "invalid"),
            (f"sweep-{model}-grid-1e7", base + ["--layout", "dimers", "--n", "4:20002:2", "--p" if model != "circuit"
                                                else "--v", "0.001:1:0.001"], "invalid"),
            (f"sweep-{model}-scheduler-garbage", base + ["--scheduler", "garbage"], "invalid"),
            (f"sweep-{model}-scheduler-empty", base + ["--scheduler", ""], "invalid"),
            (f"sweep-{model}-scheduler-no-port", base + ["--scheduler", "tcp://localhost"], "invalid"),
            (f"sweep-{model}-out-dir", base + ["--out", "adir"], "invalid"),
            (f"sweep-{model}-out-under-file", base + ["--out", "afile/t.parquet"], "invalid"),
            (f"sweep-{model}-out-read-only", base + ["--out", f"{READ_ONLY}/t.parquet"], "invalid"),
            (f"sweep-{model}-out-too-long", base + ["--out", LONG + ".parquet"], "invalid"),
            (f"sweep-{model}-out-extension", base + ["--out", "t.json"], "invalid"),
            (f"sweep-{model}-workers-0", base + ["--workers", "0"], "invalid"),
            (f"sweep-{model}-max-points-0", base + ["--max-points", "0"], "invalid"),
        ]
    for label in SPECS:
        cases.append((f"sweep-spec-{label}", ["sweep", "--spec", f"{label}.toml", "--no-progress"], "invalid"))
    cases += [
        ("sweep-spec-directory", ["sweep", "--spec", "adir"], "invalid"),
        ("sweep-spec-missing", ["sweep", "--spec", "nothing.toml"], "invalid"),
        ("sweep-spec-wrong-model", ["sweep", "circuit", "--spec", "ok.toml", "--no-progress"], "invalid"),
        ("sweep-option-before-model", ["sweep", "--workers", "2", "classical"], "invalid"),
    ]
    return cases


#: spec files written into the working directory of every case (``ok`` is a valid one)
SPECS = {
    "scheduler": 'model = "classical"\nscheduler = "tcp://10.0.0.5:8786"\n[grid]\nlayout = ".SD."\n',
    "scheduler-int": 'model = "classical"\nscheduler = 5\n[grid]\nlayout = ".SD."\n',
    "out-int": 'model = "classical"\nout = 123\n[grid]\nlayout = ".SD."\n',
    "out-list": 'model = "classical"\nout = ["a.parquet", "b.parquet"]\n[grid]\nlayout = ".SD."\n',
    "out-empty": 'model = "classical"\nout = ""\n[grid]\nlayout = ".SD."\n',
    "no-model": '[grid]\nlayout = ".SD."\n',
    "bad-toml": 'model = "classical"\n[grid\n',
    "unknown-key": 'model = "classical"\nwrokers = 2\n[grid]\nlayout = ".SD."\n',
    "grid-not-table": 'model = "classical"\ngrid = 5\n',
    "unknown-axis": 'model = "classical"\n[grid]\nlayout = ".SD."\nfoo = 1\n',
    "bad-axis": 'model = "classical"\n[grid]\nlayout = ".SD."\np = "abc"\n',
    "too-many-points": 'model = "classical"\n[grid]\nlayout = "dimers"\nn = "4:2000:2"\np = "0.001:1:0.001"\n',
    "out-dir": 'model = "classical"\nout = "adir"\n[grid]\nlayout = ".SD."\n',
    "unknown-model": 'model = "magnetic"\n[grid]\nlayout = ".SD."\n',
}

CASES = _cases()


@pytest.fixture(scope="module")
def _one_command_tree():
    """Build the click command tree once for the module (88 ms a build, most of a case's time).

    :func:`nonrecip.cli.main` builds the same tree on every call; a click
    command holds no state between invocations, so every case still runs
    all of ``main`` but the build.
    """
    import nonrecip.cli as cli

    tree = cli.command()
    original = cli.command
    cli.command = lambda only=None: tree  # the full tree serves every command
    yield
    cli.command = original


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _one_command_tree) -> Path:
    """An empty working directory with a directory, a file and the spec files the cases name."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("a file, not a directory\n")
    for label, text in SPECS.items():
        (tmp_path / f"{label}.toml").write_text(text)
    (tmp_path / "ok.toml").write_text('model = "classical"\n[grid]\nlayout = ".SD."\n')
    return tmp_path


def _tree(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*")}


def _finite_currents(stdout: str) -> None:
    doc = json.loads(stdout, parse_constant=lambda c: pytest.fail(f"{c} in the JSON output"))
    for bias in ("forward", "reverse"):
        names = [q for q in ("I_in", "I_out", "I_1", "I_N") if q in doc[bias]]  # quantum: I_1, I_N
        assert len(names) == 2, doc[bias].keys()
        for q in names:
            v = doc[bias][q]
            assert isinstance(v, (int, float)) and math.isfinite(v), (bias, q, v)
    assert isinstance(doc["delta_I"], (int, float)) and math.isfinite(doc["delta_I"])


def test_at_least_200_generated_cases_across_every_command():
    cmds = {argv[0] if argv[0] not in ("solve", "sweep") else " ".join(argv[:2]) for _, argv, _ in CASES}
    assert len(CASES) >= 200, len(CASES)
    assert {"solve classical", "solve circuit", "solve quantum", "simulate", "converge", "trajectory",
            "validate", "figure", "sweep classical", "sweep circuit", "sweep quantum", "sweep simulate"} <= cmds
    assert len({c[0] for c in CASES}) == len(CASES)  # unique ids


@pytest.mark.parametrize("argv, kind", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_or_extreme_invocation(workdir: Path, capfd: pytest.CaptureFixture[str], argv: list[str], kind: str):
    before = _tree(workdir)
    extreme = kind == "extreme"
    if extreme:
        argv = argv + ["--json"]
    rc = main(argv)
    out, err = capfd.readouterr()
    assert "Traceback" not in err and "Traceback" not in out, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if extreme and rc == 0:
        _finite_currents(out)
        assert _tree(workdir) == before
        return
    assert rc == 2 or (extreme and rc == 1), (rc, err)
    assert len(lines) == 1 and lines[0].startswith("nonrecip: error:"), err
    assert _tree(workdir) == before  # nothing written, no temporary file left


# --------------------------------------------------------------------------
# the guards behind the cases, through the Python API
# --------------------------------------------------------------------------
@pytest.mark.parametrize("solver", ["classical", "circuit", "quantum"])
def test_memory_estimate_bounds_the_measured_peak(solver):
    """The estimate is above the traced peak of a real solve, and within a factor 4 of it.

    ``tracemalloc`` sees NumPy's buffers; N = 20000 is large enough for the
    per-site cost to dominate (the module docstring's figures were measured
    at 10^5..4*10^5).
    """
    import tracemalloc

    from nonrecip import CircuitParams, ClassicalParams, QuantumParams, Wire
    from nonrecip.deterministic import solve_circuit, solve_classical
    from nonrecip.deterministic.quantum import solve_quantum
    from nonrecip.runs.budget import required_bytes

    run = {"classical": lambda w: solve_classical(w, ClassicalParams()),
           "circuit": lambda w: solve_circuit(w, CircuitParams()),
           "quantum": lambda w: solve_quantum(w, QuantumParams.from_options())}[solver]
    run(Wire.from_spec("dimers", 8))  # compile first
    n = 20_000
    tracemalloc.start()
    try:
        run(Wire.from_spec("dimers", n))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    est = required_bytes(solver, n)
    assert peak <= est <= 4 * peak, (peak, est)


def test_library_solvers_refuse_what_cannot_fit(monkeypatch):
    from nonrecip import CircuitParams, ClassicalParams, QuantumParams, Wire
    from nonrecip.deterministic import solve_circuit, solve_classical
    from nonrecip.deterministic.quantum import solve_quantum
    from nonrecip.runs import budget

    w = Wire.from_spec("dimers", 10_000)
    monkeypatch.setattr(budget, "available_bytes", lambda: 1e5)  # 0.1 MB left
    for call in (lambda: solve_classical(w, ClassicalParams()), lambda: solve_circuit(w, CircuitParams()),
                 lambda: solve_quantum(w, QuantumParams.from_options()),
                 lambda: solve_quantum(w, QuantumParams.from_options(), response="nonlinear")):
        with pytest.raises(ParameterError, match=r"invalid N=10000: the .* needs ~[0-9.]+ GB, 0.0001 GB available"):
            call()
    monkeypatch.setattr(budget, "available_bytes", lambda: 1e12)
    assert solve_classical(w, ClassicalParams()).wire.N == 10_000


def test_scheduler_is_chosen_in_python_or_on_the_command_line_never_by_a_spec(tmp_path):
    from nonrecip.sweep import Grid, SweepSpec, run_sweep

    spec = tmp_path / "s.toml"
    spec.write_text('model = "classical"\nscheduler = "tcp://10.0.0.5:8786"\n[grid]\nlayout = ".SD."\n')
    with pytest.raises(ParameterError, match="may not name a scheduler.*--scheduler"):
        SweepSpec.from_toml(spec)
    for bad in ("garbage", "", "tcp://host", "tcp://host:70000", "http://host:80", 5):
        with pytest.raises(ParameterError, match="scheduler"):
            SweepSpec(Grid("classical", {"layout": ".SD."}), scheduler=bad)  # type: ignore[arg-type]
        with pytest.raises(ParameterError, match="scheduler"):
            run_sweep("classical", {"layout": ".SD."}, scheduler=bad)
    ok = SweepSpec(Grid("classical", {"layout": ".SD."}), scheduler="tcp://10.0.0.5:8786")
    assert ok.scheduler == "tcp://10.0.0.5:8786"


def test_spec_out_is_relative_to_the_spec_file(tmp_path, monkeypatch):
    from nonrecip.sweep import SweepSpec

    (tmp_path / "sub").mkdir()
    spec = tmp_path / "sub" / "s.toml"
    spec.write_text('model = "classical"\nout = "r.parquet"\n[grid]\nlayout = ".SD."\n')
    monkeypatch.chdir(tmp_path)
    assert SweepSpec.from_toml(Path("sub/s.toml")).out == Path("sub/r.parquet")
    # an --out given on the command line stays relative to the working directory
    assert SweepSpec.from_toml(spec, out=Path("here.parquet")).out == Path("here.parquet")


def test_grid_limit_is_the_parameter_tables(tmp_path):
    from nonrecip.sweep import Grid

    limit = PARAMETERS["max_points"].default
    side = int(math.isqrt(limit)) + 1  # side**2 > limit
    axes = {"layout": "dimers", "n": f"4:{4 + 2 * (side - 1)}:2", "p": [0.5 + i * 1e-6 for i in range(side)]}
    with pytest.raises(ParameterError, match=f"more than max_points = {limit}"):
        Grid("classical", axes)
    assert len(Grid("classical", axes, max_points=side * side)) == side * side


# --------------------------------------------------------------------------
# long runs stop promptly
# --------------------------------------------------------------------------
def test_one_thread_batch_stops_when_a_signal_came():
    """With one worker the batch runs in the calling thread: it must see the signal.

    Before, its stop event was never set there, so Ctrl-C on ``simulate
    --workers 1 --estimator adjoint --steps 1e13`` waited for a whole batch
    of 3*10^11 steps (still running 2 minutes later). A batch polling its
    stop event now ends within one poll of the signal.
    """
    import time

    from nonrecip.runs import Stopped, run_on_threads

    signalled = {"at": None}

    def check():
        if signalled["at"] is not None:
            raise KeyboardInterrupt("SIGINT")

    def one(b, stop):
        t0 = time.monotonic()
        while not stop.is_set():
            if b == 0 and signalled["at"] is None and time.monotonic() - t0 > 0.05:
                signalled["at"] = time.monotonic()  # the signal handler's flag, as Interruption sets it
            if time.monotonic() - t0 > 5:
                return "ran to the end"
            time.sleep(0.001)
        raise Stopped

    with pytest.raises(KeyboardInterrupt):
        run_on_threads(one, [0, 1], 1, check=check)
    assert signalled["at"] is not None and time.monotonic() - signalled["at"] < 1.0
