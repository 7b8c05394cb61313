"""The steady state of the quantum wire under one bias."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ...results import ExactState

__all__ = ["QuantumState"]


@dataclass(frozen=True)
class QuantumState(ExactState):
    """Steady state of the NEGF wire with self-consistent baths, one bias.

    Units ``gamma_o = e = hbar = 1``. Currents are positive left to right
    (bonds) or into the wire (baths). Sites without a bath carry NaN in the
    per-bath arrays (``null`` in JSON).

    Attributes
    ----------
    I_1, I_N : float
        Current from the left reservoir into site 1 and from the right
        reservoir into site N (``I_N < 0`` under forward bias).
    J : ndarray, shape (N-1,)
        Bond current from site ``l`` to ``l+1`` (Eq. B19).
    mu : ndarray, shape (N,)
        Bath chemical potentials ``mu_l``: the reservoirs at sites 1 and N,
        the self-consistent S/D/P baths; NaN on free sites.
    I : ndarray, shape (N,)
        Current from bath ``l`` into the wire (``I[0] = I_1``,
        ``I[-1] = I_N``, ``+Ig`` at S, ``-Ig`` at D, 0 at P); NaN on free
        sites.
    dn : ndarray, shape (N,)
        Local density deviation ``delta n_l`` (Eq. B50, the factor
        ``gamma_l'^2 rho_l'`` inside the sum); NaN where not computed.
    h : ndarray, shape (N,)
        Heat current into bath ``l`` (Eq. B52); NaN where there is no bath or
        where it was not computed.
    """

    site_fields: ClassVar[tuple[str, ...]] = ("mu", "I", "dn", "h")

    I_1: float
    I_N: float
    J: np.ndarray
    mu: np.ndarray
    I: np.ndarray  # noqa: E741 - physics name
    dn: np.ndarray
    h: np.ndarray

    @property
    def I_in(self) -> float:  # noqa: N802
        """Current entering the wire at site 1 (``= I_1``)."""
        return self.I_1

    @property
    def I_out(self) -> float:  # noqa: N802
        """Current leaving the wire at site N into the right reservoir (``= -I_N``)."""
        return -self.I_N
