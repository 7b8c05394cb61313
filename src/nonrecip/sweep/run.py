"""Running a sweep on Dask distributed.

:func:`run_sweep` expands the grid, skips the points already stored (with
``resume``), records bad points at once (their parameters are validated on
the client), and sends the rest to a Dask cluster:

* by default a :class:`distributed.LocalCluster` on this machine --
  loopback only, one single-threaded worker process per core -- started
  and stopped here with no set-up;
* with ``scheduler="tcp://HOST:PORT"`` an existing cluster, through
  :class:`distributed.Client` (its workers need nonrecip installed).

A deterministic point is one task. A Monte Carlo point is split into
chunks of ``chunk_batches`` batches, one task each
(:func:`nonrecip.stochastic.run_batches`, whose batch streams come from
``SeedSequence(seed)``), and one task combining them
(:func:`nonrecip.stochastic.combine`): the estimate and error bar are those
of the serial ``simulate`` with the point's seed, bit for bit.

Faults. Dask reschedules the tasks of a worker that dies (a nanny restarts
it) and ``retries`` re-runs tasks that raised unexpectedly; results are
stored by the canonical key of their parameters, so a point is never lost
or stored twice. A point the solver refuses (``ParameterError``,
``ConvergenceError``) is a row with ``status = "error"`` and the message;
the rest goes on. On Ctrl-C, SIGTERM or any error the finished points are
written before the exception propagates: a signal always ends the sweep in
``KeyboardInterrupt`` (:class:`nonrecip.runs.Interruption`), also when it
arrives after the last point or while the cluster closes.

Nothing lost (:mod:`nonrecip.runs.paths`, :mod:`nonrecip.runs.lock`): an
existing ``out`` is refused without ``resume`` unless ``overwrite``; two
sweeps writing one ``out`` at once are refused (the second one, with one
line: an OS lock on ``OUT.lock``); a resume with a changed grid moves the rows
of points no longer in the grid to ``STEM.set-aside.SUFFIX`` next to ``out``
(reported in ``df.attrs`` and as a warning), so the table holds exactly the
grid's points; temporary files a killed sweep left are removed.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..runs.lock import FileLock
from ..runs.paths import check_output, clean_temporaries
from ..runs.progress import progress_default
from ..runs.signals import Interruption
from ..runs.workers import available_cores
from ..wire import NonrecipError, ParameterError, check_int
from . import models as _models
from .models import Model
from .spec import Grid
from .store import SweepStore

__all__ = ["run_sweep", "local_cluster", "default_workers", "SweepError"]

log = logging.getLogger(__name__)


class SweepError(NonrecipError):
    """Some points could not be computed at all (e.g. their tasks were
    cancelled); the others are stored, ``resume`` computes the rest.
    """


def default_workers() -> int:
    """Cores available to this process (the default local cluster size;
    :func:`nonrecip.runs.workers.available_cores`).
    """
    return available_cores()


#: Dask settings of the default local cluster (scheduler, nannies and the
#: workers they spawn, which inherit them, also after a restart). Measured on
#: 2 cores with ``benchmarks/bench_sweep.py`` (issue 6): Dask's defaults cost
#: the idle cluster ~0.2 core (20 ms event-loop ticks of the scheduler and
#: nannies in this process, the workers' 10 ms statistical profiler, 100 ms
#: memory polls) and let each single-threaded worker hold a second task
#: (worker-saturation 1.1 rounds up to 2), so a worker that frees first has
#: already been given the next short point while the long ones queue on the
#: other: 0.5-1 s of one core idle at the end of an 8-point sweep.
LOCAL_CLUSTER_CONFIG = {
    # a task goes to a worker only when its thread is free: the pool's greedy order
    "distributed.scheduler.worker-saturation": 1.0,
    # nobody looks at the profiles (no dashboard); sampling every 10 ms costs ~2% per worker
    "distributed.worker.profile.enabled": False,
    # event-loop health check (warns when blocked > 3 s); 20 ms costs ~5% of a core here
    "distributed.admin.tick.interval": "500ms",
    # dashboard statistics only
    "distributed.admin.system-monitor.interval": "2s",
    # memory limit checks (pause/spill/restart) once a second, not ten times
    "distributed.worker.memory.monitor-interval": "1s",
}


def local_cluster(n_workers: int | None = None, **kwargs: Any):
    """The default cluster: a :class:`distributed.LocalCluster` on loopback
    with ``n_workers`` single-threaded worker processes (default: one per
    core), no dashboard, quiet logs, and :data:`LOCAL_CLUSTER_CONFIG` (lower
    background CPU, one task per worker thread at a time). Keyword
    arguments override the cluster options; for other Dask settings, start
    your own cluster and pass it as ``scheduler``.
    """
    import dask
    from distributed import LocalCluster

    opts = dict(n_workers=n_workers or default_workers(), threads_per_worker=1, processes=True,
                host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
                # no dashboard; the scheduler's small HTTP server (health checks) on a free
                # loopback port, never 8787, which another cluster may hold
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    if kwargs.get("processes") is False:  # worker threads in this process talk over inproc://
        opts.pop("host")
    opts.update(kwargs)
    # read when the scheduler, nannies and workers are created (nannies hand it to their workers)
    with dask.config.set(LOCAL_CLUSTER_CONFIG):
        return LocalCluster(**opts)


def _ignore_sigint() -> None:
    """Run in every worker of our own local cluster: Ctrl-C in a terminal
    reaches the whole process group, and the workers must leave it to the
    client (which stores the finished points and closes the cluster)
    instead of each printing a KeyboardInterrupt traceback.
    """
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_plugin():
    from distributed import WorkerPlugin

    class IgnoreSigint(WorkerPlugin):
        name = "nonrecip-ignore-sigint"

        def setup(self, worker) -> None:
            _ignore_sigint()

    return IgnoreSigint()


@contextmanager
def _client(scheduler: Any, workers: int | None) -> Iterator[Any]:
    """A connected :class:`distributed.Client`; closes what it opened
    (client first, then the local cluster).
    """
    from distributed import Client

    if scheduler is None:
        cluster = local_cluster(workers)
        try:
            client = Client(cluster)
            try:
                client.register_plugin(_worker_plugin())  # also applied to restarted workers
                yield client
            finally:
                client.close()
        finally:
            cluster.close()
    elif isinstance(scheduler, Client):
        yield scheduler
    else:
        address = getattr(scheduler, "scheduler_address", scheduler)  # a cluster object
        try:  # gives up after dask's distributed.comm.timeouts.connect (30 s unless configured)
            client = Client(address)
        except (OSError, TimeoutError) as e:
            raise ParameterError("scheduler", str(address),
                                 f"no Dask scheduler answers there ({type(e).__name__}); "
                                 "give tcp://HOST:PORT of a running `dask scheduler`") from None
        try:
            yield client
        finally:
            client.close()


def _row(model: Model, point, *, status: str, error: str | None = None,
         outputs: Mapping[str, float] | None = None) -> dict:
    row = {"point_id": point.key, "model": model.name, "status": status, "error": error}
    row.update(point.params)
    row.update(outputs or {})
    return row


def _n_workers(client) -> int:
    try:
        return max(1, len(client.scheduler_info()["workers"]))
    except Exception:  # pragma: no cover - info unavailable
        return 1


def _auto_chunk(prepared: list, n_workers: int) -> int:
    """Batches per task: about four tasks per worker over the whole sweep,
    never fewer tasks than one per point.
    """
    total = sum(p.kwargs.get("n_batches", 1) for p in prepared)
    return max(1, math.ceil(total / (4 * n_workers)))


def _submit(client, model: Model, todo: list, chunk_batches: int | None, retries: int) -> dict:
    """Submit every point (one graph update per kind of task); returns
    {point future: point}.
    """
    token = uuid.uuid4().hex[:8]
    base = [f"nonrecip-{model.name}-{point.key}-{token}" for point, _ in todo]
    preps = [prep for _, prep in todo]
    if not model.stochastic:
        futs = client.map(_models.solve_point, [model.solver] * len(todo), preps, key=base,
                          retries=retries, pure=False)
        return dict(zip(futs, (point for point, _ in todo)))
    size = chunk_batches or _auto_chunk(preps, _n_workers(client))
    chunk_preps, chunk_ids, chunk_keys, owner = [], [], [], []
    for i, prep in enumerate(preps):
        nb = prep.kwargs["n_batches"]
        for j, start in enumerate(range(0, nb, size)):
            chunk_preps.append(prep)
            chunk_ids.append(list(range(start, min(start + size, nb))))
            chunk_keys.append(f"{base[i]}-c{j}")
            owner.append(i)
    chunks = client.map(_models.mc_chunk, chunk_preps, chunk_ids, key=chunk_keys, retries=retries, pure=False)
    parts: list[list] = [[] for _ in preps]
    for i, f in zip(owner, chunks):
        parts[i].append(f)
    # combining is cheap and frees the chunk sums: run it as soon as a point's chunks are done
    futs = client.map(_models.mc_combine, preps, parts, key=base, retries=retries, pure=False, priority=1)
    return dict(zip(futs, (point for point, _ in todo)))


def run_sweep(model: str | Grid, grid: Mapping[str, Any] | None = None, *, out: str | os.PathLike | None = None,
              scheduler: Any = None, workers: int | None = None, resume: bool = False,
              progress: bool = False, chunk_batches: int | None = None, retries: int = 2,
              callback: Callable[[dict], None] | None = None, flush_seconds: float = 5.0,
              overwrite: bool = False, ensemble_over: str | None = None):
    """Run a parameter sweep on Dask and return its table.

    Parameters
    ----------
    model : str or Grid
        ``"classical"``, ``"circuit"``, ``"simulate"``, ``"quantum"`` (those
        in :data:`nonrecip.sweep.MODELS`), or a ready :class:`Grid`.
    grid : mapping, optional
        Parameter -> values (list, single value, or text ``"0.5,0.9"`` /
        ``"4:40:2"``); the sweep is their Cartesian product, defaults fill
        the rest. Names as in the table (``N``, ``Ig``) or the CLI (``n``,
        ``ig``).
    out : path, optional
        Table to write, ``.parquet`` or ``.csv``: incrementally and
        atomically while the sweep runs (see :mod:`nonrecip.sweep.store`).
    scheduler : str, Client or cluster, optional
        ``"tcp://HOST:PORT"`` of an existing Dask scheduler, a connected
        :class:`distributed.Client` (left open) or a cluster object. Default:
        a :func:`local_cluster` started and closed here.
    workers : int, optional
        Size of the local cluster (default: the cores of this machine); not
        allowed together with ``scheduler``.
    resume : bool
        Keep the points already in ``out`` and compute only the others; rows
        of points not in this grid are moved to ``STEM.set-aside.SUFFIX``.
    progress : bool or None
        Show a progress bar on stderr (points done, time left); ``None``:
        when stderr is a terminal.
    chunk_batches : int, optional
        Monte Carlo batches per task (default: about four tasks per worker).
    retries : int
        Times Dask re-runs a task that raised unexpectedly.
    callback : callable, optional
        Called on the client with each new row once it is stored.
    flush_seconds : float
        Rewrite the table at most this often while running (every finished
        point is durable at once in the parts journal anyway).
    overwrite : bool, default False
        Replace an existing ``out`` (otherwise refused without ``resume``).
    ensemble_over : str, optional
        A parameter (e.g. ``"disorder_seed"``): ``df.attrs["ensemble"]`` is
        then the table of ensemble statistics over it per remaining point
        (:func:`nonrecip.sweep.ensemble.ensemble_table`).

    Returns
    -------
    pandas.DataFrame
        One row per point of the grid, in grid order: ``point_id, model,
        status ("ok"/"error"), error``, the parameters, and the outputs
        (``I_in_forward``, ``I_in_reverse``, ``I_out_*``, ``delta_I``...,
        ``*_stderr`` for Monte Carlo). ``df.attrs`` has ``computed``,
        ``reused`` and ``errors`` counts of this run, and ``set_aside`` (rows
        moved out of the table) with ``set_aside_path``.

    Raises
    ------
    ParameterError
        Bad grid, options or output file (before anything runs): an
        existing ``out`` without ``resume`` or ``overwrite``, an ``out``
        another sweep is writing.
    SweepError
        Some points got no result at all (stored points are kept).
    KeyboardInterrupt
        Propagated after the finished points are written.
    """
    g = model if isinstance(model, Grid) else Grid(model, grid or {})
    if isinstance(model, Grid) and grid:
        raise ParameterError("grid", dict(grid), "give either a Grid or a model name with its grid")
    m = g.spec
    over = None if ensemble_over is None else m.param(ensemble_over).name  # ensemble hook (validated first)
    if workers is not None:
        workers = check_int("workers", workers, lo=1)
        if scheduler is not None:
            raise ParameterError("workers", workers, "sizes the local cluster; an existing cluster (--scheduler) has its own workers")
    if chunk_batches is not None:
        chunk_batches = check_int("chunk_batches", chunk_batches, lo=1)
    retries = check_int("retries", retries, lo=0)

    if out is not None:
        out = check_output("out", out, (".parquet", ".csv"), resume=resume, overwrite=True)
        parts = out.with_name(out.name + ".parts")
        if not resume and not overwrite and (out.exists() or any(parts.glob("part-*.json"))):
            raise ParameterError("out", str(out), "exists; pass --resume to continue it or --overwrite to replace it")

    points = g.points()
    order = [p.key for p in points]
    with contextlib.ExitStack() as stack:
        if out is not None:
            stack.enter_context(FileLock(out, "out"))
            clean_temporaries(out)
        store = SweepStore(out, m.name, resume=resume, flush_seconds=flush_seconds)
        store.columns = {p.name: p.kind for p in m.params}
        stop = stack.enter_context(Interruption())
        df = _run(m, points, order, store, out, stop, scheduler=scheduler, workers=workers,
                  progress=progress_default(progress), chunk_batches=chunk_batches, retries=retries,
                  callback=callback)
    if over is not None:  # ensemble hook
        from .ensemble import ensemble_table

        df.attrs["ensemble"] = ensemble_table(df, over, [p.name for p in m.params])
    return df


def _run(m: Model, points: list, order: list[str], store: SweepStore, out: Path | None, stop: Interruption, *,
         scheduler: Any, workers: int | None, progress: bool, chunk_batches: int | None, retries: int,
         callback: Callable[[dict], None] | None):
    """The body of :func:`run_sweep` once its inputs and output are checked and locked."""
    columns = store.columns
    set_aside, set_aside_path = _set_aside(store, order, out)
    reused = sum(k in store for k in order)

    counts = {"computed": 0, "errors": 0}

    def record(rows: list[dict]) -> None:
        store.add(rows)
        for r in rows:
            counts["computed"] += 1
            counts["errors"] += r["status"] != "ok"
            if bar is not None:
                bar.advance(errors=counts["errors"])
            if callback is not None:
                callback(r)

    bar = None
    try:
        todo, bad = [], []
        for p in points:
            if p.key in store:
                continue
            try:
                todo.append((p, m.prepare(p.params)))
            except NonrecipError as e:
                bad.append(_row(m, p, status="error", error=f"{type(e).__name__}: {e}"))
        total = len(todo) + len(bad)
        if progress and total:
            from ._progress import Bar

            bar = Bar(m.name, total, reused)
        record(bad)
        if todo:
            _compute(m, todo, scheduler, workers, chunk_batches, retries, record, stop)
    finally:
        if bar is not None:
            bar.close()
        store.flush(order)

    missing = [k for k in order if k not in store]
    df = store.frame(order, only=True, columns=columns)
    df.attrs.update(computed=counts["computed"], reused=reused, errors=int((df["status"] != "ok").sum()),
                    set_aside=set_aside, set_aside_path=None if set_aside_path is None else str(set_aside_path))
    if missing and stop.signalled is None:
        raise SweepError(f"{len(missing)} of {len(order)} points got no result (cancelled); "
                         f"the others are stored{' in ' + str(out) if out else ''}: run again with resume")
    return df


def _set_aside(store: SweepStore, order: list[str], out: Path | None) -> tuple[int, Path | None]:
    """Move the stored rows of points not in the grid (a resume with a changed
    grid) to ``STEM.set-aside.SUFFIX``; returns how many and where.
    """
    keep = set(order)
    stale = [k for k in store.rows if k not in keep]
    if not stale or out is None:
        return 0, None
    import warnings

    from ..results import write_table
    from .store import read_table
    from .table import make_frame

    path = out.with_name(f"{out.stem}.set-aside{out.suffix}")
    rows = {k: store.rows.pop(k) for k in stale}
    if path.exists():  # earlier set-aside rows stay; the newest row of a point wins
        old = read_table(path).to_dict("records")
        rows = {**{str(r["point_id"]): r for r in old}, **rows}
    write_table(make_frame(list(rows.values()), columns=None), path)
    store.mark_dirty()
    warnings.warn(f"{len(stale)} rows of points not in this grid were moved from {out} to {path}",
                  UserWarning, stacklevel=3)
    return len(stale), path


#: while results keep streaming in, finished rows are journaled at most this
#: often (s); a row is always journaled before the client waits for more
JOURNAL_SECONDS = 0.25


def _compute(m: Model, todo: list, scheduler, workers, chunk_batches, retries, record,
             stop: Interruption | None = None) -> None:
    import time
    from concurrent.futures import CancelledError

    from distributed import as_completed

    def prompt():  # a signal while waiting for results interrupts at once
        return stop.prompt() if stop is not None else contextlib.nullcontext()

    with _client(scheduler, workers) as client:
        futures = _submit(client, m, todo, chunk_batches, retries)
        pending: list[dict] = []
        last = time.monotonic()
        try:
            # results are fetched in the client's event loop as tasks finish,
            # not one blocking round trip per point
            done = as_completed(list(futures), with_results=True, raise_errors=False)
            batches = done.batches()
            while True:
                with prompt():
                    batch = next(batches, None)
                if batch is None:
                    break
                for f, outputs in batch:
                    point = futures.pop(f)
                    status = f.status
                    f.release()
                    if status == "cancelled" or isinstance(outputs, CancelledError):
                        continue
                    if status == "error":  # the task failed after its retries
                        exc = outputs[1]
                        pending.append(_row(m, point, status="error", error=f"{type(exc).__name__}: {exc}"))
                    elif "__error__" in outputs:
                        pending.append(_row(m, point, status="error", error=outputs["__error__"]))
                    else:
                        pending.append(_row(m, point, status="ok", outputs=outputs))
                # durable before waiting again; coalesced while results stream in
                if not done.has_ready() or time.monotonic() - last >= JOURNAL_SECONDS:
                    rows, pending = pending, []
                    record(rows)
                    last = time.monotonic()
        finally:
            if pending:
                record(pending)
            if futures:
                client.cancel(list(futures))
