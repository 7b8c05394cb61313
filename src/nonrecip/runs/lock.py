"""An exclusive OS file lock (``fcntl.flock`` on ``FILE.lock``): one writer per file.

Two runs writing one table or checkpoint at once would lose each other's
rows; the second one refuses with one line instead. The lock file is removed
on release; a lock file left by a killed run holds no lock (the OS drops
``flock`` locks with the process) and is reused.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from ..wire import ParameterError

__all__ = ["FileLock"]


class FileLock:
    """Hold ``PATH.lock`` exclusively while the context is open.

    Parameters
    ----------
    path : path
        The file to protect (the lock is ``path`` + ``".lock"``).
    name : str
        Parameter named in the error (``"out"``, ``"checkpoint"``).

    Raises
    ------
    ParameterError
        Another process holds the lock.
    """

    def __init__(self, path: str | os.PathLike, name: str) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.name = name
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or refuse (:class:`~nonrecip.wire.ParameterError`)."""
        import fcntl

        while True:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise ParameterError(self.name, str(self.path),
                                     f"is being written by another run (it holds {self.lock_path}); "
                                     "wait for it to finish or choose another file") from None
            try:  # the holder before us may have removed the file we opened: lock the one on disk
                same = os.stat(self.lock_path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._fd = fd
                return
            os.close(fd)

    def release(self) -> None:
        """Remove the lock file and drop the lock."""
        if self._fd is not None:
            try:
                os.unlink(self.lock_path)
            except FileNotFoundError:  # pragma: no cover
                pass
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FileLock:
        """Acquire."""
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Release."""
        self.release()
