"""Exhaustive search: every layout of the space, in parallel chunks of ranks.

:func:`evaluate_chunk` is a plain function of a :class:`ChunkTask` (a rank
range of :class:`~.space.LayoutSpace`, the :class:`~.evaluate.Evaluator`
and how many best layouts to keep); it unranks its start and walks on, so
no list of all layouts is ever built, and returns the chunk's best layouts
and every objective value (for the distribution). :func:`enumerate_all`
maps it serially, on a process pool of ``workers`` or on any ``executor``
with ``map`` (:class:`concurrent.futures.Executor`, or a Dask
``distributed.Client``, whose futures are gathered), and merges.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..wire import ParameterError
from .evaluate import Candidate, Evaluator
from .space import LayoutSpace

__all__ = ["ChunkTask", "ChunkOutput", "evaluate_chunk", "enumerate_all", "rank_key", "map_tasks"]


def rank_key(c: Candidate) -> tuple[float, str]:
    """Sort key of candidates: larger objective first, ties by layout string."""
    return (-c.objective, c.layout)


@dataclass(frozen=True)
class ChunkTask:
    """Ranks ``start .. stop-1`` of ``space``, scored by ``evaluator``; keep ``top``."""

    space: LayoutSpace
    evaluator: Evaluator
    start: int
    stop: int
    top: int
    superpose: bool = True


@dataclass(frozen=True)
class ChunkOutput:
    """What a chunk returns.

    Its ``best`` candidates (sorted), the number of layouts ``evaluated``, their
    ``objectives`` in rank order, the ``refused`` ones and the ``solver_calls``.
    """

    best: tuple[Candidate, ...]
    evaluated: int
    objectives: np.ndarray
    refused: int = 0
    first_refusal: str = ""
    solver_calls: int = 0


def evaluate_chunk(task: ChunkTask) -> ChunkOutput:
    """Evaluate every layout of one rank range (runs on a worker)."""
    from .superpose import supported

    if task.superpose and supported(task.evaluator):
        return _superposed_chunk(task)
    objs: list[float] = []
    refused: list[str] = []

    def candidates():
        for lay in task.space.iter_range(task.start, task.stop):
            c = task.evaluator.try_eval(lay)
            if isinstance(c, Candidate):
                objs.append(c.objective)
                yield c
            else:
                refused.append(str(c))

    best = heapq.nsmallest(task.top, candidates(), key=rank_key)
    n = len(objs) + len(refused)
    return ChunkOutput(tuple(best), n, np.asarray(objs, dtype=float), len(refused),
                       refused[0] if refused else "", n * task.evaluator.solves_per_layout)


_BATHS = str.maketrans({"S": "B", "D": "B", "P": "B"})


def _superposed_chunk(task: ChunkTask) -> ChunkOutput:
    """Evaluate a chunk by :mod:`.superpose`.

    Blocks of layouts with the same bath sites are scored by superposition, then
    every layout within the window of the ``top``-th best is solved directly.
    """
    from .superpose import WINDOW, block_scores

    ev = task.evaluator
    lays: list[str] = []
    obj_parts: list[np.ndarray] = []
    scale_parts: list[np.ndarray] = []
    calls = 0
    exact: dict[str, Candidate | ParameterError] = {}
    for _, grp in itertools.groupby(task.space.iter_range(task.start, task.stop), key=lambda s: s.translate(_BATHS)):
        block = list(grp)
        got = block_scores(task.space, ev, block)
        if got is None:  # a basis layout was refused: solve this block directly
            res = [ev.try_eval(lay) for lay in block]
            calls += len(block) * ev.solves_per_layout
            exact.update(zip(block, res, strict=True))
            o = np.array([c.objective if isinstance(c, Candidate) else np.nan for c in res])
            sc = np.array([abs(c.I_in_forward) + abs(c.I_in_reverse) if isinstance(c, Candidate) else 0.0
                           for c in res])
        else:
            o, sc, k = got
            calls += k
        lays.extend(block)
        obj_parts.append(o)
        scale_parts.append(sc)
    if not lays:
        return ChunkOutput((), 0, np.empty(0))
    obj = np.concatenate(obj_parts)
    good = np.isfinite(obj)
    best: list[Candidate] = []
    refused_msg = ""
    if good.any():
        tol = WINDOW * (float(np.max(np.abs(obj[good]))) + float(np.max(np.concatenate(scale_parts))))
        k = min(task.top, int(good.sum()))
        cut = float(np.partition(obj[good], -k)[-k]) - tol
        for i in np.flatnonzero(good & (obj >= cut)):
            lay = lays[i]
            if lay not in exact:
                exact[lay] = ev.try_eval(lay)
                calls += ev.solves_per_layout
            c = exact[lay]
            if isinstance(c, Candidate):
                obj[i] = c.objective
                best.append(c)
            else:
                obj[i] = np.nan
                refused_msg = refused_msg or str(c)
    for c in exact.values():
        if not isinstance(c, Candidate):
            refused_msg = refused_msg or str(c)
    n_refused = int((~np.isfinite(obj)).sum())
    if n_refused and not refused_msg:
        refused_msg = "a quantum bath potential left the band (-2, 2) (superposed potentials)"
    top = heapq.nsmallest(task.top, best, key=rank_key)
    return ChunkOutput(tuple(top), len(lays), obj[np.isfinite(obj)], n_refused, refused_msg, calls)


def map_tasks(func: Any, tasks: list, executor: Any = None, workers: int | None = None) -> list:
    """Return ``[func(t) for t in tasks]``, computed serially, on a pool or an executor.

    A process pool of ``workers``, or ``executor`` (``concurrent.futures`` style
    ``map``, or a Dask client, whose futures are gathered).
    """
    if executor is not None:
        if hasattr(executor, "gather"):  # distributed.Client: map returns futures
            return list(executor.gather(executor.map(func, tasks, pure=False)))
        return list(executor.map(func, tasks))
    if workers is not None and workers > 1 and len(tasks) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(func, tasks))
    return [func(t) for t in tasks]


def enumerate_all(space: LayoutSpace, evaluator: Evaluator, top: int, *, executor: Any = None,
                  workers: int | None = None, n_chunks: int | None = None, superpose: bool = True
                  ) -> tuple[list[Candidate], int, np.ndarray, int, str, int]:
    """Exhaustive search over ``space``.

    Returns
    -------
    best : list of Candidate
        The ``top`` best, sorted by :func:`rank_key`.
    evaluated : int
        Layouts evaluated (= the layouts of the space that satisfy ``min_gap``),
        refused ones included.
    objectives : ndarray
        Every objective value, in rank order (refused layouts left out).
    refused : int
        Layouts the solver refused (counted in ``evaluated``).
    first_refusal : str
        The message of one refusal (``""`` if none).
    solver_calls : int
        Calls of the model's solver (fewer than layouts with ``superpose``).
    """
    if n_chunks is None:
        par = workers if executor is None else 8
        n_chunks = 1 if not par or par <= 1 else 4 * par
    tasks = [ChunkTask(space, evaluator, a, b, top, superpose) for a, b in space.chunks(n_chunks)]
    outs = map_tasks(evaluate_chunk, tasks, executor, workers)
    best = heapq.nsmallest(top, (c for o in outs for c in o.best), key=rank_key)
    objs = np.concatenate([o.objectives for o in outs]) if outs else np.empty(0)
    msg = next((o.first_refusal for o in outs if o.first_refusal), "")
    return (best, sum(o.evaluated for o in outs), objs, sum(o.refused for o in outs), msg,
            sum(o.solver_calls for o in outs))
