"""nonrecip: nonreciprocal charge transport in wires with balanced sources and drains.

Implements the paper in ``shared/paper`` three ways — the classical master
equation of right- and left-movers (exact solve and Monte Carlo), the
resistive circuit, and the quantum NEGF wire with self-consistent source and
drain baths — all on one shared :class:`Wire` model.

>>> from nonrecip import Wire, ClassicalParams, solve_classical
>>> res = solve_classical(Wire.from_spec("dimers", n=10), ClassicalParams(p=0.9, Ig=0.05, drho=0.1))
>>> res.delta_I > 0
True
"""

from .deterministic import QuantumState, solve_circuit, solve_classical, solve_quantum
from .results import CircuitState, ClassicalState, Estimate, EstimateArray, Result
from .wire import (
    Bias,
    CircuitParams,
    ClassicalParams,
    ConvergenceError,
    NonrecipError,
    ParameterError,
    QuantumParams,
    Wire,
)

__version__ = "0.1.0"

# Heavy entry points (numba, dask) load on first use so `import nonrecip`
# and `nonrecip --help` stay fast (PEP 562).
_LAZY = {
    "simulate": "nonrecip.stochastic",
    "trajectory": "nonrecip.stochastic",
    "run_sweep": "nonrecip.sweep",
    "run_checks": "nonrecip.validate",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nonrecip' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "simulate",
    "trajectory",
    "run_sweep",
    "run_checks",
    "Wire",
    "Bias",
    "ClassicalParams",
    "CircuitParams",
    "QuantumParams",
    "NonrecipError",
    "ParameterError",
    "ConvergenceError",
    "Result",
    "Estimate",
    "EstimateArray",
    "ClassicalState",
    "CircuitState",
    "solve_classical",
    "solve_circuit",
    "solve_quantum",
    "QuantumState",
    "__version__",
]
