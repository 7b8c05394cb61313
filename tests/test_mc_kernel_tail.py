"""The adjoint kernel's cold path: draws in the alias table's tail, paused and resumed.

``_kernels._adjoint_walk`` leaves its call-free hot loops when a run length is
in the table's tail (``n >= 255``) and finishes that leg (and the right-moving
leg after a left-moving one) in cold code. On a long wire with ``p`` close to
1 (``t^255 = 0.78`` at ``p = 0.999``) every branch of that code is taken; the
kernel must give the same integers and leave the same generator state as the
obvious leg-by-leg walk on the same random numbers, in one call and paused
and resumed after every 1 or 5 draws. No tolerance: integers, exactly equal.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

from nonrecip import ClassicalParams, Wire
from nonrecip.stochastic._kernels import NO_BUDGET, WALK_STATE, geometric, geometric_table, walk_adjoint
from nonrecip.stochastic.steady import SteadyStateSimulation


@njit
def _leg_by_leg(state, qcum, geo_t, sc_t, count, out, tails):
    """One leg per draw with a direction and two prefix-sum reads per leg (conventions §2).

    ``tails[d]`` counts draws in the table's tail (``n >= 255``) after which
    the walker reflects, ``d = 0`` on its first leg, 1 left-moving, 2 other
    right-moving legs: the cold code's branches that do not end the walker.
    """
    m = qcum.shape[0] - 1
    for _ in range(count):
        k = 0
        d = 1
        first = True
        while True:
            n = min(geometric(state, geo_t, sc_t), m + 1)
            out[3] += 1
            if d > 0:
                j = k + n
                if j >= m:
                    out[1] += qcum[m] - qcum[k]
                    out[2] += m - k
                    out[0] += 1
                    break
                out[1] += qcum[j + 1] - qcum[k]
                out[2] += n + 1
                k = j - 1
            else:
                j = k - n
                if j < 0:
                    out[1] += qcum[k + 1]
                    out[2] += k + 1
                    break
                out[1] += qcum[k + 1] - qcum[j]
                out[2] += n + 1
                k = j + 1
            if n >= 255:
                tails[0 if first else (1 if d < 0 else 2)] += 1
            first = False
            d = -d
            if k < 0:
                break


def _setup(p, n_sites):
    sim = SteadyStateSimulation(Wire.from_spec("dimers", n_sites), ClassicalParams(p=p, Ig=0.1, drho=0.1),
                                estimator="adjoint")
    tab = np.zeros((2, 256), np.int64)
    geometric_table(sim._log_t, tab)
    return sim, tab, -1.0 / sim._log_t


@pytest.mark.parametrize("budget", [NO_BUDGET, 1, 5])
def test_tail_draws_give_the_leg_by_leg_integers(budget):
    """p = 0.999 on 1200 scatterers: the tail is drawn on every kind of leg with the walker going on."""
    sim, tab, sc_t = _setup(0.999, 1200)
    count = 400
    slow = np.random.SeedSequence(21).generate_state(4, np.uint64)
    fast = slow.copy()
    out_s = np.zeros(4, np.int64)
    tails = np.zeros(3, np.int64)
    _leg_by_leg(slow, sim._qcum, tab, sc_t, count, out_s, tails)
    assert (tails > 0).all(), tails          # every branch of the cold code that goes on is taken
    out_f = np.zeros(4, np.int64)
    walk = np.zeros(WALK_STATE, np.int64)
    left, calls = count, 0
    while left > 0:
        done = walk_adjoint(fast, sim._qcum, sim._log_t, tab, left, out_f, walk, budget)
        assert 0 <= done <= left
        left -= done
        calls += 1
    assert walk[0] == 0
    assert out_f.tolist() == out_s.tolist()
    assert fast.tolist() == slow.tolist()
    assert (calls == 1) == (budget == NO_BUDGET)


@pytest.mark.parametrize("p", [0.5, 0.9])
def test_paused_walker_resumes_in_a_call_of_one(p):
    """Calls of one walker each with budget 1: every walker is paused after its first
    left-then-right pair of legs and resumed by the next call (counts of 1, as ``left``
    shrinks), and the integers are those of one call."""
    sim, tab, sc_t = _setup(p, 100)
    count = 500
    ref = np.random.SeedSequence(3).generate_state(4, np.uint64)
    got = ref.copy()
    out_r = np.zeros(4, np.int64)
    assert walk_adjoint(ref, sim._qcum, sim._log_t, tab, count, out_r, np.zeros(WALK_STATE, np.int64),
                        NO_BUDGET) == count
    out_g = np.zeros(4, np.int64)
    walk = np.zeros(WALK_STATE, np.int64)
    left, paused = count, 0
    while left > 0:
        left -= walk_adjoint(got, sim._qcum, sim._log_t, tab, 1, out_g, walk, 1)
        paused += int(walk[0])
        if walk[0]:
            assert walk[2] == -1 and 0 <= walk[1] < len(sim._qcum) - 1   # a left-moving leg next, from k
    assert paused > count // 10
    assert out_g.tolist() == out_r.tolist()
    assert got.tolist() == ref.tolist()
    # the walkers' exit probability is G = 1/(1 + M (1-p)) (conventions §2): 5 sigma
    m = len(sim._qcum) - 1
    g = 1 / (1 + m * (1 - p))
    assert abs(out_r[0] / count - g) < 5 * math.sqrt(g * (1 - g) / count)


@pytest.mark.parametrize("f", [1e-3, 0.3, 2 / 3, 1 / 1.1, 0.99, 0.999, 0.99999])
def test_word_draw_makes_the_alias_rule_s_choice(f):
    """``word_draw`` (one unsigned comparison of the number with the column's word) picks what
    the alias rule picks, written here on Python ints: the top 8 bits pick column ``c``, the
    next 45 bits ``x``; ``c`` if ``x < tab[0, c]``, else ``tab[1, c]``. On 20,000 random
    numbers and, in every column, ``x`` at the threshold and one either side, ``0`` and
    ``2**45 - 1``, with low bits ``0``, ``2047`` and random (full columns, including the
    tail column at ``f >= 0.99``, included). Exact."""
    from nonrecip.stochastic._random import geometric_words, word_draw

    cap = 1 << 45
    tab = np.zeros((2, 256), np.int64)
    geometric_table(math.log(f), tab)
    words = np.zeros(256, np.int64)
    njit(lambda t, w: geometric_words(t, w))(tab, words)
    draw = njit(lambda u, w: word_draw(u, w))
    rng = np.random.default_rng(23)
    us = [int(u) for u in rng.integers(0, 1 << 64, 20_000, dtype=np.uint64)]
    for c in range(256):
        lim = int(tab[0, c])
        for x in {lim - 1, lim, lim + 1, 0, cap - 1}:
            if 0 <= x < cap:
                for low in (0, 2047, int(rng.integers(0, 1 << 11))):
                    us.append((c << 56) | (x << 11) | low)
    assert (tab[0] == cap).any()
    for u in us:
        c, x = u >> 56, (u >> 11) & (cap - 1)
        want = c if x < int(tab[0, c]) else int(tab[1, c])
        assert draw(np.uint64(u), words) == want, (u, c, x)
