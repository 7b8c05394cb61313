"""Benchmark: start-up of the ``nonrecip`` command, CPU seconds, in one run beside the baseline.

Each case is a fresh interpreter (``PYTHONPATH=SRC``) run ``--repeat``
times; the figure is the median of its CPU time (user + sys, from
``getrusage(RUSAGE_CHILDREN)``) with the spread (min-max), its ratio to the
baseline ``python -c pass`` measured in the same run, and the machine's
1-minute load average, because the machine may be shared: a figure measured
at a load above the core count says more about the other jobs than about
nonrecip. The cases are interleaved (one run of each in turn) so that a
change of load hits all of them alike.

Cases: ``python -c pass``; ``nonrecip --help`` into a pipe (plain help) and
on a terminal (a pseudo-terminal: typer's rich help); ``nonrecip
--version``; ``solve classical``, ``solve circuit`` and ``solve quantum``
(linear response) on the small layout ``.SDSD.``, into a pipe. Goals
(issue 14): ``--help`` under 0.15 s, ``solve classical`` under 0.3 s.

The children write and use bytecode caches (``__pycache__``) whatever
``PYTHONDONTWRITEBYTECODE`` says, as an installed package does (pip
compiles it); an untimed first run of each case fills them. ``--no-bytecode``
keeps ``PYTHONDONTWRITEBYTECODE`` as it is (when it is set and no
``__pycache__`` exists yet, every nonrecip module is compiled from source on
every run: about 0.05 s more for ``--help``).

``--before SRC`` measures the same cases with another nonrecip source tree
(e.g. ``git archive`` of an older commit, unpacked: its ``src``) in the
same run, interleaved, as the old figures.

Run:  python benchmarks/bench_startup.py [--repeat 10] [--before DIR]
"""

from __future__ import annotations

import argparse
import os
import pty
import resource
import statistics
import subprocess
import sys
import threading
from pathlib import Path

CLI = "import sys; from nonrecip.cli import main; sys.exit(main())"

#: name, arguments of python, on a terminal (pty) or not, goal (CPU s) or None
CASES: list[tuple[str, list[str], bool, float | None]] = [
    ("python -c pass", ["-c", "pass"], False, None),
    ("nonrecip --help (pipe)", ["-c", CLI, "--help"], False, 0.15),
    ("nonrecip --help (terminal)", ["-c", CLI, "--help"], True, None),
    ("nonrecip --version", ["-c", CLI, "--version"], False, None),
    ("solve classical .SDSD.", ["-c", CLI, "solve", "classical", "--layout", ".SDSD."], False, 0.3),
    ("solve circuit .SDSD.", ["-c", CLI, "solve", "circuit", "--layout", ".SDSD."], False, None),
    ("solve quantum .SDSD.", ["-c", CLI, "solve", "quantum", "--layout", ".SDSD."], False, None),
]


def load() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


def _drain(fd: int) -> None:
    """Read a pseudo-terminal until the child closes it (so that it never blocks on a full buffer)."""
    try:
        while os.read(fd, 65536):
            pass
    except OSError:  # EIO: the child side is closed
        pass


def cpu_of(args: list[str], src: str, terminal: bool, bytecode: bool = True) -> float:
    """CPU seconds (user + sys) of one child ``python ARGS`` with ``PYTHONPATH=src``."""
    env = dict(os.environ, PYTHONPATH=src)
    env.pop("COLUMNS", None)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if terminal:
        master, slave = pty.openpty()
        reader = threading.Thread(target=_drain, args=(master,))
        reader.start()
        p = subprocess.run([sys.executable, *args], env=env, stdin=subprocess.DEVNULL, stdout=slave,
                           stderr=subprocess.PIPE, text=True)
        os.close(slave)
        reader.join()
        os.close(master)
    else:
        p = subprocess.run([sys.executable, *args], env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise RuntimeError(f"{args}: exit {p.returncode}: {p.stderr[-500:]}")
    return (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def spread(xs: list[float]) -> str:
    """``median [min-max] s``."""
    return f"{statistics.median(xs):.3f} [{min(xs):.3f}-{max(xs):.3f}] s"


def main() -> None:
    """Time every case in every source tree, interleaved, and print medians, ratios and the load."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=10, help="runs of each case (median reported)")
    ap.add_argument("--before", type=Path, help="another nonrecip src tree measured in the same run")
    ap.add_argument("--no-bytecode", action="store_true", help="keep PYTHONDONTWRITEBYTECODE as it is")
    a = ap.parse_args()
    here = str(Path(__file__).resolve().parent.parent / "src")
    trees = [("now", here)] + ([("before", str(a.before.resolve()))] if a.before else [])
    cpu: dict[tuple[str, str], list[float]] = {(t, c[0]): [] for t, _ in trees for c in CASES}
    loads: list[float] = []
    for _t, src in trees:  # warm the file cache and the bytecode caches, untimed
        for _, args, terminal, _ in CASES:
            cpu_of(args, src, terminal, not a.no_bytecode)
    for _ in range(a.repeat):
        loads.append(load())
        for t, src in trees:
            for name, args, terminal, _ in CASES:
                cpu[t, name].append(cpu_of(args, src, terminal, not a.no_bytecode))
    loads.append(load())
    print(f"start-up CPU (user+sys), median [min-max] of {a.repeat} runs; load (1 min) "
          f"{min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores; {sys.executable}; "
          f"bytecode {'as PYTHONDONTWRITEBYTECODE says' if a.no_bytecode else 'cached'}")
    for t, _ in trees:
        base = statistics.median(cpu[t, CASES[0][0]])
        for name, _, _, goal in CASES:
            m = statistics.median(cpu[t, name])
            extra = f"  goal < {goal} s: {'met' if m < goal else 'NOT met'}" if goal else ""
            print(f"  {t:6s} {name:28s} {spread(cpu[t, name])}  {m / base:5.1f}x baseline{extra}")


if __name__ == "__main__":
    main()
