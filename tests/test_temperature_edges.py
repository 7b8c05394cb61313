"""Temperatures at the edges of double precision (conventions §4)."""

import pytest

from nonrecip.deterministic import solve_quantum
from nonrecip.deterministic.quantum.thermal import is_zero_temperature, minus_df
from nonrecip.hamiltonian import Hamiltonian
from nonrecip.wire import ParameterError, QuantumParams, Wire


@pytest.mark.parametrize("hamiltonian", [None, "ssh"])
def test_a_subnormal_temperature_is_zero_temperature(hamiltonian):
    """T = 1e-320: the Fermi window is narrower than one double at mubar, so the
    currents are those of T = 0 exactly (the T -> 0 correction is O(T^2))."""
    wire = Wire.from_spec("dimers", 10)
    h = None if hamiltonian is None else Hamiltonian.ssh(10, 1.0, 0.7)
    cold = solve_quantum(wire, QuantumParams(gamma=0.5, mubar=1.0, temperature=1e-320), hamiltonian=h)
    zero = solve_quantum(wire, QuantumParams(gamma=0.5, mubar=1.0, temperature=0.0), hamiltonian=h)
    assert cold.delta_I == zero.delta_I
    assert (cold.forward.mu == zero.forward.mu)[wire.kinds != 0].all()
    assert is_zero_temperature(1e-320, 1.0) and not is_zero_temperature(1e-3, 1.0)


def test_minus_df_does_not_overflow_at_huge_temperature():
    # -df/dw -> 1/(4T) as T -> infinity; 1e308 must give the subnormal 2.5e-309, not inf * 0
    assert minus_df(0.0, 1e308) == pytest.approx(0.25e-308, rel=1e-12)


def test_a_huge_temperature_pushes_the_potentials_out_of_the_band():
    """Every conductance falls like 1/T: the baths need potentials ~ Ig T to carry Ig,
    which leave the band: a ParameterError naming Ig (the CLI's exit 2), not a stall."""
    with pytest.raises(ParameterError, match="outside the band"):
        solve_quantum(Wire.from_spec("dimers", 10), QuantumParams(gamma=0.5, temperature=1e308))
