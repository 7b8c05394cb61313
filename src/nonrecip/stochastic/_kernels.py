"""Numba kernels of the steady-state Monte Carlo (plain arrays and scalars only).

Every kernel here follows independent walkers of the *linear* master equation
(conventions §2) from injection to absorption and adds what they do into
caller-allocated ``int64`` tallies. The public layer
(:mod:`nonrecip.stochastic.simulation`) validates, allocates, seeds and calls
them.

Walker rule and event skipping
------------------------------
A walker on a site with S, D or P attached (a *scatterer*) moves on with
probability ``p`` or flips in place with ``1 - p``; on a free site it moves on
with probability 1. Only scatterers hold randomness, and most arrivals there
are uneventful, so the kernels draw only the *events* — a reflection, or
an arrival with extra flips — with geometric laws drawn at once
(:func:`walk_walkers` explains the decomposition); the deterministic
motion in between is added in ``O(1)`` per run to *difference arrays* (the
caller takes cumulative sums at the end).

Sites are indexed through ``ext``: ``ext[0] = -1`` (left reservoir),
``ext[1..M]`` the scatterer sites in increasing order, ``ext[M+1] = N`` (right
reservoir). Difference arrays: ``dp``, ``dm`` (shape ``(N+1,)``) for one
step of a right/left mover on every site it passes, ``dj`` (shape ``(N+2,)``) for
net bond crossings, bond ``b`` (between sites ``b`` and ``b+1``, ``b = -1``
and ``b = N-1`` being the reservoir bonds) at index ``b + 1``.

Random numbers come from :mod:`._random` (xoshiro256++, inlined; geometric
laws from exact integer alias tables).

Work budget
-----------
One walker's path grows like ``N^2`` (diffusion through the scatterers): on a
long wire a single walker can run for minutes, and a Numba call cannot see
Ctrl-C. Every kernel that follows walkers therefore takes a ``budget`` (random
numbers, or arrivals for the per-site kernels) and a ``walk`` array
(:data:`WALK_STATE`): once the budget is spent, the walker in progress is
paused at a point of its path where nothing else is live (its position index
and direction, after a reflection), and the call returns the number of walkers
absorbed. The next call with the same ``walk`` resumes it. The random stream
runs on from call to call, so the tallies are the same bits for every budget.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

from .._jit import JIT
from ._kernels_sites import walk_adjoint_sites, walk_walkers_sites
from ._random import (  # noqa: F401 (re-exported: the kernels' building blocks)
    GEO_COLS,
    _geom,
    _scale,
    exponential,
    geometric,
    geometric_packed,
    geometric_table,
    geometric_words,
    next_u64,
    next_u64_regs,
    packed_draw,
    uniform,
    word_draw,
)

__all__ = [
    "next_u64",
    "uniform",
    "exponential",
    "geometric",
    "geometric_table",
    "walk_walkers",
    "walk_adjoint",
    "walk_adjoint_batches",
    "walk_adjoint_sites",
    "walk_walkers_sites",
    "WALK_STATE",
    "NO_BUDGET",
]

#: length of the ``walk`` array of a paused walker: ``[paused (0/1), position index, direction]``
WALK_STATE = 3
#: a budget that never pauses a walker
NO_BUDGET = 1 << 62


@njit(**JIT)
def walk_walkers(state, carry, ext, r, log_t, log_a2, log_1ma2, geo, e0, d0, w, count,
                 occ_p, occ_m, dp, dm, dj, counters, walk, budget):
    """Follow ``count`` independent walkers that start alike, to absorption.

    Exact event skipping. At each arrival on a scatterer the number of flips
    ``K`` (``P(K=k) = a^k p``, ``a = 1-p``) splits into two independent parts:
    its parity (odd — the walker leaves reversed — with probability
    ``r = a/(1+a)``) and ``j = K // 2``, geometric with ``P(j) = (1-a^2)
    a^(2j)``. The walker spends ``j + 1`` steps in its arrival direction and
    ``j + (K odd)`` in the other. So

    * the run of arrivals with even ``K`` before the next odd one is
      geometric with ``P(n) = t^n r``, ``t = 1 - r``, drawn at once: along
      it the walker moves deterministically, and every site passed gets one
      step of its species (one difference-array range), every bond one
      crossing;
    * arrivals with ``j >= 1`` (probability ``a^2`` each) form a renewal
      sequence over all arrivals in time order: the gap to the next one is
      geometric and drawn at once (kept in ``carry`` across walkers and
      calls), and ``j - 1`` given ``j >= 1`` is geometric again; such an
      arrival adds ``j`` steps to each species.

    Every random variable of the step-by-step process is drawn with its
    exact law; only steps without a random event are skipped. One random
    number per reflection and per arrival with ``j >= 1`` (:func:`geometric`).

    Parameters
    ----------
    state : uint64 array, shape (4,)
        xoshiro256++ state, advanced in place.
    carry : int64 array, shape (1,)
        Arrivals left before the next one with ``j >= 1``; ``-1``: draw.
    ext : int64 array, shape (M+2,)
        ``[-1, scatterer sites (0-based, increasing), N]``.
    r : float
        Reflection probability ``(1-p)/(2-p)`` of a scatterer.
    log_t, log_a2, log_1ma2 : float
        ``log(1 - r)``, ``log(a^2)``, ``log(1 - a^2)`` (``0`` for a
        probability 1, ``-inf`` for 0).
    geo : int64 array, shape (3, 2, 256)
        :func:`geometric_table` of the three laws (``t``, ``a^2``, ``1 - a^2``).
    e0 : int
        Start: ``0`` left reservoir (a right-mover entering site 1),
        ``M + 1`` right reservoir (a left-mover entering site N), ``k + 1``
        injection on the ``k``-th scatterer (a source or drain).
    d0 : int
        Direction at the start, ``+1`` (right-mover) or ``-1``.
    w : int
        Weight of each walker: ``+1``, or ``-1`` for drain walkers.
    count : int
        Number of walkers.
    occ_p, occ_m : int64 array, shape (N,)
        Extra occupation (walker-steps) of right/left movers on scatterer
        sites beyond the one step per passage; added to.
    dp, dm : int64 array, shape (N+1,)
        Difference arrays of one step per passage of right/left movers.
    dj : int64 array, shape (N+2,)
        Difference array of net bond crossings.
    counters : int64 array, shape (3,)
        ``[scattering events (arrivals on scatterers), walker-steps,
        random numbers]``, added to.
    walk : int64 array, shape (3,)
        The walker paused by the work budget: ``[paused (0/1), position
        index e, direction d]``; read and written (see :data:`WALK_STATE`).
    budget : int
        Random numbers after which the walker in progress is paused (at a
        reflection; at least one run of arrivals per call).

    Returns
    -------
    int
        Walkers absorbed in this call (``count`` unless paused).
    """
    m_last = ext.shape[0] - 1
    sc_t = _scale(log_t)
    sc_a2 = _scale(log_a2)
    sc_1ma2 = _scale(log_1ma2)
    events = 0
    wsteps = 0
    draws = 0
    done = count
    gap = carry[0]
    if gap < 0:
        gap = geometric(state, geo[2], sc_1ma2)
        draws += 1
    for wk in range(count):
        e = e0
        d = d0
        if walk[0]:                      # resume the walker paused at the end of the last call
            e = walk[1]
            d = walk[2]
            walk[0] = 0
        elif 0 < e0 < m_last:            # injected on a scatterer: an arrival there
            s = ext[e]
            refl = uniform(state) < r
            draws += 1
            j = 0
            if gap == 0:
                j = 1 + geometric(state, geo[1], sc_a2)
                gap = geometric(state, geo[2], sc_1ma2)
                draws += 2
            else:
                gap -= 1
            if d > 0:
                occ_p[s] += w * (1 + j)
                occ_m[s] += w * (j + refl)
            else:
                occ_m[s] += w * (1 + j)
                occ_p[s] += w * (j + refl)
            wsteps += 1 + 2 * j + refl
            events += 1
            if refl:
                d = -d
        while True:                      # leave ext[e] in direction d
            n = geometric(state, geo[0], sc_t)      # arrivals with even K before a reflection
            draws += 1
            if d > 0:
                if n >= m_last - e - 1:
                    e_stop = m_last
                    n_arr = m_last - e - 1
                    absorbed = True
                else:
                    e_stop = e + n + 1
                    n_arr = n + 1
                    absorbed = False
                lo = ext[e]
                hi = ext[e_stop]
                dp[lo + 1] += w           # one step on each site passed
                if absorbed:
                    dp[hi] -= w
                    wsteps += hi - lo - 1
                else:
                    dp[hi + 1] -= w
                    wsteps += hi - lo
                dj[lo + 1] += w           # bonds lo .. hi-1 crossed to the right
                dj[hi + 1] -= w
            else:
                if n >= e - 1:
                    e_stop = 0
                    n_arr = e - 1
                    absorbed = True
                else:
                    e_stop = e - n - 1
                    n_arr = n + 1
                    absorbed = False
                lo = ext[e_stop]
                hi = ext[e]
                dm[hi] -= w
                if absorbed:
                    dm[lo + 1] += w
                    wsteps += hi - lo - 1
                else:
                    dm[lo] += w
                    wsteps += hi - lo
                dj[lo + 1] -= w           # bonds lo .. hi-1 crossed to the left
                dj[hi + 1] += w
            events += n_arr
            i = 0                         # arrivals of this run with j >= 1
            while gap < n_arr - i:
                i += gap + 1
                s = ext[e + d * i]
                j = 1 + geometric(state, geo[1], sc_a2)
                occ_p[s] += w * j
                occ_m[s] += w * j
                wsteps += 2 * j
                gap = geometric(state, geo[2], sc_1ma2)
                draws += 2
            gap -= n_arr - i
            if absorbed:
                break
            s = ext[e_stop]               # reflected: the odd flip adds a step reversed
            if d > 0:
                occ_m[s] += w
            else:
                occ_p[s] += w
            wsteps += 1
            d = -d
            e = e_stop
            if draws >= budget:           # work budget spent: pause here, at (e, d)
                walk[0] = 1
                walk[1] = e
                walk[2] = d
                done = wk
                break
        if done < count:
            break
    carry[0] = gap
    counters[0] += events
    counters[1] += wsteps
    counters[2] += draws
    return done


# --------------------------------------------------------------------------
# the adjoint estimator: boundary currents only
# --------------------------------------------------------------------------
@njit(**JIT)
def walk_adjoint(state, qcum, log_t, geo_t, count, out, walk, budget):
    """Left-reservoir walkers on the chain of scatterers, skipping transmissions.

    At a scatterer a walker is transmitted (leaves in its arrival direction)
    with probability ``t = 1/(2-p)`` and reflected with ``r = 1 - t``
    (``K`` even or odd above), independently of everything before. The run
    of transmissions before the next reflection is geometric,
    ``P(n) = t^n r``, and is drawn at once (:func:`geometric`'s table and
    numbers): one number per reflection.

    The walk alternates a right-moving and a left-moving leg (every
    reflection reverses it), so the loop body is the two legs in turn. The
    sum of ``q`` over the arrivals telescopes: a leg from ``k`` to the
    reflection at ``j`` adds ``Q[j+1] - Q[k]`` (right) or ``Q[k+1] - Q[j]``
    (left), and the next leg starts next to ``j``, so a reflection at ``j``
    adds ``+-(Q[j] + Q[j+1])`` (``+`` moving right) and an exit to the
    right ``Q[M]``; the arrivals likewise ``+-(2j + 1)`` and ``M``. One table
    read per leg; the sums are the same integers as leg by leg.

    Parameters
    ----------
    state : uint64 array, shape (4,)
        xoshiro256++ state, advanced in place.
    qcum : int64 array, shape (M+1,)
        Cumulative injection signs over the scatterers: ``qcum[k]`` is the
        sum of ``q`` (+1 at S, -1 at D, 0 at P) of scatterers ``0..k-1``.
    log_t : float
        ``log(t)``; ``0`` when ``p = 1`` (never reflected).
    geo_t : int64 array, shape (2, 256)
        :func:`geometric_table` of ``log_t``.
    count : int
        Number of walkers, each injected as a right-mover into site 1.
    out : int64 array, shape (4,)
        Added to: ``[exits to the right, sum over arrivals of q,
        scattering events, random numbers drawn]``.
    walk : int64 array, shape (3,)
        The walker paused by the work budget: ``[paused (0/1), scatterer
        index k, direction d]`` (:data:`WALK_STATE`).
    budget : int
        Random numbers after which the walker in progress is paused.

    Returns
    -------
    int
        Walkers absorbed in this call (``count`` unless paused).
    """
    m = qcum.shape[0] - 1
    if count <= 0:
        return 0
    sc_t = _scale(log_t)
    if sc_t == np.inf or m == 0:         # never reflected (p = 1) or no scatterer: straight through
        out[0] += count
        out[1] += count * qcum[m]
        out[2] += count * m
        return count
    tab = _adjoint_tables(qcum, geo_t)
    return _adjoint_walk(state, qcum, tab, sc_t, count, out, walk, budget)


@njit(inline="always")
def _adjoint_tables(qcum, geo_t):
    """One table for :func:`_adjoint_walk`: the alias words, then ``rq[j] = Q[j] + Q[j+1]``.

    ``tab[:256]`` are :func:`geometric_words`'s words; ``tab[256 + j]`` is
    what a reflection at ``j`` adds. One array: one base register in the
    hot loop instead of two.
    """
    m = qcum.shape[0] - 1
    tab = np.empty(GEO_COLS + m, np.int64)
    geometric_words(geo_t, tab)
    for j in range(m):
        tab[GEO_COLS + j] = qcum[j] + qcum[j + 1]
    return tab


@njit(inline="always")
def _rq(tab, j):
    """``tab[256 + j]`` for ``j >= 0``, read without Numba's negative-index wraparound."""
    return tab[uint64(GEO_COLS + j)]


@njit(**JIT)
def _adjoint_walk(state, qcum, tab, sc_t, count, out, walk, budget):
    """Run the walk of :func:`walk_adjoint` (``M >= 1``, ``p < 1``) given its table; return walkers absorbed.

    The hot loops hold no call: a draw in the tail (``n >= 255``,
    probability ``t^255``) leaves them, and the cold code after them
    draws ``255 +`` :func:`_geom` (which calls ``exp``/``log``), finishes
    that leg and the right-moving leg after it, and re-enters them at a
    left-moving leg; with no call inside, the compiler keeps the counters
    in registers (~10 % faster at ``N = 100``, ``p = 0.9``). Only the
    first leg of a walker can reflect at its first scatterer and leave to
    the left (``k = -1``): it is peeled off the loop, whose legs then test
    only for transmission through the end. The same random numbers, in
    the same order, for the same results as leg by leg.

    The scattering events ``sum (2j + 1)`` over right-moving reflections
    minus left-moving ones are counted as ``2 sum(+-j)`` plus the walkers
    that leave to the left (reflections alternate, starting right-moving:
    one more right-moving reflection iff the walker leaves to the left).
    A paused walker is at ``k`` with a left-moving leg next (``walk[2] = -1``).
    """
    m = qcum.shape[0] - 1
    tail = GEO_COLS - 1
    exits = 0                            # walkers out to the right
    lefts = 0                            # walkers out to the left
    aq = 0
    ev = 0                               # sum over reflections of +-j
    draws = 0
    s0 = state[0]                        # the generator's state in locals (registers)
    s1 = state[1]
    s2 = state[2]
    s3 = state[3]
    done = 0
    k = 0                                # the next scatterer it arrives at
    inner = False                        # start at a left-moving leg from k (not a fresh walker)
    if walk[0]:                          # resume the walker paused at the end of the last call
        k = walk[1]
        walk[0] = 0
        inner = True
    pend = 0                             # the leg whose draw was in the tail: 1 first, 2 left, 3 right
    paused = False
    while done < count:
        while True:                      # hot: walker after walker, no call
            if inner:
                inner = False
            else:                        # a fresh walker enters site 1 as a right-mover
                u, s0, s1, s2, s3 = next_u64_regs(s0, s1, s2, s3)
                n = word_draw(u, tab)
                draws += 1
                if n >= tail:
                    pend = 1
                    break
                if n >= m:               # transmitted through all
                    exits += 1
                    done += 1
                    if done >= count:
                        break
                    continue
                aq += _rq(tab, n)
                ev += n
                if n == 0:               # reflected at the first scatterer: out to the left
                    lefts += 1
                    done += 1
                    if done >= count:
                        break
                    continue
                k = n - 1
            while True:
                # left-moving leg from k: n transmissions, then a reflection at j = k - n
                u, s0, s1, s2, s3 = next_u64_regs(s0, s1, s2, s3)
                n = word_draw(u, tab)
                draws += 1
                if n >= tail:
                    pend = 2
                    break
                j = k - n
                if j < 0:                # transmitted through the first one
                    lefts += 1
                    break
                aq -= _rq(tab, j)
                ev -= j
                k = j + 1                # <= M - 1: the right-moving leg draws
                # right-moving leg
                u, s0, s1, s2, s3 = next_u64_regs(s0, s1, s2, s3)
                n = word_draw(u, tab)
                draws += 1
                if n >= tail:
                    pend = 3
                    break
                j = k + n
                if j >= m:               # transmitted through the last one
                    exits += 1
                    break
                aq += _rq(tab, j)
                ev += j
                k = j - 1                # >= 0: k >= 1 before this leg
                if draws >= budget:      # work budget spent: pause, moving left from k (the
                    paused = True        # telescoped sums need nothing else of the walk)
                    break
            if pend or paused:
                break
            done += 1
            if done >= count:
                break
        if paused:
            walk[0] = 1
            walk[1] = k
            walk[2] = -1
            break
        if pend == 0:
            break
        # cold: the leg whose draw was in the tail, then up to a left-moving leg
        state[0], state[1], state[2], state[3] = s0, s1, s2, s3
        n = min(tail + _geom(state, sc_t), m + 1)   # 255 + a fresh draw (memoryless), as geometric()
        while True:
            if pend == 2:
                j = k - n
                if j < 0:
                    lefts += 1
                    done += 1
                    break
                aq -= _rq(tab, j)
                ev -= j
                k = j + 1
                pend = 3
            else:                        # right-moving: the first leg (from 0) or another
                j = n if pend == 1 else k + n
                if j >= m:
                    exits += 1
                    done += 1
                    break
                aq += _rq(tab, j)
                ev += j
                if j == 0:
                    lefts += 1
                    done += 1
                    break
                k = j - 1
                inner = True
                break
            n = word_draw(next_u64(state), tab)    # the right-moving leg after a left one
            draws += 1
            if n >= tail:
                n = min(tail + _geom(state, sc_t), m + 1)
        pend = 0
        s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    state[0] = s0
    state[1] = s1
    state[2] = s2
    state[3] = s3
    out[0] += exits
    out[1] += aq + exits * qcum[m]
    out[2] += 2 * ev + lefts + exits * m
    out[3] += draws
    return done


@njit(**JIT)
def walk_adjoint_batches(states, qcum, log_t, geo_t, sizes, out):
    """:func:`walk_adjoint` for batch ``k`` with state ``states[k]`` and ``sizes[k]`` walkers into ``out[k]``.

    The same bits as one call per batch (each batch has its own stream);
    saves the Python call per batch for small runs. No work budget: every
    walker runs to absorption inside this call (for small runs only).
    """
    m = qcum.shape[0] - 1
    sc_t = _scale(log_t)
    walk = np.zeros(3, np.int64)
    if sc_t == np.inf or m == 0:
        for k in range(sizes.shape[0]):
            walk_adjoint(states[k], qcum, log_t, geo_t, sizes[k], out[k], walk, NO_BUDGET)
        return
    tab = _adjoint_tables(qcum, geo_t)   # built once for all batches
    for k in range(sizes.shape[0]):
        if sizes[k] > 0:
            _adjoint_walk(states[k], qcum, tab, sc_t, sizes[k], out[k], walk, NO_BUDGET)
