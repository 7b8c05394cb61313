"""Baselines for the benchmarks: plain and tuned adjoint Monte Carlo of the classical wire.

Written independently of ``nonrecip.stochastic``: one walker at a time enters
at site 1 as a right-mover; at a scatterer it is transmitted with
``t = 1/(2-p)`` (an even number of flips) and reflected with ``r = 1 - t``,
so the number of transmissions before the next reflection is geometric and
drawn with ``np.random.geometric`` (Numba's implementation, one call per
reflection); the arrivals in between are summed through prefix sums of ``q``. Per walker it records the exit (right or left) and the sum of
``q`` (+1 S, -1 D) over its arrivals; ``I_in(fwd) = drho e - (Ig/2) a``,
``I_in(rev) = -drho e - (Ig/2) a`` (conventions §2).

:func:`run` (``plain``): ``np.random.geometric`` per reflection.
:func:`run_tuned` (``tuned``): what a tuned code of the same walk does
without nonrecip's tricks: a splitmix64 generator held in a register and the
run length from a 256-column alias table (float thresholds, 56-bit
uniforms; the tail ``n >= 255`` by inversion, memoryless), one table draw per
reflection, one walker at a time with a direction variable.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _seed(seed):
    np.random.seed(seed)


@njit(cache=True)
def adjoint_walkers(q, p, count, n_batches, ex_b, aq_b, draws):
    """``count`` walkers in ``n_batches`` equal batches; per-batch sums into ``ex_b``, ``aq_b``."""
    m = q.shape[0]
    qc = np.zeros(m + 1, np.int64)          # prefix sums of q
    for i in range(m):
        qc[i + 1] = qc[i] + q[i]
    r = (1.0 - p) / (2.0 - p)
    per = count // n_batches
    nd = 0
    for b in range(n_batches):
        ex = 0
        aq = 0
        for _ in range(per):
            k = 0          # next scatterer to arrive at
            d = 1
            while True:
                if r > 0.0:
                    n = np.random.geometric(r) - 1   # transmissions before the reflection
                    nd += 1
                else:
                    n = m + 1
                if d > 0:
                    j = k + n
                    if j >= m:
                        aq += qc[m] - qc[k]
                        ex += 1
                        break
                    aq += qc[j + 1] - qc[k]
                    k = j - 1
                    d = -1
                    if k < 0:
                        break
                else:
                    j = k - n
                    if j < 0:
                        aq += qc[k + 1]
                        break
                    aq += qc[k + 1] - qc[j]
                    k = j + 1
                    d = 1
                    if k >= m:
                        ex += 1
                        break
        ex_b[b] = ex
        aq_b[b] = aq
    draws[0] = nd


def run(layout: str, p: float, Ig: float, drho: float, steps: int, seed: int, n_batches: int = 32):  # noqa: N803
    """``(delta_I, stderr, draws)`` of ``steps`` walkers (``steps`` a multiple of ``n_batches``)."""
    q = np.array([{"S": 1, "D": -1, "P": 0}[c] for c in layout if c != "."], np.int64)
    _seed(seed)
    ex = np.zeros(n_batches, np.int64)
    aq = np.zeros(n_batches, np.int64)
    draws = np.zeros(1, np.int64)
    adjoint_walkers(q, p, steps, n_batches, ex, aq, draws)
    per = steps // n_batches
    f = drho * ex - 0.5 * Ig * aq
    rv = -drho * ex - 0.5 * Ig * aq
    sf, sr = np.sign(f.sum()) or 1.0, np.sign(rv.sum()) or 1.0
    d = (sr * rv - sf * f) / per
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(n_batches)), int(draws[0])


# --------------------------------------------------------------------------
# a tuned baseline: local generator, table-sampled run lengths
# --------------------------------------------------------------------------
def alias_table(r: float, cols: int = 256):
    """Vose alias table (float thresholds) of ``P(n) = t^n r`` on ``0..cols-2`` plus the tail ``n >= cols-1``."""
    t = 1.0 - r
    k = np.arange(cols - 1)
    w = np.append(r * t**k, t ** (cols - 1)) * cols
    prob = np.ones(cols)
    alias = np.arange(cols)
    small = [i for i in range(cols) if w[i] < 1.0]
    large = [i for i in range(cols) if w[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s], alias[s] = w[s], g
        w[g] -= 1.0 - w[s]
        (small if w[g] < 1.0 else large).append(g)
    return prob, alias.astype(np.int64)


@njit(cache=True)
def tuned_walkers(q, p, prob, alias, count, n_batches, seed, ex_b, aq_b, draws):
    """``count`` walkers, one table draw per reflection, splitmix64 in a register; per-batch sums."""
    m = q.shape[0]
    qc = np.zeros(m + 1, np.int64)
    for i in range(m):
        qc[i + 1] = qc[i] + q[i]
    r = (1.0 - p) / (2.0 - p)
    inv_log_t = 1.0 / np.log(1.0 - r) if r > 0.0 else 0.0
    cols = prob.shape[0]
    x = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(1)
    per = count // n_batches
    nd = 0
    for b in range(n_batches):
        ex = 0
        aq = 0
        for _ in range(per):
            k = 0
            d = 1
            while True:
                if r > 0.0:
                    x += np.uint64(0x9E3779B97F4A7C15)          # splitmix64
                    z = x
                    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
                    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
                    z = z ^ (z >> np.uint64(31))
                    c = np.int64(z >> np.uint64(56))
                    u = np.float64(z & np.uint64(0xFFFFFFFFFFFFFF)) * (1.0 / 72057594037927936.0)
                    n = int(c if u < prob[c] else alias[c])
                    nd += 1
                    if n == cols - 1:                             # tail: memoryless, by inversion
                        x += np.uint64(0x9E3779B97F4A7C15)
                        z = x
                        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
                        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
                        z = z ^ (z >> np.uint64(31))
                        v = (np.float64(z >> np.uint64(11)) + 1.0) * (1.0 / 9007199254740992.0)
                        n = cols - 1 + int(np.log(v) * inv_log_t)
                else:
                    n = m + 1
                if d > 0:
                    j = k + n
                    if j >= m:
                        aq += qc[m] - qc[k]
                        ex += 1
                        break
                    aq += qc[j + 1] - qc[k]
                    k = j - 1
                    if k < 0:
                        break
                else:
                    j = k - n
                    if j < 0:
                        aq += qc[k + 1]
                        break
                    aq += qc[k + 1] - qc[j]
                    k = j + 1
                    if k >= m:
                        ex += 1
                        break
                d = -d
        ex_b[b] = ex
        aq_b[b] = aq
    draws[0] = nd


def run_tuned(layout: str, p: float, Ig: float, drho: float, steps: int, seed: int,  # noqa: N803
              n_batches: int = 32):
    """:func:`run` with :func:`tuned_walkers`: ``(delta_I, stderr, draws)``."""
    q = np.array([{"S": 1, "D": -1, "P": 0}[c] for c in layout if c != "."], np.int64)
    prob, alias = _tables(p)
    ex = np.zeros(n_batches, np.int64)
    aq = np.zeros(n_batches, np.int64)
    draws = np.zeros(1, np.int64)
    tuned_walkers(q, p, prob, alias, steps, n_batches, seed, ex, aq, draws)
    per = steps // n_batches
    f = drho * ex - 0.5 * Ig * aq
    rv = -drho * ex - 0.5 * Ig * aq
    sf, sr = np.sign(f.sum()) or 1.0, np.sign(rv.sum()) or 1.0
    d = (sr * rv - sf * f) / per
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(n_batches)), int(draws[0])


_TABLES: dict[float, tuple[np.ndarray, np.ndarray]] = {}


def _tables(p: float):
    """The alias table of ``p`` (built once per ``p``, as a tuned code would)."""
    if p not in _TABLES:
        _TABLES[p] = alias_table((1.0 - p) / (2.0 - p)) if p < 1.0 else (np.ones(256), np.arange(256))
    return _TABLES[p]
