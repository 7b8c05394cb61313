"""The wire as the steady-state Monte Carlo sees it (conventions §2).

Its injectors and scatterers; one batch of walkers; per-batch sums to
estimates.

The estimators are described in :mod:`nonrecip.stochastic.simulation`.
"""

from __future__ import annotations

import functools
import math
import threading
from typing import Any

import numpy as np

from ..results import Estimate, EstimateArray
from ..runs.batches import Stopped
from ..wire import DRAIN, SOURCE, Bias, ClassicalParams, ParameterError, Wire
from .state import Injector, SimulatedState, WalkerTrace

__all__ = ["SteadyStateSimulation", "batch_sizes", "MODES", "ESTIMATORS", "MIN_P_WALKERS", "MAX_RATE",
           "MAX_COUNT_RATE", "MAX_SCATTERERS_UNBUDGETED"]

MODES = ("linear", "physical")
ESTIMATORS = ("walkers", "adjoint")
#: smallest p of the "walkers" estimator: a walker spends ~1/p steps per
#: arrival and occupations are exact int64 tallies
MIN_P_WALKERS = 1e-6
#: walkers per kernel call: the granularity of progress and of Ctrl-C
_CHUNK = 1 << 14
#: work budget of one kernel call (random numbers, or arrivals for a p
#: profile): a walker still going after it is paused and resumed by the next
#: call, so that the stop signal is seen every ~0.1 s even while one walker of
#: a long wire runs for minutes. Never changes a result (tested bit for bit).
_BUDGET = 1 << 21
#: most scatterers for which a run may call the kernel without a work budget
#: (``walk_adjoint_batches``, a whole batch per call): one walker's path is at
#: most ~``(M r)^2 ~ 10^7`` random numbers there, ~0.1 s between looks at Ctrl-C
MAX_SCATTERERS_UNBUDGETED = 10_000


def _chunk(n_sites: int, base: int | None = None) -> int:
    """Walkers per kernel call between two looks at the stop signal.

    A walker's path grows like ``N^2`` (diffusion through the scatterers), so the
    chunk shrinks like ``(1000 / N)^2`` beyond ``N = 1000`` (down to one walker):
    Ctrl-C is seen after about the same work at any ``N``. The chunking never
    changes a result (the stream runs on from call to call; tested bit for bit).
    """
    base = _CHUNK if base is None else base
    return max(1, min(base, int(base * (1000.0 / max(n_sites, 1)) ** 2)))
#: an injector of more walkers per step than this runs a fixed budget of
#: weighted walkers (``steps`` per batch, each of weight ``rate``) instead of
#: ``rate`` walkers per step: same mean, cost independent of ``Ig/drho``
#: (below it, exact integer tallies and today's bits; the cost of the count
#: path is at most this many walkers per step and injector)
MAX_COUNT_RATE = 16.0
#: largest injection rate (``Ig/2`` or ``drho``, per step) the Monte Carlo
#: accepts: rate x tally of a batch stays far below the float64 maximum
MAX_RATE = 1e200


def batch_sizes(steps: int, n_batches: int) -> np.ndarray:
    """Injection steps of each batch, shape ``(n_batches,)``.

    ``steps // n_batches``, the first ``steps % n_batches`` batches one more.
    Depends on nothing else.
    """
    base, extra = divmod(int(steps), int(n_batches))
    sizes = np.full(int(n_batches), base, dtype=np.int64)
    sizes[:extra] += 1
    return sizes


def _batch_seed(seed: int, b: int) -> np.random.SeedSequence:
    """``SeedSequence(seed).spawn(n)[b]`` for any ``n > b``, built directly."""
    return np.random.SeedSequence(seed, spawn_key=(b,))


def _p_profile(wire: Wire, params: ClassicalParams) -> np.ndarray | None:
    """Return the per-site move probability ``params.p_profile`` (shape ``(N,)``), or ``None``.

    Read with ``getattr``: parameter objects without the attribute have one
    ``p``. Only the values on S/D/P sites matter (``m = 1`` on free sites);
    they must lie in ``(0, 1]``.
    """
    prof = getattr(params, "p_profile", None)
    if prof is None:
        return None
    arr = np.asarray(prof, dtype=float)
    if arr.shape != (wire.N,):
        raise ParameterError("p_profile", f"shape {arr.shape}", f"must have one value per site ({wire.N})")
    vals = arr[wire.scatterer]
    if not np.all((vals > 0.0) & (vals <= 1.0)):
        raise ParameterError("p_profile", "values", "must lie in (0, 1] on every S, D and P site")
    return arr


@functools.lru_cache(maxsize=256)
def _geometric_table(log_f: float) -> np.ndarray:
    """Return the alias table of ``P(n) = f^n (1 - f)`` (:func:`~nonrecip.stochastic._random.geometric_table`).

    Cached by ``log f``: repeated runs at the same ``p`` reuse it (callers
    never write to it).
    """
    from ._kernels import geometric_table

    tab = np.zeros((2, 256), np.int64)
    geometric_table(float(log_f), tab)
    return tab


@functools.lru_cache(maxsize=256)
def _chain(layout: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the chain of scatterers of a layout: ``(scat, ext, qcum, Q)``, read-only, cached by layout.

    ``scat`` the 0-based scatterer sites, ``ext = [-1, scat, N]`` (the
    kernels' index), ``qcum`` the cumulative injection signs over the
    scatterers (``[0, q_1, q_1 + q_2, ...]``) and ``Q(l) = sum_{k <= l} q_k``
    per bond ``l = 1..N-1``. Pure functions of the layout string (conventions
    §1), so built once per layout.
    """
    wire = Wire(layout)
    scat = np.flatnonzero(wire.scatterer).astype(np.int64)
    ext = np.concatenate(([-1], scat, [wire.N])).astype(np.int64)
    q = wire.injection[scat].astype(np.int64)
    qcum = np.concatenate(([0], np.cumsum(q))).astype(np.int64)
    Q = np.cumsum(wire.injection)[:-1]
    for a in (scat, ext, qcum, Q):
        a.flags.writeable = False
    return scat, ext, qcum, Q


@functools.lru_cache(maxsize=64)
def _nan_sites(n: int) -> EstimateArray:
    """Return the all-``NaN`` densities of the adjoint estimator (read-only, shared by every result)."""
    return EstimateArray(np.full(n, np.nan), np.full(n, np.nan))


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
        p_site = _p_profile(wire, params)
        p_min = params.p if p_site is None else float(np.min(p_site[wire.scatterer], initial=1.0))
        if self.mode == "linear" and self.estimator == "walkers" and p_min < MIN_P_WALKERS:
            raise ParameterError("p" if p_site is None else "p_profile", params.p if p_site is None else p_min,
                                 f"the 'walkers' estimator needs p >= {MIN_P_WALKERS:g} (a walker stays ~1/p "
                                 "steps per scatterer); use estimator 'adjoint' for the currents")
        if self.mode == "linear":
            for name, rate in (("Ig", 0.5 * params.Ig), ("drho", params.drho)):
                if not rate <= MAX_RATE:
                    raise ParameterError(name, getattr(params, name),
                                         f"the Monte Carlo needs an injection rate <= {MAX_RATE:g} per step "
                                         "(larger sums would overflow float64)")
        self.wire = wire
        self.params = params
        p = params.p
        scat, self._ext, self._qcum, self._Q = _chain(wire.layout)
        self._p_site = p_site
        # a p profile: per-scatterer constants, unless every scatterer has the same p
        # (then the event-skipping kernels run with that p, the same bits as a plain p)
        self._p_sites: np.ndarray | None = None
        if p_site is not None:
            ps = p_site[scat]
            if len(ps) and np.all(ps == ps[0]):
                p = float(ps[0])
            elif len(ps):
                if self.mode == "physical":
                    raise ParameterError("p_profile", "per site", "mode 'physical' needs one p for all sites")
                self._p_sites = ps.astype(float)
                self._r_s = (1.0 - ps) / (2.0 - ps)
                with np.errstate(divide="ignore"):
                    self._sc_s = np.where(ps < 1.0, -1.0 / np.log1p(-np.minimum(ps, 1.0 - 1e-300)), 0.0)
        # kernel constants: reflection probability r = (1-p)/(2-p) of a
        # scatterer and the logs of the geometric laws (see _kernels)
        self._r = (1.0 - p) / (2.0 - p)
        self._log_t = -math.log(2.0 - p)
        self._log_a2 = 2.0 * math.log1p(-p) if p < 1.0 else -math.inf
        self._log_1ma2 = math.log(p * (2.0 - p)) if p < 1.0 else 0.0
        self._geo_tables: np.ndarray | None = None

    @functools.cached_property
    def m(self) -> np.ndarray:
        """Move probability ``m(l)`` of every site, shape ``(N,)`` (``1`` on free sites)."""
        return np.where(self.wire.scatterer, self.params.p if self._p_site is None else self._p_site, 1.0)

    @functools.cached_property
    def injectors(self) -> tuple[Injector, ...]:
        """The reservoirs' ``drho`` excess, then each source's and drain's two species (built on first use)."""
        params, n = self.params, self.wire.N
        inj = [Injector("left reservoir", 1, +1, +1, params.drho, "forward"),
               Injector("right reservoir", n, -1, +1, params.drho, "reverse")]
        for s in self._ext[1:-1].tolist():
            kind = self.wire.kinds[s]
            if kind in (SOURCE, DRAIN) and params.Ig > 0.0:
                w = 1 if kind == SOURCE else -1
                name = "source" if kind == SOURCE else "drain"
                for d in (+1, -1):
                    inj.append(Injector(name, s + 1, d, w, 0.5 * params.Ig, "both"))
        return tuple(inj)

    @functools.cached_property
    def _count_plan(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[int, ...]]:
        """Per injector: ``rate``, ``rate > MAX_COUNT_RATE``, ``floor`` and fraction of the counted rate, entry.

        What every batch of the ``walkers`` estimator needs and that depends
        on the run only (built once; the entry is the kernels' index, :meth:`_e0`).
        """
        rates = np.array([i.rate for i in self.injectors])
        weighted = rates > MAX_COUNT_RATE
        frac = np.where(weighted, 0.0, rates)
        whole = np.floor(frac)
        plan = (rates, weighted, whole.astype(np.int64), frac - whole)
        for a in plan:
            a.flags.writeable = False
        return (*plan, tuple(self._e0(i) for i in self.injectors))

    @property
    def _geo(self) -> np.ndarray:
        """Alias tables of the three geometric laws (``t``, ``a^2``, ``1 - a^2``), shape ``(3, 2, 256)``."""
        if self._geo_tables is None:
            self._geo_tables = np.stack([_geometric_table(x) for x in (self._log_t, self._log_a2, self._log_1ma2)])
        return self._geo_tables

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
        """Follow one walker of ``injector`` step by step with the walker rule (conventions §2).

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
                  progress: list | None = None,
                  state: np.ndarray | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Return the sums over the ``steps`` injection steps of batch ``b``.

        Returns
        -------
        data : dict of str to ndarray
            Raw batch sums (see :class:`BatchSums`).
        counters : ndarray of int64, shape (3,)
            ``[scattering events, walker-steps, random numbers]``
            (diagnostics; walker-steps 0 for ``adjoint``, all 0 in physical
            mode).

        Other Parameters
        ----------------
        state : uint64 array, shape (4,), optional
            The walkers' xoshiro256++ state of this batch precomputed by
            :func:`~nonrecip.stochastic._seeding.batch_states` (the same bits
            as built here; advanced in place).
        """
        if self.mode == "physical":
            return self._physical_batch(_batch_seed(seed, b), steps)
        if state is None:
            state = _batch_seed(seed, b).spawn(2)[1].generate_state(4, np.uint64)
        if not state.any():  # pragma: no cover - probability 2**-256
            state[0] = 1
        if self.estimator == "adjoint":
            return self._adjoint_batch(state, steps, b, stop, progress)
        from ._count_stream import count_generator  # default_rng(SeedSequence(seed, spawn_key=(b, 0))), cheaper

        return self._walkers_batch(count_generator(seed, b), state, steps, b, stop, progress)

    def _walkers_batch(self, rng, state, steps, b, stop, progress):
        """Walker tallies of one batch.

        An injector of ``rate <= MAX_COUNT_RATE`` walkers per step injects a
        random count per step with mean ``rate`` (exact integer tallies, as
        in the module docstring of ``simulation``). A larger one injects
        ``steps`` walkers per batch whose tallies are multiplied by ``rate``
        (an unbiased estimate of the same sum by linearity, conventions §2):
        the cost no longer grows with ``Ig/drho``, and the batch sums are
        then float64.
        """
        from ._kernels import walk_walkers, walk_walkers_sites

        n = self.wire.N
        rates, weighted, whole, frac, starts = self._count_plan
        counts = steps * whole + rng.binomial(steps, frac)
        counts[weighted] = steps

        def zeros():
            return (np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n + 1, np.int64),
                    np.zeros(n + 1, np.int64), np.zeros(n + 2, np.int64))

        comp = {c: zeros() for c in ("forward", "reverse", "both")}
        scaled: list[tuple[str, float, tuple]] = []
        counters = np.zeros(3, np.int64)
        carry = np.full(1, -1, np.int64)
        walk = np.zeros(3, np.int64)        # a walker paused by the work budget (_kernels.WALK_STATE)
        total = max(int(counts.sum()), 1)
        done = 0
        geo = self._geo if self._p_sites is None else None
        for i, (inj, cnt, e0) in enumerate(zip(self.injectors, counts.tolist(), starts, strict=True)):
            if weighted[i]:
                arrays = zeros()
                scaled.append((inj.bias, float(rates[i]), arrays))
            else:
                arrays = comp[inj.bias]
            occ_p, occ_m, dp, dm, dj = arrays
            while cnt > 0:
                if stop is not None and stop.is_set():
                    raise Stopped
                k = min(cnt, _chunk(n))
                if self._p_sites is None:
                    k = walk_walkers(state, carry, self._ext, self._r, self._log_t, self._log_a2, self._log_1ma2,
                                     geo, e0, inj.direction, inj.weight, k, occ_p, occ_m, dp, dm, dj, counters,
                                     walk, _BUDGET)
                else:
                    k = walk_walkers_sites(state, self._ext, self._sc_s, e0, inj.direction, inj.weight, k,
                                           occ_p, occ_m, dp, dm, dj, counters, walk, _BUDGET)
                cnt -= k
                done += k
                if progress is not None:
                    progress[b] = steps * done / total

        def reduce(arrays):
            occ_p, occ_m, dp, dm, dj = arrays
            return (occ_p + np.cumsum(dp)[:n], occ_m + np.cumsum(dm)[:n], np.cumsum(dj)[1:n])

        tallies = {c: reduce(a) for c, a in comp.items()}
        for bias, rate, arrays in scaled:
            tallies[bias] = tuple(x + rate * y for x, y in zip(tallies[bias], reduce(arrays), strict=True))
        data = {}
        for bias in ("forward", "reverse"):
            rp, rm, J = (x + y for x, y in zip(tallies[bias], tallies["both"], strict=True))
            data[f"rho_plus_{bias}"] = rp
            data[f"rho_minus_{bias}"] = rm
            data[f"J_{bias}"] = J
        return data, counters

    def _adjoint_batch(self, state, steps, b, stop, progress):
        from ._kernels import walk_adjoint, walk_adjoint_sites

        out = np.zeros(4, np.int64)
        walk = np.zeros(3, np.int64)        # a walker paused by the work budget (_kernels.WALK_STATE)
        left = int(steps)
        while left > 0:
            if stop is not None and stop.is_set():
                raise Stopped
            k = min(left, _chunk(self.wire.N, 8 * _CHUNK))
            if self._p_sites is None:
                k = walk_adjoint(state, self._qcum, self._log_t, _geometric_table(self._log_t), k, out, walk,
                                 _BUDGET)
            else:
                k = walk_adjoint_sites(state, self._qcum, self._r_s, k, out, walk, _BUDGET)
            left -= k
            if progress is not None:
                progress[b] = steps - left
        data = {"exits_right": np.array(out[0]), "arrivals_q": np.array(out[1])}
        return data, np.array([out[2], 0, out[3]], dtype=np.int64)

    def _physical_batch(self, ss, steps):
        from .replica import physical_batch

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
        if self.estimator == "adjoint" and self.mode == "linear":
            return self._estimate_adjoint(steps_b, data)
        n = self.wire.N
        states = {}
        I_b = {}
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
        delta = Estimate(abs(r) - abs(f), _batch_mean(d_b, steps_b)[1])
        return states["forward"], states["reverse"], delta

    def _estimate_adjoint(self, steps_b: np.ndarray,
                          data: dict[str, np.ndarray]) -> tuple[SimulatedState, SimulatedState, Estimate]:
        """:meth:`estimate` of the adjoint estimator (``steps_b`` float).

        Per batch ``I_in,b = +-drho e_b - (Ig/2) a_b`` (exits ``e_b``, sum of
        ``q`` over arrivals ``a_b``) and ``J_b(l) = I_in,b + n_b Ig Q(l)``
        (conventions §2): one batch-means stderr for all bonds of a bias.
        The same arithmetic, operation for operation, as the walker branch
        applied to these batch values, with the shared terms computed once.
        """
        from ._estimate_kernels import MAX_BATCHES, adjoint_stats

        ex = np.ascontiguousarray(data["exits_right"], dtype=float)
        aq = np.ascontiguousarray(data["arrivals_q"], dtype=float)
        P = self.params
        n = self.wire.N
        st = np.empty(5)
        if ex.shape[0] <= MAX_BATCHES:
            adjoint_stats(ex, aq, np.ascontiguousarray(steps_b), float(P.drho), float(P.Ig),
                          float(P.Ig * self._Q[0]), st)
        else:
            _adjoint_stats_numpy(ex, aq, steps_b, P.drho, P.Ig, P.Ig * self._Q[0], st)
        # both biases' bond currents in one read-only block (EstimateArray keeps read-only rows as they are)
        J_mean = np.add.outer(st[[0, 2]], P.Ig * self._Q)
        J_err = np.empty((2, n - 1))
        J_err[0] = st[1]
        J_err[1] = st[3]
        J_mean.flags.writeable = False
        J_err.flags.writeable = False
        nan = _nan_sites(n)
        states = [SimulatedState(I_in=Estimate(float(J_mean[row, 0]), float(st[2 * row + 1])),
                                 I_out=Estimate(float(J_mean[row, n - 2]), float(st[2 * row + 1])),
                                 J=EstimateArray(J_mean[row], J_err[row]), rho_plus=nan, rho_minus=nan)
                  for row in (0, 1)]
        f, r = states[0].I_in.mean, states[1].I_in.mean
        return states[0], states[1], Estimate(abs(r) - abs(f), float(st[4]))


def _adjoint_stats_numpy(ex: np.ndarray, aq: np.ndarray, steps_b: np.ndarray, drho: float, ig: float,
                         igq0: float, out: np.ndarray) -> None:
    """:func:`~nonrecip.stochastic._estimate_kernels.adjoint_stats` in NumPy (any number of batches)."""
    nb = ex.shape[0]
    total = float(steps_b.sum())
    i_b = np.multiply.outer(np.array([1.0 * drho, -1.0 * drho]), ex) - 0.5 * ig * aq
    means = i_b.sum(axis=1) / total       # each row reduced as a 1-d array
    resid = i_b - steps_b * means[:, None]
    errs = np.sqrt(nb / (nb - 1) * (resid * resid).sum(axis=1) / total**2)
    out[:4] = means[0], errs[0], means[1], errs[1]
    f, r = means[0] + igq0, means[1] + igq0
    sf, sr = (1.0 if f >= 0 else -1.0), (1.0 if r >= 0 else -1.0)
    I_b = i_b + steps_b * igq0
    out[4] = _batch_mean(sr * I_b[1] - sf * I_b[0], steps_b, total)[1]


def _batch_estimate(sums: np.ndarray, steps_b: np.ndarray) -> EstimateArray:
    """Mean per step and batch-means stderr from per-batch sums ``(B, K)``.

    ``mean = sum_b S_b / sum_b n_b``; ``stderr^2 = B/(B-1) sum_b (S_b - n_b
    mean)^2 / (sum_b n_b)^2`` — the usual batch-means variance of the mean
    (batch sizes differ by at most one step).
    """
    sums = np.asarray(sums, dtype=float)
    nb = sums.shape[0]
    total = float(steps_b.sum())
    mean = sums.sum(axis=0) / total
    resid = sums - steps_b[:, None] * mean[None, :]
    var = nb / (nb - 1) * (resid * resid).sum(axis=0) / total**2
    return EstimateArray(mean, np.sqrt(var))


def _batch_mean(sums: np.ndarray, steps_b: np.ndarray, total: float | None = None) -> tuple[float, float]:
    """:func:`_batch_estimate` of one quantity, per-batch sums ``(B,)``: ``(mean, stderr)`` as floats.

    ``total``: ``float(steps_b.sum())`` when the caller has it.
    """
    nb = sums.shape[0]
    total = float(steps_b.sum()) if total is None else total
    mean = float(sums.sum()) / total
    resid = sums - steps_b * mean
    return mean, math.sqrt(nb / (nb - 1) * float((resid * resid).sum()) / total**2)

