"""Fig. 1 (Sec. I): the three resistive circuits and their currents."""

import pytest

from nonrecip import CircuitParams, Wire
from nonrecip.deterministic.circuit import solve_circuit, solve_nodal
from nonrecip.paper import equations as eq

# three-to-six-node Kirchhoff solves of O(1) currents: a few ulps; 1e-12 is ample
TOL = 1e-12

# Sec. I, in so many words: forward I_in, reverse |I_in|
PAPER = {
    "a": (".SD.", lambda V, R, Ig: V / R - Ig / 3, lambda V, R, Ig: V / R + Ig / 3),
    "b": (".SDDS.", lambda V, R, Ig: V / R, lambda V, R, Ig: V / R),
    "c": (".SDSD.", lambda V, R, Ig: V / R - 2 * Ig / 5, lambda V, R, Ig: V / R + 2 * Ig / 5),
}
VALUES = [(1.0, 1.0, 0.3), (2.0, 0.5, 1.1), (0.3, 7.0, 0.01)]


@pytest.mark.parametrize("panel", ["a", "b", "c"])
def test_fig1_currents(panel):
    layout, fwd, rev = PAPER[panel]
    assert eq.FIG1_LAYOUTS[panel] == layout
    for V, R, Ig in VALUES:
        params = CircuitParams(V=V, R=R, Ig=Ig)
        res = solve_circuit(Wire(layout), params)
        assert res.forward.I_in == pytest.approx(fwd(V, R, Ig), abs=TOL)
        assert res.forward.I_out == pytest.approx(fwd(V, R, Ig), abs=TOL)   # balanced: Iin = Iout
        assert res.reverse.I_in == pytest.approx(-rev(V, R, Ig), abs=TOL)  # signed, left to right
        assert solve_nodal(Wire(layout), params).I_in == pytest.approx(fwd(V, R, Ig), abs=TOL)
        assert solve_nodal(Wire(layout), params, "reverse").I_in == pytest.approx(-rev(V, R, Ig), abs=TOL)
        assert eq.fig1_current(panel, V, R, Ig) == pytest.approx(fwd(V, R, Ig), abs=TOL)
        assert eq.fig1_current(panel, V, R, Ig, "reverse") == pytest.approx(-rev(V, R, Ig), abs=TOL)
        assert res.delta_I == pytest.approx(eq.fig1_delta_I(panel, Ig), abs=TOL)


def test_fig1_parity():
    # Sec. I: nonreciprocity only where S/D break the parity of the wire (a, c)
    for panel, layout in eq.FIG1_LAYOUTS.items():
        w = Wire(layout)
        dI = solve_circuit(w, CircuitParams(V=1.0, R=1.0, Ig=0.4)).delta_I
        if w.is_parity_symmetric:
            assert panel == "b" and dI == pytest.approx(0.0, abs=TOL)
        else:
            assert dI > 0.1


def test_fig1_from_the_command_line(cli):
    r = cli("solve", "circuit", "--layout", ".SD.", "--v", "1", "--r", "1", "--ig", "0.3", "--json")
    assert r.code == 0
    d = r.json()
    assert d["forward"]["I_in"] == pytest.approx(1 - 0.3 / 3, abs=TOL)
    assert d["reverse"]["I_in"] == pytest.approx(-(1 + 0.3 / 3), abs=TOL)
    assert d["delta_I"] == pytest.approx(0.2, abs=TOL)
