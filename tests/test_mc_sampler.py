"""The geometric sampler of the Monte Carlo kernels against the exact geometric law.

:func:`nonrecip.stochastic._kernels.geometric` draws ``P(n) = f^n (1 - f)``
from an integer alias table (values 0..254) and a memoryless tail (``n >=
255`` is ``255 +`` a fresh draw). Checked here, independently of the code:

* the table's integer weights against the law computed with mpmath (50
  digits): every value's mass within 4 units of ``2**-53`` (two roundings
  of ``2**53 (1 - f^k)`` plus ``expm1``'s last-bit error), the tail mass too;
* the empirical distribution of 300,000 draws (fixed seeds) by a chi-square
  test over the values 0..29 one by one, bins up to and across the table's
  edge at 255 and the far tail, for ``f`` from near 0 to near 1. Bins are
  merged until each expects >= 20 draws; the statistic must lie under the
  chi-square quantile ``1 - 1e-6`` of its degrees of freedom (a correct
  sampler fails one case in a million; the seeds are fixed, so the test is
  deterministic).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from numba import njit
from scipy import stats

from nonrecip.stochastic._kernels import GEO_COLS, geometric, geometric_table

FS = [1e-3, 0.05, 0.3, 0.5, 2 / 3, 1 / 1.1, 0.99, 0.999, 0.99999]
CAP = 1 << 45


def _table(f):
    tab = np.zeros((2, GEO_COLS), np.int64)
    geometric_table(math.log(f), tab)
    return tab


@njit
def _draws(state, tab, scale, n):
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = geometric(state, tab, scale)
    return out


@pytest.mark.parametrize("f", FS)
def test_alias_table_holds_the_geometric_law(f):
    tab = _table(f)
    mass = np.zeros(GEO_COLS, dtype=object)
    for c in range(GEO_COLS):
        mass[c] += int(tab[0, c])
        mass[int(tab[1, c])] += CAP - int(tab[0, c])
    assert sum(mass) == 1 << 53
    mpmath.mp.dps = 50
    F = mpmath.mpf(f)
    for k in range(GEO_COLS - 1):
        exact = F**k * (1 - F) * 2**53
        assert abs(mass[k] - exact) <= 4, (k, mass[k], exact)
    assert abs(mass[GEO_COLS - 1] - F ** (GEO_COLS - 1) * 2**53) <= 4


def _bins(f, n):
    """Edges ``[a, b)`` over all n >= 0 with >= 20 expected draws each; the last bin open."""
    cand = sorted(set(range(31)) | {100, 200, 250, 254, 255, 256, 260, 300, 511, 1000}
                  | {int(math.log(1 - x) / math.log(f)) for x in np.linspace(0.05, 0.95, 19)})
    edges = [0]
    for b in cand[1:]:
        if n * (f ** edges[-1] - f**b) >= 20:
            edges.append(b)
    if n * f ** edges[-1] < 20:
        edges.pop()
    return edges


@pytest.mark.parametrize("f", FS)
def test_draws_follow_the_geometric_law(f):
    n = 300_000
    x = _draws(np.random.SeedSequence(int(f * 1e9) + 7).generate_state(4, np.uint64), _table(f),
               -1.0 / math.log(f), n)
    edges = _bins(f, n)
    prob = np.array([f**a - f**b for a, b in zip(edges[:-1], edges[1:], strict=True)] + [f ** edges[-1]])
    counts = np.array([np.count_nonzero((x >= a) & (x < b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]
                      + [np.count_nonzero(x >= edges[-1])])
    assert counts.sum() == n and np.all(x >= 0)
    dof = len(prob) - 1
    chi2 = float(((counts - n * prob) ** 2 / (n * prob)).sum())
    assert dof >= 1
    assert chi2 < stats.chi2.ppf(1 - 1e-6, dof), (chi2, dof, edges)
    # the mean, n_draws x stderr: E n = f/(1-f), Var n = f/(1-f)^2; 5 stderr
    assert abs(x.mean() - f / (1 - f)) < 5 * math.sqrt(f / n) / (1 - f)


def test_degenerate_laws():
    state = np.random.SeedSequence(3).generate_state(4, np.uint64)
    tab = np.zeros((2, GEO_COLS), np.int64)
    geometric_table(-math.inf, tab)           # f = 0: always 0
    assert np.all(_draws(state, tab, 0.0, 1000) == 0)
    geometric_table(0.0, tab)                 # f = 1: never a success
    assert np.all(_draws(state, tab, math.inf, 10) >= 1 << 62)


@pytest.mark.parametrize("f", FS)
def test_packed_draw_makes_the_alias_rule_s_choice(f):
    """``packed_draw`` (one packed word per column) picks what the alias rule picks, on every number.

    The rule written here on Python ints: the top 8 bits pick column ``c``,
    the next 45 bits ``x``; ``c`` if ``x < tab[0, c]``, else ``tab[1, c]``.
    Checked on 20,000 random numbers and, in every column, on ``x`` at
    ``tab[0, c] - 1``, ``tab[0, c]`` and ``tab[0, c] + 1`` (the boundary of
    the exact comparison), ``0`` and ``2**45 - 1``, low bits random. Exact.
    """
    from nonrecip.stochastic._random import geometric_packed, packed_draw

    tab = _table(f)
    packed = np.zeros(GEO_COLS, np.int64)
    njit(lambda t, pk: geometric_packed(t, pk))(tab, packed)
    draw = njit(lambda u, pk: packed_draw(u, pk))
    rng = np.random.default_rng(17)
    us = [int(u) for u in rng.integers(0, 1 << 64, 20_000, dtype=np.uint64)]
    for c in range(GEO_COLS):
        lim = int(tab[0, c])
        for x in {lim - 1, lim, lim + 1, 0, CAP - 1}:
            if 0 <= x < CAP:
                us.append((c << 56) | (x << 11) | int(rng.integers(0, 1 << 11)))
    for u in us:
        c, x = u >> 56, (u >> 11) & (CAP - 1)
        want = c if x < int(tab[0, c]) else int(tab[1, c])
        assert draw(np.uint64(u), packed) == want, (u, c, x)
