"""The compiled batch-means arithmetic of the adjoint estimate against NumPy.

:mod:`nonrecip.stochastic._estimate_kernels` claims the same bits as the
NumPy formulas it replaces (the fixed cost of a small ``simulate`` call):
checked exactly (``==`` on floats) here, for random float arrays of every
length up to 128 and for the adjoint statistics on random batch sums of the
kind the kernels produce (integer exits and sums of ``q``, batch sizes that
differ by one).
"""

from __future__ import annotations

import numpy as np
import pytest

from nonrecip.stochastic._estimate_kernels import MAX_BATCHES, adjoint_stats, np_sum
from nonrecip.stochastic.steady import _adjoint_stats_numpy


def test_np_sum_adds_like_numpy():
    rng = np.random.default_rng(11)
    for n in range(0, MAX_BATCHES + 1):
        for _ in range(20):
            a = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 8, n)
            assert np_sum(a) == np.add.reduce(a), n


@pytest.mark.parametrize("nb", [2, 7, 8, 32, 33, 128])
def test_adjoint_stats_are_the_numpy_bits(nb):
    rng = np.random.default_rng(nb)
    for trial in range(50):
        steps_b = np.full(nb, float(rng.integers(1, 5000)))
        steps_b[: int(rng.integers(0, nb))] += 1.0
        ex = rng.binomial(steps_b.astype(np.int64), 0.3).astype(float)
        aq = rng.integers(-3000, 3000, nb).astype(float)
        drho, ig = float(rng.uniform(0.0, 0.3)), float(rng.uniform(0.0, 0.3))
        igq0 = ig * float(rng.integers(-1, 2))
        fast, slow = np.empty(5), np.empty(5)
        adjoint_stats(ex, aq, steps_b, drho, ig, igq0, fast)
        _adjoint_stats_numpy(ex, aq, steps_b, drho, ig, igq0, slow)
        assert fast.tolist() == slow.tolist(), trial
