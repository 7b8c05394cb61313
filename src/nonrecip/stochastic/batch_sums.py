"""Raw per-batch sums: the unit of parallel work, of checkpoints and of Dask chunks.

A checkpoint of :func:`nonrecip.stochastic.simulate` is the :class:`BatchSums`
of the batches finished so far, written with :mod:`nonrecip.runs.checkpoint`
(atomic, versioned, SHA-256 over the sums and the run's parameters) and
checked on load against the run that resumes it: the batch ids must lie in
the run, not repeat, and have the run's batch sizes; every array must have
the shape the run's wire gives.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..runs.checkpoint import checkpoint_bytes, read_checkpoint
from ..wire import ClassicalParams, ParameterError, Wire
from .steady import batch_sizes

__all__ = ["BatchSums", "run_key", "CHECKPOINT_FORMAT", "CHECKPOINT_VERSION"]

CHECKPOINT_FORMAT = "nonrecip.simulate"
#: 1: npz without checksum (nonrecip <= 0.x); 2: nonrecip.runs.checkpoint with SHA-256
CHECKPOINT_VERSION = 2


def run_key(wire: Wire, params: ClassicalParams, steps: int, seed: int, n_batches: int,
            mode: str, estimator: str) -> dict[str, Any]:
    """Return what a run's batch sums belong to (they never mix with another run's)."""
    return {"layout": wire.layout, "params": params.to_dict(), "steps": int(steps), "seed": int(seed),
            "n_batches": int(n_batches), "mode": mode, "estimator": estimator}


def _data_shapes(key: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """Trailing shape of every per-batch array of a run."""
    n = len(key["layout"])
    if key["mode"] == "physical":
        per = {"rho_plus": (n,), "rho_minus": (n,), "J": (n - 1,), "unmet_drain": (n,)}
    elif key["estimator"] == "adjoint":
        return {"exits_right": (), "arrivals_q": ()}
    else:
        per = {"rho_plus": (n,), "rho_minus": (n,), "J": (n - 1,)}
    return {f"{k}_{b}": s for b in ("forward", "reverse") for k, s in per.items()}


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
        """Return the number of batches held."""
        return len(self.batch_ids)

    @classmethod
    def concat(cls, parts: list[BatchSums]) -> BatchSums:
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
        """Return the checkpoint file's bytes (see :mod:`nonrecip.runs.checkpoint`)."""
        arrays = {f"data_{k}": np.asarray(v) for k, v in self.data.items()}
        arrays.update(batch_ids=np.asarray(self.batch_ids, np.int64), steps=np.asarray(self.steps, np.int64),
                      counters=np.asarray(self.counters, np.int64).reshape(-1, 3))
        return checkpoint_bytes(CHECKPOINT_FORMAT, CHECKPOINT_VERSION, self.key, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike, key: dict[str, Any] | None = None) -> BatchSums:
        """Read and check a checkpoint written by :func:`~nonrecip.stochastic.simulate`.

        Parameters
        ----------
        path : path
        key : dict, optional
            The run that resumes (:func:`run_key`); a checkpoint of another run is refused.

        Raises
        ------
        ParameterError
            Naming the checkpoint and what is wrong (damaged, changed after
            writing, another run, inconsistent batches).
        """
        ck = read_checkpoint(path, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, key)
        where = str(path)
        k = ck.identity
        a = ck.arrays
        try:
            shapes = _data_shapes(k)
            n_batches, steps = int(k["n_batches"]), int(k["steps"])
        except (KeyError, TypeError, ValueError):
            raise ParameterError("checkpoint", where, "is damaged: its run parameters are incomplete") from None
        for name in ("batch_ids", "steps", "counters", *(f"data_{d}" for d in shapes)):
            if name not in a:
                raise ParameterError("checkpoint", where, f"is damaged: array {name!r} is missing")
        ids = a["batch_ids"]
        nb = len(ids) if ids.ndim == 1 else -1
        want = {"batch_ids": (nb,), "steps": (nb,), "counters": (nb, 3)}
        want.update({f"data_{d}": (nb, *s) for d, s in shapes.items()})
        for name, shp in want.items():
            if a[name].shape != shp:
                raise ParameterError("checkpoint", where, f"is damaged: array {name!r} has shape "
                                     f"{a[name].shape}, this run needs {shp}")
        if nb and (ids.min() < 0 or ids.max() >= n_batches or len(np.unique(ids)) != nb):
            raise ParameterError("checkpoint", where, f"is damaged: its batch ids are not distinct ids "
                                 f"in 0..{n_batches - 1}")
        if not np.array_equal(a["steps"], batch_sizes(steps, n_batches)[ids]):
            raise ParameterError("checkpoint", where, "is inconsistent: its batch sizes are not those of "
                                 f"{steps} steps in {n_batches} batches")
        data = {d: a[f"data_{d}"] for d in shapes}
        return cls(dict(k), ids, a["steps"], data, a["counters"])
