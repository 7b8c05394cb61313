"""The one shared model of the wire: layout, bias and validated parameters.

Everything in nonrecip speaks this language (``SPEC.md`` section 1):

* a :class:`Wire` is an immutable layout string of length ``N``, one
  character per site (``.`` free, ``S`` source, ``D`` drain, ``P`` scatterer /
  Buttiker probe); sites are numbered ``1..N`` in every user-facing output and
  ``0..N-1`` in arrays;
* :class:`Bias` is ``forward`` (left side higher) or ``reverse`` (the two
  sides swapped, everything else unchanged);
* :class:`ClassicalParams`, :class:`CircuitParams` and :class:`QuantumParams`
  are frozen, keyword-only and validated on construction.

Bad input raises :class:`ParameterError`, whose message names the parameter,
the value given and what is allowed; the CLI turns it into a one-line message
and exit code 2.

Examples
--------
>>> from nonrecip.wire import Wire
>>> Wire.from_spec("dimers", n=8).layout
'.SDSDSD.'
>>> Wire.from_spec("single", n=6).layout
'.S..D.'
>>> Wire(".SDSD.").mirrored().layout
'.DSDS.'
"""

from __future__ import annotations

import enum
import math
import numbers
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

import numpy as np

__all__ = [
    "NonrecipError",
    "ParameterError",
    "ConvergenceError",
    "Bias",
    "Wire",
    "ClassicalParams",
    "CircuitParams",
    "QuantumParams",
    "FREE",
    "SOURCE",
    "DRAIN",
    "PROBE",
    "LAYOUT_CHARS",
    "NAMED_LAYOUTS",
]


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------
class NonrecipError(Exception):
    """Base class of every error nonrecip raises on purpose."""


class ParameterError(NonrecipError, ValueError):
    """An input parameter is not allowed.

    Parameters
    ----------
    name : str
        The parameter as the user knows it (``"p"``, ``"layout"``, ``"N"``).
    value : object
        The value that was given.
    allowed : str
        What is allowed, phrased so that the user can fix the input.
    """

    def __init__(self, name: str, value: Any, allowed: str):
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"invalid {name}={value!r}: {allowed}")


class ConvergenceError(NonrecipError, RuntimeError):
    """A numerical solve did not converge; the message gives the residual."""


# --------------------------------------------------------------------------
# validation helpers (shared by every parameter object)
# --------------------------------------------------------------------------
def _real(name: str, value: Any) -> float:
    """Return ``value`` as a finite float or raise :class:`ParameterError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(name, value, "must be a real number")
    x = float(value)
    if not math.isfinite(x):
        raise ParameterError(name, value, "must be finite (not NaN or infinite)")
    return x


def check_real(name: str, value: Any, *, lo: float | None = None, hi: float | None = None,
               lo_open: bool = False, hi_open: bool = False) -> float:
    """Validate a finite real within an interval; return it as a float.

    The error message spells the interval, e.g. ``must be in (0, 1]``.
    """
    x = _real(name, value)
    bad = (
        (lo is not None and (x <= lo if lo_open else x < lo))
        or (hi is not None and (x >= hi if hi_open else x > hi))
    )
    if bad:
        if lo is not None and hi is not None:
            allowed = f"must be in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
        elif lo is not None:
            allowed = f"must be {'>' if lo_open else '>='} {lo:g}"
        else:
            allowed = f"must be {'<' if hi_open else '<='} {hi:g}"
        raise ParameterError(name, value, allowed)
    return x


def check_int(name: str, value: Any, *, lo: int | None = None) -> int:
    """Validate an integer (not bool), optionally ``>= lo``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterError(name, value, "must be an integer")
    v = int(value)
    if lo is not None and v < lo:
        raise ParameterError(name, value, f"must be an integer >= {lo}")
    return v


# --------------------------------------------------------------------------
# bias
# --------------------------------------------------------------------------
class Bias(str, enum.Enum):
    """Direction of the applied bias.

    ``FORWARD``: the left side is higher (``drho > 0``, ``V > 0``,
    ``dmu > 0``). ``REVERSE``: the two sides are swapped, everything else
    (``Ig``, the layout, ``gamma``...) unchanged.
    """

    FORWARD = "forward"
    REVERSE = "reverse"

    @property
    def sign(self) -> int:
        """+1 for forward, -1 for reverse."""
        return 1 if self is Bias.FORWARD else -1

    @classmethod
    def parse(cls, value: Bias | str) -> Bias:
        """The bias named by ``value``: a :class:`Bias`, ``"forward"`` or ``"reverse"``.

        The one parser of a bias in nonrecip: every function that takes a bias
        by name goes through it. Exact names only (no abbreviations, no case
        folding), so a typo is an error, never the other bias.

        Raises
        ------
        ParameterError
            ``value`` names no bias.

        Examples
        --------
        >>> Bias.parse("reverse").sign
        -1
        """
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            for b in cls:
                if value == b.value:
                    return b
        raise ParameterError("bias", value, "must be 'forward' or 'reverse'")


# --------------------------------------------------------------------------
# the wire
# --------------------------------------------------------------------------
FREE, SOURCE, DRAIN, PROBE = 0, 1, 2, 3
LAYOUT_CHARS = {".": FREE, "S": SOURCE, "D": DRAIN, "P": PROBE}
NAMED_LAYOUTS = ("dimers", "single")
_LUT = np.zeros(256, dtype=np.int8)
for _c, _k in LAYOUT_CHARS.items():
    _LUT[ord(_c)] = _k
MIN_SITES = 4


@dataclass(frozen=True)
class Wire:
    """A wire of ``N`` sites and what hangs on each of them.

    Parameters
    ----------
    layout : str
        One character per site: ``.`` free, ``S`` source (injects ``Ig``),
        ``D`` drain (extracts ``Ig``), ``P`` scatterer with no net injection
        (a Buttiker voltage probe in the quantum model). Sites 1 and ``N`` are
        the contacts and must be ``.``; ``N >= 4``.

    Use :meth:`from_spec` for the named layouts ``dimers`` and ``single``.
    """

    layout: str

    def __post_init__(self) -> None:
        layout = self.layout
        if not isinstance(layout, str):
            raise ParameterError("layout", layout, "must be a string such as '.SDSD.', or 'dimers'/'single' with N")
        bad = sorted(set(layout) - LAYOUT_CHARS.keys())
        if bad:
            raise ParameterError(
                "layout", layout,
                f"unknown character(s) {''.join(bad)!r}; allowed are '.', 'S', 'D', 'P' "
                "(or the named layouts 'dimers', 'single' with N)",
            )
        if len(layout) < MIN_SITES:
            raise ParameterError("layout", layout, f"needs N >= {MIN_SITES} sites, got N = {len(layout)}")
        if layout[0] != "." or layout[-1] != ".":
            raise ParameterError("layout", layout, "sites 1 and N are the reservoir contacts and must be '.'")

    # -- construction ------------------------------------------------------
    @classmethod
    def from_spec(cls, layout: str, n: int | None = None) -> "Wire":
        """Build a wire from a layout string or a named layout.

        Parameters
        ----------
        layout : str
            An explicit layout (``".SDSD."``) or ``"dimers"`` / ``"single"``.
        n : int, optional
            Number of sites. Required for named layouts; for an explicit
            layout it is optional and must equal ``len(layout)``.
        """
        if isinstance(layout, str) and layout in NAMED_LAYOUTS:
            if n is None:
                raise ParameterError("N", n, f"the named layout {layout!r} needs the number of sites N (--n)")
            return cls.dimers(n) if layout == "dimers" else cls.single(n)
        wire = cls(layout)
        if n is not None:
            n = check_int("N", n)
            if n != wire.N:
                raise ParameterError("N", n, f"must equal the length of layout {layout!r} ({wire.N}) or be omitted")
        return wire

    @classmethod
    def dimers(cls, n: int) -> "Wire":
        """``N/2 - 1`` S-D dimers: S on even, D on odd sites of ``2..N-1``
        (``.SDSD...SD.``, the paper's main lattice, Eqs. 1-9). ``N`` even, >= 4."""
        n = check_int("N", n, lo=MIN_SITES)
        if n % 2:
            raise ParameterError("N", n, "the 'dimers' layout needs an even N >= 4")
        return cls("." + "SD" * (n // 2 - 1) + ".")

    @classmethod
    def single(cls, n: int) -> "Wire":
        """One source on site 2 and one drain on site ``N-1`` (App. C). ``N >= 4``."""
        n = check_int("N", n, lo=MIN_SITES)
        return cls(".S" + "." * (n - 4) + "D.")

    # -- derived views (read-only arrays, 0-based) ---------------------------
    @property
    def N(self) -> int:  # noqa: N802 - physics name
        """Number of sites."""
        return len(self.layout)

    @cached_property
    def kinds(self) -> np.ndarray:
        """Site kinds, shape ``(N,)``: ``FREE``, ``SOURCE``, ``DRAIN``, ``PROBE``."""
        a = _LUT[np.frombuffer(self.layout.encode("ascii"), dtype=np.uint8)]
        a.flags.writeable = False
        return a

    @cached_property
    def injection(self) -> np.ndarray:
        """Net injection sign per site, shape ``(N,)``: +1 at S, -1 at D, else 0."""
        a = np.where(self.kinds == SOURCE, 1.0, np.where(self.kinds == DRAIN, -1.0, 0.0))
        a.flags.writeable = False
        return a

    @cached_property
    def scatterer(self) -> np.ndarray:
        """Boolean mask of sites with S, D or P attached, shape ``(N,)``."""
        a = self.kinds != FREE
        a.flags.writeable = False
        return a

    @property
    def n_sources(self) -> int:
        return self.layout.count("S")

    @property
    def n_drains(self) -> int:
        return self.layout.count("D")

    @property
    def is_balanced(self) -> bool:
        """True when there are as many sources as drains (the paper's case)."""
        return self.n_sources == self.n_drains

    @property
    def is_parity_symmetric(self) -> bool:
        """True when the layout reads the same backwards (no nonreciprocity
        is then possible, Sec. I)."""
        return self.layout == self.layout[::-1]

    def mirrored(self) -> "Wire":
        """The wire seen from the other end (site ``l`` -> ``N + 1 - l``)."""
        return Wire(self.layout[::-1])

    def __str__(self) -> str:
        return self.layout


# --------------------------------------------------------------------------
# parameters
# --------------------------------------------------------------------------
class _Params:
    """Common behaviour of the frozen parameter objects."""

    def to_dict(self) -> dict[str, Any]:
        """Plain ``dict`` of the parameters (JSON-ready)."""
        return asdict(self)  # type: ignore[call-overload]

    def replace(self, **changes: Any):
        """A copy with some fields changed (validated again)."""
        d = self.to_dict()
        d.update(changes)
        return type(self)(**d)


@dataclass(frozen=True, kw_only=True)
class ClassicalParams(_Params):
    """Parameters of the classical master equation (Sec. II, SPEC section 2).

    Units ``e = v_F = a = tau = 1``.

    Parameters
    ----------
    p : float
        Move probability at a site with S, D or P attached, in ``(0, 1]``;
        ``1 - p`` is the flip (inelastic inter-conversion) probability.
    Ig : float
        Current injected by each source and drawn by each drain, ``>= 0``.
    drho : float
        Density bias ``delta_rho >= 0``: the left reservoir injects
        ``rho0 + drho`` per step under forward bias.
    rho0 : float
        Background reservoir density, ``>= 0``. Currents do not depend on it.
    """

    p: float
    Ig: float = 0.0
    drho: float = 0.1
    rho0: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "p", check_real("p", self.p, lo=0.0, hi=1.0, lo_open=True))
        object.__setattr__(self, "Ig", check_real("Ig", self.Ig, lo=0.0))
        object.__setattr__(self, "drho", check_real("drho", self.drho, lo=0.0))
        object.__setattr__(self, "rho0", check_real("rho0", self.rho0, lo=0.0))

    @property
    def lc(self) -> float:
        """Scattering length ``l_c = a / (1 - p)`` (Sec. II); ``inf`` at p = 1."""
        return math.inf if self.p == 1.0 else 1.0 / (1.0 - self.p)

    def reservoir_injection(self, bias: Bias) -> tuple[float, float]:
        """Walkers injected per step at site 1 and at site N for ``bias``."""
        hi, lo = self.rho0 + self.drho, self.rho0
        return (hi, lo) if bias is Bias.FORWARD else (lo, hi)


@dataclass(frozen=True, kw_only=True)
class CircuitParams(_Params):
    """Parameters of the resistive circuit (Sec. I, App. D, SPEC section 3).

    Parameters
    ----------
    V : float
        Bias voltage ``>= 0``; site 1 is held at ``V`` and site N at 0
        (forward), swapped in reverse.
    R : float
        Total resistance of the wire, ``> 0``, split into ``N - 1`` equal
        segments.
    Ig : float
        Current of each ideal source / drain, ``>= 0``.
    """

    V: float = 1.0
    R: float = 1.0
    Ig: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "V", check_real("V", self.V, lo=0.0))
        object.__setattr__(self, "R", check_real("R", self.R, lo=0.0, lo_open=True))
        object.__setattr__(self, "Ig", check_real("Ig", self.Ig, lo=0.0))


@dataclass(frozen=True, kw_only=True)
class QuantumParams(_Params):
    """Parameters of the quantum tight-binding wire (Sec. III, SPEC section 4).

    Units ``gamma_o = e = hbar = 1`` (hopping 1, band ``|w| < 2``).

    Parameters
    ----------
    gamma : float
        Coupling of the S, D and P baths, ``>= 0``.
    mubar : float
        Mean chemical potential ``(mu_L + mu_R)/2``, inside the band
        ``(-2, 2)``.
    dmu : float
        Forward bias ``mu_L - mu_R > 0``.
    Ig : float
        Current of each source / drain bath, ``>= 0``. See
        :meth:`from_ig_ratio` for the paper's ``Ig/Io``.
    gamma_contact : float
        Coupling of the reservoirs at sites 1 and N, ``> 0`` (1:
        reflectionless; App. B5 varies it).
    temperature : float
        Temperature of every bath, ``>= 0`` (used beyond linear response).
    """

    gamma: float = 0.5
    mubar: float = 1.0
    dmu: float = 0.1
    Ig: float = 0.0
    gamma_contact: float = 1.0
    temperature: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma", check_real("gamma", self.gamma, lo=0.0))
        object.__setattr__(self, "mubar", check_real("mubar", self.mubar, lo=-2.0, hi=2.0, lo_open=True, hi_open=True))
        object.__setattr__(self, "dmu", check_real("dmu", self.dmu, lo=0.0, lo_open=True))
        object.__setattr__(self, "Ig", check_real("Ig", self.Ig, lo=0.0))
        object.__setattr__(self, "gamma_contact",
                           check_real("gamma_contact", self.gamma_contact, lo=0.0, lo_open=True))
        object.__setattr__(self, "temperature", check_real("temperature", self.temperature, lo=0.0))

    @property
    def Io(self) -> float:  # noqa: N802
        """The paper's unit of current ``Io = dmu / (2 pi)``."""
        return self.dmu / (2.0 * math.pi)

    @property
    def ig_ratio(self) -> float:
        """``Ig / Io``."""
        return self.Ig / self.Io

    @classmethod
    def from_ig_ratio(cls, ig_ratio: float, **kwargs: Any) -> "QuantumParams":
        """Build with ``Ig = ig_ratio * dmu / (2 pi)`` (the paper's ``Ig/Io``)."""
        r = check_real("ig_ratio", ig_ratio, lo=0.0)
        dmu = check_real("dmu", kwargs.get("dmu", cls.dmu), lo=0.0, lo_open=True)
        kwargs["dmu"] = dmu
        return cls(Ig=r * dmu / (2.0 * math.pi), **kwargs)

    def potentials(self, bias: Bias) -> tuple[float, float]:
        """``(mu_1, mu_N)`` of the two reservoirs for ``bias``."""
        s = bias.sign
        return self.mubar + s * self.dmu / 2.0, self.mubar - s * self.dmu / 2.0
