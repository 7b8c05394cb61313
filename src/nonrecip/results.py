"""Result objects with the one shape every model shares.

A :class:`Result` holds the ``parameters`` of a run, the steady state under
``forward`` and ``reverse`` bias (a :class:`State` subclass per model) and the
nonreciprocity ``delta_I = |I_in(reverse)| - |I_in(forward)|`` (SPEC
section 1). Deterministic solvers fill states with floats and arrays; the
Monte Carlo fills them with :class:`Estimate` / :class:`EstimateArray`.

``Result.to_dict()`` is the JSON contract of every CLI command::

    {"parameters": {...}, "forward": {...}, "reverse": {...}, "delta_I": x}

Arrays become lists over sites ``1..N`` or bonds ``1..N-1``; NaN (a site
without a bath, say) becomes ``null``; an estimate becomes
``{"mean": x, "stderr": s}``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .wire import ParameterError, Wire

__all__ = [
    "Estimate",
    "EstimateArray",
    "State",
    "ClassicalState",
    "CircuitState",
    "Result",
    "to_jsonable",
    "atomic_write",
    "write_table",
]


# --------------------------------------------------------------------------
# estimates
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate: ``mean`` and its standard error ``stderr``."""

    mean: float
    stderr: float

    def z(self, reference: float) -> float:
        """Distance to ``reference`` in standard errors."""
        if self.stderr == 0.0:
            return 0.0 if self.mean == reference else math.copysign(math.inf, self.mean - reference)
        return (self.mean - reference) / self.stderr

    def to_dict(self) -> dict[str, float]:
        return {"mean": _num(self.mean), "stderr": _num(self.stderr)}

    def __format__(self, spec: str) -> str:
        spec = spec or ".6g"
        return f"{self.mean:{spec}} ± {self.stderr:.2g}"


@dataclass(frozen=True)
class EstimateArray:
    """Estimates over sites or bonds: ``mean`` and ``stderr`` of equal shape."""

    mean: np.ndarray
    stderr: np.ndarray

    def __post_init__(self) -> None:
        m = np.asarray(self.mean, dtype=float)
        s = np.asarray(self.stderr, dtype=float)
        if m.shape != s.shape:
            raise ValueError(f"mean {m.shape} and stderr {s.shape} differ in shape")
        object.__setattr__(self, "mean", m)
        object.__setattr__(self, "stderr", s)

    def __len__(self) -> int:
        return len(self.mean)

    def __getitem__(self, i: int) -> Estimate:
        return Estimate(float(self.mean[i]), float(self.stderr[i]))

    def z(self, reference: np.ndarray) -> np.ndarray:
        """Distances to ``reference`` in standard errors (elementwise)."""
        ref = np.asarray(reference, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (self.mean - ref) / self.stderr
        return np.where(self.stderr == 0.0, np.where(self.mean == ref, 0.0, np.inf), z)

    def to_list(self) -> list[dict[str, float]]:
        return [self[i].to_dict() for i in range(len(self))]


# --------------------------------------------------------------------------
# JSON conversion
# --------------------------------------------------------------------------
def _num(x: Any) -> Any:
    x = float(x)
    return None if not math.isfinite(x) else x


def to_jsonable(x: Any) -> Any:
    """Convert nonrecip values to plain JSON types (NaN/inf -> ``None``)."""
    if isinstance(x, Estimate):
        return x.to_dict()
    if isinstance(x, EstimateArray):
        return x.to_list()
    if isinstance(x, State):
        return x.to_dict()
    if isinstance(x, np.ndarray):
        return [to_jsonable(v) for v in x.tolist()]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return _num(x)
    if isinstance(x, dict):
        return {str(k): to_jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_jsonable(v) for v in x]
    if x is None or isinstance(x, str):
        return x
    if hasattr(x, "value") and isinstance(getattr(x, "value"), str):  # enums
        return x.value
    raise TypeError(f"cannot convert {type(x).__name__} to JSON")


# --------------------------------------------------------------------------
# states (one bias)
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class State:
    """Steady state under one bias. Subclasses add the model's fields.

    Every state has ``I_in`` (current entering the wire at site 1, positive
    left to right), ``I_out`` and ``J`` (bond currents, bonds ``1..N-1``).
    Array fields over sites have length ``N``; over bonds ``N - 1``.
    """

    #: fields that are arrays over sites (length N); the others are bonds or scalars
    site_fields: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        return {f.name: to_jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def rows(self) -> list[dict[str, Any]]:
        """Tidy rows ``(quantity, index, value, stderr)``; index is the 1-based
        site or bond, ``None`` for scalars."""
        out: list[dict[str, Any]] = []
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            where = "site" if f.name in self.site_fields else "bond"
            if isinstance(v, EstimateArray):
                for i in range(len(v)):
                    out.append(dict(quantity=f.name, kind=where, index=i + 1,
                                    value=float(v.mean[i]), stderr=float(v.stderr[i])))
            elif isinstance(v, np.ndarray):
                for i, x in enumerate(v.tolist()):
                    out.append(dict(quantity=f.name, kind=where, index=i + 1, value=float(x), stderr=math.nan))
            elif isinstance(v, Estimate):
                out.append(dict(quantity=f.name, kind="scalar", index=None, value=v.mean, stderr=v.stderr))
            elif isinstance(v, (int, float, np.floating, np.integer)):
                out.append(dict(quantity=f.name, kind="scalar", index=None, value=float(v), stderr=math.nan))
        return out


@dataclass(frozen=True)
class ClassicalState(State):
    """Exact steady state of the classical master equation under one bias.

    Attributes
    ----------
    rho_plus, rho_minus : ndarray, shape (N,)
        Densities of right- and left-movers on sites ``1..N``.
    J : ndarray, shape (N-1,)
        Bond currents ``J(l) = m(l) rho+(l) - m(l+1) rho-(l+1)``.
    I_in, I_out : float
        ``J(1)`` and ``J(N-1)``.
    """

    site_fields: ClassVar[tuple[str, ...]] = ("rho_plus", "rho_minus")

    I_in: float
    I_out: float
    J: np.ndarray
    rho_plus: np.ndarray
    rho_minus: np.ndarray


@dataclass(frozen=True)
class CircuitState(State):
    """Kirchhoff solution of the resistive circuit under one bias.

    Attributes
    ----------
    V : ndarray, shape (N,)
        Node voltages on sites ``1..N``.
    J : ndarray, shape (N-1,)
        Segment currents, left to right.
    heat : ndarray, shape (N-1,)
        Joule heat per segment ``J**2 R/(N-1)`` (Eq. D3).
    heat_bulk : float
        Eq. D4's quantity ``(h(l-1,l) + h(l,l+1))/2``, the heat around a
        bulk node, averaged over the nodes ``l = 2..N-1`` (for ``dimers``
        every node gives the same value, Eq. D4 itself).
    I_in, I_out : float
        Current entering at site 1 and leaving at site N.
    """

    site_fields: ClassVar[tuple[str, ...]] = ("V",)

    I_in: float
    I_out: float
    J: np.ndarray
    V: np.ndarray
    heat: np.ndarray
    heat_bulk: float


# --------------------------------------------------------------------------
# the result
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Result:
    """Forward and reverse steady states of one model on one wire.

    Attributes
    ----------
    model : str
        ``"classical"``, ``"circuit"``, ``"quantum"``, ``"simulate"``...
    wire : Wire
    params : object
        The frozen parameter object the solver was given (has ``to_dict``).
    forward, reverse : State
    delta_I : float or Estimate
        ``|I_in(reverse)| - |I_in(forward)|`` (SPEC section 1).
    extra : dict
        Model-specific run information that belongs in ``parameters``
        (``steps``, ``seed``, ``response``...).
    """

    model: str
    wire: Wire
    params: Any
    forward: State
    reverse: State
    delta_I: Any
    extra: dict = dataclasses.field(default_factory=dict)

    @classmethod
    def from_states(cls, model: str, wire: Wire, params: Any, forward: State, reverse: State,
                    **extra: Any) -> "Result":
        """Build a deterministic result; ``delta_I`` from the definition."""
        dI = abs(float(reverse.I_in)) - abs(float(forward.I_in))  # type: ignore[attr-defined]
        return cls(model, wire, params, forward, reverse, dI, dict(extra))

    def state(self, bias: str) -> State:
        """``forward`` or ``reverse`` by name."""
        return self.forward if str(getattr(bias, "value", bias)) == "forward" else self.reverse

    @property
    def parameters(self) -> dict[str, Any]:
        d: dict[str, Any] = {"model": self.model, "layout": self.wire.layout, "N": self.wire.N}
        d.update(self.params.to_dict())
        d.update(self.extra)
        return d

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: parameters / forward / reverse / delta_I."""
        return {
            "parameters": to_jsonable(self.parameters),
            "forward": self.forward.to_dict(),
            "reverse": self.reverse.to_dict(),
            "delta_I": to_jsonable(self.delta_I),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """Deterministic JSON text: the same inputs give the same bytes."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_frame(self):
        """Tidy :class:`pandas.DataFrame`, a row per (bias, quantity, index).

        Columns: ``bias, quantity, kind, index, value, stderr`` plus the
        scalar parameters. ``delta_I`` is a row with ``bias = "both"``.
        """
        import pandas as pd

        rows: list[dict[str, Any]] = []
        for bias, st in (("forward", self.forward), ("reverse", self.reverse)):
            for r in st.rows():
                rows.append({"bias": bias, **r})
        d = self.delta_I
        rows.append(dict(bias="both", quantity="delta_I", kind="scalar", index=None,
                         value=float(getattr(d, "mean", d)), stderr=float(getattr(d, "stderr", math.nan))))
        df = pd.DataFrame(rows, columns=["bias", "quantity", "kind", "index", "value", "stderr"])
        df["index"] = df["index"].astype("Int64")
        for k, v in self.parameters.items():
            if isinstance(v, (int, float, str, bool)):
                df[k] = v
        return df

    def save(self, path: str | os.PathLike) -> Path:
        """Write atomically by extension: ``.json`` (the contract), ``.csv``
        or ``.parquet`` (the tidy frame)."""
        path = Path(path)
        ext = path.suffix.lower()
        if ext == ".json":
            atomic_write(path, (self.to_json() + "\n").encode())
        elif ext in (".csv", ".parquet"):
            write_table(self.to_frame(), path)
        else:
            raise ParameterError("out", str(path), "the file extension must be .json, .csv or .parquet")
        return path


# --------------------------------------------------------------------------
# atomic file output (shared by every writer in nonrecip)
# --------------------------------------------------------------------------
def _umask() -> int:
    """The process umask, read without changing it where the OS allows."""
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


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file + rename), so a
    reader never sees a half-written file and a crash leaves the old one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates 0600; give the file the mode open() would (0666 & ~umask)
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_table(df, path: str | os.PathLike) -> Path:
    """Write a DataFrame atomically as ``.csv`` or ``.parquet`` (by extension)."""
    import io

    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".csv":
        atomic_write(path, df.to_csv(index=False).encode())
    elif ext == ".parquet":
        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        atomic_write(path, buf.getvalue())
    else:
        raise ParameterError("out", str(path), "the file extension must be .csv or .parquet")
    return path
