r"""The classical optimum in closed form, for any ``N`` (conventions §2).

The nonreciprocity of any layout
--------------------------------
The classical steady state is a chain of two-port scatterers (see
:mod:`nonrecip.deterministic.classical`): with flip probability
``q = 1 - p`` at every S, D and P site and none at free sites, the input
current is

    I_in = [2 (in_L - in_R) - Q(N) - sum_l w(l) (Q(l) + Q(l-1))] / [2 + 2 sum_l w(l)],

``w(l) = q`` on a bath site, 0 elsewhere, and ``Q(l) = Ig C(l)`` the injection
up to site ``l`` (``C(l)`` = sources minus drains on sites ``<= l``). A
balanced layout has ``Q(N) = 0`` and ``2K + M = B`` bath sites, so the
denominator ``2 (1 + q B)`` is the same for every layout, and with

    A = sum over bath sites l of (C(l) + C(l-1))  =  2 sum_b h_b

(``h_b`` = sources minus drains *before* bath ``b``, a walk that steps
``+1`` at S, ``-1`` at D, ``0`` at P) the two biases give
(``in_L - in_R = +-drho``)

    I_in(fwd) = ( 2 drho - q Ig A) / (2 (1 + q B)),
    I_in(rev) = (-2 drho - q Ig A) / (2 (1 + q B)).

Hence, with ``x = q Ig A`` and ``d = 2 drho``, ``|d + x| - |d - x| =
2 clip(x, -d, d)`` (the three sign cases: ``|x| <= d``, and the forward
current changing sign for ``x > d``, or the reverse for ``x < -d``)::

    delta_I = clip(q Ig A, -2 drho, 2 drho) / (1 + q B).            (*)

Only the *order* of the baths along the wire enters (through ``A``), not
where they sit; free sites change nothing classically.

Theorem (optimum)
-----------------
For ``K`` pairs and ``M`` probes, ``A <= 2 K (K + M)``, with equality only
for the bath order ``S^K P^M D^K`` (all sources, then all probes, then all
drains). Hence the largest ``delta_I`` (and ``delta_I / K``) is

    delta_I* = min(2 q Ig K (K + M), 2 drho) / (1 + q (2K + M)),

reached by every placement of ``S^K P^M D^K`` on the interior sites
(``C(N - 2 - (B-1)(g-1), B)`` layouts with ``min_gap = g``). When
``q Ig A`` saturates at ``2 drho`` (the forward current reverses), every
order with ``A >= 2 drho / (q Ig)`` is optimal as well, and when
``q Ig = 0`` or ``drho = 0`` every layout gives 0.

Proof. Let the S/D steps of the walk be ``i = 1..2K`` and ``h_i`` the
height after ``i`` of them. The walk starts and ends at 0 with steps
``+-1``, so ``h_i <= min(i, 2K - i)``. The S or D bath that is the
``i``-th step sees ``h_{i-1} <= min(i - 1, 2K - i + 1)`` before it, and a
probe sees some ``h_i <= K``. Summing,

    A / 2 <= sum_{i=1}^{2K} min(i - 1, 2K - i + 1) + M K = K^2 + M K.

Equality needs ``h_i = min(i, 2K - i)`` for every ``i`` — the only such
walk is ``K`` up-steps then ``K`` down-steps — and every probe at height
``K``, i.e. between the last S and the first D. Since (*) is
non-decreasing in ``A`` for ``q Ig >= 0``, the maximum of ``A`` maximises
``delta_I``; positions are free, so any placement (with ``min_gap``
respected) is optimal. ∎

For comparison the paper's dimers order ``(SD)^K`` has ``A = 2K``: the
optimum is ``K`` times larger before saturation. The same order maximises
``delta_I`` at every ``p``, ``Ig``, ``drho``, so it is also the optimum of
the worst case and of the mean over any parameter range (``robust_over``).

With ``fixed`` sites the order is constrained; the largest ``A`` then comes
from a small dynamic programme over the runs of open sites between the
fixed baths (:mod:`.analytic_fixed`), still without search and for any
``N``. With the ``relative`` objective, not monotone in ``A``, the search
falls back to enumeration or annealing (and says so).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

from ..wire import ClassicalParams
from .space import LayoutSpace, word_of

__all__ = ["bath_weight", "closed_form_currents", "ClassicalOptimum", "classical_optimum", "optimal_word"]


def bath_weight(layout: str) -> int:
    """Return ``A = sum over bath sites of (C(l) + C(l-1))``.

    Twice the summed heights of the S/D walk before each bath (module docstring).
    """
    h, a = 0, 0
    for c in word_of(layout):
        step = 1 if c == "S" else (-1 if c == "D" else 0)
        a += 2 * h + step
        h += step
    return a


def closed_form_currents(layout: str, params: ClassicalParams) -> tuple[float, float]:
    """``(I_in forward, I_in reverse)`` of a balanced layout from the closed form."""
    q = 1.0 - params.p
    B = len(word_of(layout))
    x = q * params.Ig * bath_weight(layout)
    den = 2.0 * (1.0 + q * B)
    return (2.0 * params.drho - x) / den, (-2.0 * params.drho - x) / den


def optimal_word(K: int, M: int = 0) -> str:
    """``S^K P^M D^K``, the bath order of largest classical ``delta_I``."""
    return "S" * K + "P" * M + "D" * K


@dataclass(frozen=True)
class ClassicalOptimum:
    """The classical optimum of a layout space without fixed sites.

    Attributes
    ----------
    space : LayoutSpace
    params : ClassicalParams
    word : str
        ``S^K P^M D^K``.
    A_max : int
        ``2 K (K + M)``.
    delta_I : float
        ``delta_I*`` of the theorem.
    n_placements : int or None
        Layouts with the optimal order (``min_gap`` respected); ``None`` with
        fixed sites (then :attr:`example` is the one optimal layout listed).
    saturated : bool
        ``q Ig A_max >= 2 drho``: then also every order with ``A >= A_threshold`` is optimal.
    A_threshold : float
        ``2 drho / (q Ig)`` (``inf`` if ``q Ig = 0``).
    example : str
        One optimal layout.
    """

    space: LayoutSpace
    params: ClassicalParams
    word: str
    A_max: int
    delta_I: float
    n_placements: int | None
    saturated: bool
    A_threshold: float
    example: str = ""

    def is_optimal(self, layout: str) -> bool:
        """Whether ``layout`` reaches ``delta_I*`` (exactly, by the integer ``A``)."""
        if self.params.Ig == 0.0 or self.params.p == 1.0 or self.params.drho == 0.0:
            return True  # every layout gives delta_I = 0
        a = bath_weight(layout)
        return a == self.A_max or (self.saturated and a >= self.A_threshold)

    def placements(self, word: str | None = None) -> Iterator[str]:
        """Yield the layouts carrying ``word`` (default the optimal one), baths leftmost first.

        With fixed sites only :attr:`example`.
        """
        if self.space.fixed:
            yield self.example
            return
        yield from _placements(self.space, self.word if word is None else word)

    def ranked_layouts(self, limit: int) -> list[str]:
        """Return the ``limit`` best layouts.

        The optimal order's placements first, then the next orders by decreasing
        ``A`` (all orders are listed only when there are at most 100,000 of them).
        """
        if self.space.fixed:
            return [self.example]
        out: list[str] = []
        words = [self.word]
        sp = self.space
        if math.comb(sp.n_baths, sp.K) * math.comb(sp.n_baths - sp.K, sp.M) <= 100_000:
            perms = {"".join(w) for w in _multiset_perms(sp.K, sp.M)}
            words = sorted(perms, key=lambda w: (-bath_weight("." + w + "."), w))
        for w in words:
            for lay in self.placements(w):
                out.append(lay)
                if len(out) >= limit:
                    return out
        return out


def _placements(sp: LayoutSpace, word: str) -> Iterator[str]:
    B, g = len(word), sp.min_gap
    n = sp.N - 2 - (B - 1) * (g - 1)
    for combo in itertools.combinations(range(n), B):
        b = bytearray(b"." * sp.N)
        for i, (c, kind) in enumerate(zip(combo, word, strict=False)):
            b[1 + c + i * (g - 1)] = ord(kind)
        yield b.decode("ascii")


def _multiset_perms(K: int, M: int) -> Iterator[tuple[str, ...]]:
    B = 2 * K + M
    for s_pos in itertools.combinations(range(B), K):
        rest = [i for i in range(B) if i not in s_pos]
        for d_pos in itertools.combinations(rest, K):
            w = ["P"] * B
            for i in s_pos:
                w[i] = "S"
            for i in d_pos:
                w[i] = "D"
            yield tuple(w)


def classical_optimum(space: LayoutSpace, params: ClassicalParams) -> ClassicalOptimum:
    """Return the exact classical optimum without search (module docstring, Theorem).

    Parameters
    ----------
    space : LayoutSpace
        ``N``, ``K``, ``M``, ``min_gap`` and ``fixed`` sites (these by the
        dynamic programme of :mod:`.analytic_fixed`).
    params : ClassicalParams

    Returns
    -------
    ClassicalOptimum
    """
    K, M = space.K, space.M
    q = 1.0 - params.p
    B = 2 * K + M
    if space.fixed:
        from .analytic_fixed import fixed_optimum

        A_max, example = fixed_optimum(space)
        word = word_of(example)
        n: int | None = None
    else:
        A_max, word = 2 * K * (K + M), optimal_word(K, M)
        n = math.comb(space.N - 2 - (B - 1) * (space.min_gap - 1), B)
        example = next(_placements(space, word))
    qi = q * params.Ig
    dI = min(qi * A_max, 2.0 * params.drho) / (1.0 + q * B)
    thr = 2.0 * params.drho / qi if qi > 0 else math.inf
    return ClassicalOptimum(space, params, word, A_max, dI, n, qi * A_max >= 2.0 * params.drho, thr, example)
