"""Checkpoint files: atomic, versioned, checksummed, validated on load.

A checkpoint is an uncompressed ``.npz`` archive of named arrays plus one
member ``__meta__`` (UTF-8 JSON) holding

* ``format`` (what wrote it, e.g. ``"nonrecip.simulate"``) and ``version``;
* ``identity``: the run's parameters (everything that must match to resume);
* ``meta``: small JSON values of the run (counters, sizes);
* ``arrays``: the name, dtype and shape of every array;
* ``sha256``: a SHA-256 over all of the above and every array's bytes.

It is written atomically (temporary file, fsync, rename:
:func:`nonrecip.results.atomic_write`), so a kill leaves the previous
checkpoint whole. On load, a truncated or corrupted file, another program's
file, another format or version, a missing or reshaped array, content
changed after writing (a checksum that does not match) or a checkpoint of
another run (a different ``identity``) is a :class:`~nonrecip.wire.ParameterError`
naming the file and what is wrong: never a traceback, never a silently
different result.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..wire import ParameterError

__all__ = ["write_checkpoint", "read_checkpoint", "checkpoint_bytes", "Checkpoint"]

_META = "__meta__"


class Checkpoint:
    """What :func:`read_checkpoint` returns: ``identity``, ``meta`` (dicts) and ``arrays``."""

    def __init__(self, identity: dict[str, Any], meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.identity = identity
        self.meta = meta
        self.arrays = arrays


def _digest(head: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(head, sort_keys=True, separators=(",", ":")).encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode() + b"\0")
        h.update(a.tobytes())
    return h.hexdigest()


def _describe(arrays: Mapping[str, np.ndarray]) -> dict[str, list[Any]]:
    return {k: [np.asarray(v).dtype.str, list(np.shape(v))] for k, v in sorted(arrays.items())}


def checkpoint_bytes(kind: str, version: int, identity: Mapping[str, Any], arrays: Mapping[str, Any],
                     meta: Mapping[str, Any] | None = None) -> bytes:
    """Return the bytes of a checkpoint file (see the module docstring)."""
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    if _META in arrays:
        raise ValueError(f"{_META} is reserved")
    head = {"format": kind, "version": int(version), "identity": identity, "meta": dict(meta or {}),
            "arrays": _describe(arrays)}
    head = json.loads(json.dumps(head, sort_keys=True))  # what a reader will see (lists, not tuples)
    doc = dict(head, sha256=_digest(head, arrays))
    buf = io.BytesIO()
    members: dict[str, Any] = {_META: np.frombuffer(json.dumps(doc, sort_keys=True).encode(), np.uint8)}
    members.update(arrays)
    np.savez(buf, **members)
    return buf.getvalue()


def write_checkpoint(path: str | os.PathLike, kind: str, version: int, identity: Mapping[str, Any],
                     arrays: Mapping[str, Any], meta: Mapping[str, Any] | None = None) -> Path:
    """Write a checkpoint atomically (temporary file + fsync + rename)."""
    from ..results import atomic_write

    path = Path(path)
    atomic_write(path, checkpoint_bytes(kind, version, identity, arrays, meta))
    return path


def read_checkpoint(path: str | os.PathLike, kind: str, version: int,
                    identity: Mapping[str, Any] | None = None) -> Checkpoint:
    """Read and validate a checkpoint.

    Parameters
    ----------
    path : path
    kind, version : str, int
        The format expected.
    identity : mapping, optional
        The parameters of the run that wants to resume; any difference is
        refused, naming the first parameter that differs.

    Raises
    ------
    ParameterError
        ``("checkpoint", path, what is wrong)`` for every fault listed in the
        module docstring.
    """
    where = str(path)

    def bad(what: str) -> ParameterError:
        return ParameterError("checkpoint", where, what)

    path = Path(path)
    if not path.is_file():
        raise bad("does not exist" if not path.exists() else "is not a file")
    try:
        with np.load(path, allow_pickle=False) as z:
            files = set(z.files)
            if _META not in files:
                raise bad(f"is not a nonrecip checkpoint (no {_META} record)")
            doc = json.loads(bytes(z[_META]).decode())
            if not isinstance(doc, dict):
                raise bad("is not a nonrecip checkpoint (its header is not a record)")
            if doc.get("format") != kind:
                raise bad(f"is a {doc.get('format')!r} checkpoint, not a {kind!r} one")
            if doc.get("version") != version:
                raise bad(f"has format version {doc.get('version')!r}; this nonrecip reads version {version}")
            described = doc.get("arrays")
            if not isinstance(described, dict):
                raise bad("is damaged (no list of arrays)")
            missing = sorted(set(described) - files)
            if missing:
                raise bad(f"is damaged: array {missing[0]!r} is missing")
            extra = sorted(files - set(described) - {_META})
            if extra:
                raise bad(f"holds an array {extra[0]!r} it does not list: it was changed after it was written")
            arrays = {k: z[k] for k in described}
    except ParameterError:
        raise
    except Exception as e:  # truncated, flipped bytes, not a zip, bad JSON, bad dtype...
        raise bad(f"is damaged or not a nonrecip checkpoint ({type(e).__name__}: {e})") from None
    for k, (dt, shape) in described.items():
        a = arrays[k]
        if a.dtype.str != dt or list(a.shape) != list(shape):
            raise bad(f"is damaged: array {k!r} is {a.dtype.str}{list(a.shape)}, recorded as {dt}{list(shape)}")
    head = {key: doc.get(key) for key in ("format", "version", "identity", "meta", "arrays")}
    if doc.get("sha256") != _digest(head, arrays):
        raise bad("fails its SHA-256 checksum: its content was changed or damaged after it was written")
    theirs = doc.get("identity")
    if identity is not None:
        mine = json.loads(json.dumps(identity, sort_keys=True))
        if theirs != mine:
            raise bad(_difference(theirs, mine))
    meta = head["meta"]
    if not isinstance(theirs, dict) or not isinstance(meta, dict):
        raise bad("is damaged: its run parameters are not a record")
    return Checkpoint(theirs, meta, arrays)


def _difference(theirs: Any, mine: Any) -> str:
    """``"was written by another run: seed=9 there, 8 here ..."`` for the first difference."""
    if isinstance(theirs, dict) and isinstance(mine, dict):
        for k in sorted(set(theirs) | set(mine)):
            if theirs.get(k) != mine.get(k):
                if isinstance(theirs.get(k), dict) and isinstance(mine.get(k), dict):
                    return _difference(theirs[k], mine[k])
                return (f"was written by another run: it has {k}={theirs.get(k)!r}, this run has "
                        f"{k}={mine.get(k)!r}; use the same parameters or another checkpoint")
    return "was written by another run (other parameters); use the same parameters or another checkpoint"
