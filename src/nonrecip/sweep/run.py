"""Running a sweep: in this process when it is small, on Dask distributed otherwise.

:func:`run_sweep` expands the grid, skips the points already stored (with
``resume``), records bad points at once (their parameters are validated on
the client), and computes the rest (:mod:`nonrecip.sweep.execute`):

* without ``scheduler`` the first points are computed here and timed; a
  sweep estimated under :data:`~nonrecip.sweep.execute.SMALL_SECONDS` (or
  ``workers=1``; once a local cluster was started in this process, under
  the smaller of that and its measured start-up plus shut-down time times
  ``n/(n-1)``) is finished here,
  without a cluster; a larger one goes to a :class:`distributed.LocalCluster`
  on this machine -- loopback only, one single-threaded worker process per
  core, forked from a warm server (:mod:`nonrecip.sweep.cluster`) --
  started and stopped here with no set-up; while that server starts, the
  next points are computed here;
* with ``scheduler="tcp://HOST:PORT"`` (or a client or cluster object) an
  existing cluster, through :class:`distributed.Client` (its workers need
  nonrecip installed), always.

On a cluster, cheap deterministic points go several to a task, about
:data:`~nonrecip.sweep.execute.TASK_SECONDS` of measured work each (at least
four tasks per worker), so Dask's few milliseconds per task do not show.
A Monte Carlo point is split into
chunks of ``chunk_batches`` batches, one task each
(:func:`nonrecip.stochastic.run_batches`, whose batch streams come from
``SeedSequence(seed)``), and one task combining them
(:func:`nonrecip.stochastic.combine`): the estimate and error bar are those
of the serial ``simulate`` with the point's seed, bit for bit, wherever the
point ran.

Faults. Dask reschedules the tasks of a worker that dies (its nanny restarts
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
import time
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
from .cluster import known_cost, local_cluster, record_cost, start_fork_server, worker_plugin
from .execute import SMALL_SECONDS, TASK_SECONDS, make_row, points_per_task, row_of, run_here, solve_batch
from .models import Model
from .spec import Grid, check_scheduler
from .store import SweepStore

__all__ = ["run_sweep", "local_cluster", "default_workers", "SweepError"]

log = logging.getLogger(__name__)


class SweepError(NonrecipError):
    """Some points could not be computed at all (e.g. their tasks were cancelled).

    The others are stored; ``resume`` computes the rest.
    """


#: most output and bookkeeping columns a sweep row adds to its parameters (the disk estimate)
OUTPUT_COLUMNS = 16


def default_workers() -> int:
    """Return the cores available to this process (the default local cluster size).

    :func:`nonrecip.runs.workers.available_cores`.
    """
    return available_cores()


def _quiet_shutdown() -> None:
    """Mute the logs of closing our own client (and cluster) after an interruption or error.

    Futures still in flight when the connections close make tornado and distributed log
    ``CommClosedError`` tracebacks; the user is told in one line what was kept, and
    nothing of that shutdown is theirs to act on.
    """
    for name in ("tornado.application", "tornado.general", "distributed", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


@contextmanager
def _client(scheduler: Any, workers: int | None) -> Iterator[Any]:
    """Yield a connected :class:`distributed.Client`.

    Closes what it opened (client first, then the local cluster).
    """
    from distributed import Client

    if scheduler is None:
        t = time.monotonic()
        cluster = local_cluster(workers)
        started = time.monotonic() - t
        try:
            client = Client(cluster, set_as_default=False)  # never the default of other code here
            try:
                client.register_plugin(worker_plugin())  # also applied to restarted workers
                yield client
            except BaseException:
                _quiet_shutdown()
                raise
            finally:
                client.close()
        finally:
            t = time.monotonic()
            cluster.close()
            record_cost(started + time.monotonic() - t)
    elif isinstance(scheduler, Client):
        yield scheduler
    else:
        address = getattr(scheduler, "scheduler_address", scheduler)  # a cluster object
        try:  # gives up after dask's distributed.comm.timeouts.connect (30 s unless configured)
            client = Client(address, set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise ParameterError("scheduler", str(address),
                                 f"no Dask scheduler answers there ({type(e).__name__}); "
                                 "give tcp://HOST:PORT of a running `dask scheduler`") from None
        try:
            yield client
        except BaseException:  # in-flight gathers on the closing connection would log tracebacks
            _quiet_shutdown()
            raise
        finally:
            client.close()


def _n_workers(client) -> int:
    try:
        return max(1, len(client.scheduler_info()["workers"]))
    except Exception:  # pragma: no cover - info unavailable
        return 1


def _auto_chunk(prepared: list, n_workers: int) -> int:
    """Return the batches per task: about four tasks per worker over the whole sweep.

    Never fewer tasks than one per point.
    """
    total = sum(p.kwargs.get("n_batches", 1) for p in prepared)
    return max(1, math.ceil(total / (4 * n_workers)))


def _submit(client, model: Model, todo: list, chunk_batches: int | None, retries: int,
            size: int = 1) -> dict:
    """Submit points (one graph update per kind of task); returns {future: points}.

    Deterministic points go ``size`` to a task (:func:`~.execute.solve_batch`);
    a Monte Carlo point is split into chunks of batches and combined.
    """
    token = uuid.uuid4().hex[:8]
    if not model.stochastic:
        groups = [todo[i:i + size] for i in range(0, len(todo), size)]
        keys = [f"nonrecip-{model.name}-{g[0][0].key}-{len(g)}-{token}" for g in groups]
        futs = client.map(solve_batch, [model.solver] * len(groups), [[prep for _, prep in g] for g in groups],
                          key=keys, retries=retries, pure=False)
        return dict(zip(futs, ([point for point, _ in g] for g in groups), strict=True))
    base = [f"nonrecip-{model.name}-{point.key}-{token}" for point, _ in todo]
    preps = [prep for _, prep in todo]
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
    for i, f in zip(owner, chunks, strict=True):
        parts[i].append(f)
    # combining is cheap and frees the chunk sums: run it as soon as a point's chunks are done
    futs = client.map(_models.mc_combine, preps, parts, key=base, retries=retries, pure=False, priority=1)
    return dict(zip(futs, ([point] for point, _ in todo), strict=True))


def run_sweep(model: str | Grid, grid: Mapping[str, Any] | None = None, *, out: str | os.PathLike | None = None,
              scheduler: Any = None, workers: int | None = None, resume: bool = False,
              progress: bool = False, chunk_batches: int | None = None, retries: int = 2,
              callback: Callable[[dict], None] | None = None, flush_seconds: float = 5.0,
              overwrite: bool = False, ensemble_over: str | None = None):
    """Run a parameter sweep, here or on Dask, and return its table.

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
        :class:`distributed.Client` (left open) or a cluster object: every
        point is computed there. Default: this process for a small sweep
        (estimated under :data:`~nonrecip.sweep.execute.SMALL_SECONDS` from
        its first points), else a :func:`local_cluster` started and closed here.
    workers : int, optional
        Size of the local cluster (default: the cores of this machine); 1
        computes every point in this process. Not allowed together with
        ``scheduler``.
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
    check_scheduler(scheduler)  # an address, before anything runs
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
    if out is not None:  # room for the table, its atomic rewrite and the row journal, before any work
        from ..runs.budget import check_table_space

        check_table_space("out", out, len(points), len(m.params) + OUTPUT_COLUMNS, journal=True)
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
    """Run the body of :func:`run_sweep` once its inputs and output are checked and locked."""
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
                bad.append(make_row(m, p, status="error", error=f"{type(e).__name__}: {e}"))
        total = len(todo) + len(bad)
        if progress and total:
            from ._progress import Bar

            bar = Bar(m.name, total, reused)
        record(bad)
        if todo:
            _execute(m, todo, scheduler, workers, chunk_batches, retries, record, stop)
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
    """Move the stored rows of points not in the grid to ``STEM.set-aside.SUFFIX``.

    A resume with a changed grid; returns how many and where.
    """
    keep = set(order)
    stale = [k for k in store.rows if k not in keep]
    if not stale or out is None:
        return 0, None
    import warnings

    from .store import read_table, write_sweep_table
    from .table import make_frame

    path = out.with_name(f"{out.stem}.set-aside{out.suffix}")
    rows = {k: store.rows.pop(k) for k in stale}
    if path.exists():  # earlier set-aside rows stay; the newest row of a point wins
        old = read_table(path).to_dict("records")
        rows = {**{str(r["point_id"]): r for r in old}, **rows}
    write_sweep_table(make_frame(list(rows.values()), columns=None), path)
    store.mark_dirty()
    warnings.warn(f"{len(stale)} rows of points not in this grid were moved from {out} to {path}",
                  UserWarning, stacklevel=3)
    return len(stale), path


def _execute(m: Model, todo: list, scheduler, workers, chunk_batches, retries, record,
             stop: Interruption) -> None:
    """Compute ``todo`` here or on Dask (:mod:`nonrecip.sweep.execute`).

    Without a scheduler the first points are computed and timed here; the
    rest stays here when a single worker is asked for, this process may use
    one core only, or the sweep is estimated under
    :data:`~nonrecip.sweep.execute.SMALL_SECONDS`; otherwise a local cluster
    gets it, cheap points batched by the measured cost. While the server its
    workers are forked from starts (:func:`~nonrecip.sweep.cluster.start_fork_server`),
    points go on being computed here (every point gives the same row
    wherever it is computed). A scheduler or client given always gets all
    the points.
    """
    seconds = math.nan
    if scheduler is None:
        n = workers or default_workers()
        alone = n == 1
        done, seconds = run_here(m, todo, record, stop, probe=not alone)
        todo = todo[done:]
        if alone or not todo or seconds * len(todo) < _small_seconds(n):
            run_here(m, todo, record, stop)
            return
        ready = start_fork_server(_warm_point(m, todo, seconds))
        todo = todo[_here_until(ready, m, todo, record, stop, seconds, keep=n):]
    _compute(m, todo, scheduler, workers, chunk_batches, retries, record, stop, seconds=seconds)


def _small_seconds(n: int) -> float:
    """Return the estimated work (s) under which a sweep is finished here rather than on ``n`` workers.

    :data:`~nonrecip.sweep.execute.SMALL_SECONDS` while no local cluster was
    started in this process: the first one waits for its workers' server
    (imports, kernels), meanwhile computing here. Once one was, with the fork
    server up, a cluster costs its measured start-up and shut-down ``c``, and
    ``n`` workers finish sooner only when the work exceeds ``c n / (n - 1)``.
    """
    cost = known_cost()
    return SMALL_SECONDS if cost is None else min(SMALL_SECONDS, cost * n / (n - 1))


#: points computed here while the workers' server starts go in runs of about this much work (s) ...
OVERLAP_SECONDS = 0.05
#: ... and a deterministic point warms that server (loads its kernels) if it costs less than this (s)
WARM_SECONDS = 0.2


def _warm_point(m: Model, todo: list, seconds: float) -> tuple[str, Any, bool] | None:
    """Return the point the workers' server computes a little of (the last one; None: too costly)."""
    if not m.stochastic and not seconds < WARM_SECONDS:
        return None
    return m.solver, todo[-1][1], m.stochastic


def _here_until(ready: Callable[[], bool], m: Model, todo: list, record, stop: Interruption,
                seconds: float, keep: int) -> int:
    """Compute points of ``todo`` here, in order, until ``ready()``; leave at least ``keep``.

    Returns how many were done (the first ones).
    """
    step = max(1, int(OVERLAP_SECONDS / seconds)) if seconds > 0 else 1
    done, end = 0, len(todo) - keep
    while done < end and not ready():
        done += run_here(m, todo[done:min(done + step, end)], record, stop)[0]
    return done


#: while results keep streaming in, finished rows are journaled at most this
#: often (s); a row is always journaled before the client waits for more
JOURNAL_SECONDS = 0.25


def _compute(m: Model, todo: list, scheduler, workers, chunk_batches, retries, record,
             stop: Interruption | None = None, seconds: float = math.nan) -> None:
    """Compute ``todo`` on Dask.

    Deterministic points go to tasks of :func:`~.execute.points_per_task`
    points of ``seconds`` each; unknown (NaN): the first tasks, one point per
    worker, are timed on the workers and size the rest.
    """
    import time
    from concurrent.futures import CancelledError

    from distributed import as_completed

    def prompt():  # a signal while waiting for results interrupts at once
        return stop.prompt() if stop is not None else contextlib.nullcontext()

    with _client(scheduler, workers) as client:
        n_workers = _n_workers(client)
        rest: list = []
        if m.stochastic:
            futures = _submit(client, m, todo, chunk_batches, retries)
        elif math.isnan(seconds):  # time one point per worker first
            todo, rest = todo[:n_workers], todo[n_workers:]
            futures = _submit(client, m, todo, chunk_batches, retries)
        else:
            futures = _submit(client, m, todo, chunk_batches, retries,
                              size=points_per_task(seconds, len(todo), n_workers))
        pending: list[dict] = []
        last = time.monotonic()
        try:
            # results are fetched in the client's event loop as tasks finish,
            # not one blocking round trip per point; that loop, not the one of
            # dask's default client (another Client of this process would
            # drive our connections from its thread: corrupted writes, hangs)
            done = as_completed(list(futures), loop=client.loop, with_results=True, raise_errors=False)
            batches = done.batches()
            while True:
                with prompt():
                    batch = next(batches, None)
                if batch is None:
                    break
                times = []
                for f, outputs in batch:
                    points = futures.pop(f)
                    status = f.status
                    f.release()
                    if status == "cancelled" or isinstance(outputs, CancelledError):
                        continue
                    if status == "error":  # the task failed after its retries
                        exc = outputs[1]
                        pending.extend(make_row(m, point, status="error", error=f"{type(exc).__name__}: {exc}")
                                       for point in points)
                        continue
                    if m.stochastic:
                        outputs = [(outputs, math.nan)]
                    for point, (out, t) in zip(points, outputs, strict=True):
                        pending.append(row_of(m, point, out))
                        times.append(t)
                if rest and (times or not futures):  # the probe answered: batch the rest by its cost
                    t_point = sorted(times)[len(times) // 2] if times else TASK_SECONDS  # failed: one a task
                    size = points_per_task(t_point, len(rest), n_workers)
                    more = _submit(client, m, rest, chunk_batches, retries, size=size)
                    rest = []
                    futures.update(more)
                    done.update(list(more))
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
