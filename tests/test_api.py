"""The public API is pinned: names in ``nonrecip.__all__`` resolve, heavy
parts load lazily, and ``import nonrecip`` stays light (the CLI's --help
depends on it)."""

import subprocess
import sys

import nonrecip

PUBLIC = {
    "Wire", "Bias", "ClassicalParams", "CircuitParams", "QuantumParams",
    "NonrecipError", "ParameterError", "ConvergenceError",
    "Result", "Estimate", "EstimateArray", "ClassicalState", "CircuitState", "QuantumState",
    "solve_classical", "solve_circuit", "solve_quantum",
    "simulate", "trajectory", "run_sweep", "run_checks", "__version__",
}


def test_public_names_resolve():
    assert PUBLIC <= set(nonrecip.__all__)
    for name in nonrecip.__all__:
        assert getattr(nonrecip, name) is not None, name
    assert set(nonrecip.__all__) <= set(dir(nonrecip))


def test_lazy_names_are_the_real_functions():
    from nonrecip.stochastic import simulate, trajectory
    from nonrecip.sweep import run_sweep

    assert nonrecip.simulate is simulate and nonrecip.trajectory is trajectory
    assert nonrecip.run_sweep is run_sweep


def test_import_is_light():
    code = "import sys, nonrecip; print(sorted(m for m in ('numba', 'scipy', 'pandas', 'dask', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.strip() == "[]"
