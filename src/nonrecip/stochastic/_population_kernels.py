"""Numba kernels of the time-stepped population engine (plain arrays only).

The population is two signed ``int64`` count arrays, ``cp`` (right-movers)
and ``cm`` (left-movers), one entry per site (0-based). A positive count is
that many walkers of weight +1, a negative one that many of weight -1
(linear mode only: drains emit negative-weight walkers when they take more
than the site holds; walkers of opposite weight on the same site and species
cancel, which leaves every expectation unchanged because the walk is linear).

One step (conventions §2), in this order:

1. **move / flip** — every walker present at the start of the step decides
   from that state: on a site with move probability ``m(l) < 1`` a binomial
   ``Bin(|c|, m(l))`` of the ``|c|`` walkers move one site on in their
   direction, the rest flip direction in place; on a free site
   (``m(l) = 1``) all move. Right-movers leaving site N and left-movers
   leaving site 1 are absorbed (counted). Net crossings of bond
   ``l -> l+1`` are counted here.
2. **injection** — left reservoir ``Poisson(inj_l)`` right-movers into site
   1, right reservoir ``Poisson(inj_r)`` left-movers into site N, each source
   ``Poisson(src(l))`` walkers of each species.
3. **drains** — each drain takes ``Poisson(drn(l))`` walkers of each
   species from what is on the site after 1-2: in linear mode always
   (counts may go negative); in physical mode at most what is there, the
   shortfall counted as unmet.

The state after 3 is the one measured. Taking expectations of 1-3 gives
``E[rho+(l)]' = m(l-1) rho+(l-1) + (1-m(l)) rho-(l) + s(l)`` (and the mirror
equation), i.e. exactly the steady-state equations of conventions §2; the expected net
crossing of bond ``l`` in a step is ``m(l) rho+(l) - m(l+1) rho-(l+1)`` of the
state at the start of that step, the bond current ``J(l)`` of conventions §2.

Random draws always happen in the same order (sites left to right, ``+``
before ``-``; then reservoirs, then sources/drains left to right), so a
generator state gives bit-identical results, and linear and physical mode
consume the same numbers: while no drain falls short they agree exactly.
"""

from __future__ import annotations

from numba import njit

from .._jit import JIT

__all__ = ["advance", "split_moving"]


@njit(**JIT)
def split_moving(rng, c, m):
    """Signed number of the ``|c|`` walkers of sign ``sign(c)`` that move on.

    Parameters
    ----------
    rng : numpy.random.Generator
    c : int64
        Signed walker count on one site and species.
    m : float64
        Move probability of the site, in (0, 1].

    Returns
    -------
    int64
        ``sign(c) * Binomial(|c|, m)``; ``c`` itself when ``m == 1``.
    """
    if c == 0 or m == 1.0:
        return c
    if c > 0:
        return rng.binomial(c, m)
    return -rng.binomial(-c, m)


@njit(**JIT)
def advance(cp, cm, m, src, drn, inj_l, inj_r, physical, rng, n_steps, t0, every,
            new_p, new_m, win_cross, win_io, win_unmet,
            tot_rho, tot_cross, tot_io, tot_unmet,
            rec_counts, rec_cross, rec_io, rec_unmet):
    """Advance the population by ``n_steps`` steps in place.

    Parameters
    ----------
    cp, cm : int64 array, shape (N,)
        Signed counts of right- and left-movers (updated in place).
    m : float64 array, shape (N,)
        Move probability per site.
    src, drn : float64 array, shape (N,)
        Expected walkers per species per step added by a source / taken by a
        drain (``scale * Ig / 2`` at S / D sites, 0 elsewhere).
    inj_l, inj_r : float64
        Expected walkers injected per step at site 1 (right-movers) and site
        N (left-movers).
    physical : bool
        Drains take at most what is present and record the shortfall.
    rng : numpy.random.Generator
        Advanced in place.
    n_steps : int
        Steps to do.
    t0 : int
        Steps done before this call (the record schedule uses ``t0 + i + 1``).
    every : int
        Record after every step ``t`` with ``t % every == 0``; 0: never.
    new_p, new_m : int64 array, shape (N,)
        Scratch.
    win_cross : int64 array, shape (N-1,)
        Net crossings per bond since the last record (persistent).
    win_io : int64 array, shape (2,)
        ``[in, out]`` boundary counts since the last record (persistent):
        in = injected at site 1 - absorbed at site 1, out = absorbed at site
        N - injected at site N.
    win_unmet : int64 array, shape (N,)
        Unmet drain walkers since the last record (persistent).
    tot_rho : float64 array, shape (2, N)
        Running sums of the counts after each step.
    tot_cross : float64 array, shape (N-1,)
        Running sums of net bond crossings.
    tot_io : float64 array, shape (2,)
        Running sums of the boundary counts.
    tot_unmet : float64 array, shape (N,)
        Running sums of unmet drain walkers.
    rec_counts : int64 array, shape (R, 2, N)
    rec_cross : int64 array, shape (R, N-1)
    rec_io : int64 array, shape (R, 2)
    rec_unmet : int64 array, shape (R, N)
        Record rows written in order; ``R`` must hold every record due.

    Returns
    -------
    int
        Number of record rows written.

    Notes
    -----
    The running sums add integers to float64, exact while they stay below
    2**53; beyond that they round, always in the same order.
    """
    n = cp.shape[0]
    r = 0
    for i in range(n_steps):
        for l in range(n):
            new_p[l] = 0
            new_m[l] = 0
        out_left = 0
        out_right = 0
        # 1. move or flip, decided from the state at the start of the step
        for l in range(n):
            c = cp[l]
            if c != 0:
                k = split_moving(rng, c, m[l])
                new_m[l] += c - k
                if l + 1 < n:
                    new_p[l + 1] += k
                    win_cross[l] += k
                    tot_cross[l] += k
                else:
                    out_right += k
            c = cm[l]
            if c != 0:
                k = split_moving(rng, c, m[l])
                new_p[l] += c - k
                if l > 0:
                    new_m[l - 1] += k
                    win_cross[l - 1] -= k
                    tot_cross[l - 1] -= k
                else:
                    out_left += k
        # 2. reservoirs
        a = rng.poisson(inj_l) if inj_l > 0.0 else 0
        b = rng.poisson(inj_r) if inj_r > 0.0 else 0
        new_p[0] += a
        new_m[n - 1] += b
        win_io[0] += a - out_left
        win_io[1] += out_right - b
        tot_io[0] += a - out_left
        tot_io[1] += out_right - b
        # 2-3. sources and drains
        for l in range(n):
            if src[l] > 0.0:
                new_p[l] += rng.poisson(src[l])
                new_m[l] += rng.poisson(src[l])
            elif drn[l] > 0.0:
                d = rng.poisson(drn[l])
                if physical:
                    take = min(d, max(new_p[l], 0))
                    new_p[l] -= take
                    win_unmet[l] += d - take
                    tot_unmet[l] += d - take
                else:
                    new_p[l] -= d
                d = rng.poisson(drn[l])
                if physical:
                    take = min(d, max(new_m[l], 0))
                    new_m[l] -= take
                    win_unmet[l] += d - take
                    tot_unmet[l] += d - take
                else:
                    new_m[l] -= d
        for l in range(n):
            cp[l] = new_p[l]
            cm[l] = new_m[l]
            tot_rho[0, l] += new_p[l]
            tot_rho[1, l] += new_m[l]
        # record
        if every > 0 and (t0 + i + 1) % every == 0:
            for l in range(n):
                rec_counts[r, 0, l] = cp[l]
                rec_counts[r, 1, l] = cm[l]
                rec_unmet[r, l] = win_unmet[l]
                win_unmet[l] = 0
            for l in range(n - 1):
                rec_cross[r, l] = win_cross[l]
                win_cross[l] = 0
            rec_io[r, 0] = win_io[0]
            rec_io[r, 1] = win_io[1]
            win_io[0] = 0
            win_io[1] = 0
            r += 1
    return r
