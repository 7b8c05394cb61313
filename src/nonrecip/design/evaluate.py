"""Scoring one layout: the model's solver, the objective, the robust variant.

An :class:`Evaluator` is a small frozen, picklable object (it crosses to
process-pool and Dask workers) that turns a layout string into a
:class:`Candidate`: ``I_in`` forward and reverse from the model's public
solver (:func:`~nonrecip.deterministic.solve_classical`,
:func:`~nonrecip.deterministic.solve_circuit`,
:func:`~nonrecip.deterministic.solve_quantum`), ``delta_I = |I_in(rev)| -
|I_in(fwd)|`` (conventions §1) and the objective:

* ``delta_I`` (default);
* ``relative``: ``delta_I / mean(|I_in(fwd)|, |I_in(rev)|)`` (0 when both
  currents vanish: no current, no nonreciprocity);
* ``per-pair``: ``delta_I / K``.

A layout the solver refuses (a quantum bath potential pushed out of the
band by ``Ig``, say) is not a candidate: the searches skip it and report
how many were ``refused``.

With ``robust_over`` the objective is evaluated at every sampled value of
one parameter and combined by its worst case (``robust="worst"``) or mean
(``"mean"``); ``delta_I`` and the currents reported stay those of the
nominal parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..wire import CircuitParams, ClassicalParams, ParameterError, QuantumParams, Wire

if TYPE_CHECKING:
    from ..results import Result

__all__ = ["Candidate", "Evaluator", "MODELS", "OBJECTIVES", "ROBUST", "objective_value", "PARAMS"]

MODELS = ("classical", "circuit", "quantum")
OBJECTIVES = ("delta_I", "relative", "per-pair")
ROBUST = ("worst", "mean")
PARAMS = {"classical": ClassicalParams, "circuit": CircuitParams, "quantum": QuantumParams}


@dataclass(frozen=True)
class Candidate:
    """One evaluated layout (the rows of ``best`` in the JSON contract)."""

    layout: str
    delta_I: float
    I_in_forward: float
    I_in_reverse: float
    objective: float

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON row ``{layout, delta_I, I_in_forward, I_in_reverse, objective}``."""
        return {"layout": self.layout, "delta_I": self.delta_I, "I_in_forward": self.I_in_forward,
                "I_in_reverse": self.I_in_reverse, "objective": self.objective}


def objective_value(objective: str, fwd: float, rev: float, K: int, dI: float | None = None) -> float:
    """Return the objective from the two input currents (see the module docstring).

    ``dI`` is the solver's ``delta_I`` when known: the solvers compute it without
    the cancellation of ``|rev| - |fwd|`` at large drive (conventions §1).
    """
    if dI is None:
        dI = abs(rev) - abs(fwd)
    if objective == "delta_I":
        return dI
    if objective == "per-pair":
        return dI / K
    mean = 0.5 * (abs(rev) + abs(fwd))
    return 0.0 if mean == 0.0 else dI / mean


def objective_values(objective: str, fwd: np.ndarray, rev: np.ndarray, K: int) -> np.ndarray:
    """:func:`objective_value` elementwise on arrays of currents."""
    dI = np.abs(rev) - np.abs(fwd)
    if objective == "delta_I":
        return dI
    if objective == "per-pair":
        return dI / K
    mean = 0.5 * (np.abs(rev) + np.abs(fwd))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mean == 0.0, 0.0, dI / np.where(mean == 0.0, 1.0, mean))


def _solve(model: str, wire: Wire, params: Any, response: str,
           hamiltonian: Any = None) -> tuple[float, float, float]:
    f, r, _, dI = _solve_full(model, wire, params, response, hamiltonian)
    return f, r, dI


def _solve_full(model: str, wire: Wire, params: Any, response: str,
                hamiltonian: Any = None) -> tuple[float, float, Any, float]:
    """``(I_in fwd, I_in rev, mu, delta_I)``; ``mu`` is the quantum ``(2, N)`` bath potentials, else ``None``."""
    from ..deterministic import solve_circuit, solve_classical, solve_quantum

    res: Result[Any]
    if model == "classical":
        res = solve_classical(wire, params)
    elif model == "circuit":
        res = solve_circuit(wire, params)
    else:
        res = solve_quantum(wire, params, response=response, hamiltonian=hamiltonian)
        mu = np.array([res.forward.mu, res.reverse.mu])
        return float(res.forward.I_in), float(res.reverse.I_in), mu, float(res.delta_I)
    return float(res.forward.I_in), float(res.reverse.I_in), None, float(res.delta_I)


@dataclass(frozen=True)
class Evaluator:
    """Score layouts with one model, parameters and objective.

    Parameters
    ----------
    model : {"classical", "circuit", "quantum"}
    params : ClassicalParams, CircuitParams or QuantumParams
        The nominal parameters.
    K : int
        Number of S-D pairs (for ``per-pair``).
    objective : {"delta_I", "relative", "per-pair"}
    response : str
        Quantum only: ``linear``, ``nonlinear`` or ``cubic``.
    robust_params : tuple of params
        The sampled parameter sets of ``robust_over`` (empty: none).
    robust : {"worst", "mean"}
    hamiltonian : Hamiltonian, optional
        Quantum only: the wire's Hamiltonian (:mod:`nonrecip.hamiltonian`; it
        depends on ``N`` only, so every layout shares it). ``None``: the uniform wire.
    """

    model: str
    params: Any
    K: int
    objective: str = "delta_I"
    response: str = "linear"
    robust_params: tuple[Any, ...] = ()
    robust: str = "worst"
    hamiltonian: Any = None

    def __post_init__(self) -> None:  # noqa: D105
        if self.model not in MODELS:
            raise ParameterError("model", self.model, f"must be one of {', '.join(MODELS)}")
        want = PARAMS[self.model]
        if not isinstance(self.params, want):
            raise ParameterError("params", self.params, f"the {self.model} model needs a nonrecip.{want.__name__}")
        if self.objective not in OBJECTIVES:
            raise ParameterError("objective", self.objective, f"must be one of {', '.join(OBJECTIVES)}")
        if self.robust not in ROBUST:
            raise ParameterError("robust", self.robust, f"must be one of {', '.join(ROBUST)}")

    @property
    def solves_per_layout(self) -> int:
        """Solver calls one layout costs (1 + the robust samples)."""
        return 1 + len(self.robust_params)

    def __call__(self, layout: str) -> Candidate:
        """Evaluate one layout (raises on a non-finite result)."""
        wire = Wire(layout)
        fwd, rev, dI = _solve(self.model, wire, self.params, self.response, self.hamiltonian)
        obj = objective_value(self.objective, fwd, rev, self.K, dI)
        if self.robust_params:
            vals = []
            for p in self.robust_params:
                f_p, r_p, dI_p = _solve(self.model, wire, p, self.response, self.hamiltonian)
                vals.append(objective_value(self.objective, f_p, r_p, self.K, dI_p))
            obj = min(vals) if self.robust == "worst" else math.fsum(vals) / len(vals)
        if not all(math.isfinite(v) for v in (fwd, rev, obj)):
            raise ParameterError("layout", layout, f"the {self.model} solver gave a non-finite result "
                                 f"(I_in forward {fwd}, reverse {rev})")
        return Candidate(layout, dI, fwd, rev, obj)

    def try_eval(self, layout: str) -> Candidate | ParameterError:
        """Evaluate like calling, but return a solver refusal instead of raising it.

        A layout the solver refuses (e.g. a quantum bath potential pushed out of
        the band) comes back as its ``ParameterError``; the searches skip it and
        count it as ``refused``.
        """
        try:
            return self(layout)
        except ParameterError as e:
            return e
