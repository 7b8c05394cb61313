"""The quantum wire's Hamiltonian: real on-site energies and real hoppings of finite range.

The wire of the quantum model (conventions §4, Sec. III of the paper) is a
tight-binding chain with ``H_ll = eps_l`` and ``H_ij = H_ji = -t_ij``; the
paper's wire is ``eps = 0``, ``t = 1`` between neighbours
(:meth:`Hamiltonian.uniform`). The baths are unchanged by this module
(semi-infinite chains with hopping 1, band ``|w| < 2``).

Storage is banded: ``onsite`` ``(N,)`` and ``hopping`` ``(r, N)`` with
``hopping[k-1, l] = t_{l+1, l+1+k}`` (0-based ``l``; sites 1-based in the
formula), zero-padded at the end of every row; ``r = max |i - j|`` over the
stored band. Both arrays are read-only.

Named models
------------
* :meth:`~Hamiltonian.ssh` — bond ``(l, l+1)`` has ``t1`` for odd ``l``
  (bonds 1-2, 3-4, ...) and ``t2`` for even ``l``;
* :meth:`~Hamiltonian.anderson` — ``eps_l`` iid uniform in ``[-W/2, W/2]``
  from ``numpy.random.default_rng(seed)``;
* :meth:`~Hamiltonian.aubry_andre` — ``eps_l = lambda cos(2 pi beta l + phase)``,
  ``l = 1..N``;
* :meth:`~Hamiltonian.long_range` — ``t_{l,l+k} = t k^-alpha`` for ``k <= r``.

Bad input raises :class:`~nonrecip.wire.ParameterError` naming the file,
row or site and what is allowed. This module imports only NumPy at load
time (SciPy inside the functions that need it).
"""

from __future__ import annotations

import hashlib
import math
import numbers
import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ._frozen import FrozenArrays
from .wire import ParameterError, check_int, check_real

__all__ = ["Hamiltonian", "MODELS"]

MODELS = ("uniform", "ssh", "anderson", "aubry-andre", "long-range", "custom")
MIN_SITES = 4


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float, copy=True)
    a.flags.writeable = False
    return a


def _real_array(name: str, values: Any, n: int | None = None, where: str = "") -> np.ndarray:
    """Return ``values`` as a finite real 1-D float array; ``ParameterError`` names the first bad entry."""
    a = np.asarray(values)
    if np.iscomplexobj(a):
        raise ParameterError(name, where or "array", "complex values are not supported (the Hamiltonian is real)")
    try:
        a = a.astype(float).reshape(-1)
    except (TypeError, ValueError):
        raise ParameterError(name, where or "array", "must contain real numbers only") from None
    if n is not None and a.size != n:
        raise ParameterError(name, where or f"{a.size} values", f"must hold exactly N = {n} values, got {a.size}")
    bad = np.flatnonzero(~np.isfinite(a))
    if bad.size:
        raise ParameterError(name, where or float(a[bad[0]]),
                             f"site {bad[0] + 1} has the non-finite value {a[bad[0]]!r}; every value must be finite")
    return a


@dataclass(frozen=True, eq=False)
class Hamiltonian(FrozenArrays):
    """A real symmetric wire Hamiltonian of finite hopping range (conventions §4).

    Parameters
    ----------
    onsite : array_like, shape (N,)
        On-site energies ``eps_l`` (``H_ll``), finite reals.
    hopping : array_like, shape (r, N)
        ``hopping[k-1, l] = t_{l, l+k}`` (0-based ``l``), so that
        ``H_{l, l+k} = H_{l+k, l} = -hopping[k-1, l]``; entries with
        ``l + k >= N`` must be 0. ``r >= 1``.
    model : str
        The name of the model it was built from (for the record).
    model_args : tuple
        ``(name, value)`` pairs of the model's parameters (for the record).

    The two contacts (sites 1 and N) must be connected through nonzero
    hoppings. Use the named constructors rather than the raw arrays.
    """

    onsite: np.ndarray
    hopping: np.ndarray
    model: str = "custom"
    model_args: tuple = field(default=())

    def __post_init__(self) -> None:
        """Validate, trim the range to the outermost nonzero diagonal, freeze the arrays."""
        eps = _real_array("onsite", self.onsite)
        n = eps.size
        if n < MIN_SITES:
            raise ParameterError("N", n, f"the Hamiltonian needs N >= {MIN_SITES} sites")
        t = np.asarray(self.hopping)
        if np.iscomplexobj(t):
            raise ParameterError("hoppings", "array", "complex hoppings are not supported (the Hamiltonian is real)")
        t = np.atleast_2d(np.asarray(t, dtype=float))
        if t.ndim != 2 or t.shape[1] != n or t.shape[0] < 1:
            raise ParameterError("hoppings", t.shape, f"must have shape (r, N) with r >= 1 and N = {n}")
        if not np.all(np.isfinite(t)):
            k, l = np.argwhere(~np.isfinite(t))[0]
            raise ParameterError("hoppings", float(t[k, l]),
                                 f"the hopping between sites {l + 1} and {l + k + 2} must be finite")
        r = t.shape[0]
        for k in range(1, r + 1):
            if np.any(t[k - 1, n - k:] != 0.0):
                raise ParameterError("hoppings", "array", f"row k = {k} reaches past site N = {n}: its last {k} entries must be 0")
        # trim all-zero outer diagonals (r is the true range), keep r >= 1
        nz = [k for k in range(r) if np.any(t[k] != 0.0)]
        r = max(nz) + 1 if nz else 1
        object.__setattr__(self, "onsite", _frozen(eps))
        object.__setattr__(self, "hopping", _frozen(t[:r]))
        object.__setattr__(self, "model_args", tuple(self.model_args))
        _check_connected(self.hopping)

    # -- basic views ------------------------------------------------------
    @property
    def N(self) -> int:  # noqa: N802 - physics name
        """Number of sites."""
        return int(self.onsite.size)

    @property
    def range(self) -> int:
        """Hopping range ``r = max |i - j|`` over nonzero hoppings (>= 1)."""
        return int(self.hopping.shape[0])

    @cached_property
    def is_uniform(self) -> bool:
        """True for the paper's wire: ``eps = 0``, ``t = 1`` between neighbours only."""
        return (self.range == 1 and not np.any(self.onsite)
                and bool(np.all(self.hopping[0, :-1] == 1.0)))

    @property
    def bands(self) -> np.ndarray:
        """Upper banded form of ``H``, shape ``(r+1, N)``.

        As ``scipy.linalg.solve_banded`` reads it with ``(l, u) = (0, r)``: row ``r`` the diagonal, row ``r - k`` the
        ``k``-th super-diagonal ``H_{l, l+k}`` stored at column ``l + k``.
        """
        r, n = self.range, self.N
        ab = np.zeros((r + 1, n))
        ab[r] = self.onsite
        for k in range(1, r + 1):
            ab[r - k, k:] = -self.hopping[k - 1, :n - k]
        return ab

    def dense(self) -> np.ndarray:
        """Return the full ``N x N`` matrix (for oracles and small ``N``)."""
        n = self.N
        h = np.diag(self.onsite.copy())
        for k in range(1, self.range + 1):
            i = np.arange(n - k)
            h[i, i + k] = h[i + k, i] = -self.hopping[k - 1, :n - k]
        return h

    def hoppings(self) -> list[tuple[int, int, float]]:
        """Return the nonzero hoppings as ``(i, j, t)``, 1-based ``i < j``."""
        out = []
        for k in range(1, self.range + 1):
            for l in np.flatnonzero(self.hopping[k - 1]):
                out.append((int(l) + 1, int(l) + 1 + k, float(self.hopping[k - 1, l])))
        return sorted(out)

    def mirrored(self) -> Hamiltonian:
        """Return the Hamiltonian seen from the other end (site ``l`` -> ``N + 1 - l``)."""
        n = self.N
        t = np.zeros_like(self.hopping)
        for k in range(1, self.range + 1):
            t[k - 1, :n - k] = self.hopping[k - 1, :n - k][::-1]
        return Hamiltonian(self.onsite[::-1], t, self.model, self.model_args + (("mirrored", True),))

    @cached_property
    def digest(self) -> str:
        """Short SHA-256 (16 hex digits) of ``N``, ``onsite`` and ``hopping``.

        Computed from the little-endian float64 bytes): echoes large arrays in parameters.
        """
        h = hashlib.sha256()
        h.update(np.array([self.N, self.range], dtype="<i8").tobytes())
        h.update(np.ascontiguousarray(self.onsite, dtype="<f8").tobytes())
        h.update(np.ascontiguousarray(self.hopping, dtype="<f8").tobytes())
        return h.hexdigest()[:16]

    def describe(self) -> dict[str, Any]:
        """JSON-ready record: model, its parameters, ``N``, range and digest."""
        d: dict[str, Any] = {"model": self.model}
        d.update(dict(self.model_args))
        d.update({"N": self.N, "range": self.range, "digest": self.digest})
        return d

    def __eq__(self, other: object) -> bool:
        """Equal arrays (model names aside)."""
        if not isinstance(other, Hamiltonian):
            return NotImplemented
        return (self.N == other.N and self.range == other.range
                and np.array_equal(self.onsite, other.onsite) and np.array_equal(self.hopping, other.hopping))

    def __hash__(self) -> int:
        """Hash of the digest."""
        return hash(self.digest)

    # -- named models -------------------------------------------------------
    @classmethod
    def uniform(cls, n: int) -> Hamiltonian:
        """Build the paper's wire: ``eps = 0``, ``t = 1`` between neighbours."""
        n = check_int("N", n, lo=MIN_SITES)
        t = np.ones((1, n))
        t[0, -1] = 0.0
        return cls(np.zeros(n), t, "uniform")

    @classmethod
    def ssh(cls, n: int, t1: float, t2: float) -> Hamiltonian:
        """Su-Schrieffer-Heeger chain: bond ``(l, l+1)`` has ``t1`` for odd ``l``, ``t2`` for even ``l``."""
        n = check_int("N", n, lo=MIN_SITES)
        t1 = check_real("t1", t1)
        t2 = check_real("t2", t2)
        for name, v in (("t1", t1), ("t2", t2)):
            if v == 0.0:
                raise ParameterError(name, v, "must be nonzero: a zero SSH hopping cuts the wire in two")
        t = np.zeros((1, n))
        t[0, :n - 1] = np.where(np.arange(1, n) % 2 == 1, t1, t2)
        return cls(np.zeros(n), t, "ssh", (("t1", t1), ("t2", t2)))

    @classmethod
    def anderson(cls, n: int, W: float, seed: int, t: float = 1.0) -> Hamiltonian:  # noqa: N803
        """Anderson disorder: ``eps_l`` iid uniform in ``[-W/2, W/2]``.

        Drawn as (``numpy.random.default_rng(seed).uniform(-W/2, W/2, N)``), hopping ``t``.
        """
        n = check_int("N", n, lo=MIN_SITES)
        W = check_real("disorder", W, lo=0.0)  # noqa: N806
        seed = check_int("disorder_seed", seed, lo=0)
        t = _nonzero("t", t)
        eps = np.random.default_rng(seed).uniform(-W / 2.0, W / 2.0, n)
        return cls(eps, _nn(n, t), "anderson", (("W", W), ("seed", seed), ("t", t)))

    @classmethod
    def aubry_andre(cls, n: int, lam: float, beta: float, phase: float = 0.0, t: float = 1.0) -> Hamiltonian:
        """Aubry-Andre: ``eps_l = lam cos(2 pi beta l + phase)``, ``l = 1..N``, hopping ``t``."""
        n = check_int("N", n, lo=MIN_SITES)
        lam = check_real("aa_lambda", lam)
        beta = check_real("aa_beta", beta)
        phase = check_real("aa_phase", phase)
        t = _nonzero("t", t)
        l = np.arange(1, n + 1)
        eps = lam * np.cos(2.0 * math.pi * beta * l + phase)
        return cls(eps, _nn(n, t), "aubry-andre", (("lambda", lam), ("beta", beta), ("phase", phase), ("t", t)))

    @classmethod
    def long_range(cls, n: int, t: float, alpha: float, r: int) -> Hamiltonian:
        """Power-law hopping ``t_{l, l+k} = t k^-alpha`` for ``1 <= k <= r``."""
        n = check_int("N", n, lo=MIN_SITES)
        t = _nonzero("t", t)
        alpha = check_real("hopping_decay", alpha)
        r = check_int("hopping_range", r, lo=1)
        if r > n - 1:
            raise ParameterError("hopping_range", r, f"must be <= N - 1 = {n - 1}")
        h = np.zeros((r, n))
        for k in range(1, r + 1):
            h[k - 1, :n - k] = t * float(k) ** (-alpha)
        return cls(np.zeros(n), h, "long-range", (("t", t), ("alpha", alpha), ("r", r)))

    # -- general constructors -------------------------------------------------
    @classmethod
    def from_arrays(cls, onsite: Any = None, hoppings: Any = None, n: int | None = None) -> Hamiltonian:
        """Build from on-site energies and a complete list of hoppings.

        Parameters
        ----------
        onsite : array_like of N reals, optional
            ``eps_l``; zeros if omitted.
        hoppings : dict or iterable, optional
            ``{(i, j): t}`` or ``[(i, j, t), ...]``, sites 1-based, each pair
            once (in either order); a pair not listed has no hopping. If
            omitted: ``t = 1`` between neighbours.
        n : int, optional
            Number of sites; needed when ``onsite`` is omitted, else must agree.
        """
        if onsite is not None:
            eps = _real_array("onsite", onsite, n)
            n = eps.size
        else:
            if n is None:
                raise ParameterError("N", n, "give the number of sites N when no on-site energies are given")
            n = check_int("N", n, lo=MIN_SITES)
            eps = np.zeros(n)
        if hoppings is None:
            return cls(eps, _nn(n, 1.0), "custom" if onsite is not None else "uniform")
        items: list[Any] = list(hoppings.items()) if isinstance(hoppings, dict) else list(hoppings)
        rows = []
        for k, item in enumerate(items, start=1):
            if isinstance(hoppings, dict):
                (i, j), t = item
            else:
                if len(item) != 3:
                    raise ParameterError("hoppings", item, f"entry {k}: must be (i, j, t)")
                i, j, t = item
            rows.append((i, j, t, f"entry {k}"))
        return cls(eps, _hopping_band(n, rows, "hoppings"), "custom")

    @classmethod
    def from_matrix(cls, h: Any) -> Hamiltonian:
        """Build from a real symmetric ``N x N`` matrix.

        A NumPy array or any SciPy sparse matrix/array (``dia`` is SciPy's banded format). ``eps_l = H_ll``,
        ``t_ij = -H_ij``.
        """
        if hasattr(h, "tocoo"):
            coo = h.tocoo()
            shape = coo.shape
            i, j, v = np.asarray(coo.row), np.asarray(coo.col), np.asarray(coo.data)
        else:
            a = np.asarray(h)
            if a.ndim != 2:
                raise ParameterError("hamiltonian", a.shape, "must be a square N x N matrix")
            shape = a.shape
            i, j = np.nonzero(a)
            v = a[i, j]
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ParameterError("hamiltonian", shape, "must be a square N x N matrix")
        n = int(shape[0])
        if np.iscomplexobj(v):
            if np.any(np.imag(v) != 0):
                raise ParameterError("hamiltonian", "matrix", "complex hoppings are not supported (the Hamiltonian is real)")
            v = np.real(v)
        v = np.asarray(v, dtype=float)
        if not np.all(np.isfinite(v)):
            b = int(np.flatnonzero(~np.isfinite(v))[0])
            raise ParameterError("hamiltonian", float(v[b]), f"entry ({i[b] + 1}, {j[b] + 1}) must be finite")
        m: dict[tuple[int, int], float] = {}
        for a_, b_, x in zip(i.tolist(), j.tolist(), v.tolist(), strict=True):
            m[(a_, b_)] = m.get((a_, b_), 0.0) + x  # COO may hold duplicates: they add
        eps = np.zeros(n)
        rows = []
        for (a_, b_), x in m.items():
            if a_ == b_:
                eps[a_] = x
            elif a_ < b_:
                if m.get((b_, a_), 0.0) != x:
                    raise ParameterError("hamiltonian", "matrix",
                                         f"must be symmetric: H[{a_ + 1},{b_ + 1}] = {x!r} but "
                                         f"H[{b_ + 1},{a_ + 1}] = {m.get((b_, a_), 0.0)!r}")
                if x != 0.0:
                    rows.append((a_ + 1, b_ + 1, -x, f"entry ({a_ + 1}, {b_ + 1})"))
            elif m.get((b_, a_), 0.0) != x:
                raise ParameterError("hamiltonian", "matrix",
                                     f"must be symmetric: H[{a_ + 1},{b_ + 1}] = {x!r} but "
                                     f"H[{b_ + 1},{a_ + 1}] = {m.get((b_, a_), 0.0)!r}")
        return cls(eps, _hopping_band(n, rows, "hamiltonian"), "custom")

    @classmethod
    def from_files(cls, n: int, onsite: str | os.PathLike | None = None,
                   hoppings: str | os.PathLike | None = None) -> Hamiltonian:
        """Build from files (the CLI's ``--onsite`` / ``--hoppings``).

        Parameters
        ----------
        n : int
            Number of sites (of the layout).
        onsite : path, optional
            ``N`` numbers in site order ``1..N``, whitespace/newline separated,
            or a ``.npy`` file. Zeros if omitted.
        hoppings : path, optional
            CSV with the header ``i,j,t``, one row per hopping, sites 1-based;
            the complete list. Neighbour hopping 1 if omitted.
        """
        n = check_int("N", n, lo=MIN_SITES)
        eps = read_onsite(onsite, n) if onsite is not None else np.zeros(n)
        if hoppings is None:
            return cls(eps, _nn(n, 1.0), "custom" if onsite is not None else "uniform",
                       (("onsite_file", os.fspath(onsite)),) if onsite is not None else ())
        rows = read_hoppings(hoppings)
        args: tuple = (("hoppings_file", os.fspath(hoppings)),)
        if onsite is not None:
            args = (("onsite_file", os.fspath(onsite)),) + args
        try:
            return cls(eps, _hopping_band(n, rows, "hoppings"), "custom", args)
        except ParameterError as e:  # e.g. contacts not connected: name the file
            if os.fspath(hoppings) in str(e):
                raise
            raise ParameterError("hoppings", os.fspath(hoppings), e.allowed) from None


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def _nonzero(name: str, t: Any) -> float:
    t = check_real(name, t)
    if t == 0.0:
        raise ParameterError(name, t, "must be nonzero: a zero hopping cuts the wire")
    return t


def _nn(n: int, t: float) -> np.ndarray:
    h = np.full((1, n), float(t))
    h[0, -1] = 0.0
    return h


def _site(v: Any, n: int, name: str, where: str) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        fv = float(v) if isinstance(v, numbers.Real) else math.nan
        if not (math.isfinite(fv) and fv == int(fv)):
            raise ParameterError(name, v, f"{where}: sites must be integers in 1..{n}")
        v = int(fv)
    if not 1 <= int(v) <= n:
        raise ParameterError(name, v, f"{where}: site {v} is outside 1..N = {n}")
    return int(v)


def _hopping_band(n: int, rows: list, name: str) -> np.ndarray:
    """Banded ``(r, N)`` hopping array from ``(i, j, t, where)`` rows (1-based, validated)."""
    seen: dict[tuple[int, int], str] = {}
    entries = []
    for i, j, t, where in rows:
        if isinstance(t, complex) or np.iscomplexobj(np.asarray(t)):
            raise ParameterError(name, t, f"{where}: complex hoppings are not supported (the Hamiltonian is real)")
        if isinstance(t, bool) or not isinstance(t, numbers.Real):
            raise ParameterError(name, t, f"{where}: the hopping t must be a real number")
        i = _site(i, n, name, where)
        j = _site(j, n, name, where)
        if i == j:
            raise ParameterError(name, (i, j), f"{where}: a hopping needs two different sites (i = j = {i}); "
                                 "on-site energies go in the on-site list")
        t = float(t)
        if not math.isfinite(t):
            raise ParameterError(name, t, f"{where}: the hopping between sites {i} and {j} must be finite")
        key = (min(i, j), max(i, j))
        if key in seen:
            raise ParameterError(name, key, f"{where}: the pair ({key[0]}, {key[1]}) is listed twice "
                                 f"(also {seen[key]}); list each pair once")
        seen[key] = where
        entries.append((key[0], key[1], t))
    r = max([j - i for i, j, t in entries if t != 0.0], default=1)
    band = np.zeros((r, n))
    for i, j, t in entries:
        if t != 0.0:
            band[j - i - 1, i - 1] = t
    return band


def _check_connected(hopping: np.ndarray) -> None:
    """``ParameterError`` unless sites 1 and N are connected through nonzero hoppings."""
    r, n = hopping.shape
    if r == 1:
        cut = np.flatnonzero(hopping[0, :n - 1] == 0.0)
        if cut.size:
            raise ParameterError("hoppings", "zero hopping",
                                 f"the contacts 1 and N = {n} are not connected: the hopping between sites "
                                 f"{cut[0] + 1} and {cut[0] + 2} is 0 (a current needs a path)")
        return
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import breadth_first_order

    k, l = np.nonzero(hopping)
    g = coo_matrix((np.ones(k.size), (l, l + k + 1)), shape=(n, n))
    reach = breadth_first_order(g, 0, directed=False, return_predecessors=False)
    if (n - 1) not in set(reach.tolist()):
        raise ParameterError("hoppings", "graph",
                             f"the contacts 1 and N = {n} are not connected through the hoppings "
                             "(a current needs a path)")


def read_onsite(path: str | os.PathLike, n: int) -> np.ndarray:
    """Read ``N`` on-site energies from a text file (whitespace separated) or a ``.npy`` file."""
    p = os.fspath(path)
    name = "onsite"
    if not os.path.isfile(p):
        raise ParameterError(name, p, "must be an existing file")
    if p.endswith(".npy"):
        try:
            a = np.load(p, allow_pickle=False)
        except (ValueError, OSError) as e:
            raise ParameterError(name, p, f"is not a readable .npy file ({e})") from None
        if np.iscomplexobj(a):
            raise ParameterError(name, p, "complex on-site energies are not supported (the Hamiltonian is real)")
        if a.ndim != 1:
            raise ParameterError(name, p, f"must hold a 1-D array of N = {n} numbers, got shape {a.shape}")
        return _file_values(p, [repr(float(v)) if np.isfinite(v) else str(v) for v in a.astype(float)], n)
    with open(p, encoding="utf-8") as f:
        tokens = f.read().split()
    return _file_values(p, tokens, n)


def _file_values(p: str, tokens: list[str], n: int) -> np.ndarray:
    name = "onsite"
    if len(tokens) != n:
        raise ParameterError(name, p, f"must hold exactly N = {n} numbers (one per site), found {len(tokens)}")
    out = np.empty(n)
    for k, tok in enumerate(tokens):
        try:
            v = float(tok)
        except ValueError:
            if _is_complex(tok):
                raise ParameterError(name, p, f"site {k + 1}: {tok!r} is complex; complex on-site energies "
                                     "are not supported") from None
            raise ParameterError(name, p, f"site {k + 1}: {tok!r} is not a number") from None
        if not math.isfinite(v):
            raise ParameterError(name, p, f"site {k + 1}: {tok!r} is not finite; every value must be finite")
        out[k] = v
    return out


def _is_complex(tok: str) -> bool:
    try:
        complex(tok.replace("i", "j"))
    except ValueError:
        return False
    return True


def read_hoppings(path: str | os.PathLike) -> list:
    """Read a hopping CSV (header ``i,j,t``) into ``(i, j, t, "row k")`` rows, unvalidated sites."""
    import csv

    p = os.fspath(path)
    name = "hoppings"
    if not os.path.isfile(p):
        raise ParameterError(name, p, "must be an existing file")
    with open(p, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or [h.strip() for h in header] != ["i", "j", "t"]:
            raise ParameterError(name, p, f"must start with the header line 'i,j,t', got {','.join(header or [])!r}")
        rows = []
        for k, row in enumerate(reader, start=2):
            if not row or all(not c.strip() for c in row):
                continue
            where = f"file {p}, row {k}"
            if len(row) != 3:
                raise ParameterError(name, p, f"row {k}: needs 3 values i,j,t, got {len(row)}")
            i_s, j_s, t_s = (c.strip() for c in row)
            try:
                i, j = int(i_s), int(j_s)
            except ValueError:
                raise ParameterError(name, p, f"row {k}: sites i, j must be integers, got {i_s!r}, {j_s!r}") from None
            try:
                t = float(t_s)
            except ValueError:
                if _is_complex(t_s):
                    raise ParameterError(name, p, f"row {k}: {t_s!r} is complex; complex hoppings are "
                                         "not supported") from None
                raise ParameterError(name, p, f"row {k}: t = {t_s!r} is not a number") from None
            rows.append((i, j, t, where))
    return rows
