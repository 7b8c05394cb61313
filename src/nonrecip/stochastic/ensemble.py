"""Ensembles of time-resolved population runs (paper Sec. II, conventions §2).

:class:`TrajectoryRun`, its checkpoints, and the functional :func:`trajectory`.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ..deterministic.classical import steady_state
from ..results import ClassicalState, Estimate, to_jsonable, write_table
from ..runs.checkpoint import read_checkpoint, write_checkpoint
from ..runs.workers import worker_count
from ..wire import Bias, ClassicalParams, ParameterError, Wire, check_int, check_real
from .frames import _frame_from_density, _to_density
from .population_engine import WireSimulation
from .population_setup import DEFAULT_SCALE, MODES, STARTS, _bias, _check_inputs, _choice, relaxation_time

__all__ = ["TrajectoryRun", "trajectory", "CHECKPOINT_FORMAT", "CHECKPOINT_VERSION"]

CHECKPOINT_FORMAT = "nonrecip.trajectory"
#: 1: npz without checksum; 2: nonrecip.runs.checkpoint with SHA-256
CHECKPOINT_VERSION = 2


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
        self.biases: tuple[Bias, ...]
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
        """Whether every member has done ``steps`` steps."""
        return self.done >= self.steps

    @property
    def parameters(self) -> dict[str, Any]:
        """The run's parameters (wire, model, run settings and the relaxation time), as written to outputs."""
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
        w = worker_count(workers, len(sims))
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
        w = worker_count(workers, len(sims))
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
        h0 = np.stack([np.asarray(s._h0) for s in sims])  # every member records (record_every >= 1)
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
        """Return the recorded boundary currents under ``bias``.

        ``step``, ``I_in``, ``I_out`` (window means, density units) and their
        ensemble standard errors (None for one run).
        """
        d = self._density(_bias(bias))
        R = d["io"].shape[0]
        se = d["io_se"]
        return {"step": np.arange(1, R + 1, dtype=np.int64) * self.record_every,
                "I_in": d["io"][:, 0], "I_out": d["io"][:, 1],
                "I_in_stderr": None if se is None else se[:, 0],
                "I_out_stderr": None if se is None else se[:, 1]}

    def late_averages(self, bias: Bias | str, batches: int = 10) -> dict[str, Any]:
        """Return late time averages with standard errors.

        Averages of ``I_in``, ``I_out`` (and in physical mode the total
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
        """Return the results as a JSON-ready dict.

        Keys: ``parameters``, ``forward``, ``reverse`` (boundary-current
        series, late averages, exact values; ``None`` for a bias not run),
        ``delta_I`` (from the late averages when both biases ran, else ``None``).
        """
        out: dict[str, Any] = {"parameters": to_jsonable(self.parameters), "forward": None, "reverse": None,
                               "delta_I": None}
        late = {}
        for b in self.biases:
            s = self.boundary_series(b)
            ex = self.exact(b)
            late[b] = self.late_averages(b)
            d: dict[str, Any] = {"step": s["step"], "I_in": s["I_in"], "I_out": s["I_out"]}
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
        """Return :meth:`to_dict` as indented JSON (non-finite values are an error)."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    def save_frame(self, path: str | os.PathLike) -> Path:
        """Write :meth:`frame` atomically as ``.csv`` or ``.parquet``."""
        return write_table(self.frame(), path)

    # -- checkpoints ----------------------------------------------------------------
    def _identity(self) -> dict[str, Any]:
        """Return what must match for a checkpoint to be resumed (everything but ``steps``)."""
        d = self.parameters
        d.pop("steps")
        return to_jsonable(d)

    def save(self, path: str | os.PathLike) -> Path:
        """Write a checkpoint atomically.

        The format is :mod:`nonrecip.runs.checkpoint`'s: versioned, SHA-256
        over the state and the run's parameters; any file name.
        """
        arrays: dict[str, np.ndarray] = {}
        members: dict[str, Any] = {}
        for b, ss in self.sims.items():
            for i, s in enumerate(ss):
                key = f"{b.value}_{i}"
                st = s.get_state()
                members[key] = {k: st.pop(k) for k in ("t", "n_avg", "rng")}
                for k, v in st.items():
                    arrays[f"{key}/{k}"] = np.asarray(v)
        return write_checkpoint(path, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, self._identity(), arrays,
                                {"steps": self.steps, "members": members})

    def load_state(self, path: str | os.PathLike) -> None:
        """Continue from a checkpoint written by :meth:`save`.

        The checkpoint must have the same parameters (``steps`` may be larger
        than the checkpoint's).

        Raises
        ------
        ParameterError
            The checkpoint is missing, damaged, changed after it was written,
            of another run (naming the first parameter that differs), or
            further than ``steps``.
        """
        where = str(path)
        ck = read_checkpoint(path, CHECKPOINT_FORMAT, CHECKPOINT_VERSION)
        mine, theirs = self._identity(), ck.identity
        diff = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
        if diff:
            k = diff[0]
            raise ParameterError("resume", where, f"the checkpoint was written with {k}={theirs.get(k)!r}, "
                                 f"this run has {k}={mine.get(k)!r}; use the same parameters (only --steps may grow)")
        members = ck.meta.get("members")
        states = []
        for b, ss in self.sims.items():
            for i, s in enumerate(ss):
                key = f"{b.value}_{i}"
                if not isinstance(members, dict) or not isinstance(members.get(key), dict):
                    raise ParameterError("checkpoint", where, f"is damaged: member {key!r} is missing")
                st = dict(members[key])
                try:
                    t, every = int(st["t"]), self.record_every
                    int(st["n_avg"]), json.loads(str(st["rng"]))
                except (KeyError, TypeError, ValueError):
                    raise ParameterError("checkpoint", where, f"is damaged: the state of member {key!r} "
                                         "is incomplete") from None
                if t > self.steps:
                    raise ParameterError("steps", self.steps, f"the checkpoint already has {t} steps; "
                                         "ask for at least that many")
                fresh = s.get_state()
                rows = t // every
                pre = key + "/"
                for name, v in fresh.items():
                    if name in ("t", "n_avg", "rng"):
                        continue
                    if pre + name not in ck.arrays:
                        raise ParameterError("checkpoint", where, f"is damaged: array {pre + name!r} is missing")
                    want = np.shape(v)
                    if name.startswith("h_"):
                        want = (rows, *want[1:])
                    got = ck.arrays[pre + name].shape
                    if got != want:
                        raise ParameterError("checkpoint", where, f"is damaged: array {pre + name!r} has shape "
                                             f"{got}, this run needs {want}")
                    st[name] = ck.arrays[pre + name]
                states.append((s, st))
        for s, st in states:  # all checked: nothing half restored
            s.set_state(st)


# --------------------------------------------------------------------------
# functional API
# --------------------------------------------------------------------------
def trajectory(wire: Wire, params: ClassicalParams, *, steps: int, seed: int = 0,
               bias: Bias | str = "forward", start: str = "empty", mode: str = "linear",
               record_every: int = 1, scale: float = DEFAULT_SCALE, n_runs: int = 1,
               workers: int | None = None):
    """Time-resolved run(s) of the walker population (paper Sec. II, conventions §2).

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


