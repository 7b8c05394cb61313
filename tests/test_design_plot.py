"""nonrecip.design.plot: the figure of a result shows the solver's profile of the best layout."""

from __future__ import annotations

import numpy as np

from nonrecip.design import design
from nonrecip.design.plot import plot, profile
from nonrecip.deterministic import solve_circuit, solve_classical, solve_quantum
from nonrecip.wire import CircuitParams, ClassicalParams, QuantumParams, Wire


def test_profiles_are_the_solvers():
    qp = QuantumParams(gamma=0.7, Ig=0.005)
    r = design("quantum", 10, 2, qp, top=1)
    name, f, rv = profile(r)
    res = solve_quantum(Wire(r.best[0].layout), qp)
    assert name.startswith("bath potential")
    np.testing.assert_array_equal(f, res.forward.mu)
    np.testing.assert_array_equal(rv, res.reverse.mu)
    cp = ClassicalParams(p=0.5, Ig=0.01, drho=0.1)
    r = design("classical", 10, 2, cp, objective="relative")
    assert r.parameters["closed_form"].startswith("not applicable (objective relative)")
    _, f, _ = profile(r)
    st = solve_classical(Wire(r.best[0].layout), cp).forward
    np.testing.assert_array_equal(f, st.rho_plus + st.rho_minus)
    kp = CircuitParams(V=1.0, R=1.0, Ig=0.3)
    r = design("circuit", 9, 1, kp)
    _, f, _ = profile(r)
    np.testing.assert_array_equal(f, solve_circuit(Wire(r.best[0].layout), kp).forward.V)


def test_plot_has_two_panels():
    r = design("quantum", 10, 2, QuantumParams(gamma=0.7, Ig=0.005), top=1)
    fig = plot(r)
    ax, hx = fig.axes[:2]
    assert len(ax.lines) >= 2 and sum(p.get_height() for p in hx.patches) == r.objectives.size
