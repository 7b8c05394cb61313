"""Monte Carlo of the classical walkers (conventions §2; paper Sec. II, App. A, C2).

* :func:`simulate` — steady state under forward and reverse bias with honest
  standard errors (independent batches), unbiased for the linear master
  equation; ``mode="physical"`` for drains that can run dry.
* :func:`run_batches` / :func:`combine` — the same run split into chunks of
  batches computed anywhere (e.g. Dask workers), bit-identical to
  :func:`simulate`.
* :mod:`nonrecip.stochastic.population` — the time-stepped population engine
  (trajectories, physical mode).

One idea per module: :mod:`nonrecip.stochastic.state` (result and injector types),
:mod:`.steady` (the wire as the steady-state Monte Carlo sees it, one batch,
estimates), :mod:`.batch_sums` (per-batch sums and their checkpoints),
:mod:`.simulation` (``simulate``, ``run_batches``, ``combine``), :mod:`.adjoint_inline` (a
run of the adjoint estimator in the calling thread at a small fixed cost),
:mod:`.convergence_study`, and for the population engine :mod:`.population_setup`,
:mod:`.population_engine`, :mod:`.frames`, :mod:`nonrecip.stochastic.ensemble` (trajectories),
:mod:`.replica` (physical-mode batches); :mod:`.population` gathers its public
names. Batches, checkpoints, signals, progress and worker counts come from
:mod:`nonrecip.runs`. Numba kernels live in the private ``_kernels`` /
``_population_kernels`` modules and compile on first use.
"""

from .batch_sums import BatchSums
from .convergence_study import budgets, convergence, stderr_slopes
from .ensemble import TrajectoryRun, trajectory
from .population_engine import WireSimulation
from .population_setup import relaxation_time
from .replica import physical_batch
from .simulation import combine, run_batches, simulate
from .state import Injector, SimulatedState, WalkerTrace
from .steady import ESTIMATORS, MODES, SteadyStateSimulation, batch_sizes

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
