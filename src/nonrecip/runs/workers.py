"""Worker counts: one rule for threads (simulate, trajectory) and processes (sweep)."""

from __future__ import annotations

import os

from ..wire import check_int

__all__ = ["available_cores", "worker_count"]


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity; the CPU count elsewhere)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def worker_count(workers: int | None, tasks: int) -> int:
    """Workers for ``tasks`` independent tasks.

    Parameters
    ----------
    workers : int or None
        Asked for (>= 1); ``None``: :func:`available_cores`.
    tasks : int
        Independent tasks; never more workers than tasks (at least one).

    Raises
    ------
    ParameterError
        ``workers`` is not an integer >= 1.
    """
    n = available_cores() if workers is None else check_int("workers", workers, lo=1)
    return max(1, min(n, int(tasks)))
