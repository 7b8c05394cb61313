"""What can be swept: one :class:`Model` per ``nonrecip sweep MODEL``.

A model lists its sweepable parameters (the parameters of the one table
:mod:`nonrecip.params` that :data:`~nonrecip.params.MODEL_PARAMETERS` names
for it: the physicist's name, which is also the table column, its type, its
default and the CLI flag of the matching ``solve``/``simulate`` command) and
knows how to turn
one point into a wire and a frozen parameter object (:meth:`Model.prepare`,
run on the client, so bad points are recorded without reaching a worker)
and how to compute it (:func:`solve_point`, run on a Dask worker).

Monte Carlo models (``stochastic=True``) are not computed in one task: the
runner splits their ``n_batches`` into chunks, each a task running
:func:`nonrecip.stochastic.run_batches` on its batch ids, and combines the
chunk sums with :func:`nonrecip.stochastic.combine`, which equals the serial
``simulate`` with the point's seed bit for bit.

This module stays light (no solver imports at module level) because the
CLI builds its options from it.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..params import EXCLUSIVE, HAMILTONIAN_PARAMETERS, IG_RATIO_DEFAULT, MODEL_PARAMETERS, PARAMETERS, Parameter
from ..wire import NAMED_LAYOUTS, NonrecipError, ParameterError, Wire

__all__ = ["Param", "Model", "Prepared", "MODELS", "get_model", "outputs_of", "solve_point",
           "mc_chunk", "mc_combine"]


#: a sweepable parameter is a parameter of the one table (name, type,
#: default, flag, help, accepted spellings: :class:`nonrecip.params.Parameter`)
Param = Parameter


def _axes(model: str) -> tuple[Parameter, ...]:
    """Return the parameters of ``model`` from the table.

    Each carries its default in that model (the quantum wire's ``Ig`` is
    unset: taken from ``ig_ratio``).
    """
    out = []
    for name in MODEL_PARAMETERS[model]:
        p = PARAMETERS[name]
        out.append(dataclasses.replace(p, default=p.default_for(model), model_defaults=()))
    return tuple(out)


@dataclass(frozen=True)
class Prepared:
    """A point made ready to compute.

    The wire, the frozen parameters and the keyword arguments of the solver
    (``steps``, ``seed``...).
    """

    wire: Wire
    params: Any
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Model:
    """A sweepable model.

    Attributes
    ----------
    name : str
        ``classical``, ``circuit``, ``simulate``, ``quantum``.
    params : tuple of Parameter
        In table-column order, defaults those of this model.
    build : callable
        ``build(point: dict) -> Prepared``; raises ``ParameterError``.
    solver : str
        ``"module:function"`` computing a :class:`~nonrecip.results.Result`
        from ``(wire, params, **kwargs)``, imported on the worker.
    stochastic : bool
        True for Monte Carlo (split into chunks of batches).
    fill : callable, optional
        ``fill(point)`` completes defaults that depend on other parameters
        (in place), before the point is keyed.
    exclusive : tuple of (str, str)
        Pairs of parameters that a sweep may not both set.
    """

    name: str
    params: tuple[Parameter, ...]
    build: Callable[[dict], Prepared]
    solver: str
    stochastic: bool = False
    help: str = ""
    fill: Callable[[dict], None] | None = None
    exclusive: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> Parameter:
        """Return the parameter called ``name`` in any accepted spelling."""
        low = name.lower()
        for p in self.params:
            if low in p.aliases:
                return p
        known = ", ".join(p.name for p in self.params)
        raise ParameterError("parameter", name, f"is not a parameter of '{self.name}'; known: {known}")

    def normalise(self, values: Mapping[str, Any]) -> dict:
        """Fill in defaults and normalise a point.

        An explicit layout fixes ``N`` (= its length); a named layout keeps
        the ``N`` given.
        """
        point = {p.name: p.default for p in self.params}
        point.update(values)
        layout = point.get("layout")
        if "N" in point and isinstance(layout, str) and layout not in NAMED_LAYOUTS:
            point["N"] = len(layout)
        if self.fill is not None:
            self.fill(point)
        return point

    def prepare(self, point: Mapping[str, Any]) -> Prepared:
        """Build the wire and parameter objects of ``point`` (validates)."""
        return self.build(dict(point))


# --------------------------------------------------------------------------
# outputs: the scalar columns of a Result
# --------------------------------------------------------------------------
def _scalar(v: Any) -> tuple[float, float] | None:
    """(value, stderr) of a scalar output; stderr NaN when deterministic."""
    if hasattr(v, "mean") and hasattr(v, "stderr") and np.ndim(v.mean) == 0:
        return float(v.mean), float(v.stderr)
    if isinstance(v, bool) or isinstance(v, np.bool_):
        return None
    if isinstance(v, numbers.Real):
        return float(v), math.nan
    return None


#: state fields not repeated as columns: I_in and I_out come first; the
#: quantum state's I_1 and I_N are I_in and -I_out under other names
_SKIP = ("I_in", "I_out", "I_1", "I_N")


def outputs_of(result) -> dict[str, float]:
    """Return the scalar outputs of a :class:`~nonrecip.results.Result` as columns.

    Every scalar field ``F`` of the forward and reverse states becomes
    ``F_forward`` and ``F_reverse`` (``I_in_forward``, ``I_out_reverse``...),
    plus ``delta_I``; a Monte Carlo estimate adds ``*_stderr``. Arrays over
    sites and bonds are left out (the table has one row per point).
    """
    out: dict[str, float] = {}
    stochastic = False
    for bias in ("forward", "reverse"):
        st = getattr(result, bias)
        names = ["I_in", "I_out"] + [f.name for f in dataclasses.fields(st) if f.name not in _SKIP]
        for name in names:
            v = getattr(st, name)
            s = _scalar(v)
            if s is None:
                continue
            out[f"{name}_{bias}"] = s[0]
            if hasattr(v, "stderr"):
                stochastic = True
                out[f"{name}_{bias}_stderr"] = s[1]
    d = _scalar(result.delta_I)
    out["delta_I"] = d[0] if d else math.nan
    if stochastic or hasattr(result.delta_I, "stderr"):
        out["delta_I_stderr"] = d[1] if d else math.nan
    return out


def _import(path: str) -> Callable:
    import importlib

    mod, fn = path.split(":")
    return getattr(importlib.import_module(mod), fn)


def solve_point(solver: str, prepared: Prepared) -> dict[str, Any]:
    """Compute one deterministic point (runs on a Dask worker).

    Returns the output columns, or ``{"__error__": message}`` when the
    solver refuses the point (a :class:`~nonrecip.wire.NonrecipError`, e.g.
    non-convergence): such a failure is a result, not retried by Dask.
    Other exceptions propagate so that Dask retries them.
    """
    try:
        res = _import(solver)(prepared.wire, prepared.params, **prepared.kwargs)
    except NonrecipError as e:
        return {"__error__": f"{type(e).__name__}: {e}"}
    return outputs_of(res)


# --------------------------------------------------------------------------
# the models
# --------------------------------------------------------------------------
def _wire(point: dict) -> Wire:
    return Wire.from_spec(point["layout"], point["N"])


def _fields(point: dict, cls: type) -> dict:
    """Return the values of ``point`` that are fields of the parameter class ``cls``."""
    return {f.name: point[f.name] for f in dataclasses.fields(cls) if f.name in point}


def _build_classical(point: dict) -> Prepared:
    from ..wire import ClassicalParams

    return Prepared(_wire(point), ClassicalParams(**_fields(point, ClassicalParams)))


def _build_circuit(point: dict) -> Prepared:
    from ..wire import CircuitParams

    return Prepared(_wire(point), CircuitParams(**_fields(point, CircuitParams)))


#: keywords of the Monte Carlo run besides the wire and the parameters (steps, seed, mode...)
_RUN_KEYWORDS = tuple(n for n in MODEL_PARAMETERS["simulate"] if n not in MODEL_PARAMETERS["classical"])


def _build_simulate(point: dict) -> Prepared:
    """Prepare a Monte Carlo point; with ``target_stderr`` run its pilot here.

    The pilot (:func:`nonrecip.stochastic.precision.size_run`, independent
    streams, ``steps`` its budget unless left at the default) fixes the
    point's ``steps``; the chunks then run that budget with the point's seed,
    as ``simulate(..., target_stderr=...)`` does. The ``steps_used`` column
    records the budget.
    """
    from ..stochastic import run_batches
    from ..wire import ClassicalParams

    kwargs = {k: point[k] for k in _RUN_KEYWORDS if k not in ("target_stderr", "relative", "max_seconds")}
    wire, params = _wire(point), ClassicalParams(**_fields(point, ClassicalParams))
    if point.get("target_stderr") is not None:
        from ..stochastic.precision import size_run

        pilot = None if point["steps"] == PARAMETERS["steps"].default_for("simulate") else point["steps"]
        kwargs["steps"], _, _ = size_run(wire, params, target_stderr=point["target_stderr"],
                                         relative=bool(point.get("relative", False)),
                                         max_seconds=point.get("max_seconds"), pilot_steps=pilot, seed=point["seed"],
                                         n_batches=point["n_batches"], mode=point["mode"],
                                         estimator=point["estimator"], workers=1)
    prep = Prepared(wire, params, kwargs)
    # no batch asked: validates steps, seed, n_batches, mode and estimator, computes nothing
    run_batches(prep.wire, prep.params, batch_ids=[], **prep.kwargs)
    return prep


def mc_chunk(prepared: Prepared, batch_ids: list[int]):
    """Sum some batches of a Monte Carlo point.

    Runs on a Dask worker, one thread: :func:`nonrecip.stochastic.run_batches`.
    """
    from ..stochastic import run_batches

    try:
        return run_batches(prepared.wire, prepared.params, batch_ids=batch_ids, workers=1, **prepared.kwargs)
    except NonrecipError as e:
        return {"__error__": f"{type(e).__name__}: {e}"}


def mc_combine(prepared: Prepared, parts: list) -> dict[str, Any]:
    """Return the output columns of a Monte Carlo point from the sums of all its chunks.

    :func:`nonrecip.stochastic.combine`, equal bit for bit to the serial
    :func:`~nonrecip.stochastic.simulate` with the point's seed.
    """
    from ..stochastic import combine

    for part in parts:
        if isinstance(part, dict):
            return part
    try:
        return {**outputs_of(combine(prepared.wire, prepared.params, list(parts), **prepared.kwargs)),
                "steps_used": prepared.kwargs["steps"]}
    except NonrecipError as e:
        return {"__error__": f"{type(e).__name__}: {e}"}


#: Ig/Io of `nonrecip solve quantum` when neither --ig nor --ig-ratio is given
QUANTUM_IG_RATIO = IG_RATIO_DEFAULT


def _fill_quantum(point: dict) -> None:
    # the table column shows the ratio used (the key of the point depends on it)
    if point.get("Ig") is None and point.get("ig_ratio") is None:
        point["ig_ratio"] = IG_RATIO_DEFAULT


def _build_quantum(point: dict) -> Prepared:
    from ..hamiltonian_options import hamiltonian_from_options
    from ..wire import QuantumParams

    wire = _wire(point)
    params = QuantumParams.from_options(ig_ratio=point["ig_ratio"], **_fields(point, QuantumParams))
    for name in ("response", "method"):
        PARAMETERS[name].check(point[name])
    options = {k: point[k] for k in ("tol", "max_iter", "max_nodes") if point.get(k) is not None}
    # the one builder of the command line (--model and its options; None: the paper's wire)
    hamiltonian = hamiltonian_from_options(wire.N, **{k: point.get(k) for k in HAMILTONIAN_PARAMETERS
                                                      if k != "wire_model"},
                                           wire_model=point.get("wire_model") or "uniform")
    if hamiltonian is not None:
        options["hamiltonian"] = hamiltonian
    return Prepared(wire, params, {"response": point["response"], "method": point["method"], **options})


MODELS: dict[str, Model] = {
    "classical": Model(
        "classical", _axes("classical"), _build_classical,
        "nonrecip.deterministic.classical:solve_classical",
        help="Exact steady states of the classical master equation (Sec. II, App. A).",
        # a p_profile file is read on the client (prepare) and sent as the array
        exclusive=EXCLUSIVE,
    ),
    "simulate": Model(
        "simulate", _axes("simulate"),
        _build_simulate,
        "nonrecip.stochastic:simulate",
        stochastic=True,
        help="Monte Carlo steady states of the classical walkers with standard errors (Sec. II).",
    ),
    "circuit": Model(
        "circuit", _axes("circuit"),
        _build_circuit,
        "nonrecip.deterministic.circuit:solve_circuit",
        help="Kirchhoff solves of the resistive circuit (Sec. I, App. D).",
    ),
    "quantum": Model(
        "quantum", _axes("quantum"),
        _build_quantum,
        "nonrecip.deterministic.quantum:solve_quantum",
        help="NEGF quantum wire with self-consistent S/D/P baths (Sec. III, App. B, C1).",
        fill=_fill_quantum,
        exclusive=EXCLUSIVE,
    ),
}


def get_model(name: str) -> Model:
    """Return the model called ``name``; :class:`ParameterError` lists the known ones."""
    try:
        return MODELS[name]
    except KeyError:
        raise ParameterError("model", name, f"must be one of {', '.join(MODELS)}") from None
