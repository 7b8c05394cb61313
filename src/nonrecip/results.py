"""Result objects with the one shape every model shares.

A :class:`Result` holds the ``parameters`` of a run, the steady state under
``forward`` and ``reverse`` bias (a :class:`State` subclass per model) and the
nonreciprocity ``delta_I = |I_in(reverse)| - |I_in(forward)|`` (conventions
§1). Deterministic solvers fill states with floats and arrays
(:class:`ExactState`); the Monte Carlo fills them with :class:`Estimate` /
:class:`EstimateArray`. A result is immutable: every array it holds is
read-only (``flags.writeable`` is False).

``Result`` is generic over its state, ``Result[ClassicalState]``, and over the
type of ``delta_I`` (``float`` unless given, :class:`Estimate` for the Monte
Carlo: ``Result[SimulatedState, Estimate]``).

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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic

import numpy as np
from typing_extensions import TypeVar

from ._frozen import FrozenArrays
from .estimates import Estimate, EstimateArray, UndefinedZScore, readonly
from .estimates import json_number as _num
from .result_tables import atomic_write, read_result_table, save_by_extension, write_table
from .wire import Bias, ParameterError, Wire

__all__ = [
    "Estimate",
    "EstimateArray",
    "UndefinedZScore",
    "State",
    "ExactState",
    "ClassicalState",
    "CircuitState",
    "Result",
    "delta_I_linear",
    "needs_split",
    "require_finite",
    "to_jsonable",
    "atomic_write",
    "write_table",
    "read_result_table",
]


# --------------------------------------------------------------------------
# JSON conversion
# --------------------------------------------------------------------------
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
    if hasattr(x, "value") and isinstance(x.value, str):  # enums
        return x.value
    raise TypeError(f"cannot convert {type(x).__name__} to JSON")


# --------------------------------------------------------------------------
# states (one bias)
# --------------------------------------------------------------------------
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """Names of the dataclass fields of ``cls`` (looked up once per class)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


@dataclass(frozen=True)
class State(FrozenArrays):
    """Steady state under one bias. Subclasses add the model's fields.

    Every state has ``I_in`` (current entering the wire at site 1, positive
    left to right), ``I_out`` and ``J`` (bond currents, bonds ``1..N-1``):
    floats and arrays in an :class:`ExactState`, :class:`Estimate` and
    :class:`EstimateArray` in a Monte Carlo state. Array fields over sites
    have length ``N``; over bonds ``N - 1``. Every array is made read-only on
    construction.

    A subclass declares ``I_in``, ``I_out``, ``J`` as dataclass fields (or
    ``I_in``/``I_out`` as properties, as the quantum state does), lists its
    site arrays in ``site_fields``, and inherits ``to_dict``, ``rows`` and the
    read-only arrays. ``I_in_split`` is not output: see :class:`ExactState`.
    """

    #: fields that are arrays over sites (length N); the others are bonds or scalars
    site_fields: ClassVar[tuple[str, ...]] = ()

    #: ``(drive, injected)`` with ``I_in = drive + injected`` exactly in a
    #: linear model, or ``None``; never written out (see :class:`ExactState`)
    I_in_split: tuple[float, float] | None = dataclasses.field(
        default=None, kw_only=True, repr=False, compare=False)

    if TYPE_CHECKING:  # declared for the type checker; subclasses define them
        @property
        def I_in(self) -> float | Estimate:  # noqa: N802
            """Current entering the wire at site 1."""

        @property
        def I_out(self) -> float | Estimate:  # noqa: N802
            """Current leaving the wire at site N."""

        @property
        def J(self) -> np.ndarray | EstimateArray:  # noqa: N802
            """Bond currents, bonds ``1..N-1``."""

    def __post_init__(self) -> None:
        """Make every array field read-only (a view; see :func:`~nonrecip.estimates.readonly`)."""
        d = self.__dict__
        for name in _field_names(type(self)):
            v = d[name] if name in d else getattr(self, name)
            if isinstance(v, np.ndarray):
                object.__setattr__(self, name, readonly(v))

    def _output_fields(self) -> list[dataclasses.Field]:
        return [f for f in dataclasses.fields(self) if f.name != "I_in_split"]

    def to_dict(self) -> dict[str, Any]:
        """Return the output fields as plain JSON types (:func:`to_jsonable`)."""
        return {f.name: to_jsonable(getattr(self, f.name)) for f in self._output_fields()}

    def rows(self) -> list[dict[str, Any]]:
        """Return tidy rows ``(quantity, kind, index, value, stderr)``.

        ``index`` is the 1-based site or bond, ``None`` for scalars.
        """
        out: list[dict[str, Any]] = []
        for f in self._output_fields():
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
class ExactState(State):
    """A state of an exact (deterministic) solver: float currents, array profiles.

    ``I_in_split = (drive, injected)``, when a linear solver gives it, is the
    decomposition ``I_in = drive + injected`` into the part proportional to
    the reservoir drive (``drho``, ``V``, ``dmu``) and the part proportional
    to ``Ig``, each computed on its own (not as a difference of currents).
    :meth:`Result.from_states` uses it to form ``delta_I`` without
    cancellation (:func:`delta_I_linear`); it is not part of the output.
    """

    if TYPE_CHECKING:
        @property
        def I_in(self) -> float:  # noqa: N802
            """Current entering the wire at site 1."""

        @property
        def I_out(self) -> float:  # noqa: N802
            """Current leaving the wire at site N."""

        @property
        def J(self) -> np.ndarray:  # noqa: N802
            """Bond currents, bonds ``1..N-1``."""

    def nonfinite(self) -> list[str]:
        """Names of the output fields holding a NaN or an infinity."""
        bad = []
        for f in self._output_fields():
            v = getattr(self, f.name)
            if isinstance(v, (float, int, np.floating, np.ndarray)) and not np.all(np.isfinite(v)):
                bad.append(f.name)
        return bad


@dataclass(frozen=True)
class ClassicalState(ExactState):
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
class CircuitState(ExactState):
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
# delta_I of a linear model, without cancellation
# --------------------------------------------------------------------------
#: above this ratio of the larger to the smaller of the two parts of I_in the
#: plain difference |I_in(rev)| - |I_in(fwd)| could lose more than 6 bits, and
#: delta_I is formed from the parts instead (see :func:`delta_I_linear`);
#: below it the plain difference is kept, bit for bit as before
SPLIT_RATIO = 64.0


def delta_I_linear(forward: tuple[float, float], reverse: tuple[float, float]) -> float:
    """``delta_I = |I_in(rev)| - |I_in(fwd)|`` from the two parts of ``I_in``.

    In a linear model ``I_in = G drive - X``: ``A = I_in(fwd) = a - X`` and
    ``B = I_in(rev) = -a - X`` with ``a = G drive`` the drive part and ``X``
    the part proportional to ``Ig``. By the signs of ``A`` and ``B`` the
    definition has four cases, each twice one part::

        A >= 0 >= B :  |B| - |A| = -B - A =  2X
        A, B > 0    :  |B| - |A| =  B - A = -2a
        A, B < 0    :  |B| - |A| =  A - B =  2a
        A < 0 < B   :  |B| - |A| =  B + A = -2X

    Each case is formed from the parts (``B - A = (dr - df) + (jr - jf)``,
    with ``dr = -df`` and ``jr = jf`` exactly), so nothing cancels: the result
    is twice one part, exactly. The case is chosen by the signs of
    ``A = df + jf`` and ``B = dr + jr``; a sign misjudged by rounding happens
    only where ``|A|`` or ``|B|`` is at the rounding level, where the two
    neighbouring cases agree to that level (``2X = 2a`` at ``A = 0``).

    Parameters
    ----------
    forward, reverse : (drive, injected)
        ``I_in = drive + injected`` under each bias (``injected = -X``), each
        part computed on its own, the reverse one from the forward one:
        ``drive(rev) = -drive(fwd)``, ``injected(rev) = injected(fwd)``.

    Returns
    -------
    float
        ``delta_I``, with the relative error of the part it is made of
        (``2|X|`` or ``2|a|``), whatever the ratio of the two parts; the plain
        difference ``|B| - |A|`` of the rounded currents has that error times
        ``~ 1 + max(|a|,|X|)/min(|a|,|X|)``.
    """
    (df, jf), (dr, jr) = forward, reverse
    A = df + jf
    B = dr + jr
    if A >= 0.0 and B <= 0.0:
        return -(jf + jr) - (df + dr)
    if A > 0.0 and B > 0.0:
        return (dr - df) + (jr - jf)
    if A < 0.0 and B < 0.0:
        return (df - dr) + (jf - jr)
    return (dr + df) + (jr + jf)


def needs_split(I_forward: float, I_reverse: float) -> bool:
    """Whether ``|I_rev| - |I_fwd|`` could lose more than 6 bits to cancellation.

    True when the drive part ``(I_fwd - I_rev)/2`` and the ``Ig`` part
    ``-(I_fwd + I_rev)/2`` of a linear model differ by more than a factor
    ``SPLIT_RATIO`` (or one of them is 0).
    """
    a, x = abs(I_forward - I_reverse), abs(I_forward + I_reverse)
    return min(a, x) * SPLIT_RATIO < max(a, x)


def require_finite(states: tuple[ExactState, ...], inputs: dict[str, float]) -> None:
    """Refuse a result that is not finite, naming the input that is out of range.

    An exact solver whose output holds an infinity or a NaN was given inputs
    outside what double precision can carry (``R = 1e-320``, ``drho = 1e308``,
    ``p = 1e-320``...). The input named is the most extreme one, the one
    farthest from 1 in orders of magnitude among ``inputs``.

    Raises
    ------
    ParameterError
        Some field of some state is not finite.
    """
    bad = sorted({name for st in states for name in st.nonfinite()})
    if not bad:
        return
    scale = {k: abs(math.log10(abs(v))) for k, v in inputs.items() if v != 0.0 and math.isfinite(v)}
    name = max(scale, key=lambda k: scale[k]) if scale else next(iter(inputs))
    shown = ", ".join(f"{k}={v!r}" for k, v in inputs.items())
    raise ParameterError(name, inputs[name],
                         f"is out of range: the result ({', '.join(bad)}) is not finite in double precision "
                         f"for {shown}; bring the inputs closer to 1 in magnitude")


def _delta_I(forward: ExactState, reverse: ExactState) -> float:
    """Return ``|I_in(rev)| - |I_in(fwd)|`` with its digits.

    The plain difference when it keeps them (the two parts of ``I_in``
    within a factor ``SPLIT_RATIO``, and always when no split is known), else
    :func:`delta_I_linear`.
    """
    A, B = float(forward.I_in), float(reverse.I_in)
    plain = abs(B) - abs(A)
    fs, rs = forward.I_in_split, reverse.I_in_split
    if fs is None or rs is None or not all(math.isfinite(v) for v in (*fs, *rs)):
        return plain
    if not needs_split(A, B):
        return plain
    return delta_I_linear(fs, rs)


# --------------------------------------------------------------------------
# the result
# --------------------------------------------------------------------------
S = TypeVar("S", bound=State)
ES = TypeVar("ES", bound=ExactState)
D = TypeVar("D", bound=float | Estimate, default=float)


@dataclass(frozen=True)
class Result(Generic[S, D]):
    """Forward and reverse steady states of one model on one wire.

    Generic over the state, ``Result[ClassicalState]``, and over the type of
    ``delta_I`` (``float`` unless given: ``Result[SimulatedState, Estimate]``).

    Attributes
    ----------
    model : str
        ``"classical"``, ``"circuit"``, ``"quantum"``, ``"simulate"``...
    wire : Wire
    params : object
        The frozen parameter object the solver was given (has ``to_dict``).
    forward, reverse : State
    delta_I : float or Estimate
        ``|I_in(reverse)| - |I_in(forward)|`` (conventions §1).
    extra : dict
        Model-specific run information that belongs in ``parameters``
        (``steps``, ``seed``, ``response``...).
    """

    model: str
    wire: Wire
    params: Any
    forward: S
    reverse: S
    delta_I: D
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_states(cls, model: str, wire: Wire, params: Any, forward: ES, reverse: ES,
                    **extra: Any) -> Result[ES, float]:
        """Build a deterministic result, ``delta_I`` from its definition.

        ``delta_I = |I_in(reverse)| - |I_in(forward)|`` (conventions §1).

        When the states carry ``I_in_split`` (linear solvers) and the plain
        difference could lose more than 6 bits to cancellation, ``delta_I``
        is formed from the parts instead (:func:`delta_I_linear`); otherwise
        it is the plain difference, bit for bit.
        """
        return Result(model, wire, params, forward, reverse, _delta_I(forward, reverse), dict(extra))

    def state(self, bias: Bias | str) -> S:
        """``forward`` or ``reverse`` by name (:meth:`~nonrecip.wire.Bias.parse`).

        Raises
        ------
        ParameterError
            ``bias`` is neither.
        """
        return self.forward if Bias.parse(bias) is Bias.FORWARD else self.reverse

    @property
    def parameters(self) -> dict[str, Any]:
        """``model``, ``layout``, ``N``, the parameter object's fields and ``extra``."""
        d: dict[str, Any] = {"model": self.model, "layout": self.wire.layout, "N": self.wire.N}
        d.update(self.params.to_dict())
        d.update(self.extra)
        return d

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON contract: parameters / forward / reverse / delta_I."""
        return {
            "parameters": to_jsonable(self.parameters),
            "forward": self.forward.to_dict(),
            "reverse": self.reverse.to_dict(),
            "delta_I": to_jsonable(self.delta_I),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """Deterministic JSON text: the same inputs give the same bytes."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_frame(self) -> Any:
        """Tidy :class:`pandas.DataFrame`, a row per (bias, quantity, index).

        Columns ``bias, quantity, kind, index, site, value, stderr``:
        ``kind`` is ``site``, ``bond`` or ``scalar``; ``index`` the 1-based
        site or bond (empty for scalars); ``site`` the one-character kind of
        the site (``.``, ``S``, ``D``, ``P``; conventions §1) on per-site rows,
        empty otherwise. ``delta_I`` is a row with ``bias = "both"``.

        The layout and the other parameters are not repeated in the rows: they
        are ``df.attrs["parameters"]`` (the JSON ``parameters``), which
        :meth:`save` stores once in the file (see :mod:`nonrecip.result_tables`;
        read back with :func:`read_result_table`). Built column-wise, so
        ``N = 10^6`` takes seconds.
        """
        import pandas as pd

        parts: list[dict[str, Any]] = []
        for bias, st in (("forward", self.forward), ("reverse", self.reverse)):
            for f in st._output_fields():
                part = _columns(getattr(st, f.name), f.name in st.site_fields)
                if part is not None:
                    part["bias"], part["quantity"] = bias, f.name
                    parts.append(part)
        d = self.delta_I
        mean, stderr = (d.mean, d.stderr) if isinstance(d, Estimate) else (d, math.nan)
        parts.append(dict(bias="both", quantity="delta_I", kind="scalar", index=np.zeros(1, dtype=np.int64),
                          value=np.array([float(mean)]), stderr=np.array([float(stderr)])))
        # labels as categoricals (a code per row, the words once): N = 10^6 in seconds and megabytes
        sizes = [len(p["value"]) for p in parts]
        cols: dict[str, Any] = {}
        for c in ("bias", "quantity", "kind"):
            words = list(dict.fromkeys(p[c] for p in parts))
            codes = np.repeat(np.array([words.index(p[c]) for p in parts], dtype=np.int8), sizes)
            cols[c] = pd.Categorical.from_codes(codes, categories=words)
        scalar = np.repeat(np.array([p["kind"] == "scalar" for p in parts]), sizes)
        cols["index"] = pd.arrays.IntegerArray(np.concatenate([p["index"] for p in parts]), scalar)
        chars = np.frombuffer(self.wire.layout.encode("ascii"), dtype=np.uint8)
        letters = np.unique(chars)
        site_code = np.searchsorted(letters, chars).astype(np.int8)
        cols["site"] = pd.Categorical.from_codes(
            np.concatenate([site_code[p["index"] - 1] if p["kind"] == "site"
                            else np.full(len(p["value"]), -1, dtype=np.int8) for p in parts]),
            categories=[chr(x) for x in letters])
        cols["value"] = np.concatenate([p["value"] for p in parts])
        cols["stderr"] = np.concatenate([p["stderr"] for p in parts])
        df = pd.DataFrame(cols)
        df.attrs["parameters"] = to_jsonable(self.parameters)
        return df

    def save(self, path: str | os.PathLike) -> Path:
        """Write atomically, the format by extension.

        ``.json`` (the contract), ``.csv`` or ``.parquet`` (the tidy frame of
        :meth:`to_frame`, its parameters stored once: Parquet key-value
        metadata, or the sidecar ``FILE.csv.meta.json`` of a CSV; read back
        with :func:`read_result_table`).
        """
        return save_by_extension(path, self.to_json, self.to_frame)


def _columns(v: Any, on_sites: bool) -> dict[str, Any] | None:
    """Columns ``kind, index, value, stderr`` of one output field (``None``: not a number)."""
    kind = "site" if on_sites else "bond"
    if isinstance(v, EstimateArray):
        mean, err = np.asarray(v.mean, dtype=float), np.asarray(v.stderr, dtype=float)
    elif isinstance(v, np.ndarray):
        mean = np.asarray(v, dtype=float)
        err = np.full(len(mean), math.nan)
    elif isinstance(v, Estimate):
        return dict(kind="scalar", index=np.zeros(1, dtype=np.int64), value=np.array([float(v.mean)]),
                    stderr=np.array([float(v.stderr)]))
    elif isinstance(v, (int, float, np.floating, np.integer)):
        return dict(kind="scalar", index=np.zeros(1, dtype=np.int64), value=np.array([float(v)]),
                    stderr=np.array([math.nan]))
    else:
        return None
    return dict(kind=kind, index=np.arange(1, len(mean) + 1, dtype=np.int64), value=mean, stderr=err)
