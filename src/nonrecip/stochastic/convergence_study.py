"""Convergence study: Monte Carlo estimates against the exact solution.

Over a geometric series of budgets; the stderr must fall as ``steps**-1/2``.
"""

from __future__ import annotations

import math

import numpy as np

from ..wire import ClassicalParams, ParameterError, Wire, check_int
from .simulation import simulate

__all__ = ["budgets", "convergence", "stderr_slopes"]


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
                workers: int | None = None, progress: bool | None = False):
    """Estimates against the exact solution over a geometric series of budgets.

    Parameters
    ----------
    wire, params
        As in :func:`simulate` (linear mode).
    steps_min, steps_max, factor
        Budgets ``steps_min * factor**k <= steps_max`` (see :func:`budgets`).
    seed, estimator, n_batches, workers
        As in :func:`simulate`; every budget uses the same ``seed``.
    progress : bool or None, default False
        A progress bar over all budgets (steps) on stderr; ``None``: when
        stderr is a terminal. Ctrl-C / SIGTERM end the study with
        ``KeyboardInterrupt``.

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
    from ..runs import Interruption, ProgressBar, progress_default

    series = budgets(steps_min, steps_max, factor)
    exact = solve_classical(wire, params)
    rows = []
    with ProgressBar("converge", float(sum(series)), enabled=progress_default(progress)) as bar, Interruption() as stop:
        for steps in series:
            stop.check()
            res = simulate(wire, params, steps=steps, seed=seed, estimator=estimator, n_batches=n_batches,
                           workers=workers)
            bar.advance(steps)
            rows.extend(_rows(steps, res, exact))
    return pd.DataFrame(rows, columns=["steps", "quantity", "estimate", "stderr", "exact", "abs_error", "z"])


def _rows(steps: int, res, exact) -> list[dict]:
    """Return the table rows of one budget."""
    rows = []
    for name, est, ref in (("I_in_forward", res.forward.I_in, exact.forward.I_in),
                           ("I_in_reverse", res.reverse.I_in, exact.reverse.I_in),
                           ("delta_I", res.delta_I, exact.delta_I)):
        rows.append(dict(steps=steps, quantity=name, estimate=est.mean, stderr=est.stderr, exact=float(ref),
                         abs_error=abs(est.mean - float(ref)), z=est.z(float(ref))))
    return rows


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
