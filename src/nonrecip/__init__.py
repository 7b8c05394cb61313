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

__version__ = "0.1.0"

# Every public name loads on first use (PEP 562), so `import nonrecip`, the
# light modules (errors, params) and `nonrecip --help` import neither numpy
# nor numba, scipy or dask; `from nonrecip import Wire` imports what Wire needs.
_LAZY = {
    "QuantumState": "nonrecip.deterministic",
    "solve_circuit": "nonrecip.deterministic",
    "solve_classical": "nonrecip.deterministic",
    "solve_quantum": "nonrecip.deterministic",
    "CircuitState": "nonrecip.results",
    "ClassicalState": "nonrecip.results",
    "Estimate": "nonrecip.results",
    "EstimateArray": "nonrecip.results",
    "Result": "nonrecip.results",
    "Bias": "nonrecip.wire",
    "CircuitParams": "nonrecip.wire",
    "ClassicalParams": "nonrecip.wire",
    "QuantumParams": "nonrecip.wire",
    "Wire": "nonrecip.wire",
    "ConvergenceError": "nonrecip.errors",
    "NonrecipError": "nonrecip.errors",
    "ParameterError": "nonrecip.errors",
    "simulate": "nonrecip.stochastic",
    "trajectory": "nonrecip.stochastic",
    "run_sweep": "nonrecip.sweep",
    "run_checks": "nonrecip.validate",
}


def __getattr__(name: str):
    """Import a public name on first use (PEP 562) and keep it."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nonrecip' has no attribute {name!r}")


def __dir__():
    """Public names, also those not imported yet."""
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
