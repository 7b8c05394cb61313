"""Layout design on a general wire: the search takes the wire's Hamiltonian."""

import itertools
import json

import pytest

from nonrecip.cli import main
from nonrecip.design import design
from nonrecip.deterministic import solve_quantum
from nonrecip.hamiltonian import Hamiltonian
from nonrecip.wire import ParameterError, QuantumParams, Wire

PARAMS = QuantumParams(gamma=0.6, mubar=0.8, Ig=0.003)


def _brute(n, k, hamiltonian):
    """Every layout by itertools, scored by solve_quantum with the Hamiltonian."""
    out = {}
    for t in itertools.product(".SD", repeat=n - 2):
        lay = "." + "".join(t) + "."
        if lay.count("S") == lay.count("D") == k:
            out[lay] = solve_quantum(Wire(lay), PARAMS, hamiltonian=hamiltonian).delta_I
    return out


@pytest.mark.parametrize("make", [lambda n: Hamiltonian.ssh(n, 1.0, 0.6),
                                  lambda n: Hamiltonian.anderson(n, 1.0, 3)])
def test_exhaustive_design_on_a_general_wire_is_brute_force(make):
    h = make(9)
    vals = _brute(9, 2, h)
    r = design("quantum", 9, 2, PARAMS, hamiltonian=h, method="exhaustive", top=3)
    assert r.exhaustive and r.evaluated == len(vals)
    want = sorted(vals.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    # the best layout is the brute-force best, its value the same solver call's (superposed
    # injections only rank; the listed layouts are solved directly)
    assert r.best[0].layout == want[0][0] and r.best[0].delta_I == want[0][1]
    assert r.parameters["hamiltonian"]["digest"] == h.digest
    # the Hamiltonian matters: the uniform wire's optimum value differs
    uniform = design("quantum", 9, 2, PARAMS, method="exhaustive", top=1)
    assert uniform.best[0].delta_I != r.best[0].delta_I


def test_cli_design_quantum_takes_the_wire_model(capsys):
    assert main(["design", "quantum", "--n", "9", "--pairs", "2", "--gamma", "0.6", "--mu", "0.8",
                 "--ig", "0.003", "--model", "ssh", "--t1", "1", "--t2", "0.6", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    lib = design("quantum", 9, 2, PARAMS, hamiltonian=Hamiltonian.ssh(9, 1.0, 0.6))
    assert got == json.loads(lib.to_json())


def test_a_hamiltonian_of_another_size_is_refused():
    with pytest.raises(ParameterError, match="hamiltonian"):
        design("quantum", 9, 2, PARAMS, hamiltonian=Hamiltonian.ssh(10, 1.0, 0.6))
