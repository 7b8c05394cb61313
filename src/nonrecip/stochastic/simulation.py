"""Steady-state Monte Carlo of the classical walkers (Sec. II, App. A, App. C2).

The classical model (conventions §2) is a *linear* master equation: a
walker on a site with S, D or P attached moves on with probability ``p`` or
flips direction in place with ``1 - p``, on a free site it moves on, and it is
absorbed when it leaves the wire. The left reservoir injects ``rho0 + drho``
right-movers per step (forward bias), the right one ``rho0`` left-movers,
every source adds ``Ig/2`` of each species per step and every drain removes
``Ig/2`` of each. Because the model is linear, the steady state is the
superposition of what every injected walker does until it is absorbed:

    rho(l, sigma) = sum over injections per step of E[steps the walker spends on (l, sigma)]
    J(l)          = sum over injections per step of E[net crossings of bond l -> l+1]

(a walker injected in a step counts in that step's densities, as in the
master equation's ``rho+(l) = m(l-1) rho+(l-1) + (1-m(l)) rho-(l) + s(l)``). A drain's removal
is the injection of *negative-weight* walkers, which is what the linear
model means where a drain takes more than the site holds (negative
densities). This module samples that sum.

Estimators (``estimator=``)
---------------------------
``"walkers"`` (default: densities and bond currents)
    Each of ``steps`` injection steps draws, for every injector, a random
    count with the right mean (``floor(lambda)`` plus a Bernoulli of the
    fraction; summed over a batch of ``n`` steps this is
    ``n floor(lambda) + Binomial(n, frac)``); every walker is followed to
    absorption and its occupation of every site and species and its net
    crossings of every bond are tallied. Estimate = tally / steps: unbiased
    for every ``p`` in (0, 1], ``Ig >= 0`` and layout. An injector of more
    than ``MAX_COUNT_RATE`` (16) walkers per step (a large ``Ig`` or
    ``drho``) instead runs ``steps`` walkers per batch, each weighing its
    rate (linearity: the same mean), so the cost does not grow with
    ``Ig/drho``; rates above ``MAX_RATE`` (1e200) are refused (float64).
    A per-site move probability ``params.p_profile`` (when the parameter
    object has one) is sampled one arrival at a time
    (``walk_walkers_sites``, ``walk_adjoint_sites``); a profile equal on
    every scatterer runs the event-skipping kernels with that ``p``. Exact event skipping
    (:func:`nonrecip.stochastic._kernels.walk_walkers`): the number of flips
    at a scatterer splits into its parity (reflection, probability
    ``(1-p)/(2-p)``) and its half, independent; runs of transmissions and
    gaps between arrivals with extra flips are geometric and drawn at once,
    and the deterministic motion in between (free sites included) is added
    in ``O(1)`` with difference arrays. Every tally is an exact realisation
    of the step-by-step walk, not an average. Variance reduction, both exact:

    * the uniform background ``rho0`` is not simulated. ``x+(l) = x-(l) =
      rho0`` (``rho = rho0/m(l)``) solves the source-free equations with
      ``rho0`` injected at both ends and carries no current, so by linearity
      the steady state is ``rho0/m(l)`` plus the state driven by the ``drho``
      excess and the sources/drains. Only the latter is sampled; ``rho0/m``
      is added exactly (its stderr is 0);
    * common random numbers: the source/drain walkers are the same under
      forward and reverse bias, so they are simulated once and shared; the
      forward state adds ``drho`` walkers entering at site 1, the reverse one
      ``drho`` walkers entering at site N.

``"adjoint"`` (boundary currents only, fast)
    Only ``I_in``, ``I_out``, ``J`` and ``delta_I`` (densities are ``NaN``).
    By linearity ``I_in(fwd) = G drho - X`` and ``I_in(rev) = -G drho - X``
    with ``G`` the probability that a walker entering at site 1 leaves at
    site N and ``X = (Ig/2) sum_s q_s L_s``, ``q_s = +1`` at S, ``-1`` at D,
    ``L_s`` the probability that a walker injected at ``s`` (either species)
    leaves at site 1. The walk is reversible up to momentum reversal with
    weights ``1/m(l)`` (the ``rho0`` background:
    ``pi(i) P(i -> j) = pi(j~) P(j~ -> i~)``), hence ``L_{s,sigma} = m(s)
    E[steps on (s, -sigma)]`` of a walker entering at site 1, and
    ``L_{s,+} + L_{s,-} = E[arrivals at s]`` (Wald: a walker spends on average
    ``1/p`` steps per arrival). So *one* kind of walker — one per step, entering
    at site 1 — gives both ``G`` (its exit indicator) and ``X`` (the sum of
    ``q`` over its arrivals at scatterers), for both biases at once (common
    random numbers). Bond currents follow exactly from charge conservation,
    ``J(l) = I_in + Ig sum_{k <= l} q_k``. Between reflections the walk is
    deterministic: a scatterer transmits with ``t = 1/(2-p)`` and reflects
    with ``r = (1-p)/(2-p)`` (an even or odd number of flips), so the run of
    transmissions is geometric and drawn at once — one random number per
    reflection, the arrivals in between added through prefix sums of ``q``.

Errors and reproducibility
--------------------------
The ``steps`` are split into ``n_batches`` independent batches (sizes fixed
by ``steps`` and ``n_batches`` only, never by the number of workers), batch
``b`` drawing from ``SeedSequence(seed).spawn(n_batches)[b]``. Means are the
sums over all batches divided by ``steps``; standard errors come from the
spread of the batch sums (independent batches, so valid whatever the
correlations inside a batch). ``delta_I = |I_in(rev)| - |I_in(fwd)|`` is
formed from the overall means; its stderr is the delta method applied
batch-wise: the batch values ``sign(I_rev) I_rev,b - sign(I_fwd) I_fwd,b``
carry the covariance of the two biases (large: common random numbers), and
their batch-mean stderr is the stderr of ``delta_I`` to first order. It is
not valid where a mean current is within a few stderr of 0 (the kink of
``|.|``); there ``|mean|`` is also biased by O(stderr). Batch sums are
combined in batch order, so a run gives the same bits for any number of
workers, after any interruption and resume, and when its batches are
computed in chunks elsewhere (:func:`run_batches` + :func:`combine`).
The batch streams are built for all batches at once by a compiled copy of
NumPy's ``SeedSequence`` hash (:mod:`._seeding`, the same bits); a run
without checkpoint or progress bar that is small or has one worker runs in
the calling thread without the thread pool (the same bits again); with the
adjoint estimator it goes from the seed to the :class:`Result` in a few
compiled calls, without per-batch objects (:mod:`.adjoint_inline`: ~0.05 ms
per call for a small layout where the general path took ~0.12 ms; the same
bits, the same checks).
``target_stderr=`` sizes the run from an independent pilot
(:mod:`nonrecip.stochastic.precision`).

``mode="physical"`` runs one independent replica of the population engine
(:func:`nonrecip.stochastic.population.physical_batch`) per batch, forward and
reverse with the same stream: drains take only walkers that are present and
``unmet_drain`` reports what they failed to extract per step.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..estimates import Estimate
from ..results import Result, atomic_write
from ..runs import (
    FileLock,
    Interruption,
    ProgressBar,
    check_checkpoint,
    clean_temporaries,
    progress_default,
    run_on_threads,
    worker_count,
)
from ..wire import ClassicalParams, ParameterError, Wire, check_int
from .adjoint_inline import adjoint_inline, runs_inline
from .batch_sums import BatchSums, run_key
from .state import SimulatedState
from .steady import SteadyStateSimulation, _batch_seed, batch_sizes  # noqa: F401 (_batch_seed: tests)

__all__ = ["simulate", "run_batches", "combine", "CHECKPOINT_EVERY"]

#: seconds between checkpoint writes (the first finished batch is written at once)
CHECKPOINT_EVERY = 5.0


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------
def run_batches(wire: Wire, params: ClassicalParams, *, steps: int, seed: int, n_batches: int,
                batch_ids, mode: str = "linear", estimator: str = "walkers",
                workers: int | None = 1) -> BatchSums:
    """Raw sums of some batches of a run, for combining elsewhere.

    The batches of any split of ``range(n_batches)``, computed anywhere and
    in any order, give through :func:`combine` the same bits as
    :func:`simulate` with the same arguments.

    Parameters
    ----------
    wire, params, steps, seed, n_batches, mode, estimator
        As in :func:`simulate`.
    batch_ids : iterable of int
        Batches to compute, each in ``[0, n_batches)``.
    workers : int, default 1
        Threads for these batches.

    Returns
    -------
    BatchSums
    """
    sim, steps, seed, n_batches = _validate(wire, params, steps, seed, n_batches, mode, estimator)
    ids = sorted({check_int("batch_ids", b, lo=0) for b in batch_ids})
    if ids and ids[-1] >= n_batches:
        raise ParameterError("batch_ids", ids[-1], f"must be < n_batches ({n_batches})")
    key = run_key(wire, params, steps, seed, n_batches, mode, estimator)
    return _execute(sim, key, ids, batch_sizes(steps, n_batches), worker_count(workers, len(ids)))


def combine(wire: Wire, params: ClassicalParams, sums: list[BatchSums] | BatchSums,
            **meta: Any) -> Result[SimulatedState, Estimate]:
    """Build the :class:`~nonrecip.results.Result` of a run from the sums of all its batches.

    Parameters
    ----------
    wire, params
        As given to :func:`run_batches`.
    sums : BatchSums or list of BatchSums
        Together exactly the batches ``0 .. n_batches-1`` of one run.
    **meta
        Optional ``steps``, ``seed``, ``n_batches``, ``mode``, ``estimator``:
        checked against the sums.
    """
    merged = BatchSums.concat([sums] if isinstance(sums, BatchSums) else list(sums))
    key = merged.key
    sim = SteadyStateSimulation(wire, params, mode=key["mode"], estimator=key["estimator"])
    if key["layout"] != wire.layout or key["params"] != params.to_dict():
        raise ParameterError("sums", key, f"were computed for another wire/parameters than {wire.layout!r}, "
                                          f"{params.to_dict()}")
    for k, v in meta.items():
        if k not in ("steps", "seed", "n_batches", "mode", "estimator"):
            raise ParameterError(k, v, "combine() accepts only steps, seed, n_batches, mode, estimator")
        if key[k] != v:
            raise ParameterError(k, v, f"the sums were computed with {k}={key[k]!r}")
    n_batches = key["n_batches"]
    if len(merged) != n_batches or not np.array_equal(merged.batch_ids, np.arange(n_batches)):
        missing = sorted(set(range(n_batches)) - set(merged.batch_ids.tolist()))
        raise ParameterError("sums", f"{len(merged)} of {n_batches} batches",
                             f"are incomplete: batches {missing[:10]}{'...' if len(missing) > 10 else ''} missing")
    fwd, rev, delta = sim.estimate(merged.steps, merged.data)
    extra = {k: key[k] for k in ("steps", "seed", "n_batches", "mode", "estimator")}
    return Result("simulate", wire, params, fwd, rev, delta, extra)


def simulate(wire: Wire, params: ClassicalParams, *, steps: int | None = None, seed: int = 0, mode: str = "linear",
             estimator: str = "walkers", n_batches: int = 32, workers: int | None = None,
             checkpoint: str | os.PathLike | None = None, resume: bool = False,
             progress: bool | None = False, overwrite: bool = False, target_stderr: float | None = None,
             relative: bool = False, max_seconds: float | None = None) -> Result[SimulatedState, Estimate]:
    """Monte Carlo steady state of the classical walkers, forward and reverse.

    Parameters
    ----------
    wire : Wire
        Any layout.
    params : ClassicalParams
        ``p`` in (0, 1], ``Ig >= 0``, ``drho``, ``rho0``.
    steps : int
        Injection time steps sampled (``estimator="adjoint"``: walkers
        entering at site 1, one per step). The stderr falls as
        ``steps**-1/2``. Required without ``target_stderr``; with it, the
        pilot's budget (default ``64 x 128``).
    seed : int, default 0
        With ``steps``, ``n_batches`` and the inputs, fixes the result bit
        for bit (any ``workers``, with or without interruptions).
    mode : {"linear", "physical"}
        ``linear``: unbiased for the linear master equation (signed
        walkers). ``physical``: the population engine, drains take only
        walkers present (see :attr:`SimulatedState.unmet_drain`).
    estimator : {"walkers", "adjoint"}
        ``walkers``: densities and bond currents. ``adjoint``: currents only,
        much faster (see the module docstring).
    n_batches : int, default 32
        Independent batches for the stderr (>= 2; >= 32 recommended).
    workers : int, optional
        Threads (default: the cores available). Does not change the result.
    checkpoint : path, optional
        ``.npz`` file where completed batches are saved atomically every few
        seconds, on completion and on Ctrl-C / SIGTERM (a versioned file with
        a SHA-256 checksum, checked on load: :mod:`nonrecip.runs.checkpoint`).
    resume : bool
        Load ``checkpoint`` (it must exist) and compute only missing batches.
    progress : bool or None
        A progress bar with the time left on stderr; ``None``: when stderr is
        a terminal.
    overwrite : bool, default False
        Start afresh over an existing ``checkpoint`` (otherwise refused
        without ``resume``).
    target_stderr : float, optional
        Precision on demand (:mod:`nonrecip.stochastic.precision`): a pilot
        on independent streams sizes the run so that ``stderr(delta_I) <=
        target_stderr`` in at least 95 % of runs; ``extra`` records the
        budget (``steps``, ``pilot_steps``), ``target_met`` and ``capped``.
    relative : bool, default False
        The target is ``target_stderr x |delta_I|``.
    max_seconds : float, optional
        With ``target_stderr``: ceiling on the wall time (the run is cut
        short, ``capped=True``, and says whether the target was met).

    Returns
    -------
    Result
        ``model="simulate"``; ``forward``/``reverse`` are
        :class:`SimulatedState`; ``delta_I`` an :class:`Estimate`; ``extra``
        has ``steps, seed, n_batches, mode, estimator``.

    Raises
    ------
    ParameterError
        Bad input (before any work); a checkpoint that exists without
        ``resume`` (unless ``overwrite``), is missing with ``resume``, is
        damaged, was changed after it was written or belongs to another run.
    KeyboardInterrupt
        On Ctrl-C or SIGTERM, after saving the checkpoint.

    Examples
    --------
    >>> from nonrecip import Wire, ClassicalParams
    >>> from nonrecip.stochastic import simulate
    >>> res = simulate(Wire(".SD."), ClassicalParams(p=0.5, Ig=0.1, drho=0.2), steps=20000, seed=1)
    >>> abs(res.forward.I_in.z(0.075)) < 5          # Eq. 6: (0.2 - 0.5*0.1)/(3 - 1)
    True
    """
    if target_stderr is not None:
        from .precision import simulate_to_target

        seed = check_int("seed", seed, lo=0)
        n_batches = check_int("n_batches", n_batches, lo=2)
        return simulate_to_target(wire, params, target_stderr=target_stderr, relative=relative,
                                  max_seconds=max_seconds, pilot_steps=steps, seed=seed, n_batches=n_batches,
                                  mode=mode, estimator=estimator, workers=workers, checkpoint=checkpoint,
                                  progress=progress)
    if max_seconds is not None or relative:
        raise ParameterError("max_seconds" if max_seconds is not None else "relative",
                             max_seconds if max_seconds is not None else relative, "needs target_stderr")
    if steps is None:
        raise ParameterError("steps", steps, "is required (or give target_stderr)")
    sim, steps, seed, n_batches = _validate(wire, params, steps, seed, n_batches, mode, estimator)
    path = check_checkpoint(checkpoint, resume=resume, overwrite=overwrite, extensions=(".npz",))
    if path is None and not progress_default(progress) and mode == "linear":
        if workers is not None:
            _count("workers", workers, 1)   # as worker_count(), whose count a small run does not need
        if steps * (len(sim._ext) - 1) <= _INLINE_WORK:
            return _inline(sim, steps, seed, n_batches)
        if worker_count(workers, n_batches) == 1:
            with Interruption(raise_at_once=True):  # SIGTERM as Ctrl-C: KeyboardInterrupt between kernel calls
                return _inline(sim, steps, seed, n_batches)
    key = run_key(wire, params, steps, seed, n_batches, mode, estimator)
    sizes = batch_sizes(steps, n_batches)
    with contextlib.ExitStack() as stack:
        if path is not None:
            stack.enter_context(FileLock(path, "checkpoint"))
            clean_temporaries(path)
        done = BatchSums.load(path, key) if resume and path is not None else None
        have = set(done.batch_ids.tolist()) if done is not None else set()
        ids = [b for b in range(n_batches) if b not in have]
        saver = _Saver(path, len(have))
        bar = stack.enter_context(ProgressBar("simulate", float(sizes[ids].sum()) if ids else 0.0,
                                              enabled=progress_default(progress)))
        stop = stack.enter_context(Interruption())

        def on_update(parts: list[BatchSums], prog: list[float], final: bool = False) -> None:
            saver.save(parts, final=final)
            bar.update(sum(prog[b] for b in ids))

        merged = _execute(sim, key, ids, sizes, worker_count(workers, len(ids)), done, on_update, stop.check)
        saver.save([merged], final=True)
    return combine(wire, params, merged)


#: a linear run without checkpoint or progress bar whose ``steps x (scatterers
#: + 1)`` is at most this runs in the calling thread without the thread pool
#: (a few ms of work at most; the same bits)
_INLINE_WORK = 1 << 20


def _inline(sim: SteadyStateSimulation, steps: int, seed: int, n_batches: int) -> Result[SimulatedState, Estimate]:
    """Run a checked linear run in this thread (:func:`.adjoint_inline.adjoint_inline` when it can)."""
    if runs_inline(sim):
        return adjoint_inline(sim, steps, seed, n_batches, _INLINE_WORK)
    key = run_key(sim.wire, sim.params, steps, seed, n_batches, sim.mode, sim.estimator)
    return _result(sim, _run_inline(sim, key, batch_sizes(steps, n_batches)))


def _run_inline(sim: SteadyStateSimulation, key: dict, sizes: np.ndarray) -> BatchSums:
    """Run all batches in this thread, without pool or checkpoints.

    The same bits as :func:`_execute` (the same per-batch streams). Ctrl-C
    (and SIGTERM, for runs longer than a few ms: :func:`simulate` installs
    the handlers) raises ``KeyboardInterrupt`` between kernel calls; there is
    nothing to save.
    """
    from ._seeding import batch_states, entropy_words

    nb = len(sizes)
    ids = np.arange(nb, dtype=np.int64)
    states = np.zeros((nb, 4), np.uint64)
    batch_states(entropy_words(key["seed"]), ids, 1, states)
    if not states.all():  # a zero word (probability ~2**-59): check the whole states
        states[~states.any(axis=1), 0] = 1  # pragma: no cover - probability 2**-256
    parts = []
    cnt = np.zeros((nb, 3), np.int64)
    for b in range(nb):
        d, cnt[b] = sim.run_batch(b, int(sizes[b]), key["seed"], state=states[b])
        parts.append(d)
    data = {k: np.stack([np.asarray(d[k]) for d in parts]) for k in parts[0]}
    return BatchSums(key, ids, sizes.copy(), data, cnt)


def _result(sim: SteadyStateSimulation, merged: BatchSums) -> Result[SimulatedState, Estimate]:
    """Build the :class:`Result` of a complete, checked run (no re-validation)."""
    key = merged.key
    fwd, rev, delta = sim.estimate(merged.steps, merged.data)
    extra = {k: key[k] for k in ("steps", "seed", "n_batches", "mode", "estimator")}
    return Result("simulate", sim.wire, sim.params, fwd, rev, delta, extra)


class _Saver:
    """Write the checkpoint of a run.

    The first new batch at once, then every :data:`CHECKPOINT_EVERY`
    seconds, and on completion or interruption.
    """

    def __init__(self, path: Path | None, have: int) -> None:
        self.path, self.have, self.written = path, have, have
        self.last = time.monotonic()

    def save(self, parts: list[BatchSums], final: bool = False) -> None:
        if self.path is None:
            return
        n_done = sum(len(p) for p in parts)
        first = self.written == self.have
        if n_done == self.written or (not final and not first and time.monotonic() - self.last < CHECKPOINT_EVERY):
            return
        atomic_write(self.path, BatchSums.concat(parts).to_bytes())
        self.last = time.monotonic()
        self.written = n_done


def _validate(wire: Wire, params: ClassicalParams, steps: int, seed: int, n_batches: int, mode: str,
              estimator: str) -> tuple[SteadyStateSimulation, int, int, int]:
    sim = SteadyStateSimulation(wire, params, mode=mode, estimator=estimator)
    steps = _count("steps", steps, 1)
    seed = _count("seed", seed, 0)
    n_batches = _count("n_batches", n_batches, 2)
    if steps < n_batches:
        raise ParameterError("steps", steps, f"must be >= n_batches ({n_batches}): every batch needs a step")
    return sim, steps, seed, n_batches


def _count(name: str, value: Any, lo: int) -> int:
    """``check_int(name, value, lo=lo)``, without its ABC look-up for a plain ``int`` that passes."""
    return value if type(value) is int and value >= lo else check_int(name, value, lo=lo)


def _execute(sim: SteadyStateSimulation, key: dict, ids: list[int], sizes: np.ndarray, workers: int,
             done: BatchSums | None = None, on_update: Callable[..., None] | None = None,
             check: Callable[[], None] | None = None) -> BatchSums:
    """Run batches ``ids`` on ``workers`` threads (:func:`nonrecip.runs.run_on_threads`).

    ``on_update(sums, progress)`` is called from this thread about every
    0.2 s with everything completed so far (``done`` included). On an
    interruption (``check`` raising, KeyboardInterrupt, or an exception in a
    batch) the running batches are stopped, ``on_update`` is called once
    more with the completed ones, and the exception propagates.
    """
    seed = key["seed"]
    base = [done] if done is not None and len(done) else []
    progress = [0.0] * len(sizes)
    states = np.zeros((len(sizes), 4), np.uint64)
    if ids and sim.mode == "linear":
        from ._seeding import batch_states, entropy_words

        batch_states(entropy_words(seed), np.asarray(ids, np.int64), 1, states[: len(ids)])
        states[ids] = states[: len(ids)].copy()

    def one(b: int, stop: threading.Event) -> BatchSums:
        data, counters = sim.run_batch(b, int(sizes[b]), seed, stop=stop, progress=progress,
                                       state=states[b] if sim.mode == "linear" else None)
        progress[b] = float(sizes[b])
        data = {k: np.asarray(v)[None, ...] for k, v in data.items()}
        return BatchSums(key, np.array([b], np.int64), np.array([sizes[b]], np.int64), data, counters[None, :])

    update = None
    if on_update is not None:
        def update(parts: list[BatchSums], final: bool = False) -> None:
            on_update(base + parts, progress, final=final)

    parts = run_on_threads(one, ids, workers, on_update=update, check=check)
    merged = base + parts
    if not merged:
        return BatchSums(key, np.zeros(0, np.int64), np.zeros(0, np.int64))
    return BatchSums.concat(merged)
