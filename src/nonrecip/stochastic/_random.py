"""Random numbers of the Monte Carlo kernels (plain scalars and uint64 state arrays).

Random numbers
--------------
The kernels draw from an inlined xoshiro256++ generator (Blackman & Vigna
2019) whose 256-bit state is a ``uint64`` array of length 4 seeded by
:class:`numpy.random.SeedSequence` (see ``simulation``); the state advances in
place, so a batch split over several calls consumes the same stream as one
call. Inlined it costs ~1.7 ns per number, against ~7 ns for a
``numpy.random.Generator`` called from Numba through its function pointer.

Geometric laws
--------------
The kernels' run lengths ``P(n) = f^n (1 - f)`` are drawn by
:func:`geometric` from an integer alias table (:func:`geometric_table`: the
law on 0..254 and the tail, quantised to ``2**-53`` like a 53-bit uniform,
the table itself exact in integers): one 64-bit number and two table reads,
no logarithm. The tail ``n >= 255`` is ``255 +`` a fresh draw by the
ziggurat exponential (memorylessness). :func:`geometric_packed` /
:func:`packed_draw` read the same table as one word per column,
:func:`geometric_words` / :func:`word_draw` as one word per column that is
compared with the random number itself (column, threshold and alias in one
unsigned word), and :func:`next_u64_regs` runs the generator on a state
held in locals; the adjoint kernel uses the last two (the same numbers and
values). Measured per ``simulate`` call with everything included (load
~11-13, 2 cores): 4.7e8 draws/s at N = 1000, p = 0.9 (2.1 ns per draw)
and 2.9e8/s at N = 100 (3.4 ms for 1e5 walkers), against 1.7-2.1e8/s for
a tuned register-generator alias-table baseline
(``benchmarks/bench_mc_speed.py``).
"""

from __future__ import annotations

import numpy as np
from numba import int64, njit, uint64
from numba.extending import overload

from .._jit import JIT

__all__ = ["next_u64", "next_u64_regs", "uniform", "exponential", "geometric", "geometric_table", "geometric_packed",
           "packed_draw", "geometric_words", "word_draw", "GEO_COLS"]

_TWO_M53 = 1.0 / 9007199254740992.0  # 2**-53


# --------------------------------------------------------------------------
# random numbers: xoshiro256++
# --------------------------------------------------------------------------
def _add_u64(a, b):
    """Return ``a + b`` modulo ``2**64`` for uint64 scalars.

    Compiled code adds machine words, which wrap silently (the overload
    below). This Python body runs only with ``NUMBA_DISABLE_JIT=1``, where a
    NumPy uint64 addition that wraps warns ``RuntimeWarning: overflow``: the
    wrap is the intended arithmetic of xoshiro256++, so the warning is
    silenced here, and the result is the same 64 bits as the compiled add.
    """
    with np.errstate(over="ignore"):
        return a + b


@overload(_add_u64, inline="always")
def _add_u64_jit(a, b):
    def impl(a, b):
        return a + b

    return impl


@njit(inline="always")
def _rotl(x, k):
    return (x << uint64(k)) | (x >> uint64(64 - k))


@njit(inline="always")
def next_u64(s):
    """Next 64-bit output of xoshiro256++; advances the state ``s`` (uint64[4]) in place."""
    s0 = s[0]
    s1 = s[1]
    s2 = s[2]
    s3 = s[3]
    res = _add_u64(_rotl(_add_u64(s0, s3), 23), s0)
    t = s1 << uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    s[0] = s0
    s[1] = s1
    s[2] = s2
    s[3] = s3
    return res


@njit(inline="always")
def next_u64_regs(s0, s1, s2, s3):
    """:func:`next_u64` on a state held in four scalars: ``(output, s0, s1, s2, s3)``.

    The same numbers as :func:`next_u64`; a kernel that keeps the state in
    locals (loaded once, stored once per call) keeps it in registers
    instead of a store/load per number.
    """
    res = _add_u64(_rotl(_add_u64(s0, s3), 23), s0)
    t = s1 << uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return res, s0, s1, s2, s3


@njit(inline="always")
def uniform(s):
    """Uniform double in ``[0, 1)`` with 53 random bits."""
    return float(next_u64(s) >> uint64(11)) * _TWO_M53


@njit(inline="always")
def _uniform_pos(s):
    """Uniform double in ``(0, 1]`` (safe for ``log``)."""
    return float((next_u64(s) >> uint64(11)) + uint64(1)) * _TWO_M53


def _ziggurat_tables():
    """Marsaglia & Tsang's (2000) 256-layer ziggurat for Exp(1), on 53-bit integers.

    Layer ``i`` accepts ``x = u * we[i]`` at once when ``u < ke[i]`` (``u``
    uniform on ``[0, 2**53)``); ``fe[i] = exp(-x_i)`` at the layer edges. The
    same construction (and acceptance rule) as NumPy's
    ``random_standard_exponential``.
    """
    m2 = float(2**53)
    de = 7.697117470131487
    te = de
    ve = 3.949659822581572e-3
    ke = np.zeros(256, np.int64)
    we = np.zeros(256)
    fe = np.zeros(256)
    q = ve / np.exp(-de)
    ke[0] = int((de / q) * m2)
    ke[1] = 0
    we[0] = q / m2
    we[255] = de / m2
    fe[0] = 1.0
    fe[255] = np.exp(-de)
    for i in range(254, 0, -1):
        de = -np.log(ve / de + np.exp(-de))
        ke[i + 1] = int((de / te) * m2)
        te = de
        fe[i] = np.exp(-de)
        we[i] = de / m2
    return ke, we, fe, 7.697117470131487


_ZKE, _ZWE, _ZFE, _ZR = _ziggurat_tables()


@njit(inline="always")
def exponential(s):
    """Draw a standard exponential ``Exp(1)`` by the ziggurat (one 64-bit number 98.9 % of the time)."""
    while True:
        ri = int64(next_u64(s) >> uint64(3))   # 61 bits: 8 for the layer, 53 for the abscissa
        idx = ri & 0xFF
        ri = ri >> 8
        x = float(ri) * _ZWE[idx]
        if ri < _ZKE[idx]:
            return x
        if idx == 0:                      # the tail beyond r: memoryless
            return _ZR - np.log(_uniform_pos(s))
        if (_ZFE[idx - 1] - _ZFE[idx]) * uniform(s) + _ZFE[idx] < np.exp(-x):
            return x


# --------------------------------------------------------------------------
# the faithful walker estimator: densities and bond currents
# --------------------------------------------------------------------------
_BIG = 1 << 62


@njit(inline="always")
def _scale(log_f):
    """``-1 / log(f)``: ``inf`` for ``f = 1``, ``0`` for ``f = 0`` (``log_f = -inf``)."""
    if log_f == 0.0:
        return np.inf
    return -1.0 / log_f


@njit(inline="always")
def _geom(s, scale):
    """Failures before the first success, ``P(n) = f^n (1 - f)``, given ``scale = -1/log(f)``.

    ``floor(E * scale)`` with ``E`` standard exponential:
    ``P(n >= k) = P(E >= -k log f) = f^k``. ``scale = inf`` (``f = 1``):
    never a success, a huge number; ``scale = 0`` (``f = 0``): always 0.
    """
    if scale == np.inf:
        return _BIG
    nf = exponential(s) * scale
    if nf >= 4.0e18:
        return _BIG
    return int(nf)


# --------------------------------------------------------------------------
# geometric laws by an integer alias table (Walker 1977, Vose 1991)
# --------------------------------------------------------------------------
GEO_COLS = 256      # columns of the table: values 0 .. 254 and the tail "255 or more"
_GEO_CAP = 1 << 45  # a column's 45 random bits; 256 columns x 2**45 = 2**53


@njit(**JIT)
def geometric_table(log_f, tab):
    """Fill ``tab`` (int64, shape (2, 256)) with the alias table of ``P(n) = f^n (1 - f)``.

    The law, quantised to multiples of ``2**-53`` like every 53-bit
    uniform: ``T_k = round(2**53 (1 - f^(k+1)))``, weight ``T_k - T_(k-1)``
    for ``n = k < 255`` and ``2**53 - T_254`` (``= f^255`` rounded) for the
    tail ``n >= 255``. Vose's construction on these integers is exact (no
    rounding): column ``c`` keeps ``c`` with ``tab[0, c]`` of its ``2**45``
    units and gives the rest to ``tab[1, c]``. :func:`geometric` draws from it.
    """
    w = np.zeros(GEO_COLS, np.int64)
    prev = 0
    for k in range(GEO_COLS - 1):
        t = int64(-np.expm1((k + 1) * log_f) * 9007199254740992.0 + 0.5) if log_f < 0.0 else 0
        t = min(max(t, prev), 1 << 53)
        w[k] = t - prev
        prev = t
    w[GEO_COLS - 1] = (1 << 53) - prev
    small = np.empty(GEO_COLS, np.int64)
    large = np.empty(GEO_COLS, np.int64)
    ns = 0
    nl = 0
    for i in range(GEO_COLS):
        if w[i] < _GEO_CAP:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0:       # the weights sum to 256 x 2**45 exactly: a large one is left while a small one is
        ns -= 1
        nl -= 1
        sm = small[ns]
        lg = large[nl]
        tab[0, sm] = w[sm]
        tab[1, sm] = lg
        w[lg] -= _GEO_CAP - w[sm]
        if w[lg] < _GEO_CAP:
            small[ns] = lg
            ns += 1
        else:
            large[nl] = lg
            nl += 1
    for i in range(nl):   # full columns (weight exactly 2**45)
        tab[0, large[i]] = _GEO_CAP
        tab[1, large[i]] = large[i]


@njit(inline="always")
def geometric(s, tab, scale):
    """``P(n) = f^n (1 - f)`` from the table of :func:`geometric_table`; ``scale = -1/log f``.

    One 64-bit number: its top 8 bits pick a column, 45 more bits decide
    between the column and its alias (an exact integer comparison). The tail
    ``n >= 255`` is ``255 +`` a fresh draw of the same law (memorylessness:
    ``P(n = 255 + j | n >= 255) = f^j (1 - f)``), by :func:`_geom`.
    """
    if scale == np.inf:
        return _BIG
    u = next_u64(s)
    c = int64(u >> uint64(56))
    k = c if int64((u >> uint64(11)) & uint64(_GEO_CAP - 1)) < tab[0, c] else tab[1, c]
    if k < GEO_COLS - 1:
        return k
    return GEO_COLS - 1 + _geom(s, scale)


@njit(inline="always")
def geometric_packed(tab, packed):
    """Pack the table of :func:`geometric_table` into one int64 per column: ``tab[0, c] << 8 | tab[1, c]``.

    ``packed`` (int64, shape (256,)) is filled. :func:`packed_draw` reads
    one word per draw instead of two.
    """
    for c in range(GEO_COLS):
        packed[c] = (tab[0, c] << 8) | tab[1, c]


@njit(inline="always")
def packed_draw(u, packed):
    """Return the column (``0 .. 254``, or ``255``: the tail) that the 64-bit number ``u`` picks.

    The same value as :func:`geometric` on the same number (top 8 bits the
    column, the next 45 the exact comparison): with ``e = lim << 8 | alias``
    and ``x`` the 45 bits, ``x < lim`` iff ``(x << 8 | 255) < e``. A result
    of ``255`` means ``n >= 255``: the caller draws ``255 +`` a fresh
    :func:`_geom` (memorylessness), as :func:`geometric` does.
    """
    c = int64(u >> uint64(56))
    x = int64((u >> uint64(3)) & uint64((_GEO_CAP - 1) << 8)) | 255
    e = packed[c]
    return c if x < e else e & 255


@njit(inline="always")
def geometric_words(tab, words):
    """Write the table of :func:`geometric_table` as one comparable word per column into ``words[:256]``.

    ``w_c = c << 56 | tab[0, c] << 11 | tab[1, c]`` (the bit pattern of an
    unsigned 64-bit number, stored in an int64 array): the column, the
    threshold in the bits of the 45 it is compared with, the alias in the
    low bits. A full column (threshold ``2**45``, its own alias) is stored
    as ``c << 56 | c`` (its threshold would carry into the column's bits,
    and for ``c = 255`` out of the word; the choice is ``c`` either way).
    :func:`word_draw` reads it.
    """
    for c in range(GEO_COLS):
        if tab[0, c] >= _GEO_CAP:
            words[c] = int64(uint64(c) << uint64(56) | uint64(c))
        else:
            words[c] = int64(uint64(c) << uint64(56) | uint64(tab[0, c]) << uint64(11) | uint64(tab[1, c]))


@njit(inline="always")
def word_draw(u, words):
    """:func:`packed_draw` with the words of :func:`geometric_words`: one unsigned comparison of ``u`` itself.

    With ``c`` the top 8 bits of ``u``, ``x`` the next 45 and the low 11
    set to ones, ``u | 2047 < w_c`` (unsigned) iff ``x < tab[0, c]``: the
    top 8 bits are equal, the threshold's low 11 bits hold the alias
    (``< 256 <= 2047``). For a full column, ``u | 2047 >= w_c`` and the
    alias is ``c``. The same value as :func:`geometric` on the same number;
    ``255`` means the tail ``n >= 255``.
    """
    c = int64(u >> uint64(56))
    e = uint64(words[c])
    return c if (u | uint64(2047)) < e else int64(e & uint64(255))
