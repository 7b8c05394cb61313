"""Steady-state Monte Carlo of the classical walkers (Sec. II, App. A, App. C2).

The classical model (SPEC section 2) is a *linear* master equation: a
walker on a site with S, D or P attached moves on with probability ``p`` or
flips direction in place with ``1 - p``, on a free site it moves on, and it is
absorbed when it leaves the wire. The left reservoir injects ``rho0 + drho``
right-movers per step (forward bias), the right one ``rho0`` left-movers,
every source adds ``Ig/2`` of each species per step and every drain removes
``Ig/2`` of each. Because the model is linear, the steady state is the
superposition of what every injected walker does until it is absorbed:

    rho(l, sigma) = sum over injections per step of E[steps the walker spends on (l, sigma)]
    J(l)          = sum over injections per step of E[net crossings of bond l -> l+1]

(a walker injected in a step counts in that step's densities, as in SPEC's
``rho+(l) = m(l-1) rho+(l-1) + (1-m(l)) rho-(l) + s(l)``). A drain's removal
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
    for every ``p`` in (0, 1], ``Ig >= 0`` and layout. Exact event skipping
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

``mode="physical"`` runs one independent replica of the population engine
(:func:`nonrecip.stochastic.population.physical_batch`) per batch, forward and
reverse with the same stream: drains take only walkers that are present and
``unmet_drain`` reports what they failed to extract per step.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..results import Estimate, EstimateArray, Result, State
from ..wire import DRAIN, SOURCE, Bias, ClassicalParams, ParameterError, Wire, check_int

__all__ = [
    "simulate",
    "run_batches",
    "combine",
    "BatchSums",
    "SimulatedState",
    "SteadyStateSimulation",
    "Injector",
    "WalkerTrace",
    "MODES",
    "ESTIMATORS",
    "batch_sizes",
    "budgets",
    "convergence",
    "stderr_slopes",
]

MODES = ("linear", "physical")
ESTIMATORS = ("walkers", "adjoint")
#: smallest p of the "walkers" estimator: a walker spends ~1/p steps per
#: arrival and occupations are exact int64 tallies
MIN_P_WALKERS = 1e-6
#: walkers per kernel call: the granularity of progress and of Ctrl-C
_CHUNK = 1 << 14
_CHECKPOINT_FORMAT = "nonrecip.simulate.checkpoint/1"
_CHECKPOINT_EVERY = 5.0  # seconds


# --------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class SimulatedState(State):
    """Monte Carlo estimate of the steady state under one bias.

    Attributes
    ----------
    I_in, I_out : Estimate
        Current entering at site 1 (``J(1)``) and leaving at site N
        (``J(N-1)``), walkers per step.
    J : EstimateArray, shape (N-1,)
        Bond currents ``l -> l+1``.
    rho_plus, rho_minus : EstimateArray, shape (N,)
        Densities of right- and left-movers (``NaN`` for the ``adjoint``
        estimator, which estimates currents only).
    unmet_drain : EstimateArray, shape (N,), or None
        ``mode="physical"`` only: walkers per step that the drains failed to
        extract (both species). ``None`` (and absent from ``to_dict``) in
        linear mode.
    """

    site_fields: ClassVar[tuple[str, ...]] = ("rho_plus", "rho_minus", "unmet_drain")

    I_in: Estimate
    I_out: Estimate
    J: EstimateArray
    rho_plus: EstimateArray
    rho_minus: EstimateArray
    unmet_drain: EstimateArray | None = None

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        if self.unmet_drain is None:
            d.pop("unmet_drain")
        return d


# --------------------------------------------------------------------------
# the wire as the simulation sees it
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Injector:
    """Where walkers enter the wire in the linear Monte Carlo.

    Attributes
    ----------
    name : str
        ``"left reservoir"``, ``"right reservoir"``, ``"source"``, ``"drain"``.
    site : int
        1-based site where the walkers enter.
    direction : int
        ``+1``: right-movers, ``-1``: left-movers.
    weight : int
        ``+1``, or ``-1`` for the negative-weight walkers of a drain.
    rate : float
        Mean number of walkers per injection step (``drho`` for a
        reservoir: the ``rho0`` background is exact, not simulated;
        ``Ig/2`` for each species of a source or drain).
    bias : str
        ``"forward"`` or ``"reverse"`` for the reservoir that carries the
        ``drho`` excess in that bias, ``"both"`` for sources and drains
        (shared by the two biases).
    """

    name: str
    site: int
    direction: int
    weight: int
    rate: float
    bias: str


@dataclass(frozen=True)
class WalkerTrace:
    """One walker followed step by step (see :meth:`SteadyStateSimulation.trace`).

    Attributes
    ----------
    sites : ndarray of int, shape (T,)
        1-based site at each step, from the injection step on.
    directions : ndarray of int, shape (T,)
        ``+1`` / ``-1`` at each step.
    exit : str
        ``"left"`` (absorbed by the left reservoir) or ``"right"``.
    weight : int
    """

    sites: np.ndarray
    directions: np.ndarray
    exit: str
    weight: int

    def to_frame(self):
        """Tidy :class:`pandas.DataFrame` with columns ``step, site, direction``."""
        import pandas as pd

        return pd.DataFrame({"step": np.arange(len(self.sites)), "site": self.sites,
                             "direction": self.directions})


def batch_sizes(steps: int, n_batches: int) -> np.ndarray:
    """Injection steps of each batch, shape ``(n_batches,)``: ``steps // n_batches``,
    the first ``steps % n_batches`` batches one more. Depends on nothing else."""
    base, extra = divmod(int(steps), int(n_batches))
    sizes = np.full(int(n_batches), base, dtype=np.int64)
    sizes[:extra] += 1
    return sizes


def _batch_seed(seed: int, b: int) -> np.random.SeedSequence:
    """``SeedSequence(seed).spawn(n)[b]`` for any ``n > b``, built directly."""
    return np.random.SeedSequence(seed, spawn_key=(b,))


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ParameterError(name, value, "must be one of " + ", ".join(repr(a) for a in allowed))
    return value


class SteadyStateSimulation:
    """The wire, its reservoirs, sources, drains and scatterers as the Monte Carlo sees them.

    Validates the inputs once and holds what the kernels need (plain arrays).
    :func:`simulate` is the usual entry point; this class is for looking
    inside (:attr:`injectors`, :attr:`scatterers`, :meth:`trace`) and for
    running single batches (:meth:`run_batch`).

    Parameters
    ----------
    wire : Wire
    params : ClassicalParams
    mode : {"linear", "physical"}
    estimator : {"walkers", "adjoint"}
    """

    def __init__(self, wire: Wire, params: ClassicalParams, *, mode: str = "linear",
                 estimator: str = "walkers"):
        if not isinstance(wire, Wire):
            raise ParameterError("wire", wire, "must be a nonrecip.Wire")
        if not isinstance(params, ClassicalParams):
            raise ParameterError("params", params, "must be a nonrecip.ClassicalParams")
        self.mode = _check_choice("mode", mode, MODES)
        self.estimator = _check_choice("estimator", estimator, ESTIMATORS)
        if self.mode == "physical" and self.estimator != "walkers":
            raise ParameterError("estimator", estimator,
                                 "mode 'physical' runs the population engine; use estimator 'walkers'")
        if self.mode == "linear" and self.estimator == "walkers" and params.p < MIN_P_WALKERS:
            raise ParameterError("p", params.p,
                                 f"the 'walkers' estimator needs p >= {MIN_P_WALKERS:g} (a walker stays ~1/p "
                                 "steps per scatterer); use estimator 'adjoint' for the currents")
        self.wire = wire
        self.params = params
        n = wire.N
        p = params.p
        self.m = np.where(wire.scatterer, p, 1.0)
        scat = np.flatnonzero(wire.scatterer).astype(np.int64)
        self._ext = np.concatenate(([-1], scat, [n])).astype(np.int64)
        q = wire.injection[scat].astype(np.int64)
        self._qcum = np.concatenate(([0], np.cumsum(q))).astype(np.int64)
        # kernel constants: reflection probability r = (1-p)/(2-p) of a
        # scatterer and the logs of the geometric laws (see _kernels)
        self._r = (1.0 - p) / (2.0 - p)
        self._log_t = -math.log(2.0 - p)
        self._log_a2 = 2.0 * math.log1p(-p) if p < 1.0 else -math.inf
        self._log_1ma2 = math.log(p * (2.0 - p)) if p < 1.0 else 0.0
        # exact cumulative injection Q(l) = sum_{k <= l} q_k per bond l (1-based l = 1..N-1)
        self._Q = np.cumsum(wire.injection)[:-1]
        inj = [Injector("left reservoir", 1, +1, +1, params.drho, "forward"),
               Injector("right reservoir", n, -1, +1, params.drho, "reverse")]
        for s in scat:
            kind = wire.kinds[s]
            if kind in (SOURCE, DRAIN) and params.Ig > 0.0:
                w = 1 if kind == SOURCE else -1
                name = "source" if kind == SOURCE else "drain"
                for d in (+1, -1):
                    inj.append(Injector(name, int(s) + 1, d, w, 0.5 * params.Ig, "both"))
        self.injectors: tuple[Injector, ...] = tuple(inj)

    # -- views ---------------------------------------------------------------
    @property
    def scatterers(self) -> np.ndarray:
        """1-based sites with S, D or P attached, shape ``(M,)``."""
        return self._ext[1:-1] + 1

    @property
    def background(self) -> np.ndarray:
        """The exact ``rho0`` background ``rho0 / m(l)`` of each species, shape ``(N,)``."""
        return self.params.rho0 / self.m

    def _e0(self, inj: Injector) -> int:
        if inj.name == "left reservoir":
            return 0
        if inj.name == "right reservoir":
            return len(self._ext) - 1
        return int(np.searchsorted(self._ext, inj.site - 1))

    # -- one walker, step by step (for people; not used by the estimators) --
    def trace(self, injector: Injector | int = 0, *, seed: int = 0, max_steps: int = 10**6) -> WalkerTrace:
        """Follow one walker of ``injector`` step by step with the SPEC rule.

        Pure Python, one random number per step on a scatterer: for watching
        a walker, not for estimates.

        Parameters
        ----------
        injector : Injector or int
            An entry of :attr:`injectors` or its index.
        seed : int
        max_steps : int
            Give up (``ParameterError``) after this many steps.
        """
        if isinstance(injector, int):
            injector = self.injectors[injector]
        rng = np.random.default_rng(seed)
        n = self.wire.N
        l, d = injector.site - 1, injector.direction
        sites, dirs = [], []
        while 0 <= l < n:
            sites.append(l + 1)
            dirs.append(d)
            if len(sites) > max_steps:
                raise ParameterError("max_steps", max_steps, "the walker was not absorbed; raise max_steps")
            if self.m[l] < 1.0 and rng.random() >= self.m[l]:
                d = -d
            else:
                l += d
        return WalkerTrace(np.array(sites), np.array(dirs), "right" if l >= n else "left", injector.weight)

    # -- one batch -----------------------------------------------------------
    def run_batch(self, b: int, steps: int, seed: int, *, stop: threading.Event | None = None,
                  progress: list | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Sums over the ``steps`` injection steps of batch ``b``.

        Returns
        -------
        data : dict of str to ndarray
            Raw batch sums (see :class:`BatchSums`).
        counters : ndarray of int64, shape (3,)
            ``[scattering events, walker-steps, random numbers]``
            (diagnostics; walker-steps 0 for ``adjoint``, all 0 in physical
            mode).
        """
        ss = _batch_seed(seed, b)
        if self.mode == "physical":
            return self._physical_batch(ss, steps)
        count_ss, walk_ss = ss.spawn(2)
        state = walk_ss.generate_state(4, np.uint64)
        if not state.any():  # pragma: no cover - probability 2**-256
            state[0] = 1
        if self.estimator == "adjoint":
            return self._adjoint_batch(state, steps, b, stop, progress)
        return self._walkers_batch(np.random.default_rng(count_ss), state, steps, b, stop, progress)

    def _walkers_batch(self, rng, state, steps, b, stop, progress):
        from ._kernels import walk_walkers

        n = self.wire.N
        rates = np.array([i.rate for i in self.injectors])
        whole = np.floor(rates)
        counts = steps * whole.astype(np.int64) + rng.binomial(steps, rates - whole)
        comp = {c: (np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n + 1, np.int64),
                    np.zeros(n + 1, np.int64), np.zeros(n + 2, np.int64)) for c in ("forward", "reverse", "both")}
        counters = np.zeros(3, np.int64)
        carry = np.full(1, -1, np.int64)
        total = max(int(counts.sum()), 1)
        done = 0
        for inj, cnt in zip(self.injectors, counts.tolist()):
            occ_p, occ_m, dp, dm, dj = comp[inj.bias]
            e0 = self._e0(inj)
            while cnt > 0:
                if stop is not None and stop.is_set():
                    raise _Stopped
                k = min(cnt, _CHUNK)
                walk_walkers(state, carry, self._ext, self._r, self._log_t, self._log_a2, self._log_1ma2,
                             e0, inj.direction, inj.weight, k, occ_p, occ_m, dp, dm, dj, counters)
                cnt -= k
                done += k
                if progress is not None:
                    progress[b] = steps * done / total
        tallies = {}
        for c, (occ_p, occ_m, dp, dm, dj) in comp.items():
            tallies[c] = (occ_p + np.cumsum(dp)[:n], occ_m + np.cumsum(dm)[:n], np.cumsum(dj)[1:n])
        data = {}
        for bias in ("forward", "reverse"):
            rp, rm, J = (x + y for x, y in zip(tallies[bias], tallies["both"]))
            data[f"rho_plus_{bias}"] = rp
            data[f"rho_minus_{bias}"] = rm
            data[f"J_{bias}"] = J
        return data, counters

    def _adjoint_batch(self, state, steps, b, stop, progress):
        from ._kernels import walk_adjoint

        out = np.zeros(4, np.int64)
        left = int(steps)
        while left > 0:
            if stop is not None and stop.is_set():
                raise _Stopped
            k = min(left, 8 * _CHUNK)
            walk_adjoint(state, self._qcum, self._log_t, k, out)
            left -= k
            if progress is not None:
                progress[b] = steps - left
        data = {"exits_right": np.array(out[0]), "arrivals_q": np.array(out[1])}
        return data, np.array([out[2], 0, out[3]], dtype=np.int64)

    def _physical_batch(self, ss, steps):
        from .population import physical_batch

        data = {}
        for bias in (Bias.FORWARD, Bias.REVERSE):
            # the same stream for both biases (common random numbers); a fresh
            # SeedSequence object each time, so spawning inside cannot differ
            seq = np.random.SeedSequence(ss.entropy, spawn_key=ss.spawn_key)
            out = physical_batch(self.wire, self.params, steps=int(steps), seed_seq=seq, bias=bias)
            for key in ("rho_plus", "rho_minus", "J", "unmet_drain"):
                data[f"{key}_{bias.value}"] = np.asarray(out[key], dtype=float)
        return data, np.zeros(3, np.int64)

    # -- from batch sums to estimates -----------------------------------------
    def estimate(self, steps_b: np.ndarray, data: dict[str, np.ndarray]) -> tuple[SimulatedState, SimulatedState, Estimate]:
        """Forward and reverse states and ``delta_I`` from per-batch sums.

        Parameters
        ----------
        steps_b : ndarray of int, shape (B,)
            Injection steps of each batch (all batches, in batch order).
        data : dict of str to ndarray
            Per-batch sums, leading axis ``B``.
        """
        steps_b = np.asarray(steps_b, dtype=float)
        n = self.wire.N
        states = {}
        I_b = {}
        if self.estimator == "adjoint" and self.mode == "linear":
            ex = np.asarray(data["exits_right"], dtype=float)
            aq = np.asarray(data["arrivals_q"], dtype=float)
            P = self.params
            for bias, sgn in (("forward", 1.0), ("reverse", -1.0)):
                i_b = sgn * P.drho * ex - 0.5 * P.Ig * aq
                J_b = i_b[:, None] + steps_b[:, None] * (P.Ig * self._Q)[None, :]
                J = _batch_estimate(J_b, steps_b)
                nan = EstimateArray(np.full(n, np.nan), np.full(n, np.nan))
                states[bias] = SimulatedState(I_in=J[0], I_out=J[n - 2], J=J, rho_plus=nan, rho_minus=nan)
                I_b[bias] = J_b[:, 0]
        else:
            bg = self.background if self.mode == "linear" else 0.0
            for bias in ("forward", "reverse"):
                J_b = np.asarray(data[f"J_{bias}"], dtype=float)
                J = _batch_estimate(J_b, steps_b)
                rp = _batch_estimate(np.asarray(data[f"rho_plus_{bias}"], dtype=float), steps_b)
                rm = _batch_estimate(np.asarray(data[f"rho_minus_{bias}"], dtype=float), steps_b)
                unmet = None
                if self.mode == "physical":
                    unmet = _batch_estimate(np.asarray(data[f"unmet_drain_{bias}"], dtype=float), steps_b)
                states[bias] = SimulatedState(
                    I_in=J[0], I_out=J[n - 2], J=J,
                    rho_plus=EstimateArray(rp.mean + bg, rp.stderr),
                    rho_minus=EstimateArray(rm.mean + bg, rm.stderr),
                    unmet_drain=unmet,
                )
                I_b[bias] = J_b[:, 0]
        f, r = states["forward"].I_in.mean, states["reverse"].I_in.mean
        sf, sr = (1.0 if f >= 0 else -1.0), (1.0 if r >= 0 else -1.0)
        d_b = sr * I_b["reverse"] - sf * I_b["forward"]
        d = _batch_estimate(d_b[:, None], steps_b)
        delta = Estimate(abs(r) - abs(f), float(d.stderr[0]))
        return states["forward"], states["reverse"], delta


class _Stopped(Exception):
    """A batch was asked to stop (interruption); its partial sums are dropped."""


def _batch_estimate(sums: np.ndarray, steps_b: np.ndarray) -> EstimateArray:
    """Mean per step and batch-means stderr from per-batch sums ``(B, K)``.

    ``mean = sum_b S_b / sum_b n_b``; ``stderr^2 = B/(B-1) sum_b (S_b - n_b
    mean)^2 / (sum_b n_b)^2`` — the usual batch-means variance of the mean
    (batch sizes differ by at most one step).
    """
    sums = np.asarray(sums, dtype=float)
    nb = sums.shape[0]
    total = float(np.sum(steps_b))
    mean = np.sum(sums, axis=0) / total
    resid = sums - steps_b[:, None] * mean[None, :]
    var = nb / (nb - 1) * np.sum(resid * resid, axis=0) / total**2
    return EstimateArray(mean, np.sqrt(var))


# --------------------------------------------------------------------------
# raw batch sums: the unit of parallel work, checkpoints and Dask chunks
# --------------------------------------------------------------------------
@dataclass
class BatchSums:
    """Raw per-batch sums of a subset of the batches of one run (picklable).

    Attributes
    ----------
    key : dict
        What the sums belong to: layout, parameters, ``steps``, ``seed``,
        ``n_batches``, ``mode``, ``estimator``. Sums with different keys
        never mix.
    batch_ids : ndarray of int64, shape (B,)
    steps : ndarray of int64, shape (B,)
        Injection steps of each batch.
    data : dict of str to ndarray
        Per-batch sums, leading axis ``B``. ``walkers``: ``rho_plus_<bias>``,
        ``rho_minus_<bias>`` (N,), ``J_<bias>`` (N-1,) — exact integer
        tallies of the ``drho`` excess and source/drain walkers (the ``rho0``
        background is added in :func:`combine`); ``adjoint``:
        ``exits_right`` and ``arrivals_q`` (scalars); ``physical``: the
        population engine's sums plus ``unmet_drain_<bias>``.
    counters : ndarray of int64, shape (B, 3)
        Scattering events, walker-steps and random numbers per batch
        (diagnostics, see :meth:`SteadyStateSimulation.run_batch`).
    """

    key: dict
    batch_ids: np.ndarray
    steps: np.ndarray
    data: dict = field(default_factory=dict)
    counters: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.int64))

    def __len__(self) -> int:
        return len(self.batch_ids)

    @classmethod
    def concat(cls, parts: list["BatchSums"]) -> "BatchSums":
        """Merge parts of one run, sorted by batch id (duplicates are an error)."""
        parts = list(parts)
        if not parts:
            raise ParameterError("sums", parts, "needs at least one BatchSums")
        parts = [p for p in parts if len(p)] or parts[:1]  # empty chunks carry no arrays
        key = parts[0].key
        for p in parts[1:]:
            if p.key != key:
                raise ParameterError("sums", p.key, f"belong to a different run than {key}")
        ids = np.concatenate([p.batch_ids for p in parts])
        order = np.argsort(ids, kind="stable")
        ids = ids[order]
        if len(ids) and np.any(np.diff(ids) == 0):
            raise ParameterError("sums", sorted(set(ids[:-1][np.diff(ids) == 0].tolist())), "batch ids repeat")
        data = {k: np.concatenate([np.asarray(p.data[k]).reshape(len(p), *np.shape(p.data[k])[1:])
                                   for p in parts])[order] for k in parts[0].data}
        steps = np.concatenate([p.steps for p in parts])[order]
        counters = np.concatenate([p.counters.reshape(-1, 3) for p in parts])[order]
        return cls(dict(key), ids, steps, data, counters)

    # -- checkpoint file --------------------------------------------------------
    def to_bytes(self) -> bytes:
        import io

        buf = io.BytesIO()
        arrays = {f"data_{k}": v for k, v in self.data.items()}
        np.savez(buf, format=np.array(_CHECKPOINT_FORMAT), key=np.array(json.dumps(self.key, sort_keys=True)),
                 batch_ids=self.batch_ids, steps=self.steps, counters=self.counters, **arrays)
        return buf.getvalue()

    @classmethod
    def load(cls, path: str | os.PathLike) -> "BatchSums":
        """Read a checkpoint written by :func:`simulate`."""
        try:
            with np.load(path, allow_pickle=False) as z:
                if str(z["format"]) != _CHECKPOINT_FORMAT:
                    raise ValueError("format")
                key = json.loads(str(z["key"]))
                data = {k[5:]: z[k] for k in z.files if k.startswith("data_")}
                return cls(key, z["batch_ids"], z["steps"], data, z["counters"])
        except (OSError, ValueError, KeyError) as e:
            raise ParameterError("checkpoint", str(path), f"is not a nonrecip simulate checkpoint ({e})") from None


def _run_key(wire: Wire, params: ClassicalParams, steps: int, seed: int, n_batches: int,
             mode: str, estimator: str) -> dict:
    return {"layout": wire.layout, "params": params.to_dict(), "steps": int(steps), "seed": int(seed),
            "n_batches": int(n_batches), "mode": mode, "estimator": estimator}


def _validate(wire, params, steps, seed, n_batches, mode, estimator):
    sim = SteadyStateSimulation(wire, params, mode=mode, estimator=estimator)
    steps = check_int("steps", steps, lo=1)
    seed = check_int("seed", seed, lo=0)
    n_batches = check_int("n_batches", n_batches, lo=2)
    if steps < n_batches:
        raise ParameterError("steps", steps, f"must be >= n_batches ({n_batches}): every batch needs a step")
    return sim, steps, seed, n_batches


def _workers(workers: int | None, n: int) -> int:
    if workers is None:
        try:
            workers = len(os.sched_getaffinity(0))
        except AttributeError:  # pragma: no cover - not Linux
            workers = os.cpu_count() or 1
    workers = check_int("workers", workers, lo=1)
    return max(1, min(workers, n))


def _execute(sim: SteadyStateSimulation, key: dict, ids: list[int], sizes: np.ndarray, workers: int,
             done: BatchSums | None = None, on_update=None) -> BatchSums:
    """Run batches ``ids`` on ``workers`` threads (nogil kernels).

    ``on_update(sums, progress)`` is called from this thread about every
    0.2 s with everything completed so far. On an interruption
    (KeyboardInterrupt, or an exception in a batch) the running batches are
    stopped, ``on_update`` is called once more with the completed ones, and
    the exception propagates.
    """
    seed = key["seed"]
    parts = [done] if done is not None and len(done) else []
    progress = [0.0] * len(sizes)
    stop = threading.Event()

    def one(b: int) -> BatchSums:
        data, counters = sim.run_batch(b, int(sizes[b]), seed, stop=stop, progress=progress)
        progress[b] = float(sizes[b])
        data = {k: np.asarray(v)[None, ...] for k, v in data.items()}
        return BatchSums(key, np.array([b], np.int64), np.array([sizes[b]], np.int64), data, counters[None, :])

    if not ids:
        return BatchSums.concat(parts) if parts else BatchSums(key, np.zeros(0, np.int64), np.zeros(0, np.int64))
    if workers == 1:
        try:
            for b in ids:
                parts.append(one(b))
                if on_update is not None:
                    on_update(parts, progress)
        except BaseException:
            if on_update is not None and parts:
                on_update(parts, progress, final=True)
            raise
        return BatchSums.concat(parts)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nonrecip-batch")
    futures = {pool.submit(one, b): b for b in ids}
    pending = set(futures)
    try:
        while pending:
            finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for f in sorted(finished, key=futures.get):
                parts.append(f.result())
            if on_update is not None:
                on_update(parts, progress)
    except BaseException:
        stop.set()
        for f in pending:
            f.cancel()
        pool.shutdown(wait=True)
        for f in pending:  # keep batches that completed while stopping
            if f.done() and not f.cancelled() and f.exception() is None:
                parts.append(f.result())
        if on_update is not None and parts:
            on_update(parts, progress, final=True)
        raise
    pool.shutdown(wait=True)
    return BatchSums.concat(parts)


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
    key = _run_key(wire, params, steps, seed, n_batches, mode, estimator)
    return _execute(sim, key, ids, batch_sizes(steps, n_batches), _workers(workers, max(len(ids), 1)))


def combine(wire: Wire, params: ClassicalParams, sums: "list[BatchSums] | BatchSums", **meta: Any) -> Result:
    """The :class:`~nonrecip.results.Result` of a run from the sums of all its batches.

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


def simulate(wire: Wire, params: ClassicalParams, *, steps: int, seed: int = 0, mode: str = "linear",
             estimator: str = "walkers", n_batches: int = 32, workers: int | None = None,
             checkpoint: str | os.PathLike | None = None, resume: bool = False,
             progress: bool = False) -> Result:
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
        ``steps**-1/2``.
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
        seconds, on completion and on Ctrl-C / SIGTERM.
    resume : bool
        Load ``checkpoint`` (if it exists) and compute only missing batches.
    progress : bool
        A progress bar on stderr.

    Returns
    -------
    Result
        ``model="simulate"``; ``forward``/``reverse`` are
        :class:`SimulatedState`; ``delta_I`` an :class:`Estimate`; ``extra``
        has ``steps, seed, n_batches, mode, estimator``.

    Raises
    ------
    ParameterError
        Bad input, or a checkpoint of another run.
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
    sim, steps, seed, n_batches = _validate(wire, params, steps, seed, n_batches, mode, estimator)
    key = _run_key(wire, params, steps, seed, n_batches, mode, estimator)
    sizes = batch_sizes(steps, n_batches)
    done = None
    path = Path(checkpoint) if checkpoint is not None else None
    if resume and path is None:
        raise ParameterError("resume", resume, "needs a checkpoint file to resume from")
    if resume and path.exists():
        done = BatchSums.load(path)
        if done.key != json.loads(json.dumps(key, sort_keys=True)):
            raise ParameterError("checkpoint", str(path),
                                 "was written by a run with other inputs, seed, steps, n_batches, mode or estimator")
    have = set(done.batch_ids.tolist()) if done is not None else set()
    ids = [b for b in range(n_batches) if b not in have]
    nw = _workers(workers, max(len(ids), 1))

    last_write = [time.monotonic()]
    written = [len(have)]

    def save(parts, final=False):
        if path is None:
            return
        n_done = sum(len(p) for p in parts)
        first = written[0] == len(have)  # the first new batch is saved at once, then every few seconds
        if n_done == written[0] or (not final and not first
                                    and time.monotonic() - last_write[0] < _CHECKPOINT_EVERY):
            return
        from ..results import atomic_write

        atomic_write(path, BatchSums.concat(parts).to_bytes())
        last_write[0] = time.monotonic()
        written[0] = n_done

    bar = _ProgressBar(float(sizes[ids].sum()) if ids else 0.0, enabled=progress)

    def on_update(parts, prog, final=False):
        save(parts, final=final)
        bar.update(sum(prog[b] for b in ids))

    restore = _sigterm_as_interrupt()
    try:
        with bar:
            merged = _execute(sim, key, ids, sizes, nw, done, on_update)
        save([merged], final=True)
    finally:
        restore()
    return combine(wire, params, merged)


# --------------------------------------------------------------------------
# long runs: progress bar and SIGTERM
# --------------------------------------------------------------------------
class _ProgressBar:
    """A rich progress bar on stderr (a no-op when disabled)."""

    def __init__(self, total: float, enabled: bool):
        self.total = total
        self.enabled = enabled and total > 0
        self._p = None

    def __enter__(self):
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self._p = Progress(TextColumn("simulate"), BarColumn(), TextColumn("{task.percentage:>5.1f}%"),
                               TimeElapsedColumn(), TimeRemainingColumn(),
                               console=Console(file=sys.stderr), transient=False)
            self._p.__enter__()
            self._task = self._p.add_task("simulate", total=self.total)
        return self

    def update(self, completed: float) -> None:
        if self._p is not None:
            self._p.update(self._task, completed=completed)

    def __exit__(self, *exc):
        if self._p is not None:
            self._p.__exit__(*exc)
        return False


def _sigterm_as_interrupt():
    """Turn SIGTERM into KeyboardInterrupt while a run is going (main thread
    only); returns the function that restores the previous handler."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum, frame):
        raise KeyboardInterrupt("SIGTERM")

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):  # pragma: no cover
        return lambda: None
    return lambda: signal.signal(signal.SIGTERM, old)


# --------------------------------------------------------------------------
# convergence study
# --------------------------------------------------------------------------
def budgets(steps_min: int, steps_max: int, factor: float) -> list[int]:
    """Geometric series of budgets ``round(steps_min * factor**k) <= steps_max``."""
    from ..wire import check_real

    steps_min = check_int("steps_min", steps_min, lo=1)
    steps_max = check_int("steps_max", steps_max, lo=1)
    factor = check_real("factor", factor, lo=1.0, lo_open=True)
    if steps_max < steps_min:
        raise ParameterError("steps_max", steps_max, f"must be >= steps_min ({steps_min})")
    out: list[int] = []
    k = 0
    while True:
        b = int(round(steps_min * factor**k))
        if b > steps_max:
            break
        if not out or b > out[-1]:
            out.append(b)
        k += 1
    if len(out) < 2:
        raise ParameterError("steps_max", steps_max,
                             f"gives fewer than 2 budgets; needs >= steps_min * factor ({steps_min * factor:g})")
    return out


def convergence(wire: Wire, params: ClassicalParams, *, steps_min: int = 1000, steps_max: int = 1_000_000,
                factor: float = 4.0, seed: int = 0, estimator: str = "walkers", n_batches: int = 32,
                workers: int | None = None):
    """Estimates against the exact solution over a geometric series of budgets.

    Parameters
    ----------
    wire, params
        As in :func:`simulate` (linear mode).
    steps_min, steps_max, factor
        Budgets ``steps_min * factor**k <= steps_max`` (see :func:`budgets`).
    seed, estimator, n_batches, workers
        As in :func:`simulate`; every budget uses the same ``seed``.

    Returns
    -------
    pandas.DataFrame
        One row per (budget, quantity) with columns ``steps, quantity``
        (``I_in_forward``, ``I_in_reverse``, ``delta_I``), ``estimate,
        stderr, exact, abs_error, z``. Use :func:`stderr_slopes` for the
        fitted exponents (``-1/2`` for an honest Monte Carlo).
    """
    import pandas as pd

    from ..deterministic.classical import solve_classical

    series = budgets(steps_min, steps_max, factor)
    exact = solve_classical(wire, params)
    rows = []
    for steps in series:
        res = simulate(wire, params, steps=steps, seed=seed, estimator=estimator, n_batches=n_batches,
                       workers=workers)
        for name, est, ref in (("I_in_forward", res.forward.I_in, exact.forward.I_in),
                               ("I_in_reverse", res.reverse.I_in, exact.reverse.I_in),
                               ("delta_I", res.delta_I, exact.delta_I)):
            rows.append(dict(steps=steps, quantity=name, estimate=est.mean, stderr=est.stderr, exact=float(ref),
                             abs_error=abs(est.mean - float(ref)), z=est.z(float(ref))))
    return pd.DataFrame(rows, columns=["steps", "quantity", "estimate", "stderr", "exact", "abs_error", "z"])


def stderr_slopes(df) -> dict[str, float]:
    """Least-squares slope of ``log(stderr)`` against ``log(steps)`` per quantity.

    ``NaN`` where a stderr is 0 (a quantity estimated without noise).
    """
    out = {}
    for name, g in df.groupby("quantity", sort=False):
        se = g["stderr"].to_numpy(float)
        if np.all(se > 0) and len(g) >= 2:
            out[str(name)] = float(np.polyfit(np.log(g["steps"].to_numpy(float)), np.log(se), 1)[0])
        else:
            out[str(name)] = math.nan
    return out
