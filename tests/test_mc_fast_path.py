"""The in-thread fast path of ``simulate`` and its compiled seeding give the
same bits as the thread-pool path and NumPy's ``SeedSequence`` (exact equality)."""

from __future__ import annotations

import numpy as np
import pytest

import nonrecip.stochastic.simulation as simmod
from nonrecip import ClassicalParams, Wire
from nonrecip.stochastic import simulate
from nonrecip.stochastic._seeding import batch_states, entropy_words


@pytest.mark.parametrize("seed", [0, 1, 7, 2**32 - 1, 2**32, 2**64 + 5, 2**100 + 12345])
def test_compiled_seeding_is_numpy_seedsequence(seed):
    ids = np.array([0, 1, 2, 31, 1000, 2**31 - 1], np.int64)
    for child in (0, 1):
        out = np.zeros((len(ids), 4), np.uint64)
        batch_states(entropy_words(seed), ids, child, out)
        ref = np.array([np.random.SeedSequence(seed, spawn_key=(int(b),)).spawn(2)[child].generate_state(4, np.uint64)
                        for b in ids])
        assert np.array_equal(out, ref)


@pytest.mark.parametrize("estimator", ["adjoint", "walkers"])
@pytest.mark.parametrize("layout, p, ig", [(".SP.D..S.P.", 0.9, 0.05), ("..SD..SD..", 0.5, 40.0)])
def test_inline_path_equals_thread_pool_path(monkeypatch, estimator, layout, p, ig):
    wire, params = Wire(layout), ClassicalParams(p=p, Ig=ig, drho=0.1)
    fast = simulate(wire, params, steps=3000, seed=11, estimator=estimator, workers=1)
    monkeypatch.setattr(simmod, "_INLINE_WORK", -1)
    pooled = simulate(wire, params, steps=3000, seed=11, estimator=estimator, workers=2)
    assert fast.delta_I == pooled.delta_I
    for bias in ("forward", "reverse"):
        a, b = getattr(fast, bias), getattr(pooled, bias)
        assert np.array_equal(a.J.mean, b.J.mean) and np.array_equal(a.J.stderr, b.J.stderr)
        assert np.array_equal(a.rho_plus.mean, b.rho_plus.mean, equal_nan=True)


def test_inline_path_is_taken_for_one_worker(monkeypatch):
    """The fast path must not start threads (the pool is what cost milliseconds)."""
    def boom(*a, **k):
        raise AssertionError("thread pool used")

    monkeypatch.setattr(simmod, "run_on_threads", boom)
    simulate(Wire(".SD."), ClassicalParams(), steps=1000, estimator="adjoint", workers=1)
