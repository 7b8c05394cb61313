"""Batch-means arithmetic of the adjoint estimate, compiled (plain arrays and floats only).

:meth:`nonrecip.stochastic.steady.SteadyStateSimulation.estimate` turns the
per-batch sums of the adjoint estimator (exits ``e_b``, sum of ``q`` over
arrivals ``a_b``, conventions §2) into means and batch-means standard errors.
On the 32 batches of a small run that is a few dozen NumPy calls on tiny
arrays, most of the fixed cost of a call; here it is one compiled call that
does the same floating-point operations in the same order, so the results
are the same bits: :func:`np_sum` adds like NumPy's ``add.reduce`` on a
contiguous float64 array of at most 128 values (8 running sums, then
``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))`` and the rest; tested
against ``numpy.sum``). More batches take NumPy's own path.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._jit import JIT

__all__ = ["np_sum", "adjoint_stats", "MAX_BATCHES"]

#: NumPy's pairwise block (PW_BLOCKSIZE): up to this many batches the sum is one block;
#: more batches are summed by NumPy itself (the caller's fallback)
MAX_BATCHES = 128


@njit(**JIT)
def _block(a, n):
    """NumPy's pairwise sum of ``a[:n]``, ``n <= 128`` (one block: no halving)."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[0], a[1], a[2], a[3]
    r4, r5, r6, r7 = a[4], a[5], a[6], a[7]
    i = 8
    stop = n - n % 8
    while i < stop:
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[i]
        i += 1
    return res


@njit(**JIT)
def np_sum(a):
    """Sum of a 1-d float64 array of at most ``MAX_BATCHES`` values, added as ``numpy.add.reduce`` adds it."""
    return 0.0 + _block(a, a.shape[0])


@njit(**JIT)
def _batch_err(x, steps_b, total):
    """Batch-means stderr of per-batch sums ``x`` (``_batch_mean`` of ``steps``, operation for operation)."""
    nb = x.shape[0]
    mean = np_sum(x) / total
    resid = np.empty(nb)
    for k in range(nb):
        d = x[k] - steps_b[k] * mean
        resid[k] = d * d
    return mean, math.sqrt(nb / (nb - 1) * np_sum(resid) / total**2)


@njit(**JIT)
def adjoint_stats(ex, aq, steps_b, drho, ig, igq0, out):
    """Means and stderrs of the adjoint estimate from per-batch exits ``ex`` and ``q`` sums ``aq``.

    Per batch ``I_b = (+-drho) e_b - (Ig/2) a_b`` (forward ``+``, reverse
    ``-``), ``I_in = mean + Ig Q(1)`` and the ``delta_I`` batch values
    ``sign(I_rev) (I_rev,b + n_b Ig Q(1)) - sign(I_fwd) (I_fwd,b + n_b Ig Q(1))``
    (conventions §2; the delta method, see ``simulation``).

    Parameters
    ----------
    ex, aq, steps_b : float64 arrays, shape (B,)
        Per-batch exits, sums of ``q`` and injection steps.
    drho, ig, igq0 : float
        ``drho``, ``Ig`` and ``Ig Q(1)``.
    out : float64 array, shape (5,)
        Filled with ``[mean_fwd, err_fwd, mean_rev, err_rev, err_delta]``
        (``mean`` per step before ``+ Ig Q(l)``).
    """
    nb = ex.shape[0]
    total = np_sum(steps_b)
    half = 0.5 * ig
    i_f = np.empty(nb)
    i_r = np.empty(nb)
    cf = 1.0 * drho
    cr = -1.0 * drho
    for k in range(nb):
        h = half * aq[k]
        i_f[k] = cf * ex[k] - h
        i_r[k] = cr * ex[k] - h
    out[0], out[1] = _batch_err(i_f, steps_b, total)
    out[2], out[3] = _batch_err(i_r, steps_b, total)
    f = out[0] + igq0
    r = out[2] + igq0
    sf = 1.0 if f >= 0 else -1.0
    sr = 1.0 if r >= 0 else -1.0
    d_b = np.empty(nb)
    for k in range(nb):
        shift = steps_b[k] * igq0
        d_b[k] = sr * (i_r[k] + shift) - sf * (i_f[k] + shift)
    out[4] = _batch_err(d_b, steps_b, total)[1]
