r"""The classical optimum with fixed sites: a small dynamic programme, no search.

By :mod:`.analytic`, ``delta_I`` is a non-decreasing function of
``A = 2 sum_b h_b`` (``h_b`` the sources minus drains before bath ``b``),
which depends only on the *order* of the baths. Fixed baths
``f_1 < ... < f_r`` cut the open sites into runs ``R_0, ..., R_r``; a free
bath in run ``i`` comes after ``f_1..f_i`` and before ``f_{i+1}..f_r``
wherever it sits in the run, so a layout is, as far as ``A`` is concerned,
the numbers ``(a_i, b_i, c_i)`` of S, D, P put in each run and their order
inside it.

* Inside a run the best order is ``S^a P^c D^b``: swapping an adjacent
  ``D S`` into ``S D`` raises the height between them by 2 and changes no
  other, and a ``P`` is best where the height is largest; the height after
  the run, ``h + a - b``, does not depend on the order. Starting at height
  ``h`` the run contributes
  ``a h + a(a-1)/2 + c (h + a) + b (h + a) - b(b-1)/2`` to ``sum h_b``.
* A run holds any number of baths up to its capacity ``cap_i`` (greedy
  leftmost packing with ``min_gap``, also from the fixed baths that bound
  it), and where they sit in it does not change ``A``.

So ``max A`` is a dynamic programme over the runs with state ``(S, D, P)``
used so far: ``O(r K^4 M^2)`` operations, independent of ``N`` beyond
building the runs. The optimum found is exact (the programme enumerates
every admissible count vector and uses the optimal order inside each run).
"""

from __future__ import annotations

import itertools

from .space import LayoutSpace

__all__ = ["fixed_optimum"]


def _runs(space: LayoutSpace) -> tuple[list[list[int]], list[tuple[int, str]]]:
    fixed_baths = [(s, k) for s, k in space.fixed if k != "."]
    runs: list[list[int]] = [[] for _ in range(len(fixed_baths) + 1)]
    j = 0
    for s in space.open_sites:
        while j < len(fixed_baths) and fixed_baths[j][0] < s:
            j += 1
        runs[j].append(s)
    return runs, fixed_baths


def _pack(sites: list[int], lo: float, hi: float, g: int, n: int) -> list[int]:
    """Greedy leftmost ``n`` sites (or as many as fit) ``g`` apart, ``>= g`` from ``lo`` and ``hi``."""
    out: list[int] = []
    last = lo
    for s in sites:
        if len(out) == n:
            break
        if s - last >= g and hi - s >= g:
            out.append(s)
            last = s
    return out


def _run_heights(h: int, a: int, b: int, c: int) -> int:
    return a * h + a * (a - 1) // 2 + (c + b) * (h + a) - b * (b - 1) // 2


def fixed_optimum(space: LayoutSpace) -> tuple[int, str]:
    """Largest ``A`` over the layouts of ``space`` (with fixed sites) and one layout reaching it.

    Returns
    -------
    A_max : int
    layout : str
    """
    g = space.min_gap
    runs, fixed_baths = _runs(space)
    bounds = [-(10**18)] + [s for s, _ in fixed_baths] + [10**18]
    caps = [len(_pack(r, bounds[i], bounds[i + 1], g, len(r))) for i, r in enumerate(runs)]
    nD, nP, nS = space.free_counts
    # best[(s, d, p)] = (sum of heights, choices) after run i and fixed bath i+1
    best: dict[tuple[int, int, int], tuple[int, tuple[tuple[int, int, int], ...]]] = {(0, 0, 0): (0, ())}
    fs = fd = 0
    for i in range(len(runs)):
        nxt: dict[tuple[int, int, int], tuple[int, tuple[tuple[int, int, int], ...]]] = {}
        for (s, d, p), (val, ch) in best.items():
            h = fs + s - fd - d
            for a, b, c in itertools.product(range(nS - s + 1), range(nD - d + 1), range(nP - p + 1)):
                if a + b + c > caps[i]:
                    continue
                v = val + _run_heights(h, a, b, c)
                key = (s + a, d + b, p + c)
                if i < len(fixed_baths):
                    v += h + a - b  # the fixed bath sees the height after the run
                if key not in nxt or v > nxt[key][0]:
                    nxt[key] = (v, ch + ((a, b, c),))
        best = nxt
        if i < len(fixed_baths):
            kind = fixed_baths[i][1]
            fs += kind == "S"
            fd += kind == "D"
    val, choice = best[(nS, nD, nP)]
    lay = bytearray(b"." * space.N)
    for s, k in fixed_baths:
        lay[s - 1] = ord(k)
    for i, (a, b, c) in enumerate(choice):
        sites = _pack(runs[i], bounds[i], bounds[i + 1], g, a + b + c)
        for site, kind in zip(sites, "S" * a + "P" * c + "D" * b, strict=True):
            lay[site - 1] = ord(kind)
    return 2 * val, lay.decode("ascii")
