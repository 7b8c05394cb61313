"""Solver options of the nonlinear quantum solve reach it from the API and
the CLI, are recorded, and are refused where they mean nothing."""

import pytest

from nonrecip import ParameterError, QuantumParams, Wire, solve_quantum


def test_non_convergence_reports_the_residual_on_one_line(cli):
    r = cli("solve", "quantum", "--layout", ".SD.", "--response", "nonlinear", "--max-iter", "0", "--ig-ratio", "1.0")
    assert r.code == 1
    assert r.out == ""
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.err
    assert "max|I_l - target_l|" in lines[0]  # the residual, as issue 4 asks


def test_options_are_recorded_and_used():
    w, q = Wire(".SPD."), QuantumParams.from_ig_ratio(0.5, gamma=0.5, mubar=1.2, dmu=0.1)
    loose = solve_quantum(w, q, response="nonlinear", tol=1e-6)
    tight = solve_quantum(w, q, response="nonlinear", tol=1e-12, max_nodes=1025)
    assert loose.parameters["tol"] == 1e-6 and tight.parameters["max_nodes"] == 1025
    # the loose solve meets its own tolerance: bath currents within tol * max(Ig, Io)
    # of the tight one (plus the tight one's 1e-12), so tol really reached the solver
    scale = max(q.Ig, q.Io)
    assert abs(loose.forward.I_1 - tight.forward.I_1) <= 2e-6 * scale
    default = solve_quantum(w, q, response="nonlinear")
    assert "tol" not in default.parameters  # defaults leave the JSON contract unchanged


@pytest.mark.parametrize("response", ["linear", "cubic"])
def test_options_refused_outside_nonlinear(response):
    with pytest.raises(ParameterError, match="tol"):
        solve_quantum(Wire(".SD."), QuantumParams(Ig=0.001), response=response, tol=1e-8)


def test_cli_option_refused_for_linear(cli):
    r = cli("solve", "quantum", "--layout", ".SD.", "--tol", "1e-8")
    assert r.code == 2 and "nonlinear" in r.err and len(r.err.strip().splitlines()) == 1
