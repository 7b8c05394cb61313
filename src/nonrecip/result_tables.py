"""Tidy result tables on disk: the per-site table once, the layout once.

:meth:`nonrecip.results.Result.to_frame` gives one row per (bias, quantity,
index) with the columns ``bias, quantity, kind, index, site, value,
stderr``: ``kind`` is ``site``, ``bond`` or ``scalar``; ``site`` is the
one-character kind of the site of a per-site row (``.``, ``S``, ``D``,
``P``; conventions §1) and empty otherwise. The layout and every other
parameter are stored once, in ``df.attrs["parameters"]`` (the JSON
``parameters`` of the result), never repeated in the rows, so the file grows
linearly with ``N``.

On disk (:func:`write_table`, :func:`read_result_table`):

* ``.parquet``: the parameters travel once in the file's key-value metadata
  (``df.attrs`` in pyarrow's ``pandas`` key), so ``pandas.read_parquet``
  restores ``df.attrs["parameters"]``.
* ``.csv``: the table is a plain CSV (``pandas.read_csv`` reads it as is)
  and the parameters go to a sidecar ``FILE.csv.meta.json``
  ``{"attrs": {...}, "csv_sha256": ...}``; the hash ties the sidecar to the
  table it describes, so a stale sidecar is refused, never silently used.

Both files are written atomically (temporary file + rename).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .wire import ParameterError

__all__ = ["atomic_write", "write_table", "save_by_extension", "read_result_table", "meta_path"]

#: suffix of the sidecar that holds a CSV table's attrs
META_SUFFIX = ".meta.json"


def _umask() -> int:
    """Return the process umask, read without changing it where the OS allows."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere: the classic set-and-restore
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _atomic_target(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path``.

    The writer streams into the temporary file (no copy of the whole output
    in memory); a reader never sees a half-written file and a failure leaves
    the old one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates 0600; give the file the mode open() would (0666 & ~umask)
        os.fchmod(fd, 0o666 & ~_umask())
        os.close(fd)
        yield Path(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file + rename).

    A reader never sees a half-written file and a crash leaves the old one.
    """
    with _atomic_target(Path(path)) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()


def meta_path(path: str | os.PathLike) -> Path:
    """Sidecar of a CSV table: ``FILE.csv`` -> ``FILE.csv.meta.json``."""
    path = Path(path)
    return path.with_name(path.name + META_SUFFIX)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_table(df: Any, path: str | os.PathLike) -> Path:
    """Write a DataFrame atomically as ``.csv`` or ``.parquet`` (by extension).

    ``df.attrs``, when not empty, is stored once: in the Parquet key-value
    metadata, or in the sidecar :func:`meta_path` of a CSV (written after
    the table, with the table's SHA-256). A CSV written without attrs
    removes a sidecar left from an earlier table at the same path.

    Raises
    ------
    ParameterError
        The extension is neither ``.csv`` nor ``.parquet``.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".csv":
        attrs = dict(getattr(df, "attrs", {}))
        json.dumps(attrs, allow_nan=False)  # attrs that cannot be stored fail before anything is written
        with _atomic_target(path) as tmp:
            if attrs:  # never let pandas see attrs it might write elsewhere
                df = df.copy(deep=False)
                df.attrs = {}
            df.to_csv(tmp, index=False)
            digest = _sha256(tmp) if attrs else ""
        side = meta_path(path)
        if attrs:
            text = json.dumps({"attrs": attrs, "csv_sha256": digest}, indent=1, allow_nan=False)
            atomic_write(side, (text + "\n").encode())
        else:
            with contextlib.suppress(FileNotFoundError):
                side.unlink()
    elif ext == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        # pyarrow keeps df.attrs in the "pandas" key-value metadata (read back by
        # pandas.read_parquet); DataFrame.to_parquet would store them a second time
        table = pa.Table.from_pandas(df, preserve_index=False)
        with _atomic_target(path) as tmp:
            pq.write_table(table, tmp)
    else:
        raise ParameterError("out", str(path), "the file extension must be .csv or .parquet")
    return path


def save_by_extension(path: str | os.PathLike, to_json: Callable[[], str], to_frame: Callable[[], Any]) -> Path:
    """Write a result atomically, the format by extension; return the path.

    ``.json``: ``to_json()`` (the JSON contract); ``.csv`` or ``.parquet``: the
    frame ``to_frame()`` through :func:`write_table`. Any other extension is a
    :class:`~nonrecip.wire.ParameterError` naming ``out``.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".json":
        atomic_write(path, (to_json() + "\n").encode())
    elif ext in (".csv", ".parquet"):
        write_table(to_frame(), path)
    else:
        raise ParameterError("out", str(path), "the file extension must be .json, .csv or .parquet")
    return path


def read_result_table(path: str | os.PathLike) -> Any:
    """Read a table written by :func:`write_table`, its ``attrs`` restored.

    ``df.attrs["parameters"]`` holds the result's parameters (layout, ``N``,
    model inputs) for a table of :meth:`nonrecip.results.Result.to_frame`.

    Raises
    ------
    ParameterError
        The extension is neither ``.csv`` nor ``.parquet``, or the sidecar
        of a CSV does not belong to it (its SHA-256 differs).
    """
    import pandas as pd

    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".parquet":
        return pd.read_parquet(path)
    if ext != ".csv":
        raise ParameterError("path", str(path), "the file extension must be .csv or .parquet")
    df = pd.read_csv(path)
    side = meta_path(path)
    if side.exists():
        meta = json.loads(side.read_text())
        if meta.get("csv_sha256") != _sha256(path):
            raise ParameterError("path", str(side), f"the metadata of {path.name} (its SHA-256 differs: "
                                 "the table was changed after it was written)")
        df.attrs.update(meta["attrs"])
    return df
