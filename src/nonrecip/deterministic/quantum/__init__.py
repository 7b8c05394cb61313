"""The quantum tight-binding wire with self-consistent source, drain and
probe baths (Sec. III, App. B, App. C1; SPEC section 4).

* :mod:`.greens` — bath self-energies, ``G(w)``, ``T_ll'(w)``;
* :mod:`.state` — :class:`QuantumState`, the steady state under one bias;
* :mod:`.linear` — linear response at ``T = 0``: a dense oracle and the
  direct ``O(N)`` structured solver;
* :mod:`.nonlinear`, :mod:`.cubic` — beyond linear response.
"""

from .greens import bath_couplings, broadening, green_dense, self_energy, transmission_dense
from .state import QuantumState

__all__ = [
    "QuantumState",
    "bath_couplings",
    "self_energy",
    "broadening",
    "green_dense",
    "transmission_dense",
]
