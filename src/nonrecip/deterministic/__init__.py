"""Exact steady states: the classical master equation, the resistive circuit
and (in :mod:`nonrecip.deterministic.quantum`) the NEGF quantum wire."""

from .circuit import solve_circuit
from .classical import solve_classical

__all__ = ["solve_classical", "solve_circuit"]
