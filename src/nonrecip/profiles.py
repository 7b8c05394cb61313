"""Per-site parameter profiles: reading, validating and digesting them.

A *profile* gives one value per site ``1..N`` of a wire, e.g. the move
probability ``p_l`` of the classical walkers (``p_profile``, conventions
§2). It is given as

* an array-like of ``N`` real numbers (Python API), or
* a file: ``N`` numbers as text separated by whitespace or newlines (``#``
  starts a comment), or a ``.npy`` file holding a 1-d real array.

Every value must be finite and in ``(0, 1]``; the number of values must be
``N``, which only the solver knows (:func:`check_length`). Bad input raises
:class:`~nonrecip.errors.ParameterError` naming the file (or ``array``), the
position (value ``k`` = site ``k``) and what is allowed; the CLI prints it as
one line, exit code 2.

A result echoes a profile by its :func:`digest` (short SHA-256 of the
float64 bytes, ``N``, min and max), never the values themselves.

Examples
--------
>>> a = check_profile("p_profile", [0.5, 0.9, 1.0, 0.5])
>>> a.flags.writeable, digest(a)["N"], digest(a)["min"]
(False, 4, 0.5)
"""

from __future__ import annotations

import functools
import hashlib
import math
import numbers
import os
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ParameterError

__all__ = ["ALLOWED", "check_profile", "read_profile", "check_length", "digest"]

#: what every value of a move-probability profile must be
ALLOWED = "in (0, 1]"


def _where(k: int) -> str:
    return f"value {k + 1} (site {k + 1})"


def _check_values(name: str, shown: Any, a: np.ndarray) -> np.ndarray:
    """Check a 1-d float array value by value; return it read-only."""
    if a.ndim != 1 or a.size == 0:
        raise ParameterError(name, shown, f"must be N numbers, one per site 1..N (got shape {a.shape})")
    bad = ~np.isfinite(a)
    if bad.any():
        k = int(np.argmax(bad))
        raise ParameterError(name, shown, f"{_where(k)} is {float(a[k])!r}: every value must be finite and "
                             f"{ALLOWED}")
    bad = ~((a > 0.0) & (a <= 1.0))
    if bad.any():
        k = int(np.argmax(bad))
        raise ParameterError(name, shown, f"{_where(k)} is {float(a[k])!r}: every value must be {ALLOWED}")
    a = np.array(a, dtype=np.float64)  # a private copy: the caller's array may change later
    a.flags.writeable = False
    return a


def read_profile(name: str, path: str | os.PathLike) -> np.ndarray:
    """Read a profile file (text or ``.npy``) and validate its values.

    Parameters
    ----------
    name : str
        The parameter, for the messages (``"p_profile"``).
    path : str or path-like
        A text file of numbers separated by whitespace or newlines (``#``
        comments allowed) or a ``.npy`` file of a 1-d real array.

    Returns
    -------
    ndarray
        Read-only float64 array.

    Raises
    ------
    ParameterError
        Unreadable file, a token that is not a real number (complex numbers
        are not supported), a non-finite value or one outside ``(0, 1]``;
        the message names the file and the value/site.
    """
    shown = str(path)
    p = Path(path)
    if not p.is_file():
        raise ParameterError(name, shown, "cannot read the file: no such file (give N numbers as text or a .npy file)")
    st = p.stat()
    # a sweep reads the same file once per point: keep the last few (the array is read-only)
    return _read_cached(name, shown, str(p.resolve()), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=8)
def _read_cached(name: str, shown: str, resolved: str, mtime_ns: int, size: int) -> np.ndarray:
    """Read and validate ``resolved``; the file's identity is its path, mtime and size."""
    p = Path(resolved)
    if p.suffix.lower() == ".npy":
        try:
            raw = np.load(p, allow_pickle=False)
        except (OSError, ValueError, EOFError) as e:
            raise ParameterError(name, shown, f"cannot read the .npy file ({type(e).__name__}: {e})") from None
        if np.iscomplexobj(raw):
            raise ParameterError(name, shown, "holds complex numbers, which are not supported: give real values "
                                 f"{ALLOWED}")
        if raw.dtype.kind not in "iuf":
            raise ParameterError(name, shown, f"holds {raw.dtype} values; must hold real numbers {ALLOWED}")
        return _check_values(name, shown, np.asarray(raw, dtype=np.float64))
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ParameterError(name, shown, f"cannot read the file as text ({type(e).__name__}); give N numbers "
                             "separated by whitespace or newlines, or a .npy file") from None
    tokens = [t for line in text.splitlines() for t in line.split("#", 1)[0].split()]
    if not tokens:
        raise ParameterError(name, shown, "holds no numbers; give N numbers separated by whitespace or newlines")
    try:  # fast path; on failure the loop below finds and names the bad token
        return _check_values(name, shown, np.array(tokens, dtype=np.float64))
    except ValueError as e:
        if isinstance(e, ParameterError):
            raise
    values = np.empty(len(tokens))
    for k, tok in enumerate(tokens):
        try:
            values[k] = float(tok)
        except ValueError:
            try:
                complex(tok)
                what = "a complex number, which is not supported"
            except ValueError:
                what = "not a number"
            raise ParameterError(name, shown, f"{_where(k)} is {tok!r}, {what}: every value must be a real "
                                 f"number {ALLOWED}") from None
    return _check_values(name, shown, values)


def check_profile(name: str, value: Any) -> np.ndarray | None:
    """Validate a profile given as a file name or as an array-like.

    ``None`` (no profile) passes. Used by :meth:`nonrecip.params.Parameter.check`.

    Raises
    ------
    ParameterError
        See :func:`read_profile`; also a bool, a scalar or a complex array.
    """
    if value is None:
        return None
    if isinstance(value, (str, os.PathLike)):
        return read_profile(name, value)
    if isinstance(value, (bool, numbers.Number)):
        raise ParameterError(name, value, f"must be a file name or N real numbers {ALLOWED}, one per site")
    try:
        a = np.asarray(value)
    except (ValueError, TypeError):
        raise ParameterError(name, value, f"must be a file name or N real numbers {ALLOWED}") from None
    if np.iscomplexobj(a):
        raise ParameterError(name, "array", f"holds complex numbers, which are not supported: give real values "
                             f"{ALLOWED}")
    if a.dtype.kind not in "iuf":
        raise ParameterError(name, "array", f"must hold real numbers {ALLOWED} (got {a.dtype})")
    return _check_values(name, "array", np.asarray(a, dtype=np.float64))


def check_length(name: str, profile: np.ndarray, n: int, source: str | None = None) -> None:
    """Refuse a profile whose length is not the wire's ``N``.

    Raises
    ------
    ParameterError
        Naming ``source`` (the file) when known.
    """
    if profile.shape != (n,):
        raise ParameterError(name, source or "array",
                             f"has {profile.size} values; must have N = {n}, one per site 1..N of the wire")


def digest(profile: np.ndarray) -> dict[str, Any]:
    """Return what a result echoes of a profile: ``sha256`` (16 hex digits), ``N``, ``min``, ``max``.

    The hash is of the little-endian float64 bytes, so equal profiles have
    equal digests on every machine.
    """
    a = np.ascontiguousarray(profile, dtype="<f8")
    h = hashlib.sha256(a.tobytes()).hexdigest()[:16]
    lo, hi = float(a.min()), float(a.max())
    assert math.isfinite(lo) and math.isfinite(hi)
    return {"sha256": h, "N": int(a.size), "min": lo, "max": hi}
