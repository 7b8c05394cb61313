"""Time-stepped population engine: the wire's walkers as a user sees them.

This is the general-purpose, time-resolved side of the classical Monte Carlo
(conventions §2, paper Sec. II, App. A, App. C2): a whole population of
right- and left-movers is advanced one time step at a time, with the two
reservoirs, the sources (S), drains (D) and scatterers (S, D and P sites)
acting on it. It answers "how does the wire fill up and what does a drain do
when it runs dry", and gives time-averaged steady states in both modes:

``linear``
    Drains take ``Ig/2`` of each species per step *in expectation* whatever
    is on the site; where they take more than is there the count goes
    negative (negative-weight walkers). The expected state then obeys the
    linear master equation exactly, so time averages are unbiased estimates
    of :func:`nonrecip.deterministic.classical.solve_classical`.
``physical``
    Drains take walkers actually present (at most what is there) and count
    the shortfall ``unmet_drain``: where it is nonzero the linear model has
    stopped describing a physical population.

Units and scale
---------------
Densities are in the paper's units (``e = v_F = a = tau = 1``; walkers per
site, currents in walkers per step). ``scale`` is the number of simulated
walkers per unit density: the left reservoir injects ``Poisson(scale *
(rho0 + drho))`` walkers per step (forward), a source ``Poisson(scale *
Ig/2)`` of each species, and every reported quantity is divided by ``scale``.
Fluctuations shrink like ``scale**-1/2`` at a cost per step that does not
grow with ``scale`` (binomial splits per site, not per walker). In physical
mode ``scale`` is physics, not only resolution: a drain on a site holding a
few walkers falls short more often than the deterministic limit says.

Step order and where things are measured
----------------------------------------
One step is (1) every walker present moves on with probability ``m(l)``
(``p`` at S/D/P sites, 1 on free sites) or flips in place, walkers leaving
the wire are absorbed; (2) the reservoirs and sources inject; (3) the drains
extract. The **densities are measured after (3)**, the **bond current of a
step is the net number of walkers crossing bond l -> l+1 during (1)**. Taking
the expectation of one step gives exactly the steady-state equations of the master equation
(conventions §2)::

    rho+(l) = m(l-1) rho+(l-1) + (1-m(l)) rho-(l) + s(l)
    rho-(l) = m(l+1) rho-(l+1) + (1-m(l)) rho+(l) + s(l)

(arrivals and flips come from the state measured at the end of the previous
step, the injection ``s(l)`` and the reservoir terms are added last), and
``E[crossings of bond l] = m(l) rho+(l) - m(l+1) rho-(l+1) = J(l)``. Measuring
before the injection instead would shift every density by ``s(l)`` and the
reservoir terms. The boundary currents are counted at the reservoirs:
``I_in`` = walkers injected at site 1 minus walkers absorbed there,
``I_out`` = walkers absorbed at site N minus walkers injected there; in the
steady state their means equal ``J(1)`` and ``J(N-1)`` (paper App. A1).

Reproducibility
---------------
Everything random comes from one :class:`numpy.random.Generator` per run,
seeded from :class:`numpy.random.SeedSequence`; the kernel draws in a fixed
order, the running sums are exact integer sums in float64, and all
accumulators persist between calls, so any split of a run into calls (or a
checkpoint and resume) gives bit-identical results. Ensembles run their
members on threads (the kernel releases the GIL) without changing results.
"""


from .ensemble import TrajectoryRun, trajectory
from .population_engine import WireSimulation
from .population_setup import (
                               BURN_IN_TIMES,
                               DEFAULT_SCALE,
                               MAX_WALKERS,
                               MODES,
                               STARTS,
                               Drain,
                               Reservoir,
                               Scatterer,
                               Source,
                               default_burn_in,
                               relaxation_time,
)
from .replica import physical_batch

__all__ = [
    "WireSimulation",
    "TrajectoryRun",
    "Reservoir",
    "Source",
    "Drain",
    "Scatterer",
    "trajectory",
    "physical_batch",
    "relaxation_time",
    "default_burn_in",
    "MODES",
    "STARTS",
    "MAX_WALKERS",
    "DEFAULT_SCALE",
    "BURN_IN_TIMES",
]
