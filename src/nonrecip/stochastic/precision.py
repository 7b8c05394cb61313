"""Precision on demand: size a Monte Carlo run so that its error bar meets a target.

``simulate(..., target_stderr=x)`` (absolute) or ``target_stderr=x,
relative=True`` (``stderr(delta_I) <= x |delta_I|``) runs

1. a *pilot* of ``pilot_steps`` steps in ``PILOT_BATCHES`` batches, on streams
   independent of the main run (its seed is derived from the run seed with
   :class:`numpy.random.SeedSequence`, spawn key ``PILOT_KEY + k`` for the
   ``k``-th pilot), which estimates the variance per step ``s^2`` of
   ``delta_I`` (and ``|delta_I|`` for a relative target);
2. the *main* run with the run seed itself (the same bits as a plain
   ``simulate(..., steps=N)``) and

   ``N = F_q(B - 1, B_p - 1) s^2 / t^2``,

   ``t`` the absolute target. Why this meets the target in a fraction ``q``
   of runs: with Gaussian batch means (large batches) the reported
   ``stderr^2 = sigma^2 X / N`` and the pilot's ``s^2 = sigma^2 Y``, with
   ``X ~ chi2(B-1)/(B-1)`` and ``Y ~ chi2(B_p-1)/(B_p-1)`` independent,
   so ``stderr <= t`` iff ``X / Y <= F_q``, and ``X/Y`` is Fisher's
   ``F(B-1, B_p-1)``. For a relative target ``t = x (|delta_p| - 2
   se_p)(1 - 2 x)`` (a lower bound on ``|delta_I|`` failing with
   probability ~2 %, and room for the main run's own ``|delta_I|`` to fall by
   two of its error bars); ``q = 0.96`` keeps the total failure rate under 5 %
   (tested over 200 seeds: ``tests/test_mc_precision.py``). If the pilot's
   ``|delta_I|`` is within ``4 se_p`` of 0 the pilot is repeated with 8 times
   the steps (up to ``max_seconds``).

The pilot is not part of the estimate, so nothing is biased by stopping on a
noisy estimate. ``max_seconds`` is a ceiling on the wall time of the whole
(pilot times the pilot's measured speed): a main run that would exceed it
is cut to the steps that fit; the result then says ``target_met = False``
if its error bar misses the target, and the run stays honest (its
``stderr`` is what it is). ``Result.extra`` records ``target_stderr``,
``relative``, ``pilot_steps`` (all pilots), ``steps`` (the main run's
budget), ``target_met`` and ``capped`` (cut by ``max_seconds``).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..estimates import Estimate
from ..params import PARAMETERS
from ..results import Result
from ..wire import ClassicalParams, ParameterError, Wire
from .state import SimulatedState

__all__ = ["simulate_to_target", "size_run", "PILOT_BATCHES", "QUANTILE", "MAX_PILOTS"]

#: batches of the pilot (more: a tighter variance estimate, a smaller factor F)
PILOT_BATCHES = 128
#: the F quantile: fraction of runs whose error bar meets an absolute target
QUANTILE = 0.96
#: spawn keys of pilot seeds (far above any batch id of a main run)
PILOT_KEY = 2**32 - 64


def pilot_seed(seed: int, k: int) -> int:
    """Seed of the ``k``-th pilot: 128 bits of ``SeedSequence(seed, spawn_key=(PILOT_KEY + k,))``."""
    words = np.random.SeedSequence(seed, spawn_key=(PILOT_KEY + k,)).generate_state(4, np.uint32)
    return int(sum(int(w) << (32 * i) for i, w in enumerate(words)))


#: pilots of a relative target tried (each 8 times the last) before giving up on a delta_I ~ 0
MAX_PILOTS = 5


def simulate_to_target(wire: Wire, params: ClassicalParams, *, target_stderr: float, relative: bool,
                       max_seconds: float | None, pilot_steps: int | None, seed: int, n_batches: int,
                       **kw: Any) -> Result[SimulatedState, Estimate]:
    """Pilot, size and run (see the module docstring); ``kw`` go to :func:`simulate`."""
    from .simulation import simulate

    t_start = time.perf_counter()
    kw = {k: v for k, v in kw.items() if k not in ("checkpoint", "resume", "overwrite") or v}
    if kw.get("checkpoint") is not None:
        raise ParameterError("checkpoint", kw["checkpoint"], "is not available with target_stderr")
    x = PARAMETERS["target_stderr"].check(target_stderr)
    steps, used, capped = size_run(wire, params, target_stderr=x, relative=relative, max_seconds=max_seconds,
                                   pilot_steps=pilot_steps, seed=seed, n_batches=n_batches, t_start=t_start,
                                   **kw)
    res = simulate(wire, params, steps=steps, seed=seed, n_batches=n_batches, **kw)
    rd = res.delta_I
    met = bool(rd.stderr <= (x * abs(rd.mean) if relative else x))
    res.extra.update(target_stderr=x, relative=relative, pilot_steps=used, target_met=met, capped=capped)
    return res


def size_run(wire: Wire, params: ClassicalParams, *, target_stderr: float, relative: bool,
             max_seconds: float | None, pilot_steps: int | None, seed: int, n_batches: int,
             t_start: float | None = None, **kw: Any) -> tuple[int, int, bool]:
    """Run the pilot(s) and return ``(steps of the main run, pilot steps used, capped)``.

    ``kw`` (``mode``, ``estimator``, ``workers``, ``progress``) go to the
    pilots' :func:`simulate`. ``t_start``: when the ``max_seconds`` clock
    started (default: now).
    """
    from scipy.stats import f as fisher

    from .simulation import simulate

    x = PARAMETERS["target_stderr"].check(target_stderr)
    if not isinstance(relative, bool):
        raise ParameterError("relative", relative, "must be True or False")
    if relative and x >= 0.5:
        raise ParameterError("target_stderr", target_stderr, "a relative target must be < 0.5")
    if max_seconds is not None:
        max_seconds = PARAMETERS["max_seconds"].check(max_seconds)
    kw = {k: v for k, v in kw.items() if k in ("mode", "estimator", "workers", "progress")}
    n_pilot = 64 * PILOT_BATCHES if pilot_steps is None else int(pilot_steps)
    if n_pilot < PILOT_BATCHES:
        raise ParameterError("steps", pilot_steps, f"the pilot needs >= {PILOT_BATCHES} steps")
    t_start = time.perf_counter() if t_start is None else t_start
    used = 0
    k = 0
    while True:
        t0 = time.perf_counter()
        pilot = simulate(wire, params, steps=n_pilot, seed=pilot_seed(seed, k), n_batches=PILOT_BATCHES,
                         **kw)
        per_step = (time.perf_counter() - t0) / n_pilot
        used += n_pilot
        pd = pilot.delta_I
        d, se = pd.mean, pd.stderr
        if not relative or abs(d) > 4.0 * se:
            break
        if k + 1 >= MAX_PILOTS:
            raise ParameterError("target_stderr", target_stderr,
                                 f"relative: after {used} pilot steps |delta_I| = {abs(d):.3g} is within 4 "
                                 f"stderr ({se:.3g}) of 0; give an absolute target")
        left = None if max_seconds is None else max_seconds - (time.perf_counter() - t_start)
        if left is not None and 8 * n_pilot * per_step > left:
            raise ParameterError("max_seconds", max_seconds,
                                 f"too short: after {used} pilot steps |delta_I| = {abs(d):.3g} is within "
                                 f"4 stderr ({se:.3g}) of 0; a relative target cannot be sized")
        n_pilot *= 8
        k += 1
    t_abs = x * (abs(d) - 2.0 * se) * (1.0 - 2.0 * x) if relative else x
    var_step = se * se * n_pilot
    factor = float(fisher.ppf(QUANTILE, n_batches - 1, PILOT_BATCHES - 1))
    need = int(np.ceil(factor * var_step / (t_abs * t_abs))) if var_step > 0 else n_batches
    steps = max(need, n_batches)
    capped = False
    if max_seconds is not None:
        left = max_seconds - (time.perf_counter() - t_start)
        fit = int(left / per_step) if per_step > 0 else steps
        if fit < steps:
            capped = True
            steps = max(fit, n_batches)
    return steps, used, capped
