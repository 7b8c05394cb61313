"""``nonrecip sweep MODEL``: parameter sweeps on Dask.

A thin layer over :func:`nonrecip.sweep.run_sweep`.

One command per model of :data:`nonrecip.sweep.MODELS`, built from the
model's parameter list, so every option of the matching ``solve`` /
``simulate`` command is here too, accepting a list (``--p 0.5,0.9``) or an
inclusive range (``--n 4:40:2``); the sweep is the Cartesian product.
"""

import inspect
import json as _json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..params import default as table_default
from ..sweep.models import MODELS, Model
from ._app import sweep_app
from ._common import info, option

_LIST_HELP = "A value, a list a,b,c or an inclusive range start:stop:step."

#: run options shared by every sweep command: (identifier, annotation, default)
_RUN_OPTIONS: list[tuple[str, Any, Any]] = [
    ("spec", Annotated[Path | None, typer.Option(
        "--spec", help="Read the sweep from a TOML file (a \\[grid] table; options given here override it).")], None),
    ("out", Annotated[Path | None, typer.Option(
        "--out", help="Results table, .parquet or .csv, written incrementally and atomically. "
                      "Default: sweep-MODEL.parquet.")], None),
    ("resume", Annotated[bool, typer.Option(
        "--resume", help="Keep the points already in --out and compute only the missing ones.")], False),
    ("scheduler", Annotated[str | None, typer.Option(
        "--scheduler", help="Run on an existing Dask cluster: its scheduler address tcp://HOST:PORT.")], None),
    ("workers", Annotated[int | None, typer.Option(
        "--workers", help="Worker processes of the local cluster (default: the cores of this machine); "
                          "1: compute here, no cluster. A sweep estimated under 2 s from its first points "
                          "runs here anyway.")], None),
    ("chunk_batches", Annotated[int | None, typer.Option(
        "--chunk-batches", help="Monte Carlo batches per Dask task (default: about four tasks per worker).")], None),
    ("progress", Annotated[bool, typer.Option(
        "--progress/--no-progress", help="Progress bar on stderr: points done and time left.")], True),
    ("json", Annotated[bool, typer.Option(
        "--json", help="Print the table as JSON records on stdout and nothing else.")], False),
    ("overwrite", Annotated[bool, typer.Option(
        "--overwrite", help="Replace an existing --out (otherwise refused without --resume).")], False),
    ("max_points", Annotated[int, option("max_points")], table_default("max_points")),
    ("ensemble_over", Annotated[str | None, typer.Option(
        "--ensemble-over", help="Also report ensemble statistics over this parameter (e.g. disorder-seed): "
                                "mean, standard error, median, typical value of delta_I per remaining point.")],
     None),
    ("ensemble_out", Annotated[Path | None, typer.Option(
        "--ensemble-out", help="Ensemble table, .csv or .parquet (default: the --out stem + .ensemble.csv).")],
     None),
]


def _ident(flag: str) -> str:
    return "axis_" + flag.lstrip("-").replace("-", "_")


def _print_table(df, model: Model, axes: list[str], max_rows: int = 40) -> None:
    """Print the first ``max_rows`` points: swept parameters, currents, delta_I, status.

    Monte Carlo columns print as ``mean ± stderr`` (their ``*_stderr``
    columns); deterministic values zero up to rounding as ``0``, with the
    larger of the two ``I_in`` of the point as the scale (:mod:`nonrecip._render`).
    """
    import math

    from .._render import Column, Est, Num, print_table, print_text, zero_threshold

    outs = [c for c in ("I_in_forward", "I_in_reverse", "delta_I") if c in df.columns]
    cols = [Column(c, "left" if c == "layout" else "right", key=True) for c in axes]
    failed = bool((df["status"] != "ok").any())
    cols += [Column(c) for c in outs] + ([Column("status", "left")] if failed else [])
    rows = []
    for rec in df.head(max_rows).to_dict("records"):
        cur = [abs(float(rec[c])) for c in ("I_in_forward", "I_in_reverse") if c in rec]
        zero = zero_threshold(max([x for x in cur if math.isfinite(x)], default=0.0))
        row: list = []
        for c in axes:
            v = rec[c]
            row.append(v if isinstance(v, str) else "" if v is None or (isinstance(v, float) and math.isnan(v))
                       else int(v) if float(v).is_integer() and c in ("N", "steps", "seed", "n_batches")
                       else float(v))
        for c in outs:
            se = rec.get(f"{c}_stderr")
            if se is not None and not (isinstance(se, float) and math.isnan(se)):
                row.append(Est(float(rec[c]), float(se)))
            else:
                row.append(Num(float(rec[c]), zero))
        if failed:
            row.append(str(rec["status"]))
        rows.append(row)
    print_table(f"sweep {model.name}: {len(df)} points", cols, rows)
    if len(df) > max_rows:
        print_text(f"... {len(df) - max_rows} more rows in the table file")


def _report_failures(df, out: Path) -> None:
    """Say on stderr how many points failed; exit 1 when every point failed.

    Some failed: exit code 0 (the others are good results), one line with
    the count. All failed: nothing was computed, exit code 1.
    """
    n, bad = len(df), int((df["status"] != "ok").sum())
    if bad == 0:
        return
    if bad == n:
        print(f"nonrecip: error: all {n} points failed (status=error rows in {out})", file=sys.stderr)
        raise typer.Exit(1)
    info(f"{bad} of {n} points failed (status=error rows in {out})")


def _interrupted(out: Path) -> None:
    """Say on stderr what an interrupted sweep kept, then exit 130.

    Typer would otherwise turn Ctrl-C into a silent exit 130.
    """
    from ..sweep import read_table

    kept = len(read_table(out)) if out.exists() else 0
    print(f"nonrecip: interrupted: {kept} finished points kept in {out}; "
          "rerun the same command with --resume to compute the rest", file=sys.stderr)
    raise typer.Exit(130)


def _run(model: Model, kw: dict[str, Any]) -> None:
    from ..sweep import Grid, SweepSpec, run_sweep
    from ..sweep.table import to_records

    axes = {p.name: kw[_ident(p.flag)] for p in model.params if kw[_ident(p.flag)] is not None}
    run = {k: kw[k] for k in ("out", "workers", "scheduler", "chunk_batches")}
    if kw["spec"] is not None:
        spec = SweepSpec.from_toml(kw["spec"], model=model.name, overrides=axes, max_points=kw["max_points"], **run)
    else:
        spec = SweepSpec(Grid(model.name, axes, max_points=kw["max_points"]), **run)
    out = spec.out if spec.out is not None else Path(f"sweep-{model.name}.parquet")
    if kw["ensemble_out"] is not None:  # checked before any work
        from ..wire import ParameterError

        if kw["ensemble_over"] is None:
            raise ParameterError("ensemble_out", str(kw["ensemble_out"]), "needs --ensemble-over")
        if kw["ensemble_out"].suffix not in (".csv", ".parquet"):
            raise ParameterError("ensemble_out", str(kw["ensemble_out"]), "must end in .csv or .parquet")
    try:
        df = run_sweep(spec.grid, out=out, scheduler=spec.scheduler, workers=spec.workers,
                       resume=kw["resume"], progress=kw["progress"], chunk_batches=spec.chunk_batches,
                       overwrite=kw["overwrite"], ensemble_over=kw["ensemble_over"])
    except KeyboardInterrupt:
        _interrupted(out)
    a = df.attrs
    info(f"{len(df)} points: {a['computed']} computed, {a['reused']} reused, {a['errors']} with errors; wrote {out}")
    for rec in df[df["status"] != "ok"].head(10).itertuples(index=False):
        info(f"  error at {rec.point_id}: {rec.error}")
    if "ensemble" in a:  # --ensemble-over: write the ensemble table beside the sweep table
        ens_out = kw["ensemble_out"] or out.with_name(out.stem + ".ensemble.csv")
        _write_table(a["ensemble"], ens_out)
        info(f"ensemble over {kw['ensemble_over']}: {len(a['ensemble'])} points; wrote {ens_out}")
    if kw["json"]:
        sys.stdout.write(_json.dumps(to_records(df), indent=2, allow_nan=False) + "\n")
        sys.stdout.flush()
    else:
        swept = [n for n, v in spec.grid.axes.items() if len(v) > 1] or ["layout", "N"]
        _print_table(df, model, [c for c in df.columns if c in swept])
    _report_failures(df, out)


def _write_table(df, path: Path) -> None:
    """Write ``df`` as .parquet or .csv (by extension), atomically."""
    tmp = path.with_name(path.name + ".tmp")
    df.to_parquet(tmp, index=False) if path.suffix == ".parquet" else df.to_csv(tmp, index=False)
    tmp.replace(path)


def _register(model: Model) -> None:
    params: list[inspect.Parameter] = []
    for p in model.params:
        default = "" if p.default is None else f" Default: {p.default}."
        ann = Annotated[str | None, typer.Option(p.flag, help=f"{p.cli_help}{default} {_LIST_HELP}",
                                                    show_default=False)]
        params.append(inspect.Parameter(_ident(p.flag), inspect.Parameter.KEYWORD_ONLY, default=None, annotation=ann))
    for name, ann, default in _RUN_OPTIONS:
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann))

    def command(**kw: Any) -> None:
        _run(model, kw)

    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {q.name: q.annotation for q in params}
    command.__name__ = f"sweep_{model.name}"
    command.__doc__ = (f"Sweep `{model.name}`: {model.help} Every parameter takes a list or an inclusive "
                       "range; the sweep runs their Cartesian product on a local Dask cluster "
                       "(or --scheduler) and writes one row per point.")
    sweep_app.command(model.name)(command)


for _m in MODELS.values():
    _register(_m)


def _register_root() -> None:
    """``nonrecip sweep --spec FILE``: the model comes from the file."""
    params = [inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)]
    for name, ann, default in _RUN_OPTIONS:
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann))

    def root(ctx: typer.Context, **kw: Any) -> None:
        from ..sweep import SweepSpec
        from ..sweep.models import get_model
        from ..wire import ParameterError

        defaults = {name: d for name, _, d in _RUN_OPTIONS}
        given = [k for k, d in defaults.items() if kw[k] != d]
        if ctx.invoked_subcommand is not None:
            if given:
                flag = "--" + given[0].replace("_", "-")
                raise ParameterError(given[0], kw[given[0]], f"put {flag} after MODEL: nonrecip sweep "
                                     f"{ctx.invoked_subcommand} {flag} ...")
            return
        if kw["spec"] is None:
            info(ctx.get_help())
            raise typer.Exit(2)
        model = get_model(SweepSpec.model_of(kw["spec"]))
        kw.update({_ident(p.flag): None for p in model.params})
        _run(model, kw)

    root.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    root.__annotations__ = {q.name: q.annotation for q in params}
    root.__doc__ = ("Parameter sweeps (Cartesian products of lists and ranges) on a local or an existing "
                    "Dask cluster: nonrecip sweep MODEL [OPTIONS], or nonrecip sweep --spec FILE.toml "
                    "with the model named in the file.")
    sweep_app.callback(invoke_without_command=True)(root)


_register_root()
