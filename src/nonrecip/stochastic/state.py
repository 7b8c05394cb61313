"""Types of the steady-state Monte Carlo (conventions §2).

The estimated state of one bias, the injectors, one walker's trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._frozen import FrozenArrays
from ..results import Estimate, EstimateArray, State

__all__ = ["SimulatedState", "Injector", "WalkerTrace"]


# --------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class SimulatedState(State):
    """Monte Carlo estimate of the steady state under one bias.

    Attributes
    ----------
    I_in, I_out : Estimate
        Current entering at site 1 (``J(1)``) and leaving at site N
        (``J(N-1)``), walkers per step.
    J : EstimateArray, shape (N-1,)
        Bond currents ``l -> l+1``.
    rho_plus, rho_minus : EstimateArray, shape (N,)
        Densities of right- and left-movers (``NaN`` for the ``adjoint``
        estimator, which estimates currents only).
    unmet_drain : EstimateArray, shape (N,), or None
        ``mode="physical"`` only: walkers per step that the drains failed to
        extract (both species). ``None`` (and absent from ``to_dict``) in
        linear mode.
    """

    site_fields: ClassVar[tuple[str, ...]] = ("rho_plus", "rho_minus", "unmet_drain")

    I_in: Estimate
    I_out: Estimate
    J: EstimateArray
    rho_plus: EstimateArray
    rho_minus: EstimateArray
    unmet_drain: EstimateArray | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready fields; ``unmet_drain`` only in physical mode."""
        d = super().to_dict()
        if self.unmet_drain is None:
            d.pop("unmet_drain")
        return d


# --------------------------------------------------------------------------
# the wire as the simulation sees it
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Injector:
    """Where walkers enter the wire in the linear Monte Carlo.

    Attributes
    ----------
    name : str
        ``"left reservoir"``, ``"right reservoir"``, ``"source"``, ``"drain"``.
    site : int
        1-based site where the walkers enter.
    direction : int
        ``+1``: right-movers, ``-1``: left-movers.
    weight : int
        ``+1``, or ``-1`` for the negative-weight walkers of a drain.
    rate : float
        Mean number of walkers per injection step (``drho`` for a
        reservoir: the ``rho0`` background is exact, not simulated;
        ``Ig/2`` for each species of a source or drain).
    bias : str
        ``"forward"`` or ``"reverse"`` for the reservoir that carries the
        ``drho`` excess in that bias, ``"both"`` for sources and drains
        (shared by the two biases).
    """

    name: str
    site: int
    direction: int
    weight: int
    rate: float
    bias: str


@dataclass(frozen=True)
class WalkerTrace(FrozenArrays):
    """One walker followed step by step (see :meth:`SteadyStateSimulation.trace`).

    Attributes
    ----------
    sites : ndarray of int, shape (T,)
        1-based site at each step, from the injection step on.
    directions : ndarray of int, shape (T,)
        ``+1`` / ``-1`` at each step.
    exit : str
        ``"left"`` (absorbed by the left reservoir) or ``"right"``.
    weight : int
    """

    sites: np.ndarray
    directions: np.ndarray
    exit: str
    weight: int

    def to_frame(self):
        """Tidy :class:`pandas.DataFrame` with columns ``step, site, direction``."""
        import pandas as pd

        return pd.DataFrame({"step": np.arange(len(self.sites)), "site": self.sites,
                             "direction": self.directions})


