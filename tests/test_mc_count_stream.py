"""The walker counts' stream built from its state words is NumPy's ``default_rng`` of the batch (exact)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nonrecip.stochastic._count_stream import count_generator


@pytest.mark.parametrize("seed", [0, 1, 7, 2**32 - 1, 2**32, 2**64 + 5, 2**100 + 12345])
def test_count_generator_is_default_rng_of_the_batch_sequence(seed):
    for b in (0, 1, 31, 1000, 2**31 - 1):
        ref = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(b, 0)))
        gen = count_generator(seed, b)
        assert gen.bit_generator.state == ref.bit_generator.state
        p = np.array([0.0, 0.025, 0.5, 0.999, 0.3])
        for n in (1, 34, 1000, 10**6):          # inversion and BTPE branches of binomial
            assert np.array_equal(gen.binomial(n, p), ref.binomial(n, p))
        assert np.array_equal(gen.random(7), ref.random(7))
        assert np.array_equal(gen.integers(0, 2**40, 5), ref.integers(0, 2**40, 5))


def test_threads_do_not_share_a_stream():
    """Each thread has its own bit generator: concurrent batches draw their own streams."""
    out: dict[int, np.ndarray] = {}
    barrier = threading.Barrier(4)

    def draw(b: int) -> None:
        gen = count_generator(3, b)
        barrier.wait()                        # every thread has set its state before any draws
        out[b] = gen.random(1000)

    threads = [threading.Thread(target=draw, args=(b,)) for b in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for b in range(4):
        assert np.array_equal(out[b], np.random.default_rng(np.random.SeedSequence(3, spawn_key=(b, 0))).random(1000))
