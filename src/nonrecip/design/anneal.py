"""Simulated annealing over layouts, with restarts and honest counts.

Moves (each keeps the numbers of S, D, P, never touches a fixed site and
is rejected if it breaks ``min_gap``):

* ``hop``: a bath jumps to a free site anywhere on the wire;
* ``swap``: two baths of different kinds exchange kinds (``S <-> D``, or
  with a ``P``);
* ``shift``: a bath moves by one site onto a free neighbour.

Metropolis acceptance of ``exp(delta objective / T)`` (maximisation) with a
geometric schedule from ``T0`` (the spread of the objective over the first
layouts of the restart) down to ``T0 / 1000``. Each restart has its own
stream ``np.random.default_rng(SeedSequence(seed).spawn(restarts)[i])``, so
a run is reproducible. Every evaluated layout is cached (shared across
restarts): ``evaluated`` counts real solver calls, ``cache_hits`` the
revisits; the evaluation budget (or ``max_seconds``) is split equally
between restarts. ``agreeing`` counts the restarts whose best equals the
overall best (relative ``1e-12``, the solvers' round-off).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .evaluate import Candidate, Evaluator
from .exhaustive import rank_key
from .space import LayoutSpace

__all__ = ["AnnealOutput", "anneal", "random_layout", "same_objective"]

MOVES = ("hop", "swap", "shift")


def same_objective(a: float, b: float) -> bool:
    """Equal up to the solvers' round-off (relative ``1e-12``)."""
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1e-300)


@dataclass(frozen=True)
class AnnealOutput:
    """Outcome of :func:`anneal`.

    Attributes
    ----------
    best : list of Candidate
        The ``top`` best layouts evaluated (any restart), best first.
    evaluated : int
        Real solver evaluations (distinct layouts).
    cache_hits : int
        Proposals answered from the cache.
    restart_best : tuple of Candidate
        The best layout of each restart.
    agreeing : int
        Restarts whose best is the overall best.
    objectives : ndarray
        The objective of every distinct evaluated layout the solver accepted.
    refused : int
        Layouts the solver refused (counted in ``evaluated``).
    first_refusal : str
        The message of one refusal.
    """

    best: list[Candidate]
    evaluated: int
    cache_hits: int
    restart_best: tuple[Candidate, ...]
    agreeing: int
    objectives: np.ndarray
    refused: int = 0
    first_refusal: str = ""


def random_layout(space: LayoutSpace, rng: np.random.Generator) -> str:
    """Draw a layout uniformly from the rank space, satisfying ``min_gap``.

    By rejection; falls back to the greedy leftmost placement with random kinds.
    """
    for _ in range(1000):
        lay = space.layout(int(rng.integers(space.count)) if space.count < 2**62 else _big_rank(space, rng))
        if space.gaps_ok(lay):
            return lay
    b = bytearray(b"." * space.N)
    for s, k in space.fixed:
        b[s - 1] = ord(k)
    kinds = [k for k, c in zip("DPS", space.free_counts, strict=False) for _ in range(c)]
    rng.shuffle(kinds)
    fixed_baths = [s for s, k in space.fixed if k != "."]
    last, j = -(10**18), 0
    for s in space.open_sites:
        if not kinds:
            break
        while j < len(fixed_baths) and fixed_baths[j] < s:
            last, j = fixed_baths[j], j + 1
        nxt = fixed_baths[j] if j < len(fixed_baths) else 10**18
        if s - last >= space.min_gap and nxt - s >= space.min_gap:
            b[s - 1] = ord(kinds.pop())
            last = s
    return b.decode("ascii")


def _big_rank(space: LayoutSpace, rng: np.random.Generator) -> int:
    bits = space.count.bit_length() + 64
    return int.from_bytes(rng.bytes((bits + 7) // 8), "little") % space.count


def _propose(lay: bytearray, open_mask: np.ndarray, rng: np.random.Generator) -> bytearray | None:
    """One random move on a copy of ``lay`` (``None`` if it found none)."""
    n = len(lay)
    baths = [i for i in range(1, n - 1) if open_mask[i] and lay[i] != 46]
    if not baths:
        return None
    new = bytearray(lay)
    move = MOVES[int(rng.integers(3))]
    i = baths[int(rng.integers(len(baths)))]
    if move == "swap":
        other = [j for j in baths if lay[j] != lay[i]]
        if not other:
            return None
        j = other[int(rng.integers(len(other)))]
        new[i], new[j] = lay[j], lay[i]
        return new
    if move == "hop":
        free = [j for j in range(1, n - 1) if open_mask[j] and lay[j] == 46]
        if not free:
            return None
        j = free[int(rng.integers(len(free)))]
    else:
        j = i + (1 if rng.random() < 0.5 else -1)
        if not (1 <= j <= n - 2 and open_mask[j] and lay[j] == 46):
            return None
    new[j], new[i] = lay[i], 46
    return new


def anneal(space: LayoutSpace, evaluator: Evaluator, *, budget: int, restarts: int, seed: int | None,
           top: int, max_seconds: float | None = None) -> AnnealOutput:
    """Run simulated annealing with ``restarts`` restarts (module docstring).

    Parameters
    ----------
    space : LayoutSpace
    evaluator : Evaluator
    budget : int
        Total solver evaluations (distinct layouts) over all restarts.
    restarts : int
    seed : int or None
        Root of the restarts' ``SeedSequence``.
    top : int
        How many best layouts to return.
    max_seconds : float, optional
        Wall-clock limit over all restarts (split equally).
    """
    cache: dict[str, Candidate | None] = {}  # None: the solver refused the layout
    hits = 0
    refusals: list[str] = []
    t_start = time.perf_counter()
    open_mask = np.zeros(space.N, dtype=bool)
    open_mask[[s - 1 for s in space.open_sites]] = True
    per = max(1, budget // restarts)
    restart_best: list[Candidate] = []
    for r, ss in enumerate(np.random.SeedSequence(seed).spawn(restarts)):
        rng = np.random.default_rng(ss)
        calls0 = len(cache)
        deadline = None if max_seconds is None else t_start + max_seconds * (r + 1) / restarts

        def score(lay: str) -> Candidate | None:
            nonlocal hits
            if lay in cache:
                hits += 1
                return cache[lay]
            c = evaluator.try_eval(lay)
            if isinstance(c, Candidate):
                cache[lay] = c
                return c
            cache[lay] = None
            refusals.append(str(c))
            return None

        # T0: spread of the objective over a few random layouts (the solver accepts)
        probes: list[Candidate] = []
        for _ in range(max(8, per)):
            c0 = score(random_layout(space, rng))
            if c0 is not None:
                probes.append(c0)
            if len(probes) >= min(8, per) or len(cache) - calls0 >= per:
                break
        if not probes:
            continue
        cur = max(probes, key=lambda c: c.objective)
        spread = float(np.std([c.objective for c in probes]))
        T0 = spread if spread > 0 else max(abs(cur.objective), 1e-300) * 0.1
        best = cur
        state = bytearray(cur.layout.encode("ascii"))
        steps, max_steps = 0, 50 * per  # caps a walk that only meets cached layouts
        while len(cache) - calls0 < per and steps < max_steps:
            if deadline is not None and time.perf_counter() > deadline:
                break
            steps += 1
            new = _propose(state, open_mask, rng)
            if new is None:
                continue
            lay = new.decode("ascii")
            if not space.gaps_ok(lay):
                continue
            frac = min(1.0, (len(cache) - calls0) / per)
            T = T0 * 1e-3**frac
            c = score(lay)
            if c is None:
                continue
            d = c.objective - cur.objective
            if d >= 0 or rng.random() < math.exp(d / T):
                cur, state = c, new
                if rank_key(c) < rank_key(best):
                    best = c
        restart_best.append(best)
    overall = sorted((c for c in cache.values() if c is not None), key=rank_key)
    top_obj = overall[0].objective if overall else math.nan
    agreeing = sum(1 for b in restart_best if same_objective(b.objective, top_obj))
    objs = np.array([c.objective for c in overall], dtype=float)
    return AnnealOutput(overall[:top], len(cache), hits, tuple(restart_best), agreeing, objs, len(refusals),
                        refusals[0] if refusals else "")
