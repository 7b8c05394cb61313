"""Monte Carlo of the classical walkers (SPEC section 2; paper Sec. II, App. A, C2).

* :func:`simulate` — steady state under forward and reverse bias with honest
  standard errors (independent batches), unbiased for the linear master
  equation; ``mode="physical"`` for drains that can run dry.
* :func:`run_batches` / :func:`combine` — the same run split into chunks of
  batches computed anywhere (e.g. Dask workers), bit-identical to
  :func:`simulate`.
* :mod:`nonrecip.stochastic.population` — the time-stepped population engine
  (trajectories, physical mode).

Numba kernels live in the private ``_kernels`` / ``_population_kernels``
modules and compile on first use.
"""

from .simulation import (
    ESTIMATORS,
    MODES,
    BatchSums,
    Injector,
    SimulatedState,
    SteadyStateSimulation,
    WalkerTrace,
    batch_sizes,
    budgets,
    combine,
    convergence,
    run_batches,
    simulate,
    stderr_slopes,
)
from .population import TrajectoryRun, WireSimulation, physical_batch, relaxation_time, trajectory

__all__ = [
    "simulate",
    "run_batches",
    "combine",
    "BatchSums",
    "SimulatedState",
    "SteadyStateSimulation",
    "Injector",
    "WalkerTrace",
    "batch_sizes",
    "budgets",
    "convergence",
    "stderr_slopes",
    "MODES",
    "ESTIMATORS",
    "trajectory",
    "TrajectoryRun",
    "WireSimulation",
    "physical_batch",
    "relaxation_time",
]
