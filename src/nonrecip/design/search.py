"""The one entry point: :func:`design`, validation first, then the search.

Which search runs (``method="auto"``):

1. ``analytic`` — the classical model with the ``delta_I`` or ``per-pair``
   objective: the closed-form theorem of :mod:`.analytic` (with fixed sites
   the dynamic programme of :mod:`.analytic_fixed`) gives the optimum for
   any ``N`` without search; the listed layouts are then evaluated with the
   solver (with fixed sites one optimal layout is listed).
2. ``exhaustive`` — otherwise, if the layouts number at most ``budget``
   (default 100,000) and, with ``max_seconds``, their estimated time fits:
   all of them, in parallel chunks (:mod:`.exhaustive`).
3. ``anneal`` — otherwise simulated annealing with restarts (:mod:`.anneal`).

Every input is checked (``ParameterError``) before any solver call.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..wire import ParameterError, Wire, check_int, check_real
from .analytic import classical_optimum
from .anneal import anneal
from .evaluate import MODELS, PARAMS, Candidate, Evaluator
from .exhaustive import enumerate_all, rank_key
from .result import DesignResult
from .space import LayoutSpace
from .superpose import supported

__all__ = ["design", "reference_layouts", "METHODS", "DEFAULT_BUDGET", "robust_values"]

METHODS = ("auto", "analytic", "exhaustive", "anneal")
DEFAULT_BUDGET = 100_000


def reference_layouts(N: int, K: int, M: int = 0) -> dict[str, str]:
    """Return the paper's layouts with ``K`` pairs and ``M`` probes in ``N`` sites, where they exist.

    ``dimers``: ``K`` S-D dimers from site 2 on (``.SDSD..SD...``; for
    ``N = 2K + 2`` the paper's dimer lattice, Eqs. 1-9). ``single``: the
    source on site 2 and the drain on ``N-1`` (App. C), for ``K = 1``. Both
    need ``M = 0``.
    """
    out: dict[str, str] = {}
    if M == 0 and N >= 2 * K + 2:
        out["dimers"] = "." + "SD" * K + "." * (N - 2 * K - 1)
        if K == 1:
            out["single"] = Wire.single(N).layout
    return out


def robust_values(robust_over: Any) -> tuple[str, tuple[float, ...]]:
    """``(name, lo, hi, n)`` -> ``n`` evenly spaced values; ``(name, values)`` as given."""
    if not isinstance(robust_over, (tuple, list)) or len(robust_over) not in (2, 4) \
            or not isinstance(robust_over[0], str):
        raise ParameterError("robust_over", robust_over, "must be (name, lo, hi, n) or (name, [values])")
    name = robust_over[0]
    if len(robust_over) == 4:
        lo = check_real("robust_over", robust_over[1])
        hi = check_real("robust_over", robust_over[2])
        n = check_int("robust_over", robust_over[3], lo=2)
        return name, tuple(float(v) for v in np.linspace(lo, hi, n))
    vals = tuple(check_real("robust_over", v) for v in robust_over[1])
    if not vals:
        raise ParameterError("robust_over", robust_over, "needs at least one value")
    return name, vals


def design(model: str, n: int, pairs: int, params: Any = None, *, probes: int = 0, objective: str = "delta_I",
           fixed: Mapping[int, str] | str | None = None, min_gap: int = 1, method: str = "auto",
           budget: int | None = None, max_seconds: float | None = None, restarts: int = 8, seed: int | None = 0,
           top: int = 5, response: str = "linear", robust_over: Sequence[Any] | None = None,
           robust: str = "worst", executor: Any = None, workers: int | None = None,
           superpose: bool = True, hamiltonian: Any = None) -> DesignResult:
    """Search the layouts of ``n`` sites with ``pairs`` S-D pairs for the largest objective.

    Parameters
    ----------
    model : {"classical", "circuit", "quantum"}
    n : int
        Number of sites ``N``.
    pairs : int
        ``K`` sources and ``K`` drains, ``K >= 1``.
    params : ClassicalParams, CircuitParams or QuantumParams
        The model's parameters (circuit and quantum default to their
        defaults; classical needs ``p``).
    probes : int
        ``M`` probes ``P`` (zero-current Buttiker probes / scatterers).
    objective : {"delta_I", "relative", "per-pair"}
    fixed : mapping or str
        ``{site: kind}`` or ``"2=S,9=D"`` (sites 2..N-1, kinds S D P .).
    min_gap : int
        Smallest distance between two baths.
    method : {"auto", "analytic", "exhaustive", "anneal"}
    budget : int, optional
        Layouts the search may evaluate (default 100,000).
    max_seconds : float, optional
        Wall-clock limit of the annealing; for ``auto``, exhaustive search is
        chosen only if its estimated time fits.
    restarts, seed : int
        Annealing restarts and the root seed of their streams.
    top : int
        How many best layouts to return.
    response : str
        Quantum only: ``linear`` (default), ``nonlinear`` or ``cubic``.
    robust_over : (name, lo, hi, n) or (name, values), optional
        Optimise the worst case (``robust="worst"``) or the mean
        (``"mean"``) of the objective over that parameter's values.
    executor, workers
        Parallel exhaustive search: an executor with ``map``
        (``concurrent.futures`` or a Dask client), or a process pool of
        ``workers``.
    superpose : bool
        Exhaustive search by superposition of the injections (:mod:`.superpose`):
        ``2K + M`` solver calls score every order of one set of bath sites; the
        listed layouts are re-solved directly. ``False``: one solve per layout.

    Returns
    -------
    DesignResult

    Examples
    --------
    >>> from nonrecip.wire import ClassicalParams
    >>> r = design("classical", 12, 2, ClassicalParams(p=0.5, Ig=0.1, drho=0.1))
    >>> r.best[0].layout.replace(".", ""), r.exhaustive, r.parameters["optimal_layouts"]
    ('SSDD', True, 210)
    """
    t0 = time.perf_counter()
    # ---- validation (no solver call before this block ends) ---------------------
    if model not in MODELS:
        raise ParameterError("model", model, f"must be one of {', '.join(MODELS)}")
    if params is None:
        if model == "classical":
            raise ParameterError("p", None, "the classical model needs ClassicalParams(p=...)")
        params = PARAMS[model]()
    space = LayoutSpace(n, pairs, probes, fixed, min_gap)
    if method not in METHODS:
        raise ParameterError("method", method, f"must be one of {', '.join(METHODS)}")
    if budget is not None:
        budget = check_int("budget", budget, lo=1)
    if max_seconds is not None:
        max_seconds = check_real("max_seconds", max_seconds, lo=0.0, lo_open=True)
    restarts = check_int("restarts", restarts, lo=1)
    top = check_int("top", top, lo=1)
    if seed is not None:
        seed = check_int("seed", seed, lo=0)
    if workers is not None:
        workers = check_int("workers", workers, lo=1)
    if model == "quantum":
        from ..deterministic.quantum import RESPONSES

        if response not in RESPONSES:
            raise ParameterError("response", response, f"must be one of {', '.join(RESPONSES)}")
    elif response != "linear":
        raise ParameterError("response", response, "is an option of the quantum model only")
    rname: str | None = None
    rvals: tuple[float, ...] = ()
    rparams: tuple[Any, ...] = ()
    if robust_over is not None:
        rname, rvals = robust_values(robust_over)
        if rname not in params.to_dict():
            raise ParameterError("robust_over", rname, f"must name a parameter of the {model} model: "
                                 + ", ".join(params.to_dict()))
        rparams = tuple(params.replace(**{rname: v}) for v in rvals)
    if hamiltonian is not None:
        from ..hamiltonian import Hamiltonian

        if model != "quantum" or not isinstance(hamiltonian, Hamiltonian):
            raise ParameterError("hamiltonian", hamiltonian, "is a nonrecip.hamiltonian.Hamiltonian, for the "
                                 "quantum model only")
        if hamiltonian.N != space.N:
            raise ParameterError("hamiltonian", f"N = {hamiltonian.N}", f"must have the wire's N = {space.N} sites")
        if response == "cubic" and not hamiltonian.is_uniform:
            raise ParameterError("hamiltonian", hamiltonian.model, "response='cubic' (the T = 0 expansion B35) "
                                 "is solved for the uniform wire only; use 'linear' or 'nonlinear'")
    ev = Evaluator(model, params, space.K, objective, response, rparams, robust, hamiltonian)
    analytic_ok = model == "classical" and objective in ("delta_I", "per-pair")
    if method == "analytic" and not analytic_ok:
        raise ParameterError("method", method, "the closed form covers the classical model with objective "
                             "delta_I or per-pair")
    cap = DEFAULT_BUDGET if budget is None else budget
    if method == "exhaustive" and space.count > 50 * cap:
        raise ParameterError("method", method, f"{space.count} layouts exceed 50 x the budget {cap}; raise "
                             "--budget or use anneal")

    # ---- choose and run --------------------------------------------------------
    record: dict[str, Any] = {}
    why = ""
    if method == "auto":
        if analytic_ok:
            method = "analytic"
        elif space.count <= cap:
            method = "exhaustive"
            if max_seconds is not None:
                tt = time.perf_counter()
                for lay in (space.layout(i) for i in range(min(5, space.count))):
                    ev(lay)
                per = (time.perf_counter() - tt) / min(5, space.count)
                if per * space.count / (workers or 1) > max_seconds:
                    method = "anneal"
        else:
            method = "anneal"
    restart_best: tuple[Candidate, ...] = ()
    if model == "classical" and not analytic_ok:
        record["closed_form"] = f"not applicable (objective {objective}): searched instead"
    if method == "analytic":
        opt = classical_optimum(space, params)
        best = sorted((ev(lay) for lay in opt.ranked_layouts(top)), key=rank_key)
        evaluated, exhaustive = len(best), True
        calls = evaluated * ev.solves_per_layout
        objs = np.array([c.objective for c in best])
        record.update(optimal_order=opt.word, optimal_layouts=opt.n_placements, saturated=opt.saturated,
                      delta_I_closed_form=opt.delta_I)
    elif method == "exhaustive":
        best, evaluated, objs, refused, why, calls = enumerate_all(space, ev, top, executor=executor,
                                                                   workers=workers, superpose=superpose)
        exhaustive = True
        record.update(refused=refused, superposed=superpose and supported(ev))
    else:
        out = anneal(space, ev, budget=cap, restarts=restarts, seed=seed, top=top, max_seconds=max_seconds)
        best, evaluated, objs, exhaustive = out.best, out.evaluated, out.objectives, False
        restart_best, refused, why = out.restart_best, out.refused, out.first_refusal
        calls = evaluated * ev.solves_per_layout
        record.update(restarts=restarts, seed=seed, cache_hits=out.cache_hits, restarts_agreeing=out.agreeing,
                      refused=refused)
    if not best:
        raise ParameterError("params", params, f"the {model} solver refused every layout tried ({evaluated}), "
                             f"e.g.: {why}")
    reference = {}
    for name, lay in reference_layouts(space.N, space.K, space.M).items():
        c = ev.try_eval(lay)
        if isinstance(c, Candidate):
            reference[name] = c

    parameters: dict[str, Any] = {"model": model, **space.to_dict(), "objective": objective}
    parameters.update(params.to_dict())
    if model == "quantum":
        parameters["response"] = response
        if hamiltonian is not None:
            parameters["hamiltonian"] = hamiltonian.describe()
    if rname is not None:
        parameters.update(robust_over=rname, robust_values=list(rvals), robust=robust)
    parameters.update(method=method, layouts_in_space=space.count, budget=budget, max_seconds=max_seconds,
                      solver_calls=calls + len(reference) * ev.solves_per_layout, **record)
    if not all(math.isfinite(c.objective) for c in best):  # evaluator already refuses; belt and braces
        raise ParameterError("layout", best, "non-finite objective")
    return DesignResult(parameters, tuple(best), evaluated, exhaustive, reference, method, objs, restart_best,
                        time.perf_counter() - t0)
