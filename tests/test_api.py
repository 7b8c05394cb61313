"""The public API is pinned by equality: ``nonrecip.__all__`` and the
``__all__`` of every public subpackage are exactly the names below (adding or
removing a public name is a deliberate edit of this file), every name
resolves, heavy parts load lazily, and ``import nonrecip`` stays light (the
CLI's --help depends on it). The version is single-sourced and ``py.typed``
ships with the package."""

import importlib
import pathlib
import re
import subprocess
import sys

import pytest

import nonrecip

PUBLIC = {
    "Wire", "Bias", "ClassicalParams", "CircuitParams", "QuantumParams",
    "NonrecipError", "ParameterError", "ConvergenceError",
    "Result", "Estimate", "EstimateArray", "ClassicalState", "CircuitState", "QuantumState",
    "solve_classical", "solve_circuit", "solve_quantum",
    "simulate", "trajectory", "run_sweep", "run_checks", "__version__",
}

SUBPACKAGES = {
    "nonrecip.deterministic": {
        "QuantumState", "solve_circuit", "solve_classical", "solve_quantum"
    },
    "nonrecip.deterministic.quantum": {
        "QuantumState", "bath_couplings", "broadening", "green_dense", "self_energy", "solve_quantum",
        "transmission_dense"
    },
    "nonrecip.stochastic": {
        "BatchSums", "ESTIMATORS", "Injector", "MODES", "SimulatedState", "SteadyStateSimulation",
        "TrajectoryRun", "WalkerTrace", "WireSimulation", "batch_sizes", "budgets", "combine",
        "convergence", "physical_batch", "relaxation_time", "run_batches", "simulate", "stderr_slopes",
        "trajectory"
    },
    "nonrecip.validate": {
        "COLUMNS", "Check", "Context", "LEVELS", "all_checks", "check", "get_check", "run_checks",
        "summary", "write_report"
    },
    "nonrecip.sweep": {
        "Grid", "MODELS", "Model", "Param", "Point", "SweepError", "SweepSpec", "default_workers",
        "get_model", "local_cluster", "parse_values", "point_key", "read_table", "run_sweep"
    },
    "nonrecip.paper.figures": {
        "FIGURES", "ORDER", "PaperFigure", "make", "make_and_save", "names", "save"
    },
    "nonrecip.paper.equations": {
        "FIG1_LAYOUTS", "a14_current", "a15_current", "a16_a21_densities", "a20_rho_minus_1",
        "a21_rho_plus_N", "a22_intra_current", "a36_a39_densities", "a36_constant_C", "a40_rho_minus_left",
        "a41_rho_plus_right", "a42_a43_total_density", "a44_bond_current", "a44_current",
        "a8_a13_densities", "b28_b30_transmissions", "b31_delta_mu", "b31_delta_mu_from_T",
        "b32_conductance", "b33_dI", "b33_delta_I", "b34_gamma_c", "b40_transmission_bulk", "b42_sum",
        "b45_F_bulk", "b46_sum", "b47_sum", "b48_JD", "b49_JS", "b51_dn", "b52_heat", "b53_sum", "b54_heat",
        "b_denominator", "bath_dos", "c11_c12_transmissions", "c13_conductance", "c13_delta_j",
        "c13_delta_mu", "c14_delta_mu", "c19_c22_densities", "c23_current", "c23_delta_I", "c24_current",
        "c3_delta_mu", "c4_conductance", "c4_delta_j", "c7_det_z", "c8_c10_green", "c_2D", "c_A", "c_Y",
        "c_kF", "c_lambdaF", "d1_current", "d1_delta_I", "d1_v_reversal", "d2_voltages", "d3_heat",
        "d4_heat_bulk", "eq17_delta_mu", "eq18_conductance", "eq18_dI", "eq19_mu", "eq20_alpha", "eq20_lc",
        "eq20_nabla", "eq20_phi", "eq20_sigma", "eq21_conductance", "eq21_delta_I", "eq21_delta_J",
        "eq22_delta_j", "eq22_xi", "eq6_current", "eq6_delta_I", "eq6_ig_reversal", "eq7_densities",
        "eq8_current", "eq8_delta_I", "eq8_ig_reversal", "eq9_current", "fig1_current", "fig1_delta_I",
        # not from the paper: derived here (paper/equations/general.py, conventions §5)
        "general_current", "general_current_divider", "general_delta_I", "general_parts", "general_resistance"
    },
    "nonrecip.cli": {
        "app", "main"
    },
}


ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_public_names_are_exactly_pinned():
    assert sorted(nonrecip.__all__) == sorted(PUBLIC)
    assert len(nonrecip.__all__) == len(set(nonrecip.__all__))  # no duplicates


def test_public_names_resolve():
    for name in nonrecip.__all__:
        assert getattr(nonrecip, name) is not None, name
    assert set(nonrecip.__all__) <= set(dir(nonrecip))


@pytest.mark.parametrize("module", sorted(SUBPACKAGES))
def test_subpackage_all_is_exactly_pinned(module):
    mod = importlib.import_module(module)
    assert sorted(mod.__all__) == sorted(SUBPACKAGES[module])
    assert len(mod.__all__) == len(set(mod.__all__)), "duplicate names in __all__"
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name} does not resolve"


def test_lazy_names_are_the_real_functions():
    from nonrecip.stochastic import simulate, trajectory
    from nonrecip.sweep import run_sweep
    from nonrecip.validate import run_checks

    assert nonrecip.simulate is simulate and nonrecip.trajectory is trajectory
    assert nonrecip.run_sweep is run_sweep and nonrecip.run_checks is run_checks


def test_import_is_light():
    code = "import sys, nonrecip; print(sorted(m for m in ('numba', 'scipy', 'pandas', 'dask', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.strip() == "[]"


def test_version_is_single_sourced():
    """pyproject.toml declares the version dynamic and reads it from
    ``nonrecip.__version__``; the installed metadata, when present, agrees."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "nonrecip.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+([ab]|rc)?\d*", nonrecip.__version__)
    from importlib import metadata

    try:
        installed = metadata.version("nonrecip")
    except metadata.PackageNotFoundError:  # run from the source tree (PYTHONPATH=src)
        return
    if pathlib.Path(nonrecip.__file__).resolve().is_relative_to(ROOT / "src"):
        return  # source tree shadows an installed copy: nothing to compare
    assert installed == nonrecip.__version__


def test_py_typed_is_shipped():
    import tomllib

    assert (pathlib.Path(nonrecip.__file__).parent / "py.typed").is_file()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["nonrecip"]
