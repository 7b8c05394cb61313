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
from dataclasses import dataclass
from typing import Any

import numpy as np

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


@dataclass(frozen=True)
class ChunkOutput:
    """What a chunk returns: its ``best`` candidates (sorted), the number of
    layouts ``evaluated`` and their ``objectives`` in rank order.
    """

    best: tuple[Candidate, ...]
    evaluated: int
    objectives: np.ndarray
    refused: int = 0
    first_refusal: str = ""


def evaluate_chunk(task: ChunkTask) -> ChunkOutput:
    """Evaluate every layout of one rank range (runs on a worker)."""
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
    return ChunkOutput(tuple(best), len(objs) + len(refused), np.asarray(objs, dtype=float), len(refused),
                       refused[0] if refused else "")


def map_tasks(func: Any, tasks: list, executor: Any = None, workers: int | None = None) -> list:
    """``[func(t) for t in tasks]`` serially, on a process pool of ``workers``,
    or on ``executor`` (``concurrent.futures`` style ``map``, or a Dask client).
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
                  workers: int | None = None, n_chunks: int | None = None
                  ) -> tuple[list[Candidate], int, np.ndarray, int, str]:
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
    """
    if n_chunks is None:
        par = workers if executor is None else 8
        n_chunks = 1 if not par or par <= 1 else 4 * par
    tasks = [ChunkTask(space, evaluator, a, b, top) for a, b in space.chunks(n_chunks)]
    outs = map_tasks(evaluate_chunk, tasks, executor, workers)
    best = heapq.nsmallest(top, (c for o in outs for c in o.best), key=rank_key)
    objs = np.concatenate([o.objectives for o in outs]) if outs else np.empty(0)
    msg = next((o.first_refusal for o in outs if o.first_refusal), "")
    return best, sum(o.evaluated for o in outs), objs, sum(o.refused for o in outs), msg
