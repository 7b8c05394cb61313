"""The one shared model of the wire: layout, bias and validated parameters.

Everything in nonrecip speaks this language (``docs/conventions.md`` §1):

* a :class:`Wire` is an immutable layout string of length ``N``, one
  character per site (``.`` free, ``S`` source, ``D`` drain, ``P`` scatterer /
  Buttiker probe); sites are numbered ``1..N`` in every user-facing output and
  ``0..N-1`` in arrays;
* :class:`Bias` is ``forward`` (left side higher) or ``reverse`` (the two
  sides swapped, everything else unchanged);
* :class:`ClassicalParams`, :class:`CircuitParams` and :class:`QuantumParams`
  are frozen, keyword-only and validated on construction; their defaults,
  ranges and error messages come from the one parameter table
  :mod:`nonrecip.params` (the defaults are those of the command line).

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
import os
from dataclasses import asdict, dataclass, fields
from functools import cached_property
from typing import Any, cast

import numpy as np

from ._frozen import FrozenArrays
from .errors import ConvergenceError, NonrecipError, ParameterError
from .params import PARAMETERS, _real, check_int, check_real, default, quantum_ig

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
    "check_real",
    "check_int",
]

# re-exported here, where they were first defined: every existing import works
_REEXPORTED = (NonrecipError, ParameterError, ConvergenceError, _real)


# --------------------------------------------------------------------------
# bias
# --------------------------------------------------------------------------
class Bias(enum.StrEnum):
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
        """Return the bias named by ``value``: a :class:`Bias`, ``"forward"`` or ``"reverse"``.

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
class Wire(FrozenArrays):
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
        """Check the layout string (conventions §1)."""
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
    def from_spec(cls, layout: str, n: int | None = None) -> Wire:
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
    def dimers(cls, n: int) -> Wire:
        """Build ``N/2 - 1`` S-D dimers: S on even, D on odd sites of ``2..N-1``.

        ``.SDSD...SD.``, the paper's main lattice (Eqs. 1-9); ``N`` even, >= 4.
        """
        n = check_int("N", n, lo=MIN_SITES)
        if n % 2:
            raise ParameterError("N", n, "the 'dimers' layout needs an even N >= 4")
        return cls("." + "SD" * (n // 2 - 1) + ".")

    @classmethod
    def single(cls, n: int) -> Wire:
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
        """Number of sources ``S``."""
        return self.layout.count("S")

    @property
    def n_drains(self) -> int:
        """Number of drains ``D``."""
        return self.layout.count("D")

    @property
    def is_balanced(self) -> bool:
        """True when there are as many sources as drains (the paper's case)."""
        return self.n_sources == self.n_drains

    @property
    def is_parity_symmetric(self) -> bool:
        """Whether the layout reads the same backwards.

        No nonreciprocity is then possible (Sec. I).
        """
        return self.layout == self.layout[::-1]

    def mirrored(self) -> Wire:
        """Return the wire seen from the other end (site ``l`` -> ``N + 1 - l``)."""
        return Wire(self.layout[::-1])

    def __str__(self) -> str:
        """Return the layout string."""
        return self.layout


# --------------------------------------------------------------------------
# parameters
# --------------------------------------------------------------------------
class _Params(FrozenArrays):
    """Common behaviour of the frozen parameter objects.

    Every field is a parameter of :data:`nonrecip.params.PARAMETERS` (same
    name); ``__post_init__`` validates each with :meth:`Parameter.check
    <nonrecip.params.Parameter.check>`, in field order.
    """

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            object.__setattr__(self, f.name, PARAMETERS[f.name].check(getattr(self, f.name)))

    def to_dict(self) -> dict[str, Any]:
        """Plain ``dict`` of the parameters (JSON-ready)."""
        return asdict(self)  # type: ignore[call-overload]

    def replace(self, **changes: Any):
        """Return a copy with some fields changed (validated again)."""
        d = self.to_dict()
        d.update(changes)
        return type(self)(**d)


@dataclass(frozen=True, kw_only=True)
class ClassicalParams(_Params):
    """Parameters of the classical master equation (Sec. II, conventions §2).

    Units ``e = v_F = a = tau = 1``. The defaults are those of ``nonrecip
    solve classical`` (:mod:`nonrecip.params`).

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
    p_profile : ndarray or None
        Move probability per site ``p_l`` (sites ``1..N``), each in
        ``(0, 1]``, used on S/D/P sites instead of ``p`` (free sites move on
        with probability 1 whatever their value); given as an array-like or
        a file name (:mod:`nonrecip.profiles`), stored as a read-only float
        array. Its length must be the wire's ``N`` (checked by the solver).
        ``None``: ``p`` everywhere. Not with a ``p`` other than its default:
        the two are alternatives (conventions §2). :meth:`to_dict` echoes a
        digest (``sha256``, ``N``, ``min``, ``max``), not the values, and
        leaves the key out when there is no profile.
    """

    p: float = default("p")
    Ig: float = default("Ig")
    drho: float = default("drho")
    rho0: float = default("rho0")
    p_profile: np.ndarray | None = default("p_profile")

    def __post_init__(self) -> None:
        """Validate every field; read a profile file; refuse ``p`` with a profile."""
        given = self.p_profile
        super().__post_init__()
        source = str(given) if isinstance(given, (str, os.PathLike)) else None
        object.__setattr__(self, "_p_profile_source", source)
        if self.p_profile is not None and self.p != default("p"):
            raise ParameterError("p", self.p, "give either p (--p) or p_profile (--p-profile), not both: "
                                 "the profile sets p on every site")

    @property
    def p_profile_source(self) -> str | None:
        """The file the profile was read from (``None``: an array, or no profile)."""
        return cast("str | None", getattr(self, "_p_profile_source", None))

    def _key(self) -> tuple:
        prof = None if self.p_profile is None else self.p_profile.tobytes()
        return (self.p, self.Ig, self.drho, self.rho0, prof)

    def __eq__(self, other: object) -> bool:
        """Equal parameters: equal scalars and equal profiles (value by value)."""
        if not isinstance(other, ClassicalParams):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        """Hash of the scalars and the profile's bytes."""
        return hash(self._key())

    def to_dict(self) -> dict[str, Any]:
        """Plain ``dict`` of the parameters (JSON-ready); a profile as its digest.

        Without a profile the ``p_profile`` key is left out (the output of
        every run without one is unchanged).
        """
        d: dict[str, Any] = {"p": self.p, "Ig": self.Ig, "drho": self.drho, "rho0": self.rho0}
        if self.p_profile is not None:
            from .profiles import digest

            d["p_profile"] = digest(self.p_profile)
        return d

    def replace(self, **changes: Any) -> ClassicalParams:
        """Return a copy with some fields changed (validated again; the profile kept)."""
        d: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        d.update(changes)
        return ClassicalParams(**d)

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
    """Parameters of the resistive circuit (Sec. I, App. D, conventions §3).

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

    V: float = default("V")
    R: float = default("R")
    Ig: float = default("Ig")


@dataclass(frozen=True, kw_only=True)
class QuantumParams(_Params):
    """Parameters of the quantum tight-binding wire (Sec. III, conventions §4).

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
        Current of each source / drain bath, ``>= 0``. Not given: ``0.3 Io``
        (``Io = dmu / (2 pi)``, the paper's ``Ig/Io = 0.3``, as ``nonrecip
        solve quantum``); see :meth:`from_ig_ratio` and
        :func:`nonrecip.params.quantum_ig`.
    gamma_contact : float
        Coupling of the reservoirs at sites 1 and N, ``> 0`` (1:
        reflectionless; App. B5 varies it).
    temperature : float
        Temperature of every bath, ``>= 0`` (used beyond linear response).
    """

    gamma: float = default("gamma")
    mubar: float = default("mubar")
    dmu: float = default("dmu")
    # None (not given) becomes IG_RATIO_DEFAULT * Io in __post_init__: always a float afterwards
    Ig: float = cast(float, default("Ig", "quantum"))
    gamma_contact: float = default("gamma_contact")
    temperature: float = default("temperature")

    def __post_init__(self) -> None:
        """Resolve ``Ig`` not given (needs ``dmu``), then validate every field."""
        object.__setattr__(self, "dmu", PARAMETERS["dmu"].check(self.dmu))
        object.__setattr__(self, "Ig", quantum_ig(self.Ig, None, dmu=self.dmu))
        super().__post_init__()

    @property
    def Io(self) -> float:  # noqa: N802
        """The paper's unit of current ``Io = dmu / (2 pi)``."""
        return self.dmu / (2.0 * math.pi)

    @property
    def ig_ratio(self) -> float:
        """``Ig / Io``."""
        return self.Ig / self.Io

    @classmethod
    def from_ig_ratio(cls, ig_ratio: float, **kwargs: Any) -> QuantumParams:
        """Build with ``Ig = ig_ratio * dmu / (2 pi)`` (the paper's ``Ig/Io``)."""
        return cls.from_options(ig_ratio=ig_ratio, **kwargs)

    @classmethod
    def from_options(cls, *, Ig: float | None = None, ig_ratio: float | None = None,  # noqa: N803
                     **kwargs: Any) -> QuantumParams:
        """Build from ``Ig`` or ``ig_ratio``, as the command line and the sweeps do.

        Not both; neither: ``ig_ratio`` 0.3 (:func:`nonrecip.params.quantum_ig`).
        """
        dmu = PARAMETERS["dmu"].check(kwargs.get("dmu", default("dmu")))
        kwargs["dmu"] = dmu
        return cls(Ig=quantum_ig(Ig, ig_ratio, dmu=dmu), **kwargs)

    def potentials(self, bias: Bias) -> tuple[float, float]:
        """``(mu_1, mu_N)`` of the two reservoirs for ``bias``."""
        s = bias.sign
        return self.mubar + s * self.dmu / 2.0, self.mubar - s * self.dmu / 2.0
