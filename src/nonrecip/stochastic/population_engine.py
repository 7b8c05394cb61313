"""One population of walkers on a wire, advanced one time step at a time.

:class:`WireSimulation`; the step order is in :mod:`nonrecip.stochastic.population`.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ..deterministic.classical import move_probability, steady_state
from ..results import ClassicalState
from ..wire import (
    DRAIN,
    SOURCE,
    Bias,
    ClassicalParams,
    ParameterError,
    Wire,  # noqa: F401 (docstrings)
    check_int,
    check_real,
)
from .frames import _frame_from_density, _to_density
from .population_setup import (
    DEFAULT_SCALE,
    MAX_WALKERS,
    MODES,
    STARTS,
    Drain,
    Reservoir,
    Scatterer,
    Source,
    _bias,
    _check_inputs,
    _choice,
    _rng,
)

__all__ = ["WireSimulation"]


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
        if getattr(params, "p_profile", None) is not None:
            raise ParameterError("p_profile", getattr(params, "p_profile_source", "per site"),
                                 "is not supported by the time-resolved population engine (trajectory); "
                                 "use simulate or solve classical")
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
        """The sources, one per ``S`` site in layout order, each adding ``Ig/2`` per species per step."""
        return tuple(Source(i + 1, self.params.Ig / 2) for i, c in enumerate(self.wire.layout) if c == "S")

    @property
    def drains(self) -> tuple[Drain, ...]:
        """The drains, one per ``D`` site in layout order, each taking ``Ig/2`` per species per step."""
        return tuple(Drain(i + 1, self.params.Ig / 2) for i, c in enumerate(self.wire.layout) if c == "D")

    @property
    def scatterers(self) -> tuple[Scatterer, ...]:
        """The sites with S, D or P attached, in layout order, each scattering with ``p`` (conventions §2)."""
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
        """The walkers now as a :class:`pandas.DataFrame`.

        Columns ``site`` (1-based), ``kind`` (layout character),
        ``right_movers``, ``left_movers`` (signed counts).
        """
        import pandas as pd

        return pd.DataFrame({"site": np.arange(1, self.wire.N + 1), "kind": list(self.wire.layout),
                             "right_movers": self._counts[0], "left_movers": self._counts[1]})

    def exact(self) -> ClassicalState:
        """Return the exact linear steady state for this wire, parameters and bias."""
        return self._exact

    # -- stepping -------------------------------------------------------------
    def step(self, n: int = 1) -> WireSimulation:
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
            for k, a in zip(("counts", "cross", "io", "unmet"), (rec_counts, rec_cross, rec_io, rec_unmet),
                            strict=True):
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
        """Return the sums over the steps since the last reset, in density units per step.

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
        """Return the time averages since the last reset as a :class:`~nonrecip.results.ClassicalState`.

        ``I_in``/``I_out`` are the reservoir currents.
        """
        a = self.averages()
        return ClassicalState(I_in=a["I_in"], I_out=a["I_out"], J=a["J"],
                              rho_plus=a["rho_plus"], rho_minus=a["rho_minus"])

    # -- history ----------------------------------------------------------------
    def _history_arrays(self) -> dict[str, np.ndarray]:
        N = self.wire.N
        h = {k: (np.concatenate(v) if v else np.zeros((0,) + shp, np.int64))
             for (k, v), shp in zip(self._h.items(), ((2, N), (N - 1,), (2,), (N,)), strict=True)}
        return h

    @property
    def history(self):
        """Recorded trajectory as a tidy :class:`pandas.DataFrame` (see :func:`trajectory`).

        Needs ``record_every``.
        """
        if not self.record_every:
            raise ParameterError("record_every", None, "give record_every=K when constructing the "
                                 "simulation to record its history")
        assert self._h0 is not None  # recorded from step 0 whenever record_every is given
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
        """Return the layout, parameters, bias, mode, scale and steps done, on one line."""
        return (f"WireSimulation({self.wire.layout!r}, p={self.params.p:g}, Ig={self.params.Ig:g}, "
                f"drho={self.params.drho:g}, rho0={self.params.rho0:g}, bias={self.bias.value!r}, "
                f"mode={self.mode!r}, scale={self.scale:g}, t={self._t})")


