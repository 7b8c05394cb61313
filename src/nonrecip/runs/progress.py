"""A progress bar with an ETA on stderr (rich); a no-op when disabled."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

__all__ = ["ProgressBar", "progress_default"]


def progress_default(progress: bool | None) -> bool:
    """``progress`` as given, or (``None``) on when stderr is a terminal."""
    if progress is None:
        try:
            return sys.stderr.isatty()
        except (AttributeError, ValueError):  # closed or replaced stderr
            return False
    return bool(progress)


class ProgressBar:
    """Work done out of ``total``, elapsed time and time left, on stderr.

    Parameters
    ----------
    label : str
        Shown before the bar (e.g. ``"simulate"``).
    total : float
        Units of work in this run.
    enabled : bool
        False (or ``total <= 0``): nothing is shown.
    completed : float
        Work already done (a resumed run).
    counts : bool
        Show ``done/total`` (integer units such as points or steps) instead
        of a percentage.
    transient : bool
        Remove the bar when done.
    """

    def __init__(self, label: str, total: float, *, enabled: bool, completed: float = 0.0,
                 counts: bool = False, transient: bool = False) -> None:
        self.label = label
        self.total = float(total)
        self.enabled = bool(enabled) and self.total > 0
        self.completed = float(completed)
        self.counts = counts
        self.transient = transient
        self._p: Any = None
        self._task: Any = None

    def __enter__(self) -> ProgressBar:
        """Show the bar (when enabled)."""
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            amount = MofNCompleteColumn() if self.counts else TextColumn("{task.percentage:>5.1f}%")
            self._p = Progress(TextColumn("{task.description}"), BarColumn(), amount, TimeElapsedColumn(),
                               TextColumn("left"), TimeRemainingColumn(), console=Console(file=sys.stderr),
                               transient=self.transient)
            self._p.start()
            self._task = self._p.add_task(self.label, total=self.total, completed=self.completed)
        return self

    def update(self, completed: float, *, description: str | None = None) -> None:
        """Set the work done so far (and optionally the label)."""
        self.completed = float(completed)
        if self._p is not None:
            kw = {} if description is None else {"description": description}
            self._p.update(self._task, completed=self.completed, **kw)

    def advance(self, amount: float = 1.0, *, description: str | None = None) -> None:
        """Add ``amount`` to the work done."""
        self.update(self.completed + amount, description=description)

    def close(self) -> None:
        """Stop refreshing the bar (removed if transient)."""
        if self._p is not None:
            self._p.stop()
            self._p = None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Close."""
        self.close()
