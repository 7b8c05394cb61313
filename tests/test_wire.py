"""The shared wire model and parameter validation (conventions §1)."""

import math

import numpy as np
import pytest

from nonrecip import CircuitParams, ClassicalParams, ParameterError, QuantumParams, Wire
from nonrecip.wire import Bias


@pytest.mark.parametrize("n, layout", [(4, ".SD."), (6, ".SDSD."), (10, ".SDSDSDSD.")])
def test_dimers_layout(n, layout):
    assert Wire.dimers(n).layout == layout
    assert Wire.from_spec("dimers", n=n) == Wire(layout)


@pytest.mark.parametrize("n, layout", [(4, ".SD."), (5, ".S.D."), (7, ".S...D.")])
def test_single_layout(n, layout):
    assert Wire.single(n).layout == layout


def test_views():
    w = Wire(".SPD.")
    assert w.N == 5
    np.testing.assert_array_equal(w.injection, [0, 1, 0, -1, 0])
    np.testing.assert_array_equal(w.scatterer, [False, True, True, True, False])
    assert w.mirrored().layout == ".DPS."
    assert not w.is_parity_symmetric and Wire(".SDDS.").is_parity_symmetric
    with pytest.raises(ValueError):
        w.injection[0] = 1.0  # read-only


@pytest.mark.parametrize(
    "make, name, fragment",
    [
        (lambda: Wire(".SX."), "layout", "unknown character(s) 'X'"),
        (lambda: Wire("SD.."), "layout", "must be '.'"),
        (lambda: Wire(".SD"), "layout", "N >= 4"),
        (lambda: Wire.from_spec(".SD.", n=5), "N", "must equal the length"),
        (lambda: Wire.from_spec("dimers"), "N", "needs the number of sites"),
        (lambda: Wire.dimers(7), "N", "even N"),
        (lambda: Wire.dimers(2), "N", ">= 4"),
        (lambda: Wire.single(3), "N", ">= 4"),
        (lambda: Wire.single(4.5), "N", "integer"),
        (lambda: ClassicalParams(p=0.0), "p", "(0, 1]"),
        (lambda: ClassicalParams(p=1.2), "p", "(0, 1]"),
        (lambda: ClassicalParams(p=math.nan), "p", "finite"),
        (lambda: ClassicalParams(p=0.5, Ig=-1), "Ig", ">= 0"),
        (lambda: ClassicalParams(p=0.5, Ig=math.inf), "Ig", "finite"),
        (lambda: ClassicalParams(p=0.5, drho=-0.1), "drho", ">= 0"),
        (lambda: ClassicalParams(p=0.5, rho0=-1), "rho0", ">= 0"),
        (lambda: ClassicalParams(p="x"), "p", "real number"),
        (lambda: ClassicalParams(p=True), "p", "real number"),
        (lambda: CircuitParams(R=0), "R", "> 0"),
        (lambda: CircuitParams(V=-1), "V", ">= 0"),
        (lambda: QuantumParams(mubar=2.0), "mubar", "(-2, 2)"),
        (lambda: QuantumParams(gamma=-0.1), "gamma", ">= 0"),
        (lambda: QuantumParams(dmu=0.0), "dmu", "> 0"),
        (lambda: QuantumParams(gamma_contact=0.0), "gamma_contact", "> 0"),
        (lambda: QuantumParams(temperature=-1.0), "temperature", ">= 0"),
    ],
)
def test_bad_input_names_parameter(make, name, fragment):
    with pytest.raises(ParameterError) as e:
        make()
    assert e.value.name == name
    assert fragment in str(e.value)
    assert name in str(e.value)


def test_params_frozen_and_replace():
    pr = ClassicalParams(p=0.5, Ig=0.1)
    with pytest.raises(AttributeError):
        pr.p = 0.7  # type: ignore[misc]
    assert pr.replace(p=0.7).p == 0.7
    with pytest.raises(ParameterError):
        pr.replace(p=2.0)


def test_bias_and_reservoirs():
    pr = ClassicalParams(p=0.5, drho=0.2, rho0=1.0)
    assert pr.reservoir_injection(Bias.FORWARD) == (1.2, 1.0)
    assert pr.reservoir_injection(Bias.REVERSE) == (1.0, 1.2)
    q = QuantumParams.from_ig_ratio(0.3, dmu=0.1, mubar=1.0)
    assert q.Ig == pytest.approx(0.3 * 0.1 / (2 * math.pi), rel=1e-15)
    assert q.potentials(Bias.REVERSE) == (0.95, 1.05)
