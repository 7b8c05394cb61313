"""Independent batches on a thread pool (nogil kernels), stoppable, nothing lost.

The results never depend on the number of threads: each batch draws from its
own stream and the caller combines the batches in batch order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import TypeVar

__all__ = ["Stopped", "run_on_threads", "POLL_SECONDS"]

T = TypeVar("T")

#: how often the scheduling thread wakes up (progress, checkpoints, signals)
POLL_SECONDS = 0.2


class Stopped(Exception):
    """A batch was asked to stop (an interruption); its partial sums are dropped."""


def run_on_threads(one: Callable[[int, threading.Event], T], ids: Sequence[int], workers: int, *,
                   on_update: Callable[..., None] | None = None,
                   check: Callable[[], None] | None = None) -> list[T]:
    """Run ``one(b, stop)`` for every ``b`` in ``ids`` on ``workers`` threads.

    Parameters
    ----------
    one : callable
        Computes batch ``b``; should raise :class:`Stopped` soon after
        ``stop`` is set.
    ids : sequence of int
        Batches to run, in the order they are submitted.
    workers : int
        Threads; 1 runs the batches in this thread.
    on_update : callable, optional
        ``on_update(done)`` with the list of completed results, called from
        this thread about every :data:`POLL_SECONDS`, and once more with
        ``final=True`` when an exception stops the run.
    check : callable, optional
        Called from this thread as often; raising (e.g. ``KeyboardInterrupt``
        when a signal was received) stops the run like any exception.

    Returns
    -------
    list
        The results in completion order (batches that finished together in
        the order of ``ids``).

    Raises
    ------
    BaseException
        Whatever a batch or ``check`` raised (a :class:`Stopped` batch as
        ``KeyboardInterrupt`` when ``check`` asked for the stop), after the
        running batches are stopped and ``on_update(done, final=True)``.
    """
    done: list[T] = []
    stop = threading.Event()
    order = {b: i for i, b in enumerate(ids)}

    def final() -> None:
        if on_update is not None and done:
            on_update(done, final=True)

    if workers <= 1:
        # one thread: the batch runs here, so it polls ``check`` itself through ``stop``
        # (a signal would otherwise wait for the whole batch, e.g. 3*10^11 adjoint steps)
        stop = _Checked(check)
        try:
            for b in ids:
                if check is not None:
                    check()
                try:
                    done.append(one(b, stop))
                except Stopped:
                    if check is not None:
                        check()
                    raise KeyboardInterrupt from None
                if on_update is not None:
                    on_update(done)
            if check is not None:
                check()
        except BaseException:
            final()
            raise
        return done
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nonrecip-batch")
    futures = {pool.submit(one, b, stop): b for b in ids}
    pending = set(futures)
    try:
        while pending:
            finished, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            for f in sorted(finished, key=lambda f: order[futures[f]]):
                done.append(f.result())
            if on_update is not None:
                on_update(done)
            if check is not None:
                check()
    except BaseException:
        stop.set()
        for f in pending:
            f.cancel()
        pool.shutdown(wait=True)
        for f in sorted(pending, key=lambda f: order[futures[f]]):  # batches that completed while stopping
            if f.done() and not f.cancelled() and f.exception() is None:
                done.append(f.result())
        final()
        raise
    pool.shutdown(wait=True)
    return done


class _Checked(threading.Event):
    """An event that is also set when ``check`` raises (polled by a batch in the calling thread)."""

    def __init__(self, check: Callable[[], None] | None) -> None:
        super().__init__()
        self._check = check

    def is_set(self) -> bool:
        """Return True once set, or once ``check`` raises (a signal came; ``check`` re-raises it later)."""
        if super().is_set():
            return True
        if self._check is not None:
            try:
                self._check()
            except BaseException:
                self.set()
                return True
        return False
