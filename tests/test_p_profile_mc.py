"""--p-profile through the Monte Carlo: simulate (CLI and library) agrees with the
exact solver in standard errors; the time-resolved engine refuses a profile."""

import json

import numpy as np
import pytest

from nonrecip.cli import main
from nonrecip.deterministic import solve_classical
from nonrecip.stochastic import trajectory
from nonrecip.wire import ClassicalParams, ParameterError, Wire

#: |z| bound per comparison: 4.5 sigma (two-sided tail ~7e-6; about ten comparisons per run)
Z = 4.5


@pytest.fixture
def profile(tmp_path):
    path = tmp_path / "p.txt"
    np.savetxt(path, [1.0, 0.5, 0.8, 0.3, 0.9, 0.6, 1.0])
    return path


@pytest.mark.parametrize("estimator", ["adjoint", "walkers"])
def test_cli_simulate_with_a_profile_matches_the_exact_solver(profile, capsys, estimator):
    args = ["--layout", ".SDPSD.", "--p-profile", str(profile), "--ig", "0.05", "--drho", "0.1"]
    assert main(["simulate", *args, "--estimator", estimator, "--steps", "100000", "--seed", "3",
                 "--no-progress", "--json"]) == 0
    mc = json.loads(capsys.readouterr().out)
    assert main(["solve", "classical", *args, "--json"]) == 0
    exact = json.loads(capsys.readouterr().out)
    assert mc["parameters"]["p_profile"] == exact["parameters"]["p_profile"]
    for bias in ("forward", "reverse"):
        est, ref = mc[bias]["I_in"], exact[bias]["I_in"]
        assert abs(est["mean"] - ref) < Z * est["stderr"], (bias, est, ref)
    assert abs(mc["delta_I"]["mean"] - exact["delta_I"]) < Z * mc["delta_I"]["stderr"]
    # the profile matters: the scalar p = 0.9 answer is many standard errors away
    scalar = solve_classical(Wire(".SDPSD."), ClassicalParams(p=0.9, Ig=0.05, drho=0.1))
    assert abs(mc["forward"]["I_in"]["mean"] - scalar.forward.I_in) > 10 * mc["forward"]["I_in"]["stderr"]


def test_trajectory_refuses_a_profile(profile):
    params = ClassicalParams(p_profile=str(profile), Ig=0.05, drho=0.1)
    with pytest.raises(ParameterError, match="p_profile"):
        trajectory(Wire(".SDPSD."), params, steps=10)
