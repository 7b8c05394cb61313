"""One independent replica of the population, summed over its sampled steps.

It is the batch of ``simulate(mode="physical")``.
"""

from __future__ import annotations

import numpy as np

from ..wire import Bias, ClassicalParams, ParameterError, Wire, check_int
from .population_engine import WireSimulation
from .population_setup import DEFAULT_SCALE, _check_inputs, default_burn_in

__all__ = ["physical_batch"]


def physical_batch(wire: Wire, params: ClassicalParams, *, steps: int, seed_seq: np.random.SeedSequence,
                   bias: Bias | str, scale: float = DEFAULT_SCALE, burn_in: int | None = None,
                   mode: str = "physical", start: str = "linear") -> dict[str, np.ndarray]:
    """One independent replica of the population, sums over its sampled steps.

    Start from ``start`` (default: the exact linear steady state, clipped at
    0 in physical mode), run ``burn_in`` steps unrecorded, then sample
    ``steps`` steps.

    Parameters
    ----------
    wire : Wire
    params : ClassicalParams
    steps : int
        Sampled steps, >= 1.
    seed_seq : numpy.random.SeedSequence
        The replica's own stream (e.g. one child of ``SeedSequence(seed).spawn(k)``).
    bias : Bias or str
    scale : float, default 1000
        Walkers per unit density. In physical mode the answer depends on it
        (finite-population effects at drains that run dry); it tends to the
        deterministic clipped map as ``scale -> inf``.
    burn_in : int, optional
        Default ``ceil(5 * relaxation_time(wire, p))``, except 0 in linear
        mode started from the linear state: its mean is then exact at every
        step, so no burn-in is needed for an unbiased estimate.
    mode : {"physical", "linear"}, default "physical"
    start : {"linear", "empty", "rho0"}, default "linear"

    Returns
    -------
    dict of str to ndarray
        Sums over the ``steps`` sampled steps, density units per step:
        ``rho_plus``, ``rho_minus`` (N,), ``J`` (N-1,), ``unmet_drain`` (N,)
        (what the drains failed to extract, both species), and the reservoir
        boundary currents ``I_in``, ``I_out`` (0-d arrays). Divide by
        ``steps`` for means.
    """
    _check_inputs(wire, params)
    steps = check_int("steps", steps, lo=1)
    if not isinstance(seed_seq, np.random.SeedSequence):
        raise ParameterError("seed_seq", seed_seq, "must be a numpy.random.SeedSequence")
    sim = WireSimulation(wire, params, bias=bias, mode=mode, scale=scale, seed=seed_seq, start=start)
    if burn_in is None:
        burn_in = 0 if (sim.mode == "linear" and sim.start == "linear") else default_burn_in(wire, params.p)
    burn_in = check_int("burn_in", burn_in, lo=0)
    sim.step(burn_in)
    sim.reset_averages()
    sim.step(steps)
    out = sim.sums()
    out["I_in"] = np.asarray(out["I_in"])
    out["I_out"] = np.asarray(out["I_out"])
    return out
