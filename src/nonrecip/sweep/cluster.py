"""The local Dask cluster of a sweep: worker processes forked from a warm server.

:func:`local_cluster` starts a :class:`distributed.LocalCluster` on loopback
whose worker processes (one per nanny, as with Dask's defaults) are not
spawned as fresh interpreters but forked from a *fork server*
(:mod:`multiprocessing.forkserver`, Dask's
``distributed.worker.multiprocessing-method = "forkserver"``), started once
per process by :func:`start_fork_server`. That server imports what a worker
runs (Dask's worker, numpy, the sweep's models) and, when given a point of
the sweep, computes a little of it so that the compiled kernels are loaded
(:mod:`nonrecip.sweep._fork_server`); every worker forked from it starts
with all of that done. Measured on 2 cores (``benchmarks/bench_sweep.py``):

* start: each spawned worker imported Dask and nonrecip and loaded the
  kernels itself (~1.5 s of CPU each, at once on the two cores that the
  sweep wants); the server does it once, while this process goes on
  computing points (:func:`nonrecip.sweep.run._execute` asks
  :func:`start_fork_server`'s ``ready`` when to stop);
* shut-down: a spawned worker ended by finalizing its interpreter (0.5-1.5
  s: numba's and LLVM's objects torn down one by one); a forked one leaves
  with ``os._exit`` once Dask has closed it (~0.05 s).

Same run, load 7 on 2 cores, 8 Monte Carlo points: start-up 1.5 -> 0.2 s
(2 points computed here meanwhile), shut-down 1.0 -> 0.05 s, the whole
sweep 13.1 -> 10.6 s. A later sweep of the same process forks from the same
server (a cluster in ~0.3 s); the server holds the kernels of the first
sweep's point only: workers of a sweep of another model, or of a server that
a bare :func:`local_cluster` started, load theirs at their first task. Nannies are kept (a worker that dies is restarted, memory limits
hold); a worker they restart is spawned as usual. Workers forked from the
server ignore SIGINT from the start (Ctrl-C in a terminal reaches the whole
process group: the client, not each worker, handles it).
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..runs.workers import available_cores

__all__ = ["LOCAL_CLUSTER_CONFIG", "local_cluster", "start_fork_server", "worker_plugin", "READY_SECONDS",
           "record_cost", "known_cost"]

#: Dask settings of the default local cluster (scheduler, nannies and the
#: workers they start, which inherit them). Measured on 2 cores with
#: ``benchmarks/bench_sweep.py`` (issue 6): Dask's defaults cost the idle
#: cluster ~0.2 core (20 ms event-loop ticks of the scheduler and nannies in
#: this process, the workers' 10 ms statistical profiler, 100 ms memory
#: polls) and let each single-threaded worker hold a second task
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
    # workers forked from the warm server of start_fork_server (see the module docstring)
    "distributed.worker.multiprocessing-method": "forkserver",
}

#: the module the fork server imports first (it imports the rest itself)
PRELOAD = "nonrecip.sweep._fork_server"
#: environment variable naming the directory of the server's warm-up point and ready mark
ENV = "NONRECIP_FORK_SERVER_DIR"
#: the caller stops waiting for the server's ready mark after this long (s) and
#: starts the cluster, which then waits for the server itself: never wrong, only
#: later than computing here meanwhile (at a load of 10 on 2 cores the server
#: took 5-10 s)
READY_SECONDS = 30.0

_lock = threading.Lock()
_server: dict[str, Any] = {}


def _fork_server_available() -> bool:
    import multiprocessing

    return "forkserver" in multiprocessing.get_all_start_methods()


def _forkserver_pid() -> int | None:
    from multiprocessing import forkserver

    return getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)


def start_fork_server(warm: tuple[str, Any, bool] | None = None) -> Callable[[], bool]:
    """Start the fork server of the local clusters' workers, once per process.

    The server (a fresh interpreter) imports Dask's worker and nonrecip's
    sweep models and, with ``warm``, computes a little of one point so that
    its compiled kernels are loaded before workers are forked from it
    (:mod:`nonrecip.sweep._fork_server`). Returns at once.

    Parameters
    ----------
    warm : (solver, Prepared, stochastic), optional
        A point of the sweep: a Monte Carlo point runs one short batch of
        its kind; a deterministic one is solved (pass it only when cheap).

    Returns
    -------
    ready : callable
        ``ready()`` is True once the server has done its imports (or when
        it is not ours, or after :data:`READY_SECONDS`); until then a
        cluster start would wait for it.
    """
    import multiprocessing
    from multiprocessing import forkserver

    if not _fork_server_available():  # e.g. Windows: workers are spawned
        return lambda: True
    with _lock:
        pid = _forkserver_pid()
        if "ready" in _server and _server["pid"] == pid:  # ours, still up
            return _server["ready"]
        if pid is not None:  # another's server (without our preload): don't wait for a mark
            return lambda: True
        folder = Path(tempfile.mkdtemp(prefix="nonrecip-fork-server-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        if warm is not None:
            (folder / "warm.pickle").write_bytes(pickle.dumps(warm))
        # the server's environment is its workers': Dask's pre-spawn settings (single-threaded
        # BLAS, malloc trimming, the hash seed of its workers), which a forked worker cannot set
        import dask
        import distributed.utils  # also loads Dask's distributed settings

        env = {k: str(v) for k, v in (dask.config.get("distributed.nanny.pre-spawn-environ") or {}).items()}
        env.setdefault("PYTHONHASHSEED", "6640")
        env[ENV] = str(folder)
        # the server imports before it is told this process's sys.path (forked workers are)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        multiprocessing.get_context("forkserver").set_forkserver_preload([PRELOAD])
        distributed.utils._forkserver_preload_set = True  # Dask would replace our preload list
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        # SIGINT blocked (held, not lost, here) while the server is spawned: it starts with SIGINT
        # blocked, so a Ctrl-C during its imports cannot kill it with a traceback (it ignores
        # SIGINT, then unblocks it), as multiprocessing's resource tracker does
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            forkserver.ensure_running()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        deadline = time.monotonic() + READY_SECONDS
        mark = folder / "ready"
        seen = threading.Event()

        def ready() -> bool:
            if not seen.is_set() and (mark.exists() or time.monotonic() > deadline):
                seen.set()
                shutil.rmtree(folder, ignore_errors=True)  # the server reads nothing more there
            return seen.is_set()

        _server.update(pid=_forkserver_pid(), ready=ready)
        return ready


def record_cost(seconds: float) -> None:
    """Record what starting and closing a local cluster of this process took (s, wall)."""
    with _lock:
        _server["cost"] = seconds


def known_cost() -> float | None:
    """Return the start-up plus shut-down of this process's last local cluster (s).

    None unless one was measured and the fork server it came from is still
    up (a new cluster costs the same again; a new server costs more).
    """
    with _lock:
        if "cost" not in _server or "ready" not in _server or _server["pid"] != _forkserver_pid() \
                or not _server["ready"]():
            return None
        return float(_server["cost"])


def local_cluster(n_workers: int | None = None, **kwargs: Any):
    """Start the default cluster: a :class:`distributed.LocalCluster` on loopback.

    With ``n_workers`` single-threaded worker processes (default: one per
    core) forked from the warm server of :func:`start_fork_server` (see the
    module docstring), no dashboard, quiet logs, and
    :data:`LOCAL_CLUSTER_CONFIG` (lower background CPU, one task per worker
    thread at a time). Keyword arguments override the cluster options; for
    other Dask settings, start your own cluster and pass it as ``scheduler``.
    """
    import dask
    from distributed import LocalCluster

    opts = dict(n_workers=n_workers or available_cores(), threads_per_worker=1, processes=True,
                host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
                # no dashboard; the scheduler's small HTTP server (health checks) on a free
                # loopback port, never 8787, which another cluster may hold
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    if kwargs.get("processes") is False:  # worker threads in this process talk over inproc://
        opts.pop("host")
    opts.update(kwargs)
    config = dict(LOCAL_CLUSTER_CONFIG)
    if not _fork_server_available():
        del config["distributed.worker.multiprocessing-method"]
    elif opts["processes"]:
        start_fork_server()
    # read when the scheduler, nannies and workers are created (nannies hand it to their workers)
    with dask.config.set(config):
        return LocalCluster(**opts)


def _ignore_sigint() -> None:
    """Ignore SIGINT in every worker of our own local cluster.

    Ctrl-C in a terminal reaches the whole process group, and the workers must leave it to the
    client (which stores the finished points and closes the cluster)
    instead of each printing a KeyboardInterrupt traceback. (Forked workers ignore it from
    the start; one a nanny restarts is spawned and ignores it from here on.)
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


class _SchedulerClosing(logging.Filter):
    """Drop a worker's "Failed to communicate with scheduler during heartbeat" traceback.

    The scheduler of our own local cluster lives in the client's process, which closes it
    (a heartbeat in flight then fails, a race seen at high load); it is nothing the user can act on.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to communicate with scheduler during heartbeat")


def worker_plugin():
    """Return the worker plugin of our own local cluster.

    Its workers ignore SIGINT and do not log the closing of their scheduler as an error.
    """
    from distributed import WorkerPlugin

    class IgnoreSigint(WorkerPlugin):
        name = "nonrecip-ignore-sigint"

        def setup(self, worker) -> None:
            _ignore_sigint()
            logging.getLogger("distributed.worker").addFilter(_SchedulerClosing())

    return IgnoreSigint()
