"""Where the points of a sweep run: in this process, or in Dask tasks sized by their cost.

Both ways compute a point with the same functions
(:func:`nonrecip.sweep.models.solve_point`, or
:func:`~nonrecip.sweep.models.mc_chunk` then
:func:`~nonrecip.sweep.models.mc_combine` for Monte Carlo) and make the same
row (:func:`make_row`), so a table does not depend on where it was computed.

The cost of a point is measured, not guessed: :func:`run_here` computes the
first points of a sweep in this process and times them (a Monte Carlo point:
its first batches) in CPU seconds of the computing thread, so that the
decision does not depend on how busy the machine is at the moment. From that estimate the runner
(:func:`nonrecip.sweep.run_sweep`) decides

* to finish the sweep here, without starting a cluster, when the whole
  sweep is estimated under :data:`SMALL_SECONDS` or a single worker is asked
  for (a process's first cluster waits ~1-2 s for its workers' server, while
  points go on here; then ~4 ms per task; see :mod:`nonrecip.sweep.cluster`);
* otherwise how many cheap points go into one Dask task
  (:func:`points_per_task`): about :data:`TASK_SECONDS` of work each, yet at
  least four tasks per worker, so the per-task cost of Dask does not show
  and the workers still share the work evenly.

An explicit scheduler or client always gets the points; its first tasks are
single points whose times (measured on the worker) size the rest.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import models as _models
from .models import Model, Prepared

__all__ = ["SMALL_SECONDS", "TASK_SECONDS", "make_row", "solve_batch", "run_here", "points_per_task",
           "point_seconds"]

#: a sweep estimated to take less than this (s of one core) runs in this process
SMALL_SECONDS = 2.0
#: work per Dask task (s) when points are cheap
TASK_SECONDS = 0.25
#: the probe times (CPU s) at least this many points (the first one pays for imports and JIT loading) ...
PROBE_POINTS = 3
#: ... and goes on until this much time (s) or this many points
PROBE_SECONDS = 0.1
PROBE_MAX_POINTS = 16
#: finished rows are journaled at most this often (s) while results stream in
JOURNAL_SECONDS = 0.25


def make_row(model: Model, point: Any, *, status: str, error: str | None = None,
             outputs: Mapping[str, float] | None = None) -> dict:
    """Return the table row of one point: ``point_id, model, status, error``, its parameters, its outputs."""
    row = {"point_id": point.key, "model": model.name, "status": status, "error": error}
    row.update(point.params)
    row.update(outputs or {})
    return row


def row_of(model: Model, point: Any, outputs: Mapping[str, Any]) -> dict:
    """Return the row of a computed point (``{"__error__": msg}``: the solver refused it)."""
    if "__error__" in outputs:
        return make_row(model, point, status="error", error=outputs["__error__"])
    return make_row(model, point, status="ok", outputs=outputs)


def solve_batch(solver: str, preps: Sequence[Prepared]) -> list[tuple[dict, float]]:
    """Compute some deterministic points one after the other (one Dask task).

    Returns, per point, its output columns (:func:`~nonrecip.sweep.models.solve_point`)
    and the CPU seconds it took here, which size the following tasks.
    """
    out = []
    for prep in preps:
        t = time.thread_time()
        res = _models.solve_point(solver, prep)
        out.append((res, time.thread_time() - t))
    return out


def _mc_point(prep: Prepared, first: Sequence[Any] = ()) -> dict:
    """All batches of a Monte Carlo point here (``first``: sums of its leading batches, already done)."""
    nb = prep.kwargs["n_batches"]
    parts = list(first)
    if len(parts) < nb:
        parts.append(_models.mc_chunk(prep, list(range(len(parts), nb))))
    return _models.mc_combine(prep, parts)


def point_seconds(times: Sequence[float]) -> float:
    """Estimated seconds of one point from the probe's times.

    The first point also pays for imports and loading compiled kernels: it
    is left out when others were timed; the median of the rest is robust to
    a point slowed by another job (the upper median of an even count).
    """
    rest = sorted(times[1:] if len(times) > 1 else times)
    return rest[len(rest) // 2] if rest else 0.0


def run_here(m: Model, todo: list, record: Callable[[list[dict]], None], stop: Any = None, *,
             probe: bool = False) -> tuple[int, float]:
    """Compute points of ``todo`` (``(point, prepared)`` pairs) in order, in this process.

    Parameters
    ----------
    m : Model
    todo : list of (Point, Prepared)
    record : callable
        Stores finished rows; called at least every :data:`JOURNAL_SECONDS`
        and before returning or raising.
    stop : Interruption, optional
        A signal interrupts the point being computed (``KeyboardInterrupt``);
        the finished ones are recorded first.
    probe : bool
        Stop after the first points (at least :data:`PROBE_POINTS`, then
        until :data:`PROBE_SECONDS` or :data:`PROBE_MAX_POINTS`), or for Monte
        Carlo after timing the first batches of the first point (their sums
        are dropped: at most two batches of work).

    Returns
    -------
    done : int
        Points of ``todo`` finished (the first ``done``).
    seconds : float
        Estimated seconds per point (:func:`point_seconds`); NaN when nothing was timed.
    """
    pending: list[dict] = []
    times: list[float] = []
    last = time.monotonic()
    start = time.thread_time()
    prompt = stop.prompt if stop is not None else contextlib.nullcontext
    done = 0
    try:
        for point, prep in todo:
            t = time.thread_time()
            with prompt():
                if m.stochastic:
                    if probe:
                        return 0, _mc_probe(prep)
                    outputs = _mc_point(prep)
                else:
                    outputs = _models.solve_point(m.solver, prep)
            now = time.thread_time()
            times.append(now - t)
            pending.append(row_of(m, point, outputs))
            done += 1
            if time.monotonic() - last >= JOURNAL_SECONDS:
                rows, pending = pending, []
                record(rows)
                last = time.monotonic()
            if probe and done >= PROBE_POINTS and (now - start >= PROBE_SECONDS or done >= PROBE_MAX_POINTS):
                break
    finally:
        if pending:
            record(pending)
    return done, point_seconds(times) if times else math.nan


def _mc_probe(prep: Prepared) -> float:
    """Seconds of a whole Monte Carlo point from the time of its first batches (at most two)."""
    nb = prep.kwargs["n_batches"]
    times = []
    for b in range(min(2, nb)):
        t = time.thread_time()
        _models.mc_chunk(prep, [b])
        times.append(time.thread_time() - t)
    return point_seconds(times) * nb


def points_per_task(seconds: float, n_points: int, n_workers: int) -> int:
    """Points per Dask task: about :data:`TASK_SECONDS` of work, at least four tasks per worker."""
    if not math.isfinite(seconds) or seconds <= 0:
        seconds = 1e-4
    size = max(1, round(TASK_SECONDS / seconds))
    return max(1, min(size, math.ceil(n_points / (4 * max(1, n_workers)))))
