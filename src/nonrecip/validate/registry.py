"""The registry of validation checks.

A *check* is a plain function decorated with :func:`check`. It receives a
:class:`Context` (the level, ``"quick"`` or ``"full"``, and a base seed) and
yields rows made by the helpers :func:`compare`, :func:`zscore` and
:func:`assertion`. :func:`run_checks` runs the registered checks of a level
and returns ONE tidy :class:`pandas.DataFrame`, a row per compared quantity,
with the columns of :data:`COLUMNS`:

``check``
    id of the check (``"classical.eq8"``...)
``model``
    ``classical``, ``circuit``, ``quantum``, ``montecarlo``,
    ``classical-vs-quantum``...
``equation``
    the paper's equation(s) that give the reference
``level``
    the level the table was made at (``quick`` or ``full``)
``parameters``
    the parameters of the row as one ``k=v, ...`` string
``quantity``
    what is compared (``I_in forward``, ``delta_I``...)
``value``, ``reference``
    the computed value and its reference
``abs_error``, ``rel_error``
    ``|value - reference|`` and that over ``|reference|``
``stderr``, ``z``
    Monte Carlo standard error and ``(value - reference)/stderr`` (NaN for
    deterministic rows)
``metric``
    what ``tolerance`` bounds: ``abs`` (abs_error), ``rel`` (rel_error),
    ``z`` (``|z|``), ``bool`` (a stated property that must hold; the row's
    ``value`` and ``reference`` say what was compared)
``tolerance``
    the bound; every check justifies its tolerance in its docstring
``passed``
    bool
``note``
    free text (the regime, why the row is judged as it is)

A check that raises gives a single failing row (``quantity = "exception"``)
instead of stopping the run.
"""

from __future__ import annotations

import fnmatch
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "COLUMNS",
    "LEVELS",
    "Check",
    "Context",
    "check",
    "all_checks",
    "selected",
    "get_check",
    "compare",
    "zscore",
    "assertion",
    "format_parameters",
    "run_checks",
]

LEVELS = ("quick", "full")

COLUMNS = [
    "check", "model", "equation", "level", "parameters", "quantity",
    "value", "reference", "abs_error", "rel_error", "stderr", "z",
    "metric", "tolerance", "passed", "note",
]

Row = dict[str, Any]


@dataclass(frozen=True)
class Context:
    """What a check is told about the run.

    Attributes
    ----------
    level : str
        ``"quick"`` (small Monte Carlo budgets, a few sizes) or ``"full"``
        (tight Monte Carlo error bars, more sizes).
    seed : int
        Base seed; checks derive their own fixed seeds from it.
    """

    level: str = "quick"
    seed: int = 0

    @property
    def full(self) -> bool:
        """Whether the checks run at the ``--full`` level."""
        return self.level == "full"

    def pick(self, quick: Any, full: Any) -> Any:
        """``quick`` at the quick level, ``full`` at the full level."""
        return full if self.full else quick


@dataclass(frozen=True)
class Check:
    """One registered check (see :func:`check`)."""

    id: str
    model: str
    equation: str
    levels: tuple[str, ...]
    func: Callable[[Context], Iterable[Row]] = field(compare=False, repr=False)

    @property
    def doc(self) -> str:
        """Return the check's description, on one line.

        That is the first paragraph of its docstring after the one-line
        summary, or the first paragraph when there is no one-line summary
        (it says what is compared and why the tolerance holds).
        """
        paras = (self.func.__doc__ or "").strip().split("\n\n")
        if len(paras) > 1 and "\n" not in paras[0].strip():
            paras = paras[1:]
        return " ".join(paras[0].split())

    def run(self, ctx: Context) -> list[Row]:
        """Run the check; an exception becomes one failing row."""
        try:
            rows = list(self.func(ctx))
            if not rows:
                rows = [assertion("rows", False, note="the check produced no rows")]
        except Exception as exc:  # noqa: BLE001 - a failing check must not stop the report
            rows = [assertion("exception", False, note=f"{type(exc).__name__}: {exc}")]
        out = []
        for r in rows:
            full: dict[str, Any] = {c: math.nan for c in COLUMNS}
            full.update(check=self.id, model=self.model, equation=self.equation, level=ctx.level,
                        parameters="", note="")
            full.update(r)
            out.append(full)
        return out


_REGISTRY: dict[str, Check] = {}


def check(id: str, *, model: str, equation: str, levels: Iterable[str] = LEVELS):  # noqa: A002
    """Register the decorated function as a check.

    Parameters
    ----------
    id : str
        Unique id, ``"<model>.<what>"``.
    model : str
        Model family (column ``model``).
    equation : str
        Paper equations compared (column ``equation``).
    levels : iterable of str
        Levels the check runs at: ``("quick", "full")`` (default) or
        ``("full",)`` for a check too slow for ``--quick``.
    """
    lv = tuple(levels)
    bad = [x for x in lv if x not in LEVELS]
    if bad or not lv:
        raise ValueError(f"levels must be a subset of {LEVELS}, got {lv}")

    def deco(func: Callable[[Context], Iterable[Row]]):
        if id in _REGISTRY and _REGISTRY[id].func is not func:
            raise ValueError(f"check id {id!r} is registered twice")
        _REGISTRY[id] = Check(id=id, model=model, equation=equation, levels=lv, func=func)
        return func

    return deco


def _load_all() -> None:
    """Import the modules that register checks (idempotent)."""
    from . import checks_classical, checks_quantum, checks_stochastic  # noqa: F401


def all_checks(level: str | None = None) -> dict[str, Check]:
    """Return the registered checks by id (those of ``level`` if given), in id order."""
    _load_all()
    items = sorted(_REGISTRY.items())
    return {k: c for k, c in items if level is None or level in c.levels}


def get_check(id: str) -> Check:  # noqa: A002
    """Return the check ``id``; ``KeyError`` if there is none."""
    _load_all()
    return _REGISTRY[id]


# --------------------------------------------------------------------------
# row helpers
# --------------------------------------------------------------------------
def format_parameters(parameters: Mapping[str, Any] | str | None) -> str:
    """``{"N": 4, "p": 0.5}`` -> ``"N=4, p=0.5"`` (floats with 6 significant digits)."""
    if parameters is None:
        return ""
    if isinstance(parameters, str):
        return parameters
    parts = []
    for k, v in parameters.items():
        if isinstance(v, float):
            v = f"{v:.6g}"
        parts.append(f"{k}={v}")
    return ", ".join(parts)


def _errors(value: float, reference: float) -> tuple[float, float]:
    abs_err = abs(value - reference)
    if reference != 0.0:
        rel = abs_err / abs(reference)
    else:
        rel = 0.0 if abs_err == 0.0 else math.inf
    return abs_err, rel


def compare(quantity: str, value: float, reference: float, *, tol: float, metric: str = "rel",
            parameters: Mapping[str, Any] | str | None = None, note: str = "") -> Row:
    """Build a deterministic comparison row.

    ``metric="rel"`` passes when ``rel_error <= tol``; ``metric="abs"`` when
    ``abs_error <= tol``. Non-finite values fail.
    """
    if metric not in ("rel", "abs"):
        raise ValueError(f"metric must be 'rel' or 'abs', got {metric!r}")
    value, reference = float(value), float(reference)
    abs_err, rel = _errors(value, reference)
    err = rel if metric == "rel" else abs_err
    passed = bool(math.isfinite(value) and math.isfinite(reference) and err <= tol)
    return dict(quantity=quantity, value=value, reference=reference, abs_error=abs_err, rel_error=rel,
                metric=metric, tolerance=float(tol), passed=passed,
                parameters=format_parameters(parameters), note=note)


def zscore(quantity: str, estimate: Any, reference: float, *, tol: float,
           parameters: Mapping[str, Any] | str | None = None, note: str = "") -> Row:
    """Build a Monte Carlo row: ``estimate`` (``.mean``, ``.stderr``) vs ``reference``.

    Passes when ``|z| <= tol`` with ``z = (mean - reference)/stderr`` and the
    standard error is finite and positive (a zero error bar proves nothing).
    """
    mean, se = float(estimate.mean), float(estimate.stderr)
    reference = float(reference)
    abs_err, rel = _errors(mean, reference)
    z = (mean - reference) / se if se > 0 else math.inf
    passed = bool(math.isfinite(z) and se > 0 and abs(z) <= tol)
    return dict(quantity=quantity, value=mean, reference=reference, abs_error=abs_err, rel_error=rel,
                stderr=se, z=z, metric="z", tolerance=float(tol), passed=passed,
                parameters=format_parameters(parameters), note=note)


def assertion(quantity: str, passed: bool, *, value: float = math.nan, reference: float = math.nan,
              tolerance: float = math.nan, parameters: Mapping[str, Any] | str | None = None,
              note: str = "") -> Row:
    """Build a row for a property that must hold (``metric = "bool"``).

    For example an approximation error that shrinks as N grows; ``value``/``reference``
    carry the numbers compared.
    """
    value, reference = float(value), float(reference)
    abs_err, rel = (_errors(value, reference) if math.isfinite(value) and math.isfinite(reference)
                    else (math.nan, math.nan))
    return dict(quantity=quantity, value=value, reference=reference, abs_error=abs_err, rel_error=rel,
                metric="bool", tolerance=float(tolerance), passed=bool(passed),
                parameters=format_parameters(parameters), note=note)


# --------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------
def selected(level: str, select: Iterable[str] | None = None) -> list[Check]:
    """Return the checks of ``level`` whose id matches one of the ``select`` globs (all if none)."""
    from ..wire import ParameterError

    checks = list(all_checks(level).values())
    if select:
        pats = list(select)
        checks = [c for c in checks if any(fnmatch.fnmatchcase(c.id, p) for p in pats)]
        if not checks:
            raise ParameterError("select", ",".join(pats), "matches no check; see `nonrecip validate --list`")
    return checks


def run_checks(level: str = "quick", *, select: Iterable[str] | None = None, seed: int = 0,
               progress: Callable[[str, float], None] | None = None):
    """Run the registered checks of ``level``; one tidy DataFrame.

    Parameters
    ----------
    level : {"quick", "full"}
    select : iterable of str, optional
        Glob patterns on check ids (``"classical.*"``); default all.
    seed : int
        Base seed passed to every check (Monte Carlo checks use fixed seeds
        derived from it).
    progress : callable, optional
        Called as ``progress(check_id, seconds)`` after each check.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, a row per compared quantity.
    """
    import pandas as pd

    from ..wire import ParameterError

    if level not in LEVELS:
        raise ParameterError("level", level, f"must be one of {', '.join(LEVELS)}")
    checks = selected(level, select)
    ctx = Context(level=level, seed=seed)
    rows: list[Row] = []
    for c in checks:
        t0 = time.perf_counter()
        rows.extend(c.run(ctx))
        if progress is not None:
            progress(c.id, time.perf_counter() - t0)
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["passed"] = df["passed"].astype(bool)
    return df
