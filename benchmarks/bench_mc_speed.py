"""Time to 1 % for the adjoint Monte Carlo: today's code, the new code and a tuned baseline, side by side.

    python benchmarks/bench_mc_speed.py            # a few minutes on a quiet machine
    python benchmarks/bench_mc_speed.py --quick    # fewer repeats

For each case (issue 14's table) the budget is the EXPECTED number of
walkers for stderr(delta_I) < 1 % of delta_I: ``mean over seeds of steps x
(stderr / (0.01 |delta_I exact|))^2`` from pilot runs of the new code
(>= 8 seeds), not one lucky seed. At that budget, one core, CPU time per
call (median over repeats with different seeds, each repeat timing enough
calls to last ~50 ms) of

(a) ``old``: the code before issue 14 (``--old-commit``), ``prev``: the
    code before the alias-table sampler (``--prev-commit``), ``base``: the
    code before the kernel/per-call work of the last session
    (``--base-commit``) and ``main``: main before this session's kernel work
    (``--main-commit``), each exported with ``git archive`` and run in a
    subprocess with its own PYTHONPATH (the same budget and seeds);
    ``--refs`` picks which;
(b) ``new``: ``nonrecip.stochastic.simulate(estimator="adjoint", workers=1)``,
    the whole call (validation, seeding, kernel, estimate, Result);
(c) two baselines of :mod:`_baseline_mc`, written independently of nonrecip:
    ``plain`` (one walker at a time, ``np.random.geometric`` per reflection)
    and ``tuned`` (splitmix64 in a register, run lengths from a 256-column
    alias table, one draw per reflection). Ratios are against the *best*
    (fastest) baseline of the same run.

Throughput: walkers/s and random draws actually made per second (each
code's own draw counter: one per reflection; transmissions passed without
a draw are not counted), for new and tuned, per call with everything
included. ``os.getloadavg()`` is printed beside every ratio: on a loaded
machine the ratios, not the absolute times, are what to read.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _baseline_mc  # noqa: E402
from nonrecip import ClassicalParams, Wire, solve_classical  # noqa: E402
from nonrecip.stochastic import run_batches, simulate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CASES = [
    ("dimers N=100 p=0.9", ("dimers", 100), 0.9),
    (".SP.D..S.P. p=0.9", (".SP.D..S.P.", None), 0.9),
    ("dimers N=1000 p=0.9", ("dimers", 1000), 0.9),
    ("dimers N=100 p=0.5", ("dimers", 100), 0.5),
]
IG, DRHO, TARGET = 0.05, 0.1, 0.01

_OLD_SCRIPT = r"""
import json, sys, time
from nonrecip import ClassicalParams, Wire
from nonrecip.stochastic import simulate
layout, p, ig, drho, steps, seeds = json.loads(sys.argv[1])
w, P = Wire(layout), ClassicalParams(p=p, Ig=ig, drho=drho)
simulate(w, P, steps=max(64, steps // 100), estimator="adjoint", workers=1)   # compile
t = time.process_time()
simulate(w, P, steps=steps, seed=0, estimator="adjoint", workers=1)
k = max(1, int(0.05 / max(time.process_time() - t, 1e-6)))   # calls per timing: >= ~50 ms
ts = []
for s in seeds:
    t = time.process_time()
    for _ in range(k):
        simulate(w, P, steps=steps, seed=s, estimator="adjoint", workers=1)
    ts.append((time.process_time() - t) / k)
print(json.dumps(ts))
"""


def wire_of(spec):
    name, n = spec
    return Wire.from_spec(name, n=n) if n else Wire(name)


def expected_budget(wire, params, delta, seeds, pilot):
    need = []
    for s in seeds:
        r = simulate(wire, params, steps=pilot, seed=1000 + s, estimator="adjoint", workers=1)
        need.append(pilot * (r.delta_I.stderr / (TARGET * abs(delta))) ** 2)
    return int(np.ceil(np.mean(need) / 32) * 32), float(np.std(need) / np.mean(need))


def cpu(fn, seeds):
    """Median over ``seeds`` of the CPU time of ``fn(seed)``, each timing repeated to last >= ~50 ms."""
    t = time.process_time()
    fn(seeds[0])
    k = max(1, int(0.05 / max(time.process_time() - t, 1e-6)))
    ts = []
    for s in seeds:
        t = time.process_time()
        for _ in range(k):
            fn(s)
        ts.append((time.process_time() - t) / k)
    return float(np.median(ts))


def old_tree(commit):
    d = Path(tempfile.mkdtemp(prefix="nonrecip-old-"))
    arc = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(d)], input=arc, check=True)
    return d / "src"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int, default=8, help="pilot seeds for the expected budget (>= 8)")
    ap.add_argument("--old-commit", default="f549f87", help="the code before issue 14")
    ap.add_argument("--prev-commit", default="acd4f51", help="the code before the alias-table sampler")
    ap.add_argument("--base-commit", default="44fc8fd", help="the code before the last session's kernel work")
    ap.add_argument("--main-commit", default="9acc9b5", help="main before this session's kernel work")
    ap.add_argument("--refs", default="old,prev,base,main", help="which of the commits above to time")
    ap.add_argument("--cases", default="0,1,2,3")
    a = ap.parse_args()
    reps = 3 if a.quick else 7
    commits = {"old": a.old_commit, "prev": a.prev_commit, "base": a.base_commit, "main": a.main_commit}
    refs = [k for k in a.refs.split(",") if k]
    envs = {k: dict(os.environ, PYTHONPATH=str(old_tree(commits[k]))) for k in refs}
    print(f"load average at start {os.getloadavg()}; cores {os.cpu_count()}; "
          + ", ".join(f"{k} = {commits[k]}" for k in refs))
    rows = []
    for i in [int(x) for x in a.cases.split(",")]:
        name, spec, p = CASES[i]
        wire, params = wire_of(spec), ClassicalParams(p=p, Ig=IG, drho=DRHO)
        delta = solve_classical(wire, params).delta_I
        simulate(wire, params, steps=64, estimator="adjoint", workers=1)   # compile
        budget, spread = expected_budget(wire, params, delta, range(max(8, a.seeds)), 20000)
        seeds = list(range(reps))
        t_new = cpu(lambda s, w=wire, q=params, n=budget: simulate(w, q, steps=n, seed=s, estimator="adjoint",
                                                                  workers=1), seeds)
        _baseline_mc.run(wire.layout, p, IG, DRHO, 64, 0)                   # compile
        _baseline_mc.run_tuned(wire.layout, p, IG, DRHO, 64, 0)
        t_plain = cpu(lambda s, lay=wire.layout, pp=p, n=budget: _baseline_mc.run(lay, pp, IG, DRHO, n, s), seeds)
        t_tuned = cpu(lambda s, lay=wire.layout, pp=p, n=budget: _baseline_mc.run_tuned(lay, pp, IG, DRHO, n, s),
                      seeds)
        tuned_draws = np.mean([_baseline_mc.run_tuned(wire.layout, p, IG, DRHO, budget, s)[2] for s in seeds])
        t_best = min(t_plain, t_tuned)
        t_ref = {}
        for k, env in envs.items():
            out = subprocess.run([sys.executable, "-c", _OLD_SCRIPT,
                                  json.dumps([wire.layout, p, IG, DRHO, budget, seeds])],
                                 env=env, check=True, capture_output=True, text=True).stdout
            t_ref[k] = float(np.median(json.loads(out)))
        draws = np.mean([run_batches(wire, params, steps=budget, seed=s, n_batches=32, batch_ids=range(32),
                                     estimator="adjoint").counters[:, 2].sum() for s in seeds])
        load = os.getloadavg()[0]
        rows.append((name, budget, t_ref, t_new, t_plain, t_tuned))
        print(f"\n{name}: expected budget {budget} walkers (spread over seeds {spread:.0%})")
        print("  CPU per call  " + "   ".join(f"{k} {t * 1e3:8.3f} ms" for k, t in t_ref.items())
              + f"   new {t_new * 1e3:8.3f} ms")
        print(f"  baselines     plain {t_plain * 1e3:8.3f} ms   tuned {t_tuned * 1e3:8.3f} ms")
        print("  ratios        " + "   ".join(f"{k}/new {t / t_new:5.2f}" for k, t in t_ref.items())
              + f"   best baseline/new {t_best / t_new:5.2f}   (load {load:.2f})")
        print(f"  new   (per call, all included) {budget / t_new:.3g} walkers/s, {draws / t_new:.3g} draws/s "
              f"({draws / budget:.2f} draws per walker)   (load {os.getloadavg()[0]:.2f})")
        print(f"  tuned (per call, all included) {budget / t_tuned:.3g} walkers/s, {tuned_draws / t_tuned:.3g} "
              f"draws/s ({tuned_draws / budget:.2f} draws per walker)")
    print(f"\nload average at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
