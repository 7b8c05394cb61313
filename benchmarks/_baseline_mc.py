"""A straightforward, tuned adjoint Monte Carlo of the classical wire, for the benchmarks.

Written independently of ``nonrecip.stochastic``: one walker at a time enters
at site 1 as a right-mover; at a scatterer it is transmitted with
``t = 1/(2-p)`` (an even number of flips) and reflected with ``r = 1 - t``,
so the number of transmissions before the next reflection is geometric and
drawn with ``np.random.geometric`` (Numba's implementation, one call per
reflection); the arrivals in between are summed through prefix sums of ``q``. Per walker it records the exit (right or left) and the sum of
``q`` (+1 S, -1 D) over its arrivals; ``I_in(fwd) = drho e - (Ig/2) a``,
``I_in(rev) = -drho e - (Ig/2) a`` (conventions §2).
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
