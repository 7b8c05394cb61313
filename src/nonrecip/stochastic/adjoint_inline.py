"""An adjoint run in the calling thread, from the seed to the :class:`Result`, at a small fixed cost.

:func:`~nonrecip.stochastic.simulate` of a small layout with the adjoint
estimator (conventions §2) spends a few microseconds in its walkers and, done
the general way (per-batch sums in a :class:`BatchSums`, then
:meth:`SteadyStateSimulation.estimate`, then the states and the result built
through their checking constructors), ten times as much around them. Here the
same steps are taken with as few calls as possible:

1. the batch streams of all batches in one compiled call
   (:func:`~nonrecip.stochastic._seeding.batch_states`);
2. all batches' walkers in one compiled call per ``_INLINE_WORK`` of work
   (:func:`~nonrecip.stochastic._kernels.walk_adjoint_batches`; each batch has
   its own stream, so the split never changes a bit);
3. means and batch-means standard errors in one compiled call
   (:func:`~nonrecip.stochastic._estimate_kernels.adjoint_stats`, the NumPy
   fallback beyond its ``MAX_BATCHES``);
4. the bond currents ``J(l) = I_in + Ig Q(l)`` of both biases in one NumPy
   call, and the states and estimates built from values that are already
   what their constructors would make of them (:func:`_new`).

The floating-point operations are those of the general path, in the same
order, so a run gives the same bits either way (tested against
:func:`~nonrecip.stochastic.combine` of :func:`~nonrecip.stochastic.run_batches`
and against stored results of the code before this module). Every input was
checked by the caller (:func:`nonrecip.stochastic.simulation._validate`).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..estimates import Estimate, EstimateArray
from ..results import Result
from .state import SimulatedState
from .steady import (
    MAX_SCATTERERS_UNBUDGETED,
    SteadyStateSimulation,
    _adjoint_stats_numpy,
    _chain,
    _geometric_table,
    _nan_sites,
)

__all__ = ["adjoint_inline", "runs_inline"]


def runs_inline(sim: SteadyStateSimulation) -> bool:
    """Whether :func:`adjoint_inline` can run ``sim``: linear, adjoint, one ``p``, not too many scatterers.

    ``walk_adjoint_batches`` has no work budget (see
    :data:`~nonrecip.stochastic.steady.MAX_SCATTERERS_UNBUDGETED`).
    """
    return (sim.estimator == "adjoint" and sim.mode == "linear" and sim._p_sites is None
            and len(sim._ext) - 2 <= MAX_SCATTERERS_UNBUDGETED)


@functools.cache
def _compiled() -> tuple[Any, ...]:
    """Return the compiled functions of a run, imported on first use (``import nonrecip.stochastic`` stays light).

    ``batch_states, entropy_words, walk_adjoint_batches, adjoint_stats, MAX_BATCHES``; cached so
    that a call does not pay three ``import`` statements (microseconds each).
    """
    from ._estimate_kernels import MAX_BATCHES, adjoint_stats
    from ._kernels import walk_adjoint_batches
    from ._seeding import batch_states, entropy_words

    return batch_states, entropy_words, walk_adjoint_batches, adjoint_stats, MAX_BATCHES


@functools.lru_cache(maxsize=64)
def _batch_steps(steps: int, n_batches: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Return the batch ids, the batch sizes as int64 and float64, and the largest size; cached.

    :func:`~nonrecip.stochastic.steady.batch_sizes`, never written to: the
    arrays stay writeable because the compiled functions are compiled for
    writeable arrays (a read-only one is another signature, compiled again).
    """
    base, extra = divmod(steps, n_batches)
    sizes = np.empty(n_batches, np.int64)
    sizes.fill(base)
    sizes[:extra] += 1
    return np.arange(n_batches, dtype=np.int64), sizes, sizes.astype(float), base + (extra > 0)


@functools.lru_cache(maxsize=256)
def _q_ends(layout: str) -> tuple[float, float]:
    """``Q(1)`` and ``Q(N-1)`` (:func:`~nonrecip.stochastic.steady._chain`) as Python floats, cached by layout.

    ``Ig * Q(l)`` of a Python float is the float64 product of the NumPy path.
    """
    Q = _chain(layout)[3]
    return float(Q[0]), float(Q[-1])


def _new(cls: type, fields: dict[str, Any]) -> Any:
    """Return an instance of the frozen dataclass ``cls`` holding ``fields``, without its ``__init__``.

    For values that are already what the constructor makes of them: the
    same ``__dict__`` (keys in field order), so the same attributes,
    ``repr``, equality and pickle (tested against the constructors).
    """
    obj: Any = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj


def adjoint_inline(sim: SteadyStateSimulation, steps: int, seed: int, n_batches: int,
                   work_per_call: int) -> Result[SimulatedState, Estimate]:
    """Run ``simulate(..., estimator="adjoint")`` in this thread; return its :class:`Result`.

    Parameters
    ----------
    sim : SteadyStateSimulation
        With :func:`runs_inline` true.
    steps, seed, n_batches : int
        Checked (``steps >= n_batches >= 2``, ``seed >= 0``).
    work_per_call : int
        Walkers x (scatterers + 1) per compiled call at most (at least one
        batch per call): Ctrl-C is seen between calls. Never changes a bit.

    Returns
    -------
    Result
        The same bits as :func:`~nonrecip.stochastic.combine` of all batches.
    """
    batch_states, entropy_words, walk_adjoint_batches, adjoint_stats, max_batches = _compiled()
    ids, sizes, steps_b, largest = _batch_steps(steps, n_batches)
    states = np.empty((n_batches, 4), np.uint64)     # every word written by batch_states
    batch_states(entropy_words(seed), ids, 1, states)
    if np.count_nonzero(states) < states.size:  # a zero word (probability ~2**-59): check the whole states
        states[~states.any(axis=1), 0] = 1  # pragma: no cover - probability 2**-256
    out = np.zeros((n_batches, 4), np.int64)
    qcum, log_t = sim._qcum, sim._log_t
    geo_t = _geometric_table(log_t)
    per_call = max(1, work_per_call // max(1, largest * (len(sim._ext) - 1)))
    if per_call >= n_batches:
        walk_adjoint_batches(states, qcum, log_t, geo_t, sizes, out)
    else:
        for lo in range(0, n_batches, per_call):
            hi = min(n_batches, lo + per_call)
            walk_adjoint_batches(states[lo:hi], qcum, log_t, geo_t, sizes[lo:hi], out[lo:hi])
    ex = out[:, 0].astype(float)
    aq = out[:, 1].astype(float)
    P = sim.params
    Q = sim._Q
    ig = P.Ig
    q_first, q_last = _q_ends(sim.wire.layout)
    st = np.empty(5)
    if n_batches <= max_batches:
        adjoint_stats(ex, aq, steps_b, P.drho, ig, ig * q_first, st)
    else:
        _adjoint_stats_numpy(ex, aq, steps_b, P.drho, ig, ig * q_first, st)
    # J(l) = I_in + Ig Q(l) of both biases (rows: forward, reverse) in one read-only block each for the
    # means and the stderrs, element for element the sums of SteadyStateSimulation.estimate
    n = sim.wire.N
    J_mean = st[0:3:2, None] + ig * Q
    J_err = np.empty((2, n - 1))
    J_err[...] = st[1:4:2, None]
    J_mean.flags.writeable = False
    J_err.flags.writeable = False
    mf, sf, mr, sr, sd = st.tolist()
    f, f_out, r, r_out = mf + ig * q_first, mf + ig * q_last, mr + ig * q_first, mr + ig * q_last  # J(1), J(N-1)
    nan = _nan_sites(n)
    fwd = _new(SimulatedState, {"I_in_split": None, "I_in": _new(Estimate, {"mean": f, "stderr": sf}),
                                "I_out": _new(Estimate, {"mean": f_out, "stderr": sf}),
                                "J": _new(EstimateArray, {"mean": J_mean[0], "stderr": J_err[0]}),
                                "rho_plus": nan, "rho_minus": nan, "unmet_drain": None})
    rev = _new(SimulatedState, {"I_in_split": None, "I_in": _new(Estimate, {"mean": r, "stderr": sr}),
                                "I_out": _new(Estimate, {"mean": r_out, "stderr": sr}),
                                "J": _new(EstimateArray, {"mean": J_mean[1], "stderr": J_err[1]}),
                                "rho_plus": nan, "rho_minus": nan, "unmet_drain": None})
    delta = _new(Estimate, {"mean": abs(r) - abs(f), "stderr": sd})
    extra = {"steps": steps, "seed": seed, "n_batches": n_batches, "mode": "linear", "estimator": "adjoint"}
    return _new(Result, {"model": "simulate", "wire": sim.wire, "params": sim.params, "forward": fwd,
                         "reverse": rev, "delta_I": delta, "extra": extra})
