"""Walkers are run in chunks between looks at the stop signal (Ctrl-C, SIGTERM):
the chunk shrinks on long wires, and chunking never changes a result."""

import numpy as np
import pytest

from nonrecip.stochastic import simulate, steady
from nonrecip.wire import ClassicalParams, Wire


def test_chunks_shrink_like_one_over_n_squared():
    assert steady._chunk(100) == steady._CHUNK and steady._chunk(1000) == steady._CHUNK
    assert steady._chunk(4000) == steady._CHUNK // 16
    assert steady._chunk(200_000) == 1  # one walker between looks on a 2e5-site wire


@pytest.mark.parametrize("estimator", ["walkers", "adjoint"])
def test_chunking_never_changes_the_result(monkeypatch, estimator):
    wire, params = Wire.from_spec("dimers", 50), ClassicalParams(p=0.9, Ig=0.05, drho=0.1)
    a = simulate(wire, params, steps=20_000, seed=3, workers=1, estimator=estimator)
    monkeypatch.setattr(steady, "_CHUNK", 7)  # 7 walkers per kernel call instead of 16384
    b = simulate(wire, params, steps=20_000, seed=3, workers=1, estimator=estimator)
    assert a.delta_I.mean == b.delta_I.mean and a.delta_I.stderr == b.delta_I.stderr
    assert np.array_equal(a.forward.J.mean, b.forward.J.mean, equal_nan=True)
