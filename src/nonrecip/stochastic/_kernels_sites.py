"""Numba kernels of the Monte Carlo with a move probability per site (a p profile).

The per-site counterparts of :func:`~nonrecip.stochastic._kernels.walk_adjoint`
and :func:`~nonrecip.stochastic._kernels.walk_walkers`: one arrival at a time,
each resolved with the exact law of its scatterer. Conventions, arrays and the
work budget as in :mod:`nonrecip.stochastic._kernels`, which re-exports them.
"""

from __future__ import annotations

from numba import njit

from .._jit import JIT
from ._random import _geom, uniform

__all__ = ["walk_adjoint_sites", "walk_walkers_sites"]


# --------------------------------------------------------------------------
# per-site move probabilities (a p profile): one arrival at a time
# --------------------------------------------------------------------------
@njit(**JIT)
def walk_adjoint_sites(state, qcum, r_s, count, out, walk, budget):
    """:func:`walk_adjoint` with a reflection probability per scatterer.

    ``r_s[k] = (1 - p_k)/(2 - p_k)`` of the ``k``-th scatterer; each arrival
    is resolved with its own exact law (one uniform per arrival on a
    scatterer with ``p_k < 1``, none where ``p_k = 1``). Same ``out``,
    ``walk`` and return value as :func:`walk_adjoint`; ``budget`` counts
    arrivals (checked at reflections). The reversibility argument of the adjoint
    estimator holds site by site (weights ``1/m(l)``, conventions §2), so
    the sum of ``q`` over arrivals still estimates ``X``.
    """
    m = qcum.shape[0] - 1
    exits = 0
    aq = 0
    events = 0
    draws = 0
    k = 0
    d = 1
    if walk[0]:                          # resume the walker paused at the end of the last call
        k = walk[1]
        d = walk[2]
        walk[0] = 0
    for wk in range(count):
        while True:
            if k >= m:
                exits += 1
                break
            if k < 0:
                break
            aq += qcum[k + 1] - qcum[k]
            events += 1
            r = r_s[k]
            if r > 0.0:
                draws += 1
                if uniform(state) < r:
                    d = -d
                    if events >= budget:  # work budget spent: pause at the next arrival (k + d, d)
                        walk[0] = 1
                        walk[1] = k + d
                        walk[2] = d
                        out[0] += exits
                        out[1] += aq
                        out[2] += events
                        out[3] += draws
                        return wk
            k += d
        k = 0                            # the next walker enters site 1 as a right-mover
        d = 1
    out[0] += exits
    out[1] += aq
    out[2] += events
    out[3] += draws
    return count


@njit(**JIT)
def walk_walkers_sites(state, ext, sc_s, e0, d0, w, count, occ_p, occ_m, dp, dm, dj, counters, walk, budget):
    """:func:`walk_walkers` with a move probability per scatterer, one arrival at a time.

    At an arrival on scatterer ``k`` (site ``s = ext[k+1]``) the number of
    flips ``K`` is geometric, ``P(K) = a_k^K p_k`` (``floor(E sc_s[k])``,
    ``sc_s[k] = -1/log(1 - p_k)``; no draw where ``p_k = 1``): the walker
    spends ``K//2 + 1`` steps in its arrival direction (one of them counted
    by the passage range) and ``(K + 1)//2`` in the other, and leaves
    reversed when ``K`` is odd. The motion between scatterers is added to
    the difference arrays as in :func:`walk_walkers` (same arguments,
    tallies, ``walk`` and return value; no ``carry``; ``budget`` counts
    arrivals).
    """
    m_last = ext.shape[0] - 1
    events = 0
    wsteps = 0
    draws = 0
    done = count
    for wk in range(count):
        e = e0
        d = d0
        if walk[0]:                      # resume the walker paused at the end of the last call
            e = walk[1]
            d = walk[2]
            walk[0] = 0
        elif 0 < e0 < m_last:            # injected on a scatterer: an arrival there, all steps in occ
            s = ext[e]
            kf = 0
            if sc_s[e - 1] > 0.0:
                kf = _geom(state, sc_s[e - 1])
                draws += 1
            if d > 0:
                occ_p[s] += w * (kf // 2 + 1)
                occ_m[s] += w * ((kf + 1) // 2)
            else:
                occ_m[s] += w * (kf // 2 + 1)
                occ_p[s] += w * ((kf + 1) // 2)
            wsteps += kf + 1
            events += 1
            if kf % 2 == 1:
                d = -d
        while True:
            e_next = e + d
            absorbed = e_next == 0 or e_next == m_last
            if d > 0:
                lo = ext[e]
                hi = ext[e_next]
                dp[lo + 1] += w
                if absorbed:
                    dp[hi] -= w
                    wsteps += hi - lo - 1
                else:
                    dp[hi + 1] -= w
                    wsteps += hi - lo
                dj[lo + 1] += w
                dj[hi + 1] -= w
            else:
                lo = ext[e_next]
                hi = ext[e]
                dm[hi] -= w
                if absorbed:
                    dm[lo + 1] += w
                    wsteps += hi - lo - 1
                else:
                    dm[lo] += w
                    wsteps += hi - lo
                dj[lo + 1] -= w
                dj[hi + 1] += w
            if absorbed:
                break
            e = e_next
            s = ext[e]
            events += 1
            kf = 0
            if sc_s[e - 1] > 0.0:
                kf = _geom(state, sc_s[e - 1])
                draws += 1
            if d > 0:
                occ_p[s] += w * (kf // 2)
                occ_m[s] += w * ((kf + 1) // 2)
            else:
                occ_m[s] += w * (kf // 2)
                occ_p[s] += w * ((kf + 1) // 2)
            wsteps += kf
            if kf % 2 == 1:
                d = -d
            if events >= budget:          # work budget spent: pause here, at (e, d)
                walk[0] = 1
                walk[1] = e
                walk[2] = d
                done = wk
                break
        if done < count:
            break
    counters[0] += events
    counters[1] += wsteps
    counters[2] += draws
    return done
