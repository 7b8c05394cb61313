"""The Monte Carlo at source currents far above the density bias (issue: large drive).

The model is linear (conventions §2), so an injector of ``rate`` walkers per
step may be sampled by a fixed budget of walkers each weighing ``rate``; the
estimate must match the exact O(N) solver in standard errors whatever
``Ig/drho``, and cost no more than at ``Ig ~ drho``.

Tolerance: |z| < 4.5 for each compared quantity (a fixed seed; for a
Gaussian estimate |z| > 4.5 has probability 7e-6, so with the ~40 comparisons
here a flake has probability < 3e-4, and fixed seeds make it deterministic).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from nonrecip import ClassicalParams, ParameterError, Wire, solve_classical
from nonrecip.stochastic import simulate
from nonrecip.stochastic.steady import MAX_RATE

Z = 4.5


@pytest.mark.parametrize("estimator", ["walkers", "adjoint"])
@pytest.mark.parametrize("ratio", [1e6, 1e12])
@pytest.mark.parametrize("layout", [".SD.", ".SP.D..S.P."])
def test_large_drive_matches_exact_solver(estimator, ratio, layout):
    wire = Wire(layout)
    drho = 0.1
    params = ClassicalParams(p=0.7, Ig=ratio * drho, drho=drho)
    exact = solve_classical(wire, params)
    t0 = time.process_time()
    res = simulate(wire, params, steps=20000, seed=3, estimator=estimator, workers=1)
    cpu = time.process_time() - t0
    assert cpu < 10.0   # today's code would need ~ratio x 20000 walkers (hours)
    for name in ("forward", "reverse"):
        est, ex = getattr(res, name), getattr(exact, name)
        assert est.I_in.stderr > 0
        assert abs(est.I_in.z(ex.I_in)) < Z, (name, est.I_in, ex.I_in)
        assert abs(est.I_out.z(ex.I_out)) < Z, (name, est.I_out, ex.I_out)
        # the estimate is of the source part, not the drho part alone
        assert abs(est.I_in.mean) > 0.01 * ratio * drho * 0.1
        if estimator == "walkers":
            J = est.J
            z = (J.mean - ex.J) / np.where(J.stderr > 0, J.stderr, np.inf)
            assert np.all(np.abs(z) < Z) or np.allclose(J.mean, ex.J, rtol=1e-12)


def test_walkers_cost_does_not_grow_with_drive():
    """Weighted injectors: the number of walkers followed is ``steps`` per
    injector whatever ``Ig`` (counted by the kernel's event counter)."""
    from nonrecip.stochastic import run_batches

    wire = Wire(".SD.")
    ev = []
    for ig in (40.0, 2e6, 2e12):
        sums = run_batches(wire, ClassicalParams(p=0.7, Ig=ig, drho=0.1), steps=4000, seed=1, n_batches=4,
                           batch_ids=range(4))
        ev.append(int(sums.counters[:, 0].sum()))
    assert max(ev) < 1.2 * min(ev), ev


@pytest.mark.parametrize("estimator", ["walkers", "adjoint"])
@pytest.mark.parametrize("field, value", [("Ig", 1e308), ("Ig", 3 * MAX_RATE), ("drho", 2 * MAX_RATE)])
def test_drive_beyond_float64_is_refused_up_front(estimator, field, value):
    params = ClassicalParams(p=0.7, **{field: value})
    with pytest.raises(ParameterError) as e:
        simulate(Wire(".SD."), params, steps=100, estimator=estimator)
    assert e.value.name == field
    assert f"{MAX_RATE:g}" in str(e.value)
