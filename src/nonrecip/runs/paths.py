"""Output and checkpoint paths, checked before any work starts.

A result that cannot be written is refused before the computation, with one
line naming the option: an existing directory, a missing or read-only
parent directory, a path under a file, a name too long for the filesystem, a wrong
extension. Nothing is silently replaced: an existing checkpoint or table is
refused unless the run resumes it or ``overwrite`` is given, and resuming a
checkpoint that does not exist is refused. Temporary files that a killed run
left next to the file (``.NAME.*.tmp``, see
:func:`nonrecip.results.atomic_write`) are removed by the next run. Where
the size of a file is known in advance (:mod:`.budget` estimates it),
:func:`check_free_space` refuses it when its filesystem has less room free.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from ..wire import ParameterError

__all__ = ["check_output", "check_checkpoint", "check_writable", "check_directory", "check_report",
           "check_free_space", "clean_temporaries"]


def check_writable(name: str, path: str | os.PathLike) -> Path:
    """Refuse ``path`` as a file to write (see the module docstring); returns it as a Path."""
    path = _not_a_directory(name, path)
    parent = path.parent
    for up in (parent, *parent.parents):
        if up.exists():
            if not up.is_dir():
                raise ParameterError(name, str(path), f"lies under {up}, which is a file, not a directory")
            if up != parent:
                raise ParameterError(name, str(path), f"cannot be written: the directory {parent} does not exist")
            if not os.access(up, os.W_OK | os.X_OK):
                raise ParameterError(name, str(path), f"cannot be written: {up} is not writable")
            _probe(name, path)
            break
    return path


def _probe(name: str, path: Path, shown: Path | None = None) -> None:
    """Create and remove the temporary file that writing ``path`` will create.

    :func:`nonrecip.results.atomic_write` writes ``.NAME.XXXX.tmp`` next to
    the file and renames it (``shown``: the path named in the error, when
    ``path`` stands for a file yet to be named in a directory). Trying exactly that is the only test that
    holds for root (for whom ``os.access`` says yes to a read-only mount
    or ``/sys``) and for every filesystem's own limits; the probe file is
    removed at once, so nothing is left.
    """
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise ParameterError(name, str(shown or path), f"cannot be written: {e.strerror or e}") from None
    os.close(fd)
    try:
        os.unlink(tmp)
    except OSError:  # pragma: no cover - we just created it
        pass


def check_directory(name: str, path: str | os.PathLike) -> Path:
    """Check a directory to write files into (created by the run if missing).

    It must be a directory or not exist yet; its nearest existing ancestor
    must be a writable directory, not a file; no component may be longer
    than the filesystem allows. Nothing is created here.

    Parameters
    ----------
    name : str
        The option, as named in the error (``"out"``).
    path : path
        The directory.
    """
    path = Path(path)
    try:
        limit = os.pathconf(".", "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if any(len(os.fsencode(part)) > limit for part in path.parts):
        raise ParameterError(name, str(path), f"has a name too long for this filesystem (limit {limit} bytes)")
    for up in (path, *path.parents):
        if up.exists():
            if not up.is_dir():
                what = "is a file" if up == path else f"lies under {up}, which is a file"
                raise ParameterError(name, str(path), f"{what}; give a directory")
            _probe(name, up / "probe", path)
            return path
    return path  # pragma: no cover - the root directory always exists


def _not_a_directory(name: str, path: str | os.PathLike) -> Path:
    """Refuse a name too long for the filesystem, and an existing directory.

    The length is checked first: a ``stat`` of such a name fails.
    """
    path = Path(path)
    try:
        limit = os.pathconf(path.parent if path.parent.is_dir() else ".", "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if any(len(os.fsencode(part)) > limit for part in path.parent.parts) or \
            len(os.fsencode(path.name)) + 16 > limit:  # + room for the temporary file's prefix and suffix
        raise ParameterError(name, str(path), f"has a file name too long for this filesystem (limit {limit} bytes "
                             "with room for a temporary file)")
    if path.is_dir():
        raise ParameterError(name, str(path), "is a directory; give a file name")
    return path


def check_output(name: str, path: str | os.PathLike, extensions: Sequence[str], *, resume: bool = False,
                 overwrite: bool = True, resumable: bool = True) -> Path:
    """Check an output file before any work.

    The extension must be allowed, the file writable, and (``overwrite=False``)
    an existing file is not replaced unless ``resume``.

    Parameters
    ----------
    name : str
        The option, as named in the error.
    path : path
    extensions : sequence of str
        Allowed suffixes, lower case with the dot (``".csv"``).
    resume : bool
        The run continues the existing file.
    overwrite : bool
        An existing file may be replaced.
    resumable : bool
        The command has ``--resume``: the refusal of an existing file names
        it next to ``--overwrite`` (``False``: ``--overwrite`` alone).
    """
    path = _not_a_directory(name, path)
    if path.suffix.lower() not in extensions:
        raise ParameterError(name, str(path), "the file extension must be " + _either(extensions))
    check_writable(name, path)
    if path.exists() and not resume and not overwrite:
        hint = "--resume to continue it or --overwrite" if resumable else "--overwrite"
        raise ParameterError(name, str(path), f"exists; pass {hint} to replace it")
    return path


def check_checkpoint(path: str | os.PathLike | None, *, resume: bool, overwrite: bool,
                     extensions: Sequence[str] | None = None) -> Path | None:
    """Check a checkpoint file before any work.

    It must be writable; ``resume`` needs it to exist; without ``resume`` an
    existing one is refused unless ``overwrite``.
    """
    if path is None:
        if resume:
            raise ParameterError("resume", True, "needs a checkpoint file (--checkpoint) to resume from")
        return None
    path = _not_a_directory("checkpoint", path)
    if extensions is not None and path.suffix.lower() not in extensions:
        raise ParameterError("checkpoint", str(path), "the file extension must be " + _either(extensions))
    check_writable("checkpoint", path)
    if resume and not path.exists():
        raise ParameterError("checkpoint", str(path), "does not exist; run without --resume to start it")
    if path.exists() and not resume and not overwrite:
        raise ParameterError("checkpoint", str(path),
                             "exists; pass --resume to continue it or --overwrite to start it afresh")
    return path


def check_free_space(name: str, path: str | os.PathLike, needed: float) -> None:
    """Refuse writing ``needed`` bytes to ``path`` when its filesystem has less free.

    One ``statvfs`` (:func:`shutil.disk_usage`) of the nearest existing
    directory. The whole size is needed even when ``path`` exists: the file is
    written beside the old one and then renamed over it
    (:func:`nonrecip.results.atomic_write`). Nothing is refused when the free
    space cannot be known.

    Raises
    ------
    ParameterError
        ``invalid out='...': needs ~X MB, Y MB free on DIR``.
    """
    path = Path(path)
    where = next((up for up in (path.parent, *path.parent.parents) if up.is_dir()), None)
    if where is None:  # pragma: no cover - the root directory always exists
        return
    try:
        free = shutil.disk_usage(where).free
    except OSError:
        return
    if needed > free:
        raise ParameterError(name, str(path), f"needs ~{_mb(needed)}, {_mb(free)} free on {where}")


def _mb(b: float) -> str:
    return f"{b / 1e6:.3g} MB"


def check_report(out: str | os.PathLike | None, seed: object) -> None:
    """Check the inputs of ``nonrecip validate`` before any check runs.

    ``--out`` must be a writable ``.md``, ``.csv``, ``.json`` or ``.html``
    file and ``--seed`` a seed of the parameter table (an integer >= 0).
    """
    from ..params import PARAMETERS

    PARAMETERS["seed"].check(seed)
    if out is not None:
        check_output("out", out, (".md", ".csv", ".json", ".html"))


def clean_temporaries(path: str | os.PathLike) -> list[Path]:
    """Remove the temporary files a killed run left next to ``path``.

    They are what :func:`nonrecip.results.atomic_write` writes before its
    rename. Call this only while holding the file's lock
    (:class:`~nonrecip.runs.lock.FileLock`) or when no other run can be
    writing it. Returns what was removed.
    """
    path = Path(path)
    removed = []
    if path.parent.is_dir():
        for tmp in path.parent.glob(f".{_glob_escape(path.name)}.*.tmp"):
            try:
                tmp.unlink()
                removed.append(tmp)
            except OSError:
                pass
    return removed


def _glob_escape(name: str) -> str:
    import glob

    return glob.escape(name)


def _either(extensions: Sequence[str]) -> str:
    ext = list(extensions)
    return ext[0] if len(ext) == 1 else ", ".join(ext[:-1]) + " or " + ext[-1]
