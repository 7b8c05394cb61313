"""Exact steady states of every model.

The classical master equation, the resistive circuit and (in
:mod:`nonrecip.deterministic.quantum`) the NEGF quantum wire. Each name
loads its solver's module on first use (PEP 562): ``solve_classical`` does
not import the quantum solvers.
"""

from typing import TYPE_CHECKING

from .._lazy import attach

if TYPE_CHECKING:
    from .circuit import solve_circuit
    from .classical import solve_classical
    from .quantum import QuantumState, solve_quantum

__all__ = ["solve_classical", "solve_circuit", "solve_quantum", "QuantumState"]

__getattr__, __dir__ = attach(__name__, {
    "solve_classical": ".classical",
    "solve_circuit": ".circuit",
    "solve_quantum": ".quantum",
    "QuantumState": ".quantum",
})
