"""The walker counts' random stream of a batch, without building a ``SeedSequence`` object.

The ``walkers`` estimator draws each batch's injection counts from
``np.random.default_rng(SeedSequence(seed, spawn_key=(b, 0)))``
(:meth:`~nonrecip.stochastic.steady.SteadyStateSimulation.run_batch`). Built
that way the generator costs ~50 us per batch, more than a small batch's
walkers. :func:`count_generator` makes the same generator from the
sequence's four state words (compiled, :func:`~._seeding.batch_states`,
``child = 0``) with NumPy's PCG64 seeding (``pcg64_set_seed``: state
``s = w0 w1``, increment ``i = w2 w3`` as 128-bit numbers, then
``pcg_setseq_128_srandom_r``: ``inc = 2 i + 1``, one step from 0, ``+ s``,
one step) on a bit generator kept per thread; tests check the state and
the draws against ``default_rng`` bit for bit.
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["count_generator", "pcg64_state"]

#: PCG64's 128-bit LCG multiplier (``PCG_DEFAULT_MULTIPLIER_128``)
_MULT = 0x2360ED051FC65DA44385DF649FCCF645
_MASK = (1 << 128) - 1
_LOCAL = threading.local()


def pcg64_state(words: np.ndarray) -> dict:
    """``PCG64(seed_seq).state`` of a seed sequence whose ``generate_state(4, uint64)`` is ``words``."""
    s = (int(words[0]) << 64) | int(words[1])
    inc = ((((int(words[2]) << 64) | int(words[3])) << 1) | 1) & _MASK
    state = (inc + s) & _MASK                   # one step from 0 is inc; then + s
    state = (state * _MULT + inc) & _MASK       # one more step
    return {"bit_generator": "PCG64", "state": {"state": state, "inc": inc}, "has_uint32": 0, "uinteger": 0}


def count_generator(seed: int, b: int) -> np.random.Generator:
    """``np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(b, 0)))``, the same stream, cheaper.

    A fresh :class:`numpy.random.Generator` on this thread's PCG64, set to
    the state that seeding gives; use it before the next call on the same thread.
    """
    from ._seeding import batch_states, entropy_words

    words = np.empty((1, 4), np.uint64)
    batch_states(entropy_words(seed), np.array([b], np.int64), 0, words)
    bg = getattr(_LOCAL, "pcg64", None)
    if bg is None:
        bg = _LOCAL.pcg64 = np.random.PCG64()
    bg.state = pcg64_state(words[0])
    return np.random.Generator(bg)
