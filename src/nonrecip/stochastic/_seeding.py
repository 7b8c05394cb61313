"""NumPy's ``SeedSequence`` hash for many batch streams at once (Numba).

Batch ``b`` of a run draws its walkers from
``SeedSequence(seed, spawn_key=(b,)).spawn(2)[1].generate_state(4, uint64)``
(:mod:`nonrecip.stochastic.steady`). Built object by object this costs
~150 us per batch, more than a small batch's walkers. :func:`batch_states`
computes the same 256 bits for every batch in one compiled loop, with NumPy's
algorithm (O'Neill's seed-sequence hash, ``numpy/random/bit_generator.pyx``:
``hashmix``, ``mix``, ``mix_entropy``, ``generate_state``) on uint32 words;
tests check it bit for bit against :class:`numpy.random.SeedSequence`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint32
from numba.extending import overload

from .._jit import JIT

__all__ = ["batch_states", "entropy_words"]

_INIT_A = 0x43B0D7E5
_MULT_A = 0x931E8875
_INIT_B = 0x8B51F9DD
_MULT_B = 0x58F38DED
_MIX_MULT_L = 0xCA01F9DD
_MIX_MULT_R = 0x4973F715
_POOL = 4


def entropy_words(seed: int) -> np.ndarray:
    """``seed >= 0`` as NumPy coerces it: little-endian uint32 words (``[0]`` for 0)."""
    words = []
    seed = int(seed)
    while True:
        words.append(seed & 0xFFFFFFFF)
        seed >>= 32
        if seed == 0:
            break
    return np.array(words, dtype=np.uint32)


def _mul32(a, b):
    """Return ``a * b`` modulo ``2**32`` for uint32 scalars.

    Compiled code multiplies machine words, which wrap silently (the overload
    below). This Python body runs only with ``NUMBA_DISABLE_JIT=1``, where a
    NumPy uint32 product that wraps warns ``RuntimeWarning: overflow``: the wrap is
    the intended arithmetic of the hash, so the warning is silenced, same bits.
    """
    with np.errstate(over="ignore"):
        return uint32(a * b)


def _sub32(a, b):
    """Return ``a - b`` modulo ``2**32`` for uint32 scalars (see :func:`_mul32`)."""
    with np.errstate(over="ignore"):
        return uint32(a - b)


@overload(_mul32, inline="always")
def _mul32_jit(a, b):
    def impl(a, b):
        return uint32(a * b)

    return impl


@overload(_sub32, inline="always")
def _sub32_jit(a, b):
    def impl(a, b):
        return uint32(a - b)

    return impl


@njit(inline="always")
def _hashmix(value, hc):
    value = uint32(value ^ hc[0])
    hc[0] = _mul32(hc[0], uint32(_MULT_A))
    value = _mul32(value, hc[0])
    return uint32(value ^ (value >> uint32(16)))


@njit(inline="always")
def _mix(x, y):
    r = _sub32(_mul32(uint32(_MIX_MULT_L), x), _mul32(uint32(_MIX_MULT_R), y))
    return uint32(r ^ (r >> uint32(16)))


@njit(**JIT)
def batch_states(entropy, batches, child, out):
    """xoshiro256++ states of ``SeedSequence(seed, spawn_key=(b,)).spawn(2)[child]``.

    Parameters
    ----------
    entropy : uint32 array
        :func:`entropy_words` of the run seed.
    batches : int64 array, shape (B,)
        Batch ids ``b``.
    child : int
        Which child of the batch's sequence (1: the walkers' stream).
    out : uint64 array, shape (B, 4)
        Filled with ``generate_state(4, np.uint64)`` of each.
    """
    ne = entropy.shape[0]
    n_run = max(ne, _POOL)                   # a spawn key pads the run entropy to the pool size
    arr = np.zeros(n_run + 2, np.uint32)
    for i in range(ne):
        arr[i] = entropy[i]
    pool = np.zeros(_POOL, np.uint32)
    hc = np.zeros(1, np.uint32)
    words = np.zeros(8, np.uint32)
    for k in range(batches.shape[0]):
        arr[n_run] = uint32(batches[k])
        arr[n_run + 1] = uint32(child)
        n = n_run + 2
        hc[0] = uint32(_INIT_A)
        for i in range(_POOL):
            pool[i] = _hashmix(arr[i] if i < n else uint32(0), hc)
        for i_src in range(_POOL):
            for i_dst in range(_POOL):
                if i_src != i_dst:
                    pool[i_dst] = _mix(pool[i_dst], _hashmix(pool[i_src], hc))
        for i_src in range(_POOL, n):
            for i_dst in range(_POOL):
                pool[i_dst] = _mix(pool[i_dst], _hashmix(arr[i_src], hc))
        h = uint32(_INIT_B)
        for i in range(8):
            v = uint32(pool[i % _POOL] ^ h)
            h = _mul32(h, uint32(_MULT_B))
            v = _mul32(v, h)
            words[i] = uint32(v ^ (v >> uint32(16)))
        for i in range(4):
            out[k, i] = np.uint64(words[2 * i]) | (np.uint64(words[2 * i + 1]) << np.uint64(32))
