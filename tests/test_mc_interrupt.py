"""Ctrl-C / SIGTERM inside the Monte Carlo kernels at any N (issue 12).

One walker of a long wire runs for minutes (its path grows like ``N^2``), so
every kernel that follows walkers takes a work budget and pauses the walker
in progress in a small ``walk`` array; the callers look at the stop signal
between calls. Checked here:

* pausing and resuming never changes a bit: every kernel, budgets 1 and 7
  against no budget, several layouts (event-skipping and per-site kernels),
  and the public ``simulate`` for both estimators;
* the default budget gives the bits of the code before the budget existed
  (pinned values, recorded by running ``simulate`` at commit 44fc8fd);
* the callers look at the stop signal at least once per budget of work, and
  stop inside a walker;
* real processes on a wire whose first walker starts in the middle of 1e5
  scatterers (minutes inside one kernel call before the budget):
  SIGINT and SIGTERM end them with exit 130 and one line.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import nonrecip.stochastic.simulation as simmod
from nonrecip import ClassicalParams, Wire
from nonrecip.runs.batches import Stopped
from nonrecip.stochastic import simulate, steady
from nonrecip.stochastic._kernels import (
    NO_BUDGET,
    WALK_STATE,
    walk_adjoint,
    walk_adjoint_sites,
    walk_walkers,
    walk_walkers_sites,
)
from nonrecip.stochastic.steady import SteadyStateSimulation, _geometric_table

PROF = np.array((1, 0.9, 0.3, 1, 0.6, 1, 1, 0.95, 1, 0.2, 1), float)
LAYOUTS = [  # (layout, N, params): event-skipping kernels unless a profile is given
    ("dimers", 40, dict(p=0.5, Ig=0.3, drho=0.1)),
    ("single", 30, dict(p=0.7, Ig=0.2, drho=0.1)),
    (".SP.D..S.P.", None, dict(p=0.9, Ig=0.05, drho=0.1)),
    (".SP.D..S.P.", None, dict(p_profile=PROF, Ig=0.05, drho=0.1)),
    ("..SD..SD..", None, dict(p=0.5, Ig=40.0, drho=0.1)),  # weighted source walkers (rate > MAX_COUNT_RATE)
]
IDS = ["dimers", "single", "mixed", "profile", "weighted"]


def _sim(layout, n, kw, estimator="walkers"):
    return SteadyStateSimulation(Wire.from_spec(layout, n), ClassicalParams(**kw), estimator=estimator)


# --------------------------------------------------------------------------
# the kernels: paused and resumed, the same bits as one call
# --------------------------------------------------------------------------
def _walkers_run(sim, inj, count, budget, seed):
    """All ``count`` walkers of ``inj``, calling the kernel until done; returns (bits, calls)."""
    n = sim.wire.N
    state = np.random.SeedSequence(seed).generate_state(4, np.uint64)
    arrays = (np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n + 1, np.int64), np.zeros(n + 1, np.int64),
              np.zeros(n + 2, np.int64))
    counters = np.zeros(3, np.int64)
    carry = np.full(1, -1, np.int64)
    walk = np.zeros(WALK_STATE, np.int64)
    left, calls = count, 0
    while left > 0:
        if sim._p_sites is None:
            done = walk_walkers(state, carry, sim._ext, sim._r, sim._log_t, sim._log_a2, sim._log_1ma2, sim._geo,
                                sim._e0(inj), inj.direction, inj.weight, left, *arrays, counters, walk, budget)
        else:
            done = walk_walkers_sites(state, sim._ext, sim._sc_s, sim._e0(inj), inj.direction, inj.weight, left,
                                      *arrays, counters, walk, budget)
        assert 0 <= done <= left
        left -= done
        calls += 1
    assert walk[0] == 0  # nothing left paused
    return [state, carry, counters, *arrays], calls


def _adjoint_run(sim, count, budget, seed):
    state = np.random.SeedSequence(seed).generate_state(4, np.uint64)
    out = np.zeros(4, np.int64)
    walk = np.zeros(WALK_STATE, np.int64)
    left, calls = count, 0
    while left > 0:
        if sim._p_sites is None:
            done = walk_adjoint(state, sim._qcum, sim._log_t, _geometric_table(sim._log_t), left, out, walk, budget)
        else:
            done = walk_adjoint_sites(state, sim._qcum, sim._r_s, left, out, walk, budget)
        assert 0 <= done <= left
        left -= done
        calls += 1
    assert walk[0] == 0
    return [state, out], calls


@pytest.mark.parametrize("budget", [1, 7])
@pytest.mark.parametrize("layout, n, kw", LAYOUTS, ids=IDS)
def test_walkers_kernels_paused_and_resumed_give_the_same_bits(layout, n, kw, budget):
    sim = _sim(layout, n, kw)
    assert (sim._p_sites is not None) == ("p_profile" in kw)
    for i, inj in enumerate(sim.injectors[:6]):  # both reservoirs and the first sources/drains, both directions
        ref, calls_ref = _walkers_run(sim, inj, 300, NO_BUDGET, seed=i)
        got, calls = _walkers_run(sim, inj, 300, budget, seed=i)
        assert calls_ref == 1
        for a, b in zip(ref, got, strict=True):
            assert np.array_equal(a, b)
        assert calls > 1  # walkers really were paused and resumed


@pytest.mark.parametrize("budget", [1, 7])
@pytest.mark.parametrize("layout, n, kw", LAYOUTS, ids=IDS)
def test_adjoint_kernels_paused_and_resumed_give_the_same_bits(layout, n, kw, budget):
    sim = _sim(layout, n, kw, "adjoint")
    ref, calls_ref = _adjoint_run(sim, 3000, NO_BUDGET, seed=4)
    got, calls = _adjoint_run(sim, 3000, budget, seed=4)
    assert calls_ref == 1
    for a, b in zip(ref, got, strict=True):
        assert np.array_equal(a, b)
    assert calls > 1


# --------------------------------------------------------------------------
# the public simulate: every budget, and the bits from before the budget
# --------------------------------------------------------------------------
def _bits(r):
    h = hashlib.sha256(np.concatenate([r.forward.J.mean, r.reverse.J.mean, r.forward.rho_plus.mean,
                                       r.reverse.rho_minus.mean, r.forward.J.stderr]).tobytes()).hexdigest()[:16]
    return r.delta_I.mean.hex(), r.delta_I.stderr.hex(), h


def _run(layout, n, kw, estimator, seed, steps=4000):
    return simulate(Wire.from_spec(layout, n), ClassicalParams(**kw), steps=steps, seed=seed, estimator=estimator,
                    workers=2)


@pytest.mark.parametrize("estimator", ["walkers", "adjoint"])
@pytest.mark.parametrize("layout, n, kw", LAYOUTS, ids=IDS)
def test_simulate_same_bits_for_every_budget(monkeypatch, layout, n, kw, estimator):
    monkeypatch.setattr(simmod, "_INLINE_WORK", -1)  # the thread-pool path: run_batch, the budgeted kernels
    ref = _bits(_run(layout, n, kw, estimator, 2, steps=400))
    for budget in (1, 5):  # a pause at (nearly) every reflection: one kernel call per random number
        monkeypatch.setattr(steady, "_BUDGET", budget)
        assert _bits(_run(layout, n, kw, estimator, 2, steps=400)) == ref


#: ``_bits`` of ``simulate(..., steps=4000, seed=1, workers=2)`` on the
#: thread-pool path, recorded by running this file's ``_run`` at commit
#: 44fc8fd (main, before the work budget): the default budget keeps them.
PINS = {
    ("dimers", "walkers"): ("0x1.16872b020c4a0p-7", "0x1.a475b1bddc4c9p-10", "6074539160471cc2"),
    ("dimers", "adjoint"): ("0x1.5b573eab36780p-7", "0x1.b8776250b0611p-11", "490d2f32c4f5f61a"),
    ("single", "walkers"): ("0x1.52f1a9fbe76c8p-4", "0x1.a72ff9d2dcd1ap-7", "c2e8a94d93039e25"),
    ("single", "adjoint"): ("0x1.3404ea4a8c156p-4", "0x1.96fbf1e93a6e4p-10", "fcf3f11874d4df27"),
    ("mixed", "walkers"): ("0x1.395810624dd2fp-4", "0x1.0489797b52967p-7", "de0703837ef80f16"),
    ("mixed", "adjoint"): ("0x1.ce075f6fd21fep-5", "0x1.292deee11f852p-12", "9d4f74e0a2368b15"),
    ("profile", "walkers"): ("0x1.0d4fdf3b645a2p-4", "0x1.21065ea08af3dp-8", "b7c5afeee4127bff"),
    ("profile", "adjoint"): ("0x1.09d495182a994p-4", "0x1.79921bf1abe9ap-10", "cd7de34273d7d8ba"),
    ("weighted", "walkers"): ("0x1.0d4fdf3b64600p-4", "0x1.2010873b91c01p-8", "fe7fbb818c0aef14"),
    ("weighted", "adjoint"): ("0x1.15810624dd300p-4", "0x1.381677eaa36e4p-10", "b775c461cf818fc6"),
}


@pytest.mark.parametrize("estimator", ["walkers", "adjoint"])
@pytest.mark.parametrize("layout, n, kw", LAYOUTS, ids=IDS)
def test_default_budget_keeps_the_bits_from_before(monkeypatch, layout, n, kw, estimator):
    monkeypatch.setattr(simmod, "_INLINE_WORK", -1)
    name = IDS[LAYOUTS.index((layout, n, kw))]
    assert _bits(_run(layout, n, kw, estimator, 1)) == PINS[name, estimator]


# --------------------------------------------------------------------------
# the callers look at the stop signal once per budget, inside a walker
# --------------------------------------------------------------------------
class _CountingStop:
    """A stop event that counts the looks and is set from look ``at`` on."""

    def __init__(self, at: int | None = None) -> None:
        self.looks, self.at = 0, at

    def is_set(self) -> bool:
        self.looks += 1
        return self.at is not None and self.looks >= self.at


# the first walker starts in the middle of 2000 scatterers: ~1e6 arrivals before it is absorbed
MIDDLE = "." + "P" * 999 + "SD" + "P" * 999 + "."


@pytest.mark.parametrize("estimator, layout, kw", [
    ("walkers", MIDDLE, dict(p=0.5, Ig=0.05, drho=0.0)),
    ("walkers", MIDDLE, dict(p_profile=np.where(np.arange(2002) % 3 == 0, 0.5, 0.7), Ig=0.05, drho=0.0)),
    ("adjoint", "dimers", dict(p=0.5, Ig=0.05, drho=0.1)),
    ("adjoint", "dimers", dict(p_profile=np.where(np.arange(2002) % 3 == 0, 0.5, 0.7), Ig=0.05, drho=0.1)),
])
def test_stop_is_seen_once_per_budget_even_inside_one_walker(monkeypatch, estimator, layout, kw):
    n = 2002 if layout == "dimers" else None
    sim = _sim(layout, n, kw, estimator)
    monkeypatch.setattr(steady, "_BUDGET", 1000)
    stop = _CountingStop()
    steps = 200 if estimator == "walkers" else 4000  # > 50000 random numbers either way
    _, counters = sim.run_batch(0, steps, 9, stop=stop)
    # counters[2] random numbers (or counters[0] arrivals, profiles) were spent; one look per
    # kernel call, and a call ends at the latest one reflection after its budget
    work = counters[2] if sim._p_sites is None else counters[0]
    assert work > 50_000 and stop.looks >= work // 1000 // 2
    # a stop seen at look 3 ends the batch (after ~3000 of its > 50000 random numbers)
    with pytest.raises(Stopped):
        sim.run_batch(0, steps, 9, stop=_CountingStop(at=3))


# --------------------------------------------------------------------------
# real processes: SIGINT and SIGTERM inside one long walker
# --------------------------------------------------------------------------
CLI = [sys.executable, "-c", "import sys; from nonrecip.cli import main; sys.exit(main())"]
#: 1e5 sites, the only source and drain in the middle: the first walker needs ~(5e4)^2 arrivals, ~2 random
#: numbers each at p = 0.1 (minutes in one kernel call without the budget: at commit 44fc8fd the process
#: was still running 90 s after SIGINT; at p = 0.5 it ended 53 s after)
LONG = "." + "P" * 49_998 + "SD" + "P" * 49_998 + "."


@pytest.mark.parametrize("sig, estimator, args", [
    (signal.SIGINT, "walkers", ["--layout", LONG, "--p", "0.1", "--drho", "0"]),
    (signal.SIGTERM, "walkers", ["--layout", LONG, "--p", "0.1", "--drho", "0"]),
    pytest.param(signal.SIGINT, "adjoint", ["--layout", "dimers", "--n", "200000", "--p", "0.5", "--steps",
                                            "2000000", "--batches", "2"], marks=pytest.mark.slow),
])
def test_signal_inside_one_long_walker_ends_the_run(tmp_path, sig, estimator, args):
    """~4 s per process (start, 1.5 s in the kernels, stop); the adjoint case (no walker is surely
    long there: its walkers all enter at site 1) runs with ``-m slow``."""
    ck = tmp_path / "ck.npz"
    proc = subprocess.Popen(CLI + ["simulate", *args, "--estimator", estimator, "--checkpoint", str(ck), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lock = tmp_path / "ck.npz.lock"  # taken just before the signal handlers and the workers start
        deadline = time.monotonic() + 120
        while not lock.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert lock.exists(), proc.communicate(timeout=60)
        time.sleep(1.5)  # the workers are inside the kernels
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)  # a hang guard only: without the budget, ~1 min more
    finally:
        if proc.poll() is None:  # pragma: no cover - only after a failure above
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert out == "" and "Traceback" not in err and err.count("\n") == 1
    assert err.startswith("nonrecip: interrupted:"), err
    assert not os.path.exists(lock)


def test_one_worker_adjoint_run_on_a_long_wire_uses_the_budgeted_kernel(monkeypatch):
    """``workers=1`` runs in the calling thread; a whole batch per call of the unbudgeted
    ``walk_adjoint_batches`` is kept to wires of at most ``MAX_SCATTERERS_UNBUDGETED`` scatterers
    (at N = 2e5 one call ran for minutes: still running 60 s after SIGINT). Same bits either way."""
    import nonrecip.stochastic._kernels as kernels

    wire, params = Wire.from_spec("dimers", 2 * steady.MAX_SCATTERERS_UNBUDGETED + 4), ClassicalParams(p=0.9)
    ref = simulate(wire, params, steps=64, seed=5, estimator="adjoint", workers=1)

    def boom(*a, **k):
        raise AssertionError("a whole batch in one unbudgeted kernel call")

    monkeypatch.setattr(kernels, "walk_adjoint_batches", boom)
    monkeypatch.setattr(simmod, "_INLINE_WORK", -1)
    pooled = simulate(wire, params, steps=64, seed=5, estimator="adjoint", workers=2)
    assert _bits(ref) == _bits(pooled)
    monkeypatch.setattr(simmod, "_INLINE_WORK", 1 << 20)
    assert _bits(simulate(wire, params, steps=64, seed=5, estimator="adjoint", workers=1)) == _bits(ref)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux ``/proc``)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads the CPU time from /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_to_a_one_worker_run_without_checkpoint(sig):
    """``--workers 1`` without checkpoint or progress bar runs in the main thread (no pool): SIGTERM
    ends it like Ctrl-C, with one line and exit 130 (it was killed with -15, no message). The signal
    is sent after 3 s of CPU (start-up and validation take ~1 s), inside the long first walker."""
    proc = subprocess.Popen(CLI + ["simulate", "--layout", LONG, "--p", "0.1", "--drho", "0", "--workers", "1",
                                   "--no-progress", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and _cpu_seconds(proc.pid) < 3.0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate(timeout=60)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)  # a hang guard only
    finally:
        if proc.poll() is None:  # pragma: no cover - only after a failure above
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert out == "" and "Traceback" not in err and err.count("\n") == 1
    assert err.startswith("nonrecip: interrupted"), err
