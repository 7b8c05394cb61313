"""Progress bar of a sweep: points done, errors, time left.

A :class:`nonrecip.runs.ProgressBar` on stderr.
"""

from __future__ import annotations

from ..runs.progress import ProgressBar

__all__ = ["Bar"]


class Bar:
    """A progress bar over the points to compute, shown at once.

    Parameters
    ----------
    model : str
    total : int
        Points to compute in this run.
    reused : int
        Points found in the output already (``resume``), shown in the label.
    """

    def __init__(self, model: str, total: int, reused: int = 0):
        self._label = f"sweep {model}" + (f" ({reused} reused)" if reused else "")
        self._bar = ProgressBar(self._label, total, enabled=True, counts=True).__enter__()

    def advance(self, *, errors: int = 0) -> None:
        label = self._label + (f" [red]{errors} error{'s' if errors != 1 else ''}[/red]" if errors else "")
        self._bar.advance(1, description=label)

    def close(self) -> None:
        self._bar.close()
