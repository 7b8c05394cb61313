"""The space of layouts a design search ranges over, and its constraints.

A layout of ``N`` sites (conventions §1: ``.`` free, ``S`` source, ``D``
drain, ``P`` probe; sites ``1..N``, the contacts ``1`` and ``N`` always
``.``) with exactly ``K`` sources, ``K`` drains and ``M`` probes on the
interior sites ``2..N-1``. Constraints:

* ``fixed``: ``{site: kind}`` (1-based, kind one of ``S D P .``): these sites
  are held at that kind (``.`` keeps a site free);
* ``min_gap``: any two baths (S, D or P) are at least ``min_gap`` sites
  apart (``1``: neighbours allowed, the default).

Every layout is numbered by a *rank* in ``0 .. count-1``: the positions of
the baths that are not fixed form a combination of the ``n_open`` open
sites (combinatorial number system, lexicographic) and their kinds a word
with the remaining numbers of S, D and P (multiset permutations,
lexicographic in ``D < P < S``)::

    rank = combination_rank * n_words + word_rank

so a rank range is a chunk of the enumeration that a worker can unrank and
walk on its own (:meth:`LayoutSpace.iter_range`) without any list of all
layouts. ``min_gap`` is applied as a filter on that walk.

All validation happens in :class:`LayoutSpace` construction and raises
:class:`~nonrecip.wire.ParameterError` before any work.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..wire import MIN_SITES, ParameterError, check_int

__all__ = ["LayoutSpace", "parse_fixed", "BATH_KINDS", "word_of", "mirror"]

#: the kinds a bath site can have, in the lexicographic order of words
BATH_KINDS = ("D", "P", "S")
_FIXED_KINDS = ("S", "D", "P", ".")


def parse_fixed(fixed: Mapping[int, str] | str | None) -> dict[int, str]:
    """Parse fixed sites as ``{site: kind}`` from a mapping or the text ``"2=S,9=D"``.

    Raises
    ------
    ParameterError
        Malformed text, a kind other than ``S D P .``, or one site given
        twice with different kinds.
    """
    if fixed is None:
        return {}
    items: list[tuple[Any, Any]]
    if isinstance(fixed, str):
        items = []
        for part in (s.strip() for s in fixed.split(",")):
            if not part:
                continue
            site_text, sep, kind_text = part.partition("=")
            if not sep:
                raise ParameterError("fixed", fixed, "must look like '2=S,9=D' (site=kind, kind one of S D P .)")
            try:
                items.append((int(site_text.strip()), kind_text.strip()))
            except ValueError:
                raise ParameterError("fixed", fixed, f"site {site_text.strip()!r} is not an integer") from None
    elif isinstance(fixed, Mapping):
        items = list(fixed.items())
    else:
        raise ParameterError("fixed", fixed, "must be a mapping {site: kind} or text like '2=S,9=D'")
    out: dict[int, str] = {}
    for site_given, kind in items:  # noqa: B007
        site = check_int("fixed", site_given)
        if kind not in _FIXED_KINDS:
            raise ParameterError("fixed", f"{site}={kind}", "the kind of a fixed site must be one of S, D, P, '.'")
        if site in out and out[site] != kind:
            raise ParameterError("fixed", f"{site}={out[site]},{site}={kind}",
                                 f"site {site} is fixed twice with different kinds")
        out[site] = kind
    return out


def word_of(layout: str) -> str:
    """Return the baths of a layout in order along the wire (``".S.PD."`` -> ``"SPD"``)."""
    return layout.replace(".", "")


def mirror(layout: str) -> str:
    """Return the layout seen from the other end."""
    return layout[::-1]


def _multinomial(counts: tuple[int, ...]) -> int:
    n, out = 0, 1
    for c in counts:
        n += c
        out *= math.comb(n, c)
    return out


@dataclass(frozen=True)
class LayoutSpace:
    """All layouts of ``N`` sites with ``K`` S-D pairs and ``M`` probes.

    Parameters
    ----------
    N : int
        Number of sites, ``>= 4`` and ``>= 2K + M + 2``.
    K : int
        Number of sources (= number of drains), ``>= 1``.
    M : int
        Number of probes ``P``, ``>= 0``.
    fixed : mapping or str, optional
        ``{site: kind}`` or ``"2=S,9=D"``; sites in ``2..N-1``.
    min_gap : int
        Smallest distance between two baths, ``>= 1``.
    """

    N: int
    K: int
    M: int = 0
    fixed: Any = None
    min_gap: int = 1

    def __post_init__(self) -> None:  # noqa: D105
        K = check_int("pairs", self.K, lo=1)
        M = check_int("probes", self.M, lo=0)
        N = check_int("N", self.N, lo=MIN_SITES)
        B = 2 * K + M
        if N - 2 < B:
            raise ParameterError("N", N, f"must be >= 2K + M + 2 = {B + 2}: the {2 * K} sources/drains and {M} "
                                 f"probes need {B} interior sites 2..N-1")
        g = check_int("min_gap", self.min_gap, lo=1)
        fixed = parse_fixed(self.fixed)
        for site, kind in fixed.items():
            if site in (1, N):
                raise ParameterError("fixed", f"{site}={kind}", f"sites 1 and N = {N} are the reservoir contacts; "
                                     f"fixed sites must be in 2..{N - 1}")
            if not 2 <= site <= N - 1:
                raise ParameterError("fixed", f"{site}={kind}", f"site {site} is outside the wire; fixed sites "
                                     f"must be in 2..{N - 1}")
        have = {k: sum(1 for v in fixed.values() if v == k) for k in BATH_KINDS}
        for kind, want, name in (("S", K, "sources"), ("D", K, "drains"), ("P", M, "probes")):
            if have[kind] > want:
                raise ParameterError("fixed", _fmt(fixed), f"fixes {have[kind]} {name} but the layout has {want}")
        baths = sorted(s for s, k in fixed.items() if k != ".")
        for a, b in zip(baths, baths[1:], strict=False):
            if b - a < g:
                raise ParameterError("fixed", _fmt(fixed), f"fixed baths at sites {a} and {b} are closer than "
                                     f"min_gap = {g}")
        object.__setattr__(self, "N", N)
        object.__setattr__(self, "K", K)
        object.__setattr__(self, "M", M)
        object.__setattr__(self, "min_gap", g)
        object.__setattr__(self, "fixed", tuple(sorted(fixed.items())))
        fits = (B - 1) * g + 1 <= N - 2 if not fixed else self.max_placeable() >= self.n_free_baths
        if not fits:
            if fixed:
                raise ParameterError("min_gap", g, f"no layout of N = {N} with {2 * K} S/D and {M} P keeps all baths "
                                     f"{g} sites apart given fixed sites {_fmt(fixed)}")
            raise ParameterError("min_gap", g, f"{B} baths {g} sites apart need N >= {(B - 1) * g + 3}; "
                                 f"N = {N} allows min_gap <= {max(1, (N - 3) // max(B - 1, 1))}")

    # -- derived -----------------------------------------------------------
    @property
    def n_baths(self) -> int:
        """``2K + M``."""
        return 2 * self.K + self.M

    @cached_property
    def fixed_map(self) -> dict[int, str]:
        """``{site: kind}`` (1-based)."""
        return dict(self.fixed)

    @cached_property
    def open_sites(self) -> tuple[int, ...]:
        """Interior sites (1-based) not fixed: where the other baths may go."""
        return tuple(s for s in range(2, self.N) if s not in self.fixed_map)

    @cached_property
    def free_counts(self) -> tuple[int, int, int]:
        """Numbers of D, P, S still to place (order of :data:`BATH_KINDS`)."""
        f = list(self.fixed_map.values())
        return (self.K - f.count("D"), self.M - f.count("P"), self.K - f.count("S"))

    @property
    def n_free_baths(self) -> int:
        """Baths still to place (not fixed)."""
        return sum(self.free_counts)

    @cached_property
    def n_words(self) -> int:
        """Number of orders of the baths still to place."""
        return _multinomial(self.free_counts)

    @cached_property
    def count(self) -> int:
        """Size of the rank space (layouts before the ``min_gap`` filter)."""
        return math.comb(self.N - 2 - len(self.fixed), self.n_free_baths) * self.n_words

    @property
    def constrained(self) -> bool:
        """True when ``fixed`` or ``min_gap > 1`` restricts the layouts."""
        return bool(self.fixed) or self.min_gap > 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (``fixed`` as ``"2=S,9=D"``, ``""`` if none)."""
        return {"N": self.N, "pairs": self.K, "probes": self.M, "fixed": _fmt(self.fixed_map),
                "min_gap": self.min_gap}

    # -- feasibility ---------------------------------------------------------
    def max_placeable(self) -> int:
        """Most baths that fit on the open sites with the fixed baths and ``min_gap``.

        Greedy leftmost placement, which is optimal for a one-dimensional
        minimum-distance packing (any feasible placement can be shifted left
        bath by bath onto the greedy one).
        """
        g = self.min_gap
        fixed_baths = sorted(s for s, k in self.fixed_map.items() if k != ".")
        placed, last, j = 0, -(10**18), 0
        for s in self.open_sites:
            while j < len(fixed_baths) and fixed_baths[j] < s:
                last = fixed_baths[j]
                j += 1
            nxt = fixed_baths[j] if j < len(fixed_baths) else 10**18
            if s - last >= g and nxt - s >= g:
                placed += 1
                last = s
        return placed

    def allowed(self, layout: str) -> bool:
        """Whether ``layout`` belongs to this space (counts, fixed sites, gaps)."""
        if len(layout) != self.N or layout[0] != "." or layout[-1] != ".":
            return False
        if layout.count("S") != self.K or layout.count("D") != self.K or layout.count("P") != self.M:
            return False
        if any(layout[s - 1] != k for s, k in self.fixed):
            return False
        return self.gaps_ok(layout)

    def gaps_ok(self, layout: str) -> bool:
        """Whether every two baths are at least ``min_gap`` apart."""
        if self.min_gap == 1:
            return True
        last = -(10**18)
        for i, c in enumerate(layout):
            if c != ".":
                if i - last < self.min_gap:
                    return False
                last = i
        return True

    # -- ranks -----------------------------------------------------------------
    def _base(self) -> bytearray:
        b = bytearray(b"." * self.N)
        for s, k in self.fixed:
            b[s - 1] = ord(k)
        return b

    def _word(self, rank: int) -> str:
        counts = list(self.free_counts)
        out = []
        for _ in range(sum(counts)):
            for i, kind in enumerate(BATH_KINDS):
                if counts[i] == 0:
                    continue
                counts[i] -= 1
                c = _multinomial(tuple(counts))
                if rank < c:
                    out.append(kind)
                    break
                rank -= c
                counts[i] += 1
        return "".join(out)

    def _combination(self, rank: int) -> list[int]:
        """Return the indices into :attr:`open_sites` of the ``rank``-th combination (lexicographic)."""
        n, b = len(self.open_sites), self.n_free_baths
        out, start = [], 0
        for k in range(b, 0, -1):
            for i in range(start, n):
                c = math.comb(n - i - 1, k - 1)
                if rank < c:
                    out.append(i)
                    start = i + 1
                    break
                rank -= c
        return out

    def layout(self, rank: int) -> str:
        """Return the layout of rank ``rank`` (ignores ``min_gap``: see :meth:`iter_range`)."""
        if not 0 <= rank < self.count:
            raise IndexError(rank)
        c, w = divmod(rank, self.n_words)
        b = self._base()
        for i, kind in zip(self._combination(c), self._word(w), strict=False):
            b[self.open_sites[i] - 1] = ord(kind)
        return b.decode("ascii")

    def iter_range(self, start: int, stop: int) -> Iterator[str]:
        """Yield the layouts of ranks ``start .. stop-1`` that satisfy ``min_gap``, in rank order.

        Unranks ``start`` once and walks on by successor: ``O(N)`` per
        layout, no list of the space.
        """
        stop = min(stop, self.count)
        if start >= stop:
            return
        nw, n, b = self.n_words, len(self.open_sites), self.n_free_baths
        words = [self._word(i) for i in range(nw)] if nw <= 100_000 else None
        c_rank, w_rank = divmod(start, nw)
        combo = self._combination(c_rank)
        base = self._base()
        sites = self.open_sites
        left = stop - start
        while left > 0:
            lay = bytearray(base)
            for i in combo:
                lay[sites[i] - 1] = ord("B")
            while w_rank < nw and left > 0:
                word = words[w_rank] if words is not None else self._word(w_rank)
                out = bytearray(lay)
                for i, kind in zip(combo, word, strict=False):
                    out[sites[i] - 1] = ord(kind)
                s = out.decode("ascii")
                if self.gaps_ok(s):
                    yield s
                w_rank += 1
                left -= 1
            w_rank = 0
            # next combination (lexicographic)
            j = b - 1
            while j >= 0 and combo[j] == n - b + j:
                j -= 1
            if j < 0:
                return
            combo[j] += 1
            for t in range(j + 1, b):
                combo[t] = combo[t - 1] + 1

    def chunks(self, n_chunks: int) -> list[tuple[int, int]]:
        """Split the rank space into at most ``n_chunks`` contiguous ``(start, stop)`` ranges."""
        n_chunks = max(1, min(n_chunks, self.count))
        edges = [self.count * i // n_chunks for i in range(n_chunks + 1)]
        return [(a, b) for a, b in zip(edges, edges[1:], strict=False) if b > a]


def _fmt(fixed: Mapping[int, str]) -> str:
    return ",".join(f"{s}={k}" for s, k in sorted(fixed.items()))
