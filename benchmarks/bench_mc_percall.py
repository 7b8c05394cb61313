"""CPU per ``simulate()`` call, the code before the per-call work against this tree, alternating.

    python benchmarks/bench_mc_percall.py            # ~1 min
    python benchmarks/bench_mc_percall.py --quick    # fewer rounds

Two worker processes, one per tree: ``base`` is ``--base`` (default 9acc9b5,
the code before the per-call work of issue 14) exported with ``git archive``
into a temporary directory and run with its own PYTHONPATH, ``new`` this
tree's ``src``. Each round asks one, then the other, to time a batch of
calls (``time.process_time`` over enough calls to last ~0.2 s, different
seeds), so both see the same machine load; the median over rounds is
printed with the load average. Cases: issue 14's ``.SP.D..S.P.`` at
``p = 0.9, Ig = 0.05, drho = 0.1`` with the adjoint estimator at the budget
of a 1 % standard error of ``delta_I`` (1,088 walkers), dimers ``N = 100``
at ``p = 0.9`` (100,512 walkers), and the ``walkers`` estimator on the small
layout for comparison; one worker, as ``bench_mc_speed``.

Then, for the new tree, where a small adjoint call's time goes, by
subtraction: the compiled calls alone (seeding, walkers, statistics on
prepared arrays), ``adjoint_inline`` (everything after the checks) and the
whole call.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

CASES = [
    (".SP.D..S.P. adjoint", ".SP.D..S.P.", 0.9, 1088, "adjoint"),
    ("dimers N=100 adjoint", "." + "SD" * 49 + ".", 0.9, 100512, "adjoint"),
    (".SP.D..S.P. walkers", ".SP.D..S.P.", 0.9, 1088, "walkers"),
]

#: the worker: reads ``[case, seconds]`` lines, answers CPU seconds per call
_WORKER = r"""
import json, sys, time
from nonrecip import ClassicalParams, Wire
from nonrecip.stochastic import simulate
cases = json.loads(sys.argv[1])
seed = 0
def run(c, s):
    _, layout, p, steps, est = c
    simulate(Wire(layout), ClassicalParams(p=p, Ig=0.05, drho=0.1), steps=steps, seed=s, estimator=est, workers=1)
for c in cases:
    run(c, 0)                         # compile / load the kernels
print("ready", flush=True)
for line in sys.stdin:
    i, seconds = json.loads(line)
    c = cases[i]
    w, P = Wire(c[1]), ClassicalParams(p=c[2], Ig=0.05, drho=0.1)
    t = time.process_time(); k = 0
    while time.process_time() - t < seconds:
        for _ in range(8):
            simulate(w, P, steps=c[3], seed=seed, estimator=c[4], workers=1); seed += 1
        k += 8
    print(json.dumps((time.process_time() - t) / k), flush=True)
"""


def tree(commit: str) -> Path:
    """``src`` of ``commit`` exported into a temporary directory."""
    d = Path(tempfile.mkdtemp(prefix="nonrecip-base-"))
    arc = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(d)], input=arc, check=True)
    return d / "src"


def start(src: Path) -> subprocess.Popen:
    """A worker process on the tree ``src``."""
    p = subprocess.Popen([sys.executable, "-c", _WORKER, json.dumps(CASES)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=str(src)))
    assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    return p


def ask(p: subprocess.Popen, case: int, seconds: float) -> float:
    """CPU seconds per call of case ``case``, timed over ``seconds``."""
    assert p.stdin is not None and p.stdout is not None
    p.stdin.write(json.dumps([case, seconds]) + "\n")
    p.stdin.flush()
    return float(json.loads(p.stdout.readline()))


def breakdown(rounds: int) -> None:
    """Where a small adjoint call of this tree goes (CPU per call, medians over rounds)."""
    import time

    from nonrecip import ClassicalParams, Wire
    from nonrecip.stochastic import simulate
    from nonrecip.stochastic._estimate_kernels import adjoint_stats
    from nonrecip.stochastic._kernels import walk_adjoint_batches
    from nonrecip.stochastic._seeding import batch_states, entropy_words
    from nonrecip.stochastic.adjoint_inline import _batch_steps, adjoint_inline
    from nonrecip.stochastic.simulation import _validate
    from nonrecip.stochastic.steady import _geometric_table

    w, P, steps = Wire(".SP.D..S.P."), ClassicalParams(p=0.9, Ig=0.05, drho=0.1), 1088
    sim = _validate(w, P, steps, 0, 32, "linear", "adjoint")[0]
    ids, sizes, steps_b, _ = _batch_steps(steps, 32)
    states, out, st = np.zeros((32, 4), np.uint64), np.zeros((32, 4), np.int64), np.empty(5)
    geo = _geometric_table(sim._log_t)
    ex = aq = np.zeros(32)

    def kernels(s: int) -> None:
        batch_states(entropy_words(s), ids, 1, states)
        walk_adjoint_batches(states, sim._qcum, sim._log_t, geo, sizes, out)
        adjoint_stats(ex, aq, steps_b, 0.1, 0.05, 0.05, st)

    parts = {
        "whole simulate() call": lambda s: simulate(w, P, steps=steps, seed=s, estimator="adjoint", workers=1),
        "adjoint_inline (after the checks)": lambda s: adjoint_inline(sim, steps, s, 32, 1 << 20),
        "compiled calls alone (seed, walk, stats)": kernels,
        "  walkers kernel alone": lambda s: walk_adjoint_batches(states, sim._qcum, sim._log_t, geo, sizes, out),
        "checks (_validate)": lambda s: _validate(w, P, steps, s, 32, "linear", "adjoint"),
    }
    res: dict[str, list[float]] = {k: [] for k in parts}
    for _ in range(rounds):
        for name, f in parts.items():
            t, k = time.process_time(), 0
            while time.process_time() - t < 0.1:
                for s in range(k, k + 64):
                    f(s)
                k += 64
            res[name].append((time.process_time() - t) / k)
    med = {k: float(np.median(v)) * 1e6 for k, v in res.items()}
    print(f"\nbreakdown of a small adjoint call, new tree (us per call, load {os.getloadavg()[0]:.2f}):")
    for name, v in med.items():
        print(f"  {name:42s} {v:7.1f}")
    whole, inline, comp = med["whole simulate() call"], med["adjoint_inline (after the checks)"], \
        med["compiled calls alone (seed, walk, stats)"]
    print(f"  {'=> Python around the compiled calls':42s} {inline - comp:7.1f}")
    print(f"  {'=> simulate() before adjoint_inline':42s} {whole - inline:7.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--base", default="9acc9b5", help="the code to compare with (a commit)")
    a = ap.parse_args()
    rounds = 5 if a.quick else 11
    seconds = 0.2
    print(f"load average at start {os.getloadavg()}; cores {os.cpu_count()}; base = {a.base}")
    workers = {"base": start(tree(a.base)), "new": start(ROOT / "src")}
    try:
        for i, (name, *_rest) in enumerate(CASES):
            t: dict[str, list[float]] = {"base": [], "new": []}
            for r in range(rounds):
                for k in (("base", "new") if r % 2 == 0 else ("new", "base")):
                    t[k].append(ask(workers[k], i, seconds))
            b, n = (float(np.median(t[k])) for k in ("base", "new"))
            print(f"{name:24s} CPU per call  base {b * 1e3:8.4f} ms   new {n * 1e3:8.4f} ms   "
                  f"base/new {b / n:5.2f}   (load {os.getloadavg()[0]:.2f})")
    finally:
        for p in workers.values():
            if p.stdin is not None:
                p.stdin.close()
            p.wait()
    breakdown(rounds)
    print(f"\nload average at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
