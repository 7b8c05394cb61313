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
import re
import sys
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from .._render import Column, Est, Num, fmt_est, print_table, print_text, short_layout, zero_threshold
from ..params import PARAMETERS, default

__all__ = ["option", "opt", "table_options", "pick", "default", "TABLE_ALIASES",
           "LayoutOpt", "NOpt", "POpt", "PProfileOpt", "IgOpt", "DrhoOpt", "Rho0Opt", "StepsOpt", "SeedOpt", "ModeOpt",
           "EstimatorOpt", "BatchesOpt", "StepsMinOpt", "StepsMaxOpt", "FactorOpt", "BiasOpt", "StartOpt",
           "RecordEveryOpt", "ScaleOpt", "RunsOpt", "JsonOpt", "OutOpt", "SitesOpt",
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
PProfileOpt = Annotated[str | None, option("p_profile")]
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
    "LayoutOpt": "layout", "NOpt": "N", "POpt": "p", "PProfileOpt": "p_profile", "IgOpt": "Ig", "DrhoOpt": "drho", "Rho0Opt": "rho0",
    "StepsOpt": "steps", "SeedOpt": "seed", "ModeOpt": "mode", "EstimatorOpt": "estimator",
    "BatchesOpt": "n_batches", "StepsMinOpt": "steps_min", "StepsMaxOpt": "steps_max", "FactorOpt": "factor",
    "BiasOpt": "bias", "StartOpt": "start", "RecordEveryOpt": "record_every", "ScaleOpt": "scale",
    "RunsOpt": "runs",
}
#: wires up to this many sites get the per-site table by default (else a summary; --sites forces it)
MAX_SITES = 40
SitesOpt = Annotated[bool | None, typer.Option(
    "--sites/--summary", show_default=False,
    help=f"Per-site table (--sites) or the summary of each profile (--summary); default: per-site "
         f"up to N = {MAX_SITES}. Tables print |x| < 64 eps S as 0 (S: the largest current, or the "
         "field's largest value) and estimates as mean ± stderr; --json and --out keep full precision.")]
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
        return fmt_est(v.mean, v.stderr)
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(v)

#: fields that are particle currents (one zero scale for all of them and delta_I)
_CURRENT = re.compile(r"^(I|J)(_|$)|^unmet")
#: fields that are flows (currents, heat): min and max in the summary, no drops
_FLOW = re.compile(r"^(I|J)(_|$)|^unmet|^h$|^heat")


def _values(v: Any):
    """Return the values of a field as a float array (means of estimates)."""
    import numpy as np

    from ..results import Estimate, EstimateArray

    return np.asarray(v.mean if isinstance(v, (Estimate, EstimateArray)) else v, dtype=float)


def _named_layout(wire) -> str | None:
    from ..wire import NAMED_LAYOUTS, Wire

    for name in NAMED_LAYOUTS:
        try:
            if Wire.from_spec(name, wire.N).layout == wire.layout:
                return name
        except Exception:  # noqa: BLE001 - the name does not apply to this N
            continue
    return None


def _header(result) -> str:
    skip = ("model", "layout", "N")
    layout = short_layout(result.wire.layout, named=_named_layout(result.wire))
    params = ", ".join([f"layout={layout}"] + [f"{k}={_fmt(v)}" for k, v in result.parameters.items()
                                                if k not in skip])
    return f"{result.model}  {params}"


def print_result(result, *, sites: bool | None = None) -> None:
    """Print ``result`` for people: its scalars, then its profiles.

    Built on the result's fields alone, so it serves every model. Scalars
    (currents, ``delta_I``) always; the arrays over sites and bonds as a
    per-site table for wires of up to :data:`MAX_SITES` sites or with
    ``sites=True``, else as a summary: min and max of each profile and, for
    densities and potentials, the drop across the left contact, the bulk and
    the right contact. Values zero up to rounding print as ``0``, estimates
    as ``mean ± stderr`` (see :mod:`nonrecip._render`). Full arrays: ``--json`` /
    ``--out``.
    """
    import dataclasses

    import numpy as np

    from ..results import Estimate, EstimateArray

    fwd, rev = result.forward, result.reverse
    names = [f.name for f in dataclasses.fields(fwd)]

    def empty(v) -> bool:  # nothing to show: None, or NaN everywhere (densities of a currents-only estimator)
        if v is None:
            return True
        m = _values(v)
        return m.size > 0 and bool(np.all(np.isnan(m)))

    shown = [n for n in names if not (empty(getattr(fwd, n)) and empty(getattr(rev, n)))]
    scalars = [n for n in shown if not isinstance(getattr(fwd, n), (np.ndarray, EstimateArray))]
    arrays = [n for n in shown if n not in scalars]

    def scale(ns: list[str]) -> float:
        m = [np.nanmax(np.abs(_values(getattr(st, n)))) for n in ns for st in (fwd, rev)
             if _values(getattr(st, n)).size and not empty(getattr(st, n))]
        return float(max(m)) if m else 0.0

    currents = [n for n in shown if _CURRENT.match(n)]
    zero = {n: zero_threshold(scale(currents) if n in currents else scale([n])) for n in shown}

    def cell(v: Any, name: str) -> Any:
        if isinstance(v, Estimate):
            return Est(v.mean, v.stderr)
        if isinstance(v, (float, np.floating, int, np.integer)) and not isinstance(v, bool):
            return Num(float(v), zero[name])
        return "" if v is None else str(v)

    print_text(_header(result))
    rows = [[n, cell(getattr(fwd, n), n), cell(getattr(rev, n), n)] for n in scalars]
    d = result.delta_I
    rows.append(["delta_I", Est(d.mean, d.stderr) if isinstance(d, Estimate)
                 else Num(float(d), zero_threshold(scale(currents))), ""])
    print_table("currents and scalars", [Column("quantity", "left", key=True), Column("forward"),
                                         Column("reverse")], rows)
    if not arrays:
        return
    n_sites = result.wire.N
    if sites or (sites is None and n_sites <= MAX_SITES):
        _site_table(result, arrays, zero)
    else:
        _profile_table(result, arrays, zero)


def _site_table(result, arrays: list[str], zero: dict[str, float]) -> None:
    from ..results import EstimateArray

    cols = [Column("l", key=True), Column("site", "center", key=True)]
    for name in arrays:
        cols += [Column(f"{name} fwd", group=name), Column(f"{name} rev", group=name)]
    rows = []
    for i in range(result.wire.N):
        row: list[Any] = [i + 1, result.wire.layout[i]]
        for name in arrays:
            for st in (result.forward, result.reverse):
                a = getattr(st, name)
                if a is None or i >= len(a):
                    row.append("")
                elif isinstance(a, EstimateArray):
                    row.append(Est(float(a.mean[i]), float(a.stderr[i])))
                else:
                    row.append(Num(float(a[i]), zero[name]))
        rows.append(row)
    print_table("per site l (bond quantities: bond l -> l+1)", cols, rows)


def _profile_table(result, arrays: list[str], zero: dict[str, float]) -> None:
    import numpy as np

    from ..results import EstimateArray

    cols = [Column("quantity", "left", key=True), Column("bias", "left", key=True), Column("min", group="range"),
            Column("max", group="range"), Column("left contact", group="drop"), Column("bulk", group="drop"),
            Column("right contact", group="drop")]
    rows = []
    mc = False
    for name in arrays:
        level = not _FLOW.match(name) and name in type(result.forward).site_fields
        for bias, st in (("fwd", result.forward), ("rev", result.reverse)):
            a = getattr(st, name)
            if a is None:
                continue
            x = _values(a)
            ok = np.flatnonzero(np.isfinite(x))
            if ok.size == 0:
                continue
            lo, hi = ok[np.argmin(x[ok])], ok[np.argmax(x[ok])]
            if isinstance(a, EstimateArray):
                mc = True
                rows.append([name, bias, Est(x[lo], a.stderr[lo]), Est(x[hi], a.stderr[hi]), "", "", ""])
                continue
            z = zero[name]
            row: list[Any] = [name, bias, Num(x[lo], z), Num(x[hi], z)]
            if level and ok.size >= 4:
                i0, i1, j1, j0 = ok[0], ok[1], ok[-2], ok[-1]
                row += [Num(x[i0] - x[i1], z), Num(x[i1] - x[j1], z), Num(x[j1] - x[j0], z)]
            else:
                row += ["", "", ""]
            rows.append(row)
    note = ("Drops of densities and potentials (left contact, bulk, right contact): value at the first "
            "minus value at the last site of each stretch; the contacts are the first and the last step "
            "between sites where the quantity exists, the bulk is everything between them.")
    if mc:
        note += " Monte Carlo: min and max are the estimates at those sites; no drops (their errors are correlated)."
    note += f" N = {result.wire.N}: per-site values with --sites, --json or --out FILE."
    print_table(f"profiles over sites 1..{result.wire.N} and bonds 1..{result.wire.N - 1}: min, max, drops",
                cols, rows, caption=note)


def print_convergence(df, slopes: dict[str, float]) -> None:
    """Print the table of ``nonrecip converge``: estimate ± stderr, exact value, error and z per budget."""
    cols = [Column("steps", key=True), Column("quantity", "left", key=True), Column("estimate ± stderr"),
            Column("exact"), Column("|estimate - exact|"), Column("z")]
    rows = [[int(r.steps), str(r.quantity), Est(r.estimate, r.stderr), float(r.exact), f"{r.abs_error:.2g}",
             f"{r.z:+.2f}"] for r in df.itertuples(index=False)]
    print_table("Monte Carlo vs exact over budgets", cols, rows)
    print_text("fitted slope of log(stderr) vs log(steps) (honest Monte Carlo: -0.5): "
               + ", ".join(f"{k} {v:+.3f}" for k, v in slopes.items()))


def emit(result, *, as_json: bool, out: Path | None, sites: bool | None = None) -> None:
    """Print ``result`` (table or JSON) and optionally save it.

    ``sites``: per-site table (``True``), summary (``False``) or by size
    (``None``, see :func:`print_result`).
    """
    if out is not None:
        result.save(out)
        info(f"wrote {out}")
    if as_json:
        sys.stdout.write(result.to_json() + "\n")
        sys.stdout.flush()
    else:
        print_result(result, sites=sites)
