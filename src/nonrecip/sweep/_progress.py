"""Progress bar of a sweep (rich, on stderr): points done, errors, time left."""

from __future__ import annotations

__all__ = ["Bar"]


class Bar:
    """A rich progress bar over the points to compute.

    Parameters
    ----------
    model : str
    total : int
        Points to compute in this run.
    reused : int
        Points found in the output already (``resume``), shown in the label.
    """

    def __init__(self, model: str, total: int, reused: int = 0):
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self._label = f"sweep {model}" + (f" ({reused} reused)" if reused else "")
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("points"),
            TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
            console=Console(stderr=True), transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(self._label, total=total)

    def advance(self, *, errors: int = 0) -> None:
        label = self._label + (f" [red]{errors} error{'s' if errors != 1 else ''}[/red]" if errors else "")
        self._progress.update(self._task, advance=1, description=label)

    def close(self) -> None:
        self._progress.stop()
