"""SIGINT and SIGTERM during a run: deliver the stop where the run can keep its work.

:class:`Interruption` replaces the handlers of SIGINT and SIGTERM while a run
goes (main thread only; elsewhere it does nothing). The first signal is
recorded and sets :attr:`Interruption.event`; the run sees it at its next
poll (:meth:`Interruption.check` raises ``KeyboardInterrupt``) and keeps what
it has. With ``raise_at_once=True`` the first signal also raises
``KeyboardInterrupt`` in the main thread at once (for runs that block in
foreign code, e.g. a Dask client). Later signals are recorded but never raise,
so the saving of the kept work is not itself interrupted.

When the context exits after a signal, the run ends in ``KeyboardInterrupt``
whatever happened inside: a signal that arrived after the work finished, or
an exception that some library made of the ``KeyboardInterrupt``, still ends
as an interruption (exit code 130 in the CLI), never as a silent success.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any

__all__ = ["Interruption"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interruption:
    """Context manager for SIGINT/SIGTERM during a run (see the module docstring).

    Parameters
    ----------
    raise_at_once : bool, default False
        Also raise ``KeyboardInterrupt`` in the main thread on the first signal.

    Attributes
    ----------
    signalled : int or None
        The first signal received.
    event : threading.Event
        Set on the first signal (threads poll it).
    """

    def __init__(self, *, raise_at_once: bool = False) -> None:
        self.raise_at_once = raise_at_once
        self.signalled: int | None = None
        self.event = threading.Event()
        self._old: dict[int, Any] = {}

    @property
    def name(self) -> str | None:
        """``"SIGINT"`` or ``"SIGTERM"`` once signalled."""
        return None if self.signalled is None else signal.Signals(self.signalled).name

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        first = self.signalled is None
        if first:
            self.signalled = signum
            self.event.set()
            if self.raise_at_once:
                raise KeyboardInterrupt(signal.Signals(signum).name)

    def prompt(self) -> _Prompt:
        """Return a context in which a signal raises ``KeyboardInterrupt`` at once.

        For code that blocks in foreign calls; it raises at entry if a signal
        came already.
        """
        return _Prompt(self)

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` if a signal was received."""
        if self.signalled is not None:
            raise KeyboardInterrupt(self.name)

    def __enter__(self) -> Interruption:
        """Install the handlers (main thread only)."""
        if threading.current_thread() is threading.main_thread():
            for s in _SIGNALS:
                try:
                    self._old[s] = signal.signal(s, self._handler)
                except (ValueError, OSError):  # pragma: no cover - no signals here
                    pass
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Restore the handlers; end in ``KeyboardInterrupt`` after a signal."""
        for s, h in self._old.items():
            signal.signal(s, h)
        self._old.clear()
        if self.signalled is not None and not isinstance(exc, KeyboardInterrupt):
            # finished anyway, or a library turned the interrupt into another error
            raise KeyboardInterrupt(self.name) from None


class _Prompt:
    def __init__(self, owner: Interruption) -> None:
        self.owner = owner
        self._was = owner.raise_at_once

    def __enter__(self) -> Interruption:
        self.owner.raise_at_once = True
        self.owner.check()
        return self.owner

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.owner.raise_at_once = self._was
