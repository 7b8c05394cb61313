"""Options and output shared by every command (the CLI/JSON contract).

Model parameters are never declared here or in a command: their options come
from the one parameter table :mod:`nonrecip.params`, in one of two ways.

* :func:`table_options` adds the options of the named parameters to a
  command's signature; the command receives them as keywords under the
  parameters' names (``p``, ``Ig``, ``N``)::

      @app.command("design")
      @table_options("layout", "N", "p", "Ig", model="classical")
      def design_cmd(*, json: JsonOpt = False, **values) -> None:
          params = ClassicalParams(**pick(values, ClassicalParams))

* :func:`option` gives the ``typer.Option`` of one parameter, for a
  hand-written signature; the defaults come from
  :func:`nonrecip.params.defaults`::

      D = defaults("simulate")

      def cmd(p: POpt = D["p"], ...) -> None: ...

  (``POpt = Annotated[float, option("p")]`` below: a new alias is one line,
  and ``TABLE_ALIASES`` lets the tests check its type against the table).

Every command prints a readable table by default; ``--json`` prints exactly
one JSON object on stdout (``parameters``/``forward``/``reverse``/``delta_I``)
and nothing else, so the same inputs give the same bytes; ``--out FILE``
writes ``.json``, ``.csv`` or ``.parquet`` atomically. Messages, timings and
progress go to stderr.
"""

from __future__ import annotations

import functools
import inspect
import sys
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ..params import PARAMETERS, default

__all__ = ["option", "opt", "table_options", "pick", "default", "TABLE_ALIASES",
           "LayoutOpt", "NOpt", "POpt", "IgOpt", "DrhoOpt", "Rho0Opt", "StepsOpt", "SeedOpt", "ModeOpt",
           "EstimatorOpt", "BatchesOpt", "StepsMinOpt", "StepsMaxOpt", "FactorOpt", "BiasOpt", "StartOpt",
           "RecordEveryOpt", "ScaleOpt", "RunsOpt", "JsonOpt", "OutOpt",
           "make_wire", "info", "print_result", "emit"]

F = TypeVar("F", bound=Callable[..., Any])


def option(name: str, *, help: str | None = None, **option: Any) -> Any:
    """Return the ``typer.Option`` of parameter ``name`` (flag and help from the table).

    Parameters
    ----------
    name : str
        A parameter of :data:`nonrecip.params.PARAMETERS`.
    help : str, optional
        Replaces the table's help text (keep it rare: one meaning, one text).
    **option
        Further ``typer.Option`` arguments (``hidden=True``...).
    """
    p = PARAMETERS[name]
    return typer.Option(p.flag, help=p.cli_help if help is None else help, **option)


def opt(name: str, *, model: str | None = None, help: str | None = None, **option_args: Any) -> Any:
    """Return the option of parameter ``name`` as an ``Annotated`` type.

    The type is the table's, ``Optional`` where the default in ``model`` is
    ``None``.
    """
    p = PARAMETERS[name]
    kind: Any = (p.kind | None) if p.default_for(model) is None else p.kind
    return Annotated[kind, option(name, help=help, **option_args)]


def table_options(*names: str, model: str | None = None) -> Callable[[F], F]:
    """Give a command the options of the parameters ``names`` (a decorator).

    The options come first, in the order given, with the table's flags,
    help texts and defaults (those of ``model`` where they differ), then
    the command's own keyword options. The command receives each value as
    a keyword named as the parameter (``Ig``, ``N``, ``mubar``), e.g. into
    ``**values``.
    """
    def deco(fn: F) -> F:
        hints = typing.get_type_hints(fn, include_extras=True)
        own = [q.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=hints.get(q.name, q.annotation))
               for q in inspect.signature(fn).parameters.values() if q.kind is not inspect.Parameter.VAR_KEYWORD]
        gen = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=PARAMETERS[n].default_for(model),
                                 annotation=opt(n, model=model)) for n in names]

        @functools.wraps(fn)
        def command(**kw: Any) -> Any:
            return fn(**kw)

        sig = inspect.Signature(gen + own)
        command.__signature__ = sig  # type: ignore[attr-defined]
        command.__annotations__ = {q.name: q.annotation for q in sig.parameters.values()}
        return command  # type: ignore[return-value]

    return deco


def pick(values: dict[str, Any], cls: type) -> dict[str, Any]:
    """Return the entries of ``values`` that are fields of the dataclass ``cls``."""
    import dataclasses

    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in values.items() if k in names}


# Options of the table for hand-written signatures (simulate, converge,
# trajectory). The base type is spelled so that mypy sees it;
# tests/test_params.py checks each against the table (``opt(name)``).
LayoutOpt = Annotated[str, option("layout")]
NOpt = Annotated[int | None, option("N")]
POpt = Annotated[float, option("p")]
IgOpt = Annotated[float, option("Ig")]
DrhoOpt = Annotated[float, option("drho")]
Rho0Opt = Annotated[float, option("rho0")]
StepsOpt = Annotated[int, option("steps")]
SeedOpt = Annotated[int, option("seed")]
ModeOpt = Annotated[str, option("mode")]
EstimatorOpt = Annotated[str, option("estimator")]
BatchesOpt = Annotated[int, option("n_batches")]
StepsMinOpt = Annotated[int, option("steps_min")]
StepsMaxOpt = Annotated[int, option("steps_max")]
FactorOpt = Annotated[float, option("factor")]
BiasOpt = Annotated[str, option("bias")]
StartOpt = Annotated[str, option("start")]
RecordEveryOpt = Annotated[int | None, option("record_every")]
ScaleOpt = Annotated[float, option("scale")]
RunsOpt = Annotated[int, option("runs")]

#: alias -> parameter, checked against the table by the tests
TABLE_ALIASES = {
    "LayoutOpt": "layout", "NOpt": "N", "POpt": "p", "IgOpt": "Ig", "DrhoOpt": "drho", "Rho0Opt": "rho0",
    "StepsOpt": "steps", "SeedOpt": "seed", "ModeOpt": "mode", "EstimatorOpt": "estimator",
    "BatchesOpt": "n_batches", "StepsMinOpt": "steps_min", "StepsMaxOpt": "steps_max", "FactorOpt": "factor",
    "BiasOpt": "bias", "StartOpt": "start", "RecordEveryOpt": "record_every", "ScaleOpt": "scale",
    "RunsOpt": "runs",
}
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout and nothing else.")]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", help="Also write the result to FILE (.json, .csv or .parquet, by extension).")]


def make_wire(layout: str, n: int | None):
    """Build the :class:`~nonrecip.wire.Wire` of ``--layout`` and ``--n``."""
    from ..errors import MissingParameterError
    from ..wire import NAMED_LAYOUTS, Wire

    if n is None and layout in NAMED_LAYOUTS:
        raise MissingParameterError("N", PARAMETERS["N"].flag, f"for layout {layout!r}")
    return Wire.from_spec(layout, n)


def info(msg: str) -> None:
    """Print a message for people: always stderr, never mixed with --json output."""
    print(msg, file=sys.stderr)


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if hasattr(v, "mean") and hasattr(v, "stderr") and not hasattr(v.mean, "__len__"):
        return f"{v.mean:.10g} ± {v.stderr:.2g}"
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(v)


def print_result(result, *, max_rows: int = 64) -> None:
    """Human-readable tables of a :class:`~nonrecip.results.Result` (rich)."""
    import dataclasses

    import numpy as np
    from rich.console import Console
    from rich.table import Table

    from ..results import Estimate, EstimateArray

    console = Console(highlight=False)
    if not console.is_terminal:  # a pipe or file: never squeeze numbers into '0.23750…'
        console = Console(highlight=False, width=4096)
    params = ", ".join(f"{k}={_fmt(v)}" for k, v in result.parameters.items())
    console.print(f"[bold]{result.model}[/bold]  {params}")
    fields = [f.name for f in dataclasses.fields(result.forward)]
    scal = Table(title="boundary currents and scalars")
    scal.add_column("quantity")
    scal.add_column("forward", justify="right", overflow="fold")
    scal.add_column("reverse", justify="right", overflow="fold")
    def _empty(v) -> bool:  # nothing to show: None, or NaN everywhere (e.g. densities of a currents-only estimator)
        if v is None:
            return True
        m = np.asarray(v.mean if isinstance(v, (Estimate, EstimateArray)) else v, dtype=float)
        return m.size > 0 and bool(np.all(np.isnan(m)))

    arrays = []
    for name in fields:
        fv, rv = getattr(result.forward, name), getattr(result.reverse, name)
        if _empty(fv) and _empty(rv):
            continue
        if isinstance(fv, (np.ndarray, EstimateArray)):
            arrays.append(name)
        else:
            scal.add_row(name, _fmt(fv), _fmt(rv))
    scal.add_row("[bold]delta_I[/bold]", _fmt(result.delta_I), "")
    console.print(scal)
    if not arrays:
        return
    n = result.wire.N
    if n > max_rows:
        console.print(f"(N = {n}: per-site and per-bond values omitted; use --json or --out FILE)")
        return
    tab = Table(title="per site l (bond quantities: bond l -> l+1)")
    tab.add_column("l", justify="right")
    tab.add_column("site", justify="center")
    for name in arrays:
        for bias in ("fwd", "rev"):
            tab.add_column(f"{name} {bias}", justify="right", overflow="fold")  # narrow terminal: wrap digits, never cut
    for i in range(n):
        row = [str(i + 1), result.wire.layout[i]]
        for name in arrays:
            for st in (result.forward, result.reverse):
                a = getattr(st, name)
                if i < len(a):
                    row.append(_fmt(a[i] if isinstance(a, EstimateArray) else float(a[i])))
                else:
                    row.append("")
        tab.add_row(*row)
    console.print(tab)


def emit(result, *, as_json: bool, out: Path | None) -> None:
    """Print ``result`` (table or JSON) and optionally save it."""
    if out is not None:
        result.save(out)
        info(f"wrote {out}")
    if as_json:
        sys.stdout.write(result.to_json() + "\n")
        sys.stdout.flush()
    else:
        print_result(result)
