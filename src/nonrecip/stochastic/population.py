"""Time-stepped population engine: the wire's walkers as a user sees them.

This is the general-purpose, time-resolved side of the classical Monte Carlo
(SPEC section 2, paper Sec. II, App. A, App. C2): a whole population of
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
the expectation of one step gives exactly SPEC's steady-state equations::

    rho+(l) = m(l-1) rho+(l-1) + (1-m(l)) rho-(l) + s(l)
    rho-(l) = m(l+1) rho-(l+1) + (1-m(l)) rho+(l) + s(l)

(arrivals and flips come from the state measured at the end of the previous
step, the injection ``s(l)`` and the reservoir terms are added last), and
``E[crossings of bond l] = m(l) rho+(l) - m(l+1) rho-(l+1) = J(l)``. Measuring
before the injection instead would shift every density by ``s(l)`` and the
reservoir terms. The boundary currents are counted at the reservoirs:
``I_in`` = walkers injected at site 1 minus walkers absorbed there,
``I_out`` = walkers absorbed at site N minus walkers injected there; in the
steady state their means equal ``J(1)`` and ``J(N-1)`` (SPEC, App. A1).

Reproducibility
---------------
Everything random comes from one :class:`numpy.random.Generator` per run,
seeded from :class:`numpy.random.SeedSequence`; the kernel draws in a fixed
order, the running sums are exact integer sums in float64, and all
accumulators persist between calls, so any split of a run into calls (or a
checkpoint and resume) gives bit-identical results. Ensembles run their
members on threads (the kernel releases the GIL) without changing results.
"""

from __future__ import annotations

import io
import json
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..deterministic.classical import move_probability, steady_state
from ..results import ClassicalState, Estimate, atomic_write, to_jsonable, write_table
from ..wire import DRAIN, SOURCE, Bias, ClassicalParams, ParameterError, Wire, check_int, check_real

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
    "MODES",
    "STARTS",
]

MODES = ("linear", "physical")
STARTS = ("empty", "rho0", "linear")
#: largest expected walker count per site and species (int64 counts, exact float64 sums)
MAX_WALKERS = 1e15
#: default walkers per unit density
DEFAULT_SCALE = 1000.0
#: default burn-in in units of :func:`relaxation_time`
BURN_IN_TIMES = 5.0
_CHECKPOINT_VERSION = 1


# --------------------------------------------------------------------------
# what hangs on the wire, as a user sees it (1-based sites)
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Reservoir:
    """A reservoir at one end of the wire.

    Attributes
    ----------
    side : str
        ``"left"`` (site 1, injects right-movers) or ``"right"`` (site N,
        injects left-movers).
    site : int
        The contact site, 1-based.
    injection : float
        Mean walkers (density units) injected per step.
    """

    side: str
    site: int
    injection: float


@dataclass(frozen=True)
class Source:
    """A source: adds ``injection = Ig/2`` of each species per step at ``site``."""

    site: int
    injection: float


@dataclass(frozen=True)
class Drain:
    """A drain: takes ``extraction = Ig/2`` of each species per step at ``site``."""

    site: int
    extraction: float


@dataclass(frozen=True)
class Scatterer:
    """A site with S, D or P attached: walkers move on with ``p``, flip with ``1 - p``."""

    site: int
    kind: str
    p: float


# --------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------
def _bias(bias: Any) -> Bias:
    try:
        return Bias(getattr(bias, "value", bias))
    except ValueError:
        raise ParameterError("bias", bias, "must be 'forward' or 'reverse'") from None


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ParameterError(name, value, "must be one of " + ", ".join(repr(a) for a in allowed))
    return str(value)


def _check_inputs(wire: Any, params: Any) -> None:
    if not isinstance(wire, Wire):
        raise ParameterError("wire", wire, "must be a nonrecip.Wire")
    if not isinstance(params, ClassicalParams):
        raise ParameterError("params", params, "must be a nonrecip.ClassicalParams")


def _rng(seed: Any) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    return np.random.default_rng(np.random.SeedSequence(check_int("seed", seed, lo=0)))


def relaxation_time(wire: Wire, p: float) -> float:
    """Conservative estimate of the slowest relaxation time, in steps.

    ``tau = C (1 + 2 R / pi**2)`` with ``C = sum_l 1/m(l)`` (the mean time a
    walker needs to cross the wire once without turning) and ``R = sum_l (1 -
    m(l))`` (the wire's "resistance" in the flux formulation of
    :mod:`nonrecip.deterministic.classical`); ``2 R C / pi**2`` is the
    diffusive RC time ``L**2 / (pi**2 D)`` with ``D = p / (2 (1-p))`` per
    step when every site scatters, i.e. it grows like ``N**2 (1-p) / p``.
    It bounds the decay time ``-1/log|lambda_max|`` of the linear one-step
    map from above (checked against its eigenvalues in the tests; ratios
    1.0-7 over dimers, single and irregular layouts, ``p`` in 0.05-0.99).

    Parameters
    ----------
    wire : Wire
    p : float
        Move probability at S/D/P sites, in (0, 1].

    Returns
    -------
    float
        Steps.
    """
    m = move_probability(wire, check_real("p", p, lo=0.0, hi=1.0, lo_open=True))
    C = float(np.sum(1.0 / m))
    R = float(np.sum(1.0 - m))
    return C * (1.0 + 2.0 * R / math.pi**2)


def default_burn_in(wire: Wire, p: float) -> int:
    """``ceil(5 * relaxation_time)`` steps (residual start bias below e**-5)."""
    return int(math.ceil(BURN_IN_TIMES * relaxation_time(wire, p)))


# --------------------------------------------------------------------------
# one run
# --------------------------------------------------------------------------
class WireSimulation:
    """A population of walkers on a wire, advanced one time step at a time.

    Parameters
    ----------
    wire : Wire
        Any layout.
    params : ClassicalParams
        ``p``, ``Ig``, ``drho``, ``rho0``.
    bias : Bias or str, default "forward"
        ``forward``: the left reservoir injects ``rho0 + drho``, the right
        one ``rho0``; ``reverse`` swaps them.
    mode : {"linear", "physical"}, default "linear"
        See the module docstring.
    scale : float, default 1000
        Walkers per unit density.
    seed : int, SeedSequence or Generator, default 0
        A Generator is used (and advanced) as given.
    start : {"empty", "rho0", "linear"}, default "empty"
        Initial population: none; the current-free background ``rho0/m(l)``
        of each species (Poisson counts); or the exact linear steady state
        (signed Poisson counts in linear mode, so the mean state is exact at
        every step; clipped at 0 in physical mode).
    record_every : int, optional
        Record a snapshot every this many steps (see :attr:`history`).

    Examples
    --------
    >>> from nonrecip import Wire, ClassicalParams
    >>> sim = WireSimulation(Wire(".SD."), ClassicalParams(p=0.5, Ig=0.1, drho=0.2), seed=1)
    >>> sim.step(100).t
    100
    >>> sim.occupation.shape
    (2, 4)
    """

    def __init__(self, wire: Wire, params: ClassicalParams, *, bias: Bias | str = Bias.FORWARD,
                 mode: str = "linear", scale: float = DEFAULT_SCALE, seed: Any = 0,
                 start: str = "empty", record_every: int | None = None):
        _check_inputs(wire, params)
        self.wire, self.params = wire, params
        self.bias = _bias(bias)
        self.mode = _choice("mode", mode, MODES)
        self.start = _choice("start", start, STARTS)
        self.scale = check_real("scale", scale, lo=0.0, lo_open=True)
        self.record_every = None if record_every is None else check_int("record_every", record_every, lo=1)
        self._exact = steady_state(wire, params, self.bias)
        big = max(float(np.max(np.abs(self._exact.rho_plus))), float(np.max(np.abs(self._exact.rho_minus))),
                  params.rho0 + params.drho, params.Ig)
        if self.scale * big > MAX_WALKERS:
            raise ParameterError("scale", scale, f"scale times the largest density ({big:.3g}) must stay "
                                 f"below {MAX_WALKERS:.0e} walkers per site (64-bit counts)")
        n = wire.N
        self._m = np.ascontiguousarray(move_probability(wire, params.p), dtype=np.float64)
        kinds = wire.kinds
        half = self.scale * params.Ig / 2.0
        self._src = np.where(kinds == SOURCE, half, 0.0)
        self._drn = np.where(kinds == DRAIN, half, 0.0)
        in_l, in_r = params.reservoir_injection(self.bias)
        self._inj = (self.scale * in_l, self.scale * in_r)
        self.rng = _rng(seed)
        self._counts = self._initial_counts()
        self._t = 0
        # persistent accumulators (window: since the last record; totals: since reset)
        self._win_cross = np.zeros(n - 1, np.int64)
        self._win_io = np.zeros(2, np.int64)
        self._win_unmet = np.zeros(n, np.int64)
        self._scratch = (np.zeros(n, np.int64), np.zeros(n, np.int64))
        self.reset_averages()
        # history: snapshot at step 0 plus one row per record
        self._h0 = self._counts.copy() if self.record_every else None
        self._h: dict[str, list[np.ndarray]] = {"counts": [], "cross": [], "io": [], "unmet": []}

    # -- construction helpers -------------------------------------------------
    def _initial_counts(self) -> np.ndarray:
        n = self.wire.N
        if self.start == "empty":
            return np.zeros((2, n), np.int64)
        if self.start == "rho0":
            lam = np.broadcast_to(self.scale * self.params.rho0 / self._m, (2, n))
            return self.rng.poisson(lam).astype(np.int64)
        rho = np.stack([self._exact.rho_plus, self._exact.rho_minus])
        if self.mode == "physical":
            rho = np.maximum(rho, 0.0)
        return (np.sign(rho) * self.rng.poisson(self.scale * np.abs(rho))).astype(np.int64)

    # -- the parts of the wire ------------------------------------------------
    @property
    def reservoirs(self) -> tuple[Reservoir, Reservoir]:
        """The left (site 1) and right (site N) reservoirs."""
        in_l, in_r = self.params.reservoir_injection(self.bias)
        return Reservoir("left", 1, in_l), Reservoir("right", self.wire.N, in_r)

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(Source(i + 1, self.params.Ig / 2) for i, c in enumerate(self.wire.layout) if c == "S")

    @property
    def drains(self) -> tuple[Drain, ...]:
        return tuple(Drain(i + 1, self.params.Ig / 2) for i, c in enumerate(self.wire.layout) if c == "D")

    @property
    def scatterers(self) -> tuple[Scatterer, ...]:
        return tuple(Scatterer(i + 1, c, self.params.p) for i, c in enumerate(self.wire.layout) if c != ".")

    # -- the walkers ----------------------------------------------------------
    @property
    def t(self) -> int:
        """Steps done since construction."""
        return self._t

    @property
    def counts(self) -> np.ndarray:
        """Signed walker counts, shape ``(2, N)``: ``[0]`` right-, ``[1]`` left-movers (a copy)."""
        return self._counts.copy()

    @property
    def occupation(self) -> np.ndarray:
        """Densities now, shape ``(2, N)``: ``[0] = rho+``, ``[1] = rho-`` (counts / scale)."""
        return self._counts / self.scale

    @property
    def walkers(self):
        """The walkers now as a :class:`pandas.DataFrame`: ``site`` (1-based),
        ``kind`` (layout character), ``right_movers``, ``left_movers`` (signed counts)."""
        import pandas as pd

        return pd.DataFrame({"site": np.arange(1, self.wire.N + 1), "kind": list(self.wire.layout),
                             "right_movers": self._counts[0], "left_movers": self._counts[1]})

    def exact(self) -> ClassicalState:
        """The exact linear steady state for this wire, parameters and bias."""
        return self._exact

    # -- stepping -------------------------------------------------------------
    def step(self, n: int = 1) -> "WireSimulation":
        """Advance ``n`` time steps (releases the GIL while stepping); returns self."""
        from ._population_kernels import advance

        n = check_int("n", n, lo=0)
        N = self.wire.N
        every = self.record_every or 0
        n_rec = (self._t + n) // every - self._t // every if every else 0
        rec_counts = np.zeros((n_rec, 2, N), np.int64)
        rec_cross = np.zeros((n_rec, N - 1), np.int64)
        rec_io = np.zeros((n_rec, 2), np.int64)
        rec_unmet = np.zeros((n_rec, N), np.int64)
        cp, cm = self._counts[0].copy(), self._counts[1].copy()
        written = advance(cp, cm, self._m, self._src, self._drn, self._inj[0], self._inj[1],
                          self.mode == "physical", self.rng, n, self._t, every,
                          self._scratch[0], self._scratch[1], self._win_cross, self._win_io, self._win_unmet,
                          self._tot_rho, self._tot_cross, self._tot_io, self._tot_unmet,
                          rec_counts, rec_cross, rec_io, rec_unmet)
        assert written == n_rec, (written, n_rec)
        self._counts[0], self._counts[1] = cp, cm
        self._t += n
        self._n_avg += n
        if n_rec:
            for k, a in zip(("counts", "cross", "io", "unmet"), (rec_counts, rec_cross, rec_io, rec_unmet)):
                self._h[k].append(a)
        return self

    # -- time averages ----------------------------------------------------------
    def reset_averages(self) -> None:
        """Forget the running sums (e.g. after a burn-in)."""
        n = self.wire.N
        self._tot_rho = np.zeros((2, n))
        self._tot_cross = np.zeros(n - 1)
        self._tot_io = np.zeros(2)
        self._tot_unmet = np.zeros(n)
        self._n_avg = 0

    @property
    def steps_averaged(self) -> int:
        """Steps in the running sums."""
        return self._n_avg

    def sums(self) -> dict[str, Any]:
        """Sums over the steps since the last reset, in density units per step.

        Returns
        -------
        dict
            ``rho_plus``, ``rho_minus`` (N,): densities measured after each
            step; ``J`` (N-1,): net crossings of bond l -> l+1; ``unmet_drain``
            (N,): what each drain failed to extract (both species; 0 in linear
            mode); ``I_in``, ``I_out`` (float): reservoir boundary currents.
        """
        s = self.scale
        return {
            "rho_plus": self._tot_rho[0] / s,
            "rho_minus": self._tot_rho[1] / s,
            "J": self._tot_cross / s,
            "unmet_drain": self._tot_unmet / s,
            "I_in": float(self._tot_io[0] / s),
            "I_out": float(self._tot_io[1] / s),
        }

    def averages(self) -> dict[str, Any]:
        """Time averages since the last reset (:meth:`sums` divided by the steps)."""
        if self._n_avg == 0:
            raise ParameterError("steps", 0, "step the simulation before asking for averages")
        return {k: v / self._n_avg for k, v in self.sums().items()}

    def mean_state(self) -> ClassicalState:
        """Time averages since the last reset as a :class:`~nonrecip.results.ClassicalState`
        (``I_in``/``I_out`` are the reservoir currents)."""
        a = self.averages()
        return ClassicalState(I_in=a["I_in"], I_out=a["I_out"], J=a["J"],
                              rho_plus=a["rho_plus"], rho_minus=a["rho_minus"])

    # -- history ----------------------------------------------------------------
    def _history_arrays(self) -> dict[str, np.ndarray]:
        N = self.wire.N
        h = {k: (np.concatenate(v) if v else np.zeros((0,) + shp, np.int64))
             for (k, v), shp in zip(self._h.items(), ((2, N), (N - 1,), (2,), (N,)))}
        return h

    @property
    def history(self):
        """Recorded trajectory as a tidy :class:`pandas.DataFrame` (see :func:`trajectory`);
        needs ``record_every``."""
        if not self.record_every:
            raise ParameterError("record_every", None, "give record_every=K when constructing the "
                                 "simulation to record its history")
        d = _to_density([self._history_arrays()], self._h0[None], self.scale, self.record_every)
        return _frame_from_density(self.bias.value, d, self.record_every, self.mode == "physical")

    # -- checkpoint state -----------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically (arrays and JSON-able values)."""
        st: dict[str, Any] = {
            "t": self._t, "n_avg": self._n_avg,
            "rng": json.dumps(self.rng.bit_generator.state),
            "counts": self._counts, "win_cross": self._win_cross, "win_io": self._win_io,
            "win_unmet": self._win_unmet, "tot_rho": self._tot_rho, "tot_cross": self._tot_cross,
            "tot_io": self._tot_io, "tot_unmet": self._tot_unmet,
        }
        if self.record_every:
            st["h0"] = self._h0
            for k, v in self._history_arrays().items():
                st["h_" + k] = v
        return st

    def set_state(self, st: dict[str, Any]) -> None:
        """Restore what :meth:`get_state` returned."""
        state = json.loads(str(st["rng"]))
        if state.get("bit_generator") != type(self.rng.bit_generator).__name__:
            self.rng = np.random.Generator(getattr(np.random, state["bit_generator"])())
        self.rng.bit_generator.state = state
        self._t, self._n_avg = int(st["t"]), int(st["n_avg"])
        for k in ("counts", "win_cross", "win_io", "win_unmet", "tot_rho", "tot_cross", "tot_io", "tot_unmet"):
            cur = getattr(self, "_" + k)
            setattr(self, "_" + k, np.array(st[k], dtype=cur.dtype).reshape(cur.shape))
        if self.record_every:
            self._h0 = np.array(st["h0"], np.int64)
            self._h = {k: [np.array(st["h_" + k], np.int64)] for k in ("counts", "cross", "io", "unmet")}

    def __repr__(self) -> str:
        return (f"WireSimulation({self.wire.layout!r}, p={self.params.p:g}, Ig={self.params.Ig:g}, "
                f"drho={self.params.drho:g}, rho0={self.params.rho0:g}, bias={self.bias.value!r}, "
                f"mode={self.mode!r}, scale={self.scale:g}, t={self._t})")


# --------------------------------------------------------------------------
# frames
# --------------------------------------------------------------------------
def _to_density(hists: list[dict[str, np.ndarray]], h0: np.ndarray, scale: float, every: int) -> dict[str, Any]:
    """Stack the histories of an ensemble, convert to density units, mean and stderr."""
    runs = len(hists)
    occ = np.concatenate([h0[:, None], np.stack([h["counts"] for h in hists])], axis=1) / scale
    per = scale * every
    data = {"occ": occ,
            "J": np.stack([h["cross"] for h in hists]) / per,
            "io": np.stack([h["io"] for h in hists]) / per,
            "unmet": np.stack([h["unmet"] for h in hists]) / per}
    out: dict[str, Any] = {"runs": runs}
    for k, v in data.items():
        out[k] = v.mean(axis=0)
        out[k + "_se"] = v.std(axis=0, ddof=1) / math.sqrt(runs) if runs > 1 else None
        out[k + "_runs"] = v
    return out


def _frame_from_density(bias: str, d: dict[str, Any], every: int, physical: bool):
    R = d["J"].shape[0]
    occ_steps = np.arange(R + 1, dtype=np.int64) * every
    cur_steps = np.arange(1, R + 1, dtype=np.int64) * every
    return _tidy_frame(bias, occ_steps, d["occ"], d["occ_se"], cur_steps, d["J"], d["J_se"], d["io"], d["io_se"],
                       d["unmet"] if physical else None, d["unmet_se"] if physical else None)


def _tidy_frame(bias, occ_steps, occ, occ_se, cur_steps, J, J_se, io_, io_se, unmet, unmet_se):
    import pandas as pd

    parts = []

    def add(steps, values, se, quantity, kind):
        values = np.asarray(values, dtype=float)
        if values.ndim == 1:
            values = values[:, None]
            se = None if se is None else np.asarray(se)[:, None]
        R, K = values.shape
        idx = np.tile(np.arange(1, K + 1), R) if kind != "scalar" else None
        parts.append(pd.DataFrame({
            "bias": bias,
            "step": np.repeat(steps, K),
            "quantity": quantity,
            "kind": kind,
            "index": pd.array(idx if idx is not None else [pd.NA] * (R * K), dtype="Int64"),
            "value": values.ravel(),
            "stderr": np.full(R * K, np.nan) if se is None else np.asarray(se, float).ravel(),
        }))

    add(occ_steps, occ[:, 0], None if occ_se is None else occ_se[:, 0], "rho_plus", "site")
    add(occ_steps, occ[:, 1], None if occ_se is None else occ_se[:, 1], "rho_minus", "site")
    add(cur_steps, J, J_se, "J", "bond")
    add(cur_steps, io_[:, 0], None if io_se is None else io_se[:, 0], "I_in", "scalar")
    add(cur_steps, io_[:, 1], None if io_se is None else io_se[:, 1], "I_out", "scalar")
    if unmet is not None:
        add(cur_steps, unmet, unmet_se, "unmet_drain", "site")
    df = pd.concat(parts, ignore_index=True)
    order = np.argsort(df["step"].to_numpy(), kind="stable")
    return df.iloc[order].reset_index(drop=True)


# --------------------------------------------------------------------------
# ensembles of trajectories, checkpoints
# --------------------------------------------------------------------------
class TrajectoryRun:
    """An ensemble of time-resolved runs under one or both biases, resumable.

    Member ``i`` under bias ``b`` (0 forward, 1 reverse) draws from
    ``SeedSequence(seed, spawn_key=(b, i))``: a forward run is the same
    whether or not the reverse one is done too, and the first ``k`` members
    of an ensemble do not depend on its size.

    Parameters
    ----------
    wire, params
        The wire and :class:`~nonrecip.wire.ClassicalParams`.
    steps : int
        Steps per run (>= 1).
    seed : int
        Root seed (>= 0).
    bias : {"forward", "reverse", "both"}
    start, mode, scale
        As for :class:`WireSimulation`.
    record_every : int
        Record every this many steps (>= 1).
    n_runs : int
        Ensemble size (>= 1); with more than one run every recorded value
        gets the standard error over the runs.
    """

    def __init__(self, wire: Wire, params: ClassicalParams, *, steps: int, seed: int = 0,
                 bias: str = "forward", start: str = "empty", mode: str = "linear",
                 record_every: int = 1, scale: float = DEFAULT_SCALE, n_runs: int = 1):
        _check_inputs(wire, params)
        self.wire, self.params = wire, params
        self.steps = check_int("steps", steps, lo=1)
        self.seed = check_int("seed", seed, lo=0)
        bias = getattr(bias, "value", bias)
        if bias == "both":
            self.biases = (Bias.FORWARD, Bias.REVERSE)
        else:
            self.biases = (_bias(bias),)
        self.bias = str(bias)
        self.start = _choice("start", start, STARTS)
        self.mode = _choice("mode", mode, MODES)
        self.record_every = check_int("record_every", record_every, lo=1)
        self.n_runs = check_int("runs", n_runs, lo=1)
        self.scale = check_real("scale", scale, lo=0.0, lo_open=True)
        self.sims: dict[Bias, list[WireSimulation]] = {
            b: [WireSimulation(wire, params, bias=b, mode=self.mode, scale=self.scale,
                               seed=np.random.SeedSequence(self.seed, spawn_key=(0 if b is Bias.FORWARD else 1, i)),
                               start=self.start, record_every=self.record_every)
                for i in range(self.n_runs)]
            for b in self.biases
        }

    # -- bookkeeping --------------------------------------------------------------
    @property
    def done(self) -> int:
        """Steps done by every member."""
        return min(s.t for ss in self.sims.values() for s in ss)

    @property
    def finished(self) -> bool:
        return self.done >= self.steps

    @property
    def parameters(self) -> dict[str, Any]:
        d: dict[str, Any] = {"model": "trajectory", "layout": self.wire.layout, "N": self.wire.N}
        d.update(self.params.to_dict())
        d.update(bias=self.bias, steps=self.steps, seed=self.seed, start=self.start, mode=self.mode,
                 record_every=self.record_every, scale=self.scale, runs=self.n_runs,
                 relaxation_time=relaxation_time(self.wire, self.params.p))
        return d

    # -- running ------------------------------------------------------------------
    def advance(self, n: int, *, workers: int | None = None, _pool: ThreadPoolExecutor | None = None) -> None:
        """Advance every member by ``n`` steps (members on threads)."""
        sims = [s for ss in self.sims.values() for s in ss]
        if _pool is not None and len(sims) > 1:
            list(_pool.map(lambda s: s.step(n), sims))
            return
        w = _workers(workers, len(sims))
        if w > 1:
            with ThreadPoolExecutor(max_workers=w) as pool:
                list(pool.map(lambda s: s.step(n), sims))
        else:
            for s in sims:
                s.step(n)

    def run(self, *, workers: int | None = None, should_stop: Callable[[], bool] | None = None,
            progress: Callable[[int, int], None] | None = None, checkpoint: str | os.PathLike | None = None,
            checkpoint_every: float = 60.0, chunk_seconds: float = 0.25) -> bool:
        """Run to ``steps`` in chunks; return True when finished.

        Parameters
        ----------
        workers : int, optional
            Threads for the members (default: ``min(cpu count, members)``).
        should_stop : callable, optional
            Asked after every chunk; when it returns True the run stops
            (writing the checkpoint) and ``run`` returns False.
        progress : callable, optional
            ``progress(done, steps)`` after every chunk.
        checkpoint : path, optional
            Written atomically every ``checkpoint_every`` seconds, on stop
            and at the end.
        chunk_seconds : float
            Target wall time of a chunk (how often ``should_stop`` is asked).
            Results do not depend on it.
        """
        sims = [s for ss in self.sims.values() for s in ss]
        w = _workers(workers, len(sims))
        pool = ThreadPoolExecutor(max_workers=w) if w > 1 else None
        chunk = 16
        last_save = time.monotonic()
        try:
            while not self.finished:
                k = min(chunk, self.steps - self.done)
                t0 = time.perf_counter()
                self.advance(k, _pool=pool)
                dt = time.perf_counter() - t0
                # aim at chunk_seconds per chunk, growing at most 4x at a time
                chunk = max(1, int(min(4 * chunk, chunk * chunk_seconds / max(dt, 1e-9))))
                if progress is not None:
                    progress(self.done, self.steps)
                if should_stop is not None and should_stop():
                    if checkpoint is not None:
                        self.save(checkpoint)
                    return False
                if checkpoint is not None and time.monotonic() - last_save >= checkpoint_every:
                    self.save(checkpoint)
                    last_save = time.monotonic()
        finally:
            if pool is not None:
                pool.shutdown()
        if checkpoint is not None:
            self.save(checkpoint)
        return True

    # -- results ------------------------------------------------------------------
    def _density(self, b: Bias) -> dict[str, Any]:
        sims = self.sims[b]
        hists = [s._history_arrays() for s in sims]
        h0 = np.stack([s._h0 for s in sims])
        return _to_density(hists, h0, self.scale, self.record_every)

    def frame(self):
        """Tidy :class:`pandas.DataFrame` of everything recorded so far (see :func:`trajectory`)."""
        import pandas as pd

        frames = [_frame_from_density(b.value, self._density(b), self.record_every, self.mode == "physical")
                  for b in self.biases]
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        df.attrs["parameters"] = to_jsonable(self.parameters)
        return df

    def exact(self, bias: Bias | str) -> ClassicalState:
        """Exact linear steady state under ``bias``."""
        return steady_state(self.wire, self.params, _bias(bias))

    def boundary_series(self, bias: Bias | str) -> dict[str, np.ndarray | None]:
        """Recorded boundary currents: ``step``, ``I_in``, ``I_out`` (window
        means, density units) and their ensemble standard errors (None for one run)."""
        d = self._density(_bias(bias))
        R = d["io"].shape[0]
        se = d["io_se"]
        return {"step": np.arange(1, R + 1, dtype=np.int64) * self.record_every,
                "I_in": d["io"][:, 0], "I_out": d["io"][:, 1],
                "I_in_stderr": None if se is None else se[:, 0],
                "I_out_stderr": None if se is None else se[:, 1]}

    def late_averages(self, bias: Bias | str, batches: int = 10) -> dict[str, Any]:
        """Time averages of ``I_in``, ``I_out`` (and in physical mode the total
        ``unmet_drain`` over all drains) over the recorded windows in the second
        half of the run so far, with standard errors.

        Several runs: mean and standard error over the runs (independent).
        One run: batch means over ``batches`` contiguous batches of windows
        (the earliest late windows dropped so that they divide evenly;
        honest when a batch is much longer than :func:`relaxation_time`);
        the standard error is NaN with fewer windows than batches.
        """
        d = self._density(_bias(bias))
        series = {"I_in": d["io_runs"][..., 0], "I_out": d["io_runs"][..., 1]}   # (runs, R)
        if self.mode == "physical":
            series["unmet_drain"] = d["unmet_runs"].sum(axis=-1)
        R = series["I_in"].shape[1]
        steps = np.arange(1, R + 1) * self.record_every
        late = steps > self.done / 2.0
        out: dict[str, Any] = {"from_step": int(steps[late][0]) if late.any() else None}
        for name, x in series.items():
            x = x[:, late]
            if x.shape[1] == 0:
                out[name] = Estimate(math.nan, math.nan)
            elif self.n_runs > 1:
                per_run = x.mean(axis=1)
                out[name] = Estimate(float(per_run.mean()), float(per_run.std(ddof=1) / math.sqrt(self.n_runs)))
            else:
                y = x[0]
                k = len(y) // batches
                if k == 0:
                    out[name] = Estimate(float(y.mean()), math.nan)
                else:
                    bm = y[len(y) - k * batches:].reshape(batches, k).mean(axis=1)
                    out[name] = Estimate(float(bm.mean()), float(bm.std(ddof=1) / math.sqrt(batches)))
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``parameters``, ``forward``, ``reverse`` (boundary-current
        series, late averages, exact values; ``None`` for a bias not run),
        ``delta_I`` (from the late averages when both biases ran, else ``None``)."""
        out: dict[str, Any] = {"parameters": to_jsonable(self.parameters), "forward": None, "reverse": None,
                               "delta_I": None}
        late = {}
        for b in self.biases:
            s = self.boundary_series(b)
            ex = self.exact(b)
            late[b] = self.late_averages(b)
            d = {"step": s["step"], "I_in": s["I_in"], "I_out": s["I_out"]}
            if s["I_in_stderr"] is not None:
                d.update(I_in_stderr=s["I_in_stderr"], I_out_stderr=s["I_out_stderr"])
            d["late"] = late[b]
            d["exact"] = {"I_in": ex.I_in, "I_out": ex.I_out}
            out[b.value] = to_jsonable(d)
        if len(self.biases) == 2:
            f, r = late[Bias.FORWARD]["I_in"], late[Bias.REVERSE]["I_in"]
            out["delta_I"] = Estimate(abs(r.mean) - abs(f.mean), math.hypot(r.stderr, f.stderr)).to_dict()
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    def save_frame(self, path: str | os.PathLike) -> Path:
        """Write :meth:`frame` atomically as ``.csv`` or ``.parquet``."""
        return write_table(self.frame(), path)

    # -- checkpoints ----------------------------------------------------------------
    def _identity(self) -> dict[str, Any]:
        """What must match for a checkpoint to be resumed (everything but ``steps``)."""
        d = self.parameters
        d.pop("steps")
        return to_jsonable(d)

    def save(self, path: str | os.PathLike) -> Path:
        """Write a checkpoint atomically (``.npz`` content; any file name)."""
        arrays: dict[str, np.ndarray] = {}
        meta: dict[str, Any] = {"version": _CHECKPOINT_VERSION, "identity": self._identity(),
                                "steps": self.steps, "members": {}}
        for b, ss in self.sims.items():
            for i, s in enumerate(ss):
                key = f"{b.value}_{i}"
                st = s.get_state()
                meta["members"][key] = {k: st.pop(k) for k in ("t", "n_avg", "rng")}
                for k, v in st.items():
                    arrays[f"{key}/{k}"] = np.asarray(v)
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        path = Path(path)
        atomic_write(path, buf.getvalue())
        return path

    def load_state(self, path: str | os.PathLike) -> None:
        """Continue from a checkpoint written by :meth:`save` with the same
        parameters (``steps`` may be larger than the checkpoint's)."""
        path = Path(path)
        if not path.exists():
            raise ParameterError("checkpoint", str(path), "does not exist; run without --resume to start one")
        try:
            with np.load(path, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
            meta = json.loads(bytes(data.pop("meta")).decode())
        except Exception as e:  # not a checkpoint at all
            raise ParameterError("checkpoint", str(path), f"is not a nonrecip trajectory checkpoint ({e})") from None
        if meta.get("version") != _CHECKPOINT_VERSION:
            raise ParameterError("checkpoint", str(path), f"has version {meta.get('version')}, "
                                 f"expected {_CHECKPOINT_VERSION}")
        mine = self._identity()
        theirs = meta["identity"]
        diff = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
        if diff:
            k = diff[0]
            raise ParameterError("resume", str(path), f"the checkpoint was written with {k}={theirs.get(k)!r}, "
                                 f"this run has {k}={mine.get(k)!r}; use the same parameters (only --steps may grow)")
        for b, ss in self.sims.items():
            for i, s in enumerate(ss):
                key = f"{b.value}_{i}"
                st = dict(meta["members"][key])
                pre = key + "/"
                st.update({k[len(pre):]: v for k, v in data.items() if k.startswith(pre)})
                if int(st["t"]) > self.steps:
                    raise ParameterError("steps", self.steps, f"the checkpoint already has {st['t']} steps; "
                                         "ask for at least that many")
                s.set_state(st)


def _workers(workers: int | None, members: int) -> int:
    if workers is None:
        workers = os.cpu_count() or 1
    workers = check_int("workers", workers, lo=1)
    return max(1, min(workers, members))


# --------------------------------------------------------------------------
# functional API
# --------------------------------------------------------------------------
def trajectory(wire: Wire, params: ClassicalParams, *, steps: int, seed: int = 0,
               bias: Bias | str = "forward", start: str = "empty", mode: str = "linear",
               record_every: int = 1, scale: float = DEFAULT_SCALE, n_runs: int = 1,
               workers: int | None = None):
    """Time-resolved run(s) of the walker population (paper Sec. II, SPEC section 2).

    From an empty (or ``rho0``-filled, or exactly linear) wire, step the
    population ``steps`` times and record it every ``record_every`` steps.

    Parameters
    ----------
    wire : Wire
    params : ClassicalParams
    steps : int
        Time steps per run, >= 1.
    seed : int, default 0
        Root seed; the same seed gives bit-identical frames (any ``workers``).
    bias : {"forward", "reverse", "both"}, default "forward"
    start : {"empty", "rho0", "linear"}, default "empty"
        ``rho0``: the current-free background ``rho0/m(l)`` of each species.
    mode : {"linear", "physical"}, default "linear"
    record_every : int, default 1
        Records at steps ``record_every, 2 record_every, ... <= steps`` (and
        the occupations at step 0).
    scale : float, default 1000
        Walkers per unit density (larger: smoother, same cost per step).
    n_runs : int, default 1
        Independent runs; values are their mean and ``stderr`` the standard
        error of that mean (NaN for one run).
    workers : int, optional
        Threads for the runs (default: all cores); results do not depend on it.

    Returns
    -------
    pandas.DataFrame
        **Tidy**, one row per (bias, step, quantity, index), columns
        ``bias``, ``step``, ``quantity``, ``kind`` (``site``/``bond``/``scalar``),
        ``index`` (1-based site or bond l -> l+1, ``<NA>`` for scalars),
        ``value``, ``stderr``. Quantities, all in density units:

        * ``rho_plus``, ``rho_minus`` (site): occupation *snapshot* after the
          step (injection and drains done), steps ``0, record_every, ...``;
        * ``J`` (bond): net walkers crossing bond l -> l+1 per step, *mean
          over the window* of the last ``record_every`` steps;
        * ``I_in``, ``I_out`` (scalar): reservoir boundary currents (injected
          minus absorbed at site 1; absorbed minus injected at site N), window
          means;
        * ``unmet_drain`` (site, physical mode only): what each drain failed
          to extract per step (both species), window mean.

        ``frame.attrs["parameters"]`` holds the run parameters. Save with
        :func:`nonrecip.results.write_table` (``.csv``/``.parquet``).

    Examples
    --------
    >>> from nonrecip import Wire, ClassicalParams
    >>> df = trajectory(Wire(".SD."), ClassicalParams(p=0.5, Ig=0.1, drho=0.2), steps=50, seed=1)
    >>> sorted(df["quantity"].unique())
    ['I_in', 'I_out', 'J', 'rho_minus', 'rho_plus']
    """
    run = TrajectoryRun(wire, params, steps=steps, seed=seed, bias=bias, start=start, mode=mode,
                        record_every=record_every, scale=scale, n_runs=n_runs)
    run.run(workers=workers)
    return run.frame()


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
