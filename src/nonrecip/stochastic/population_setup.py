"""What hangs on the wire as the population engine sees it (1-based sites).

Also the validation of its inputs and its time scales (relaxation time, burn-in).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..deterministic.classical import move_probability
from ..wire import Bias, ClassicalParams, ParameterError, Wire, check_int, check_real

__all__ = ["Reservoir", "Source", "Drain", "Scatterer", "relaxation_time", "default_burn_in", "MODES", "STARTS",
           "MAX_WALKERS", "DEFAULT_SCALE", "BURN_IN_TIMES"]

MODES = ("linear", "physical")
STARTS = ("empty", "rho0", "linear")
#: largest expected walker count per site and species (int64 counts, exact float64 sums)
MAX_WALKERS = 1e15
#: default walkers per unit density
DEFAULT_SCALE = 1000.0
#: default burn-in in units of :func:`relaxation_time`
BURN_IN_TIMES = 5.0


# --------------------------------------------------------------------------
# what hangs on the wire, as a user sees it (1-based sites)
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Reservoir:
    """A reservoir at one end of the wire.

    Attributes
    ----------
    side : str
        ``"left"`` (site 1, injects right-movers) or ``"right"`` (site N,
        injects left-movers).
    site : int
        The contact site, 1-based.
    injection : float
        Mean walkers (density units) injected per step.
    """

    side: str
    site: int
    injection: float


@dataclass(frozen=True)
class Source:
    """A source: adds ``injection = Ig/2`` of each species per step at ``site``."""

    site: int
    injection: float


@dataclass(frozen=True)
class Drain:
    """A drain: takes ``extraction = Ig/2`` of each species per step at ``site``."""

    site: int
    extraction: float


@dataclass(frozen=True)
class Scatterer:
    """A site with S, D or P attached: walkers move on with ``p``, flip with ``1 - p``."""

    site: int
    kind: str
    p: float


# --------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------
def _bias(bias: Any) -> Bias:
    try:
        return Bias(getattr(bias, "value", bias))
    except ValueError:
        raise ParameterError("bias", bias, "must be 'forward' or 'reverse'") from None


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ParameterError(name, value, "must be one of " + ", ".join(repr(a) for a in allowed))
    return str(value)


def _check_inputs(wire: Any, params: Any) -> None:
    if not isinstance(wire, Wire):
        raise ParameterError("wire", wire, "must be a nonrecip.Wire")
    if not isinstance(params, ClassicalParams):
        raise ParameterError("params", params, "must be a nonrecip.ClassicalParams")


def _rng(seed: Any) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    return np.random.default_rng(np.random.SeedSequence(check_int("seed", seed, lo=0)))


def relaxation_time(wire: Wire, p: float) -> float:
    """Conservative estimate of the slowest relaxation time, in steps.

    ``tau = C (1 + 2 R / pi**2)`` with ``C = sum_l 1/m(l)`` (the mean time a
    walker needs to cross the wire once without turning) and ``R = sum_l (1 -
    m(l))`` (the wire's "resistance" in the flux formulation of
    :mod:`nonrecip.deterministic.classical`); ``2 R C / pi**2`` is the
    diffusive RC time ``L**2 / (pi**2 D)`` with ``D = p / (2 (1-p))`` per
    step when every site scatters, i.e. it grows like ``N**2 (1-p) / p``.
    It bounds the decay time ``-1/log|lambda_max|`` of the linear one-step
    map from above (checked against its eigenvalues in the tests; ratios
    1.0-7 over dimers, single and irregular layouts, ``p`` in 0.05-0.99).

    Parameters
    ----------
    wire : Wire
    p : float
        Move probability at S/D/P sites, in (0, 1].

    Returns
    -------
    float
        Steps.
    """
    m = move_probability(wire, check_real("p", p, lo=0.0, hi=1.0, lo_open=True))
    C = float(np.sum(1.0 / m))
    R = float(np.sum(1.0 - m))
    return C * (1.0 + 2.0 * R / math.pi**2)


def default_burn_in(wire: Wire, p: float) -> int:
    """``ceil(5 * relaxation_time)`` steps (residual start bias below e**-5)."""
    return int(math.ceil(BURN_IN_TIMES * relaxation_time(wire, p)))


