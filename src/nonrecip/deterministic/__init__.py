"""Exact steady states of every model.

The classical master equation, the resistive circuit and (in
:mod:`nonrecip.deterministic.quantum`) the NEGF quantum wire.
"""

from .circuit import solve_circuit
from .classical import solve_classical
from .quantum import QuantumState, solve_quantum

__all__ = ["solve_classical", "solve_circuit", "solve_quantum", "QuantumState"]
