"""``nonrecip simulate`` and ``nonrecip converge``: the steady-state Monte Carlo.

Parse, call :mod:`nonrecip.stochastic`, print. ``--json`` prints exactly one
JSON object (same inputs and seed: the same bytes, whatever ``--workers``);
timings, progress and messages go to stderr.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from ..params import defaults
from ._app import app
from ._common import (
    BatchesOpt,
    DrhoOpt,
    EstimatorOpt,
    FactorOpt,
    IgOpt,
    JsonOpt,
    LayoutOpt,
    ModeOpt,
    NOpt,
    OutOpt,
    POpt,
    Rho0Opt,
    SeedOpt,
    StepsMaxOpt,
    StepsMinOpt,
    StepsOpt,
    emit,
    info,
    make_wire,
)

#: defaults of the options, from the parameter table (nonrecip.params)
D = defaults("simulate")

#: exit code of an interrupted run (Ctrl-C / SIGTERM), as a shell reports SIGINT
EXIT_INTERRUPTED = 130

WorkersOpt = Annotated[int | None, typer.Option(
    "--workers", help="Threads (default: all cores); never changes the result.")]


def _interrupted(checkpoint: Path | None, n_batches: int) -> None:
    """One line on stderr about what an interrupted run kept, then exit 130."""
    from ..wire import ParameterError

    kept = None
    if checkpoint is not None and checkpoint.exists():
        from ..stochastic import BatchSums

        try:
            kept = len(BatchSums.load(checkpoint))
        except ParameterError:  # pragma: no cover - we wrote it ourselves
            kept = None
    if kept is not None:
        msg = (f"interrupted: {kept} of {n_batches} batches kept in {checkpoint}; "
               "rerun the same command with --resume to finish")
    elif checkpoint is not None:
        msg = f"interrupted: nothing kept (no batch had finished; {checkpoint} not written)"
    else:
        msg = "interrupted: nothing kept (no --checkpoint given)"
    print(f"nonrecip: {msg}", file=sys.stderr)
    raise typer.Exit(EXIT_INTERRUPTED)


@app.command("simulate")
def simulate_cmd(
    layout: LayoutOpt = D["layout"],
    n: NOpt = D["N"],
    p: POpt = D["p"],
    ig: IgOpt = D["Ig"],
    drho: DrhoOpt = D["drho"],
    rho0: Rho0Opt = D["rho0"],
    steps: StepsOpt = D["steps"],
    seed: SeedOpt = D["seed"],
    mode: ModeOpt = D["mode"],
    estimator: EstimatorOpt = D["estimator"],
    batches: BatchesOpt = D["n_batches"],
    workers: WorkersOpt = None,
    checkpoint: Annotated[Path | None, typer.Option(
        "--checkpoint", help="Save completed batches to FILE (.npz) every few seconds and on Ctrl-C/SIGTERM.")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue the run saved in --checkpoint (same inputs): the same result as uninterrupted.")] = False,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", help="Progress bar with the time left on stderr (default: when stderr is a terminal).")] = None,
    json: JsonOpt = False,
    out: OutOpt = None,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Start afresh over an existing --checkpoint (otherwise refused without --resume).")] = False,
) -> None:
    """Monte Carlo steady state of the classical walkers, with standard errors (Sec. II, conventions §2).

    Every estimated quantity is printed as mean ± stderr; --json gives
    {"mean", "stderr"} for each (lists over bonds and sites).
    """
    from ..runs import check_monte_carlo, check_output
    from ..stochastic import simulate
    from ..wire import ClassicalParams

    check_monte_carlo(layout, n, steps=steps, n_batches=batches, estimator=estimator)  # size guards, before any work
    wire = make_wire(layout, n)
    params = ClassicalParams(p=p, Ig=ig, drho=drho, rho0=rho0)
    if out is not None:  # before any work: a result that cannot be written is refused now
        check_output("out", out, (".json", ".csv", ".parquet"))
    t0 = time.perf_counter()
    c0 = time.process_time()
    try:
        res = simulate(wire, params, steps=steps, seed=seed, mode=mode, estimator=estimator, n_batches=batches,
                       workers=workers, checkpoint=checkpoint, resume=resume, progress=progress,
                       overwrite=overwrite)
    except KeyboardInterrupt:
        _interrupted(checkpoint, batches)
    info(f"simulate: {steps} steps, {batches} batches in {time.perf_counter() - t0:.3f} s "
         f"({time.process_time() - c0:.3f} s CPU)")
    emit(res, as_json=json, out=out)


@app.command("converge")
def converge_cmd(
    layout: LayoutOpt = D["layout"],
    n: NOpt = D["N"],
    p: POpt = D["p"],
    ig: IgOpt = D["Ig"],
    drho: DrhoOpt = D["drho"],
    rho0: Rho0Opt = D["rho0"],
    steps_min: StepsMinOpt = D["steps_min"],
    steps_max: StepsMaxOpt = D["steps_max"],
    factor: FactorOpt = D["factor"],
    seed: SeedOpt = D["seed"],
    estimator: EstimatorOpt = D["estimator"],
    batches: BatchesOpt = D["n_batches"],
    workers: WorkersOpt = None,
    json: JsonOpt = False,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Also write the table to FILE (.csv, .parquet or .json).")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Log-log plot of stderr and error vs budget (PNG).")] = None,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", help="Progress bar with the time left on stderr (default: when stderr is a terminal).")] = None,
) -> None:
    """Convergence study: estimate, stderr and distance to the exact answer over a geometric
    series of budgets; the fitted stderr slope should be -1/2.
    """
    import json as _json

    from ..results import atomic_write, to_jsonable, write_table
    from ..runs import check_budgets, check_output
    from ..stochastic import convergence, stderr_slopes
    from ..wire import ClassicalParams

    if out is not None:  # before any work
        check_output("out", out, (".csv", ".parquet", ".json"))
    if plot is not None:
        check_output("plot", plot, (".png",))
    check_budgets(steps_min, steps_max, factor, layout, n, n_batches=batches, estimator=estimator)  # size guards
    wire = make_wire(layout, n)
    params = ClassicalParams(p=p, Ig=ig, drho=drho, rho0=rho0)
    t0 = time.perf_counter()
    try:
        df = convergence(wire, params, steps_min=steps_min, steps_max=steps_max, factor=factor, seed=seed,
                         estimator=estimator, n_batches=batches, workers=workers, progress=progress)
    except KeyboardInterrupt:
        print("nonrecip: interrupted: nothing kept (converge keeps no checkpoint; its budgets are "
              "single simulate runs)", file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    slopes = stderr_slopes(df)
    info(f"converge: {df['steps'].nunique()} budgets in {time.perf_counter() - t0:.2f} s")

    def rows(q: str) -> dict:
        g = df[df["quantity"] == q].drop(columns="quantity")
        return {"rows": g.to_dict(orient="records"), "stderr_slope": slopes[q]}

    doc = {
        "parameters": {"model": "converge", "layout": wire.layout, "N": wire.N, **params.to_dict(),
                       "seed": seed, "n_batches": batches, "estimator": estimator, "mode": "linear",
                       "steps_min": steps_min, "steps_max": steps_max, "factor": factor},
        "forward": {"I_in": rows("I_in_forward")},
        "reverse": {"I_in": rows("I_in_reverse")},
        "delta_I": rows("delta_I"),
    }
    text = _json.dumps(to_jsonable(doc), indent=2, allow_nan=False)
    if out is not None:
        if out.suffix.lower() == ".json":
            atomic_write(out, (text + "\n").encode())
        else:
            write_table(df, out)
        info(f"wrote {out}")
    if plot is not None:
        from ..paper.figures.convergence import save_convergence_plot

        save_convergence_plot(df, plot, slopes=slopes,
                              title=f"{wire.layout if wire.N <= 24 else f'N = {wire.N}'}, p = {params.p:g}, "
                                    f"Ig = {params.Ig:g}, drho = {params.drho:g} ({estimator})")
        info(f"wrote {plot}")
    if json:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
        return
    _print_table(df, slopes)


def _print_table(df, slopes) -> None:
    from rich.console import Console
    from rich.table import Table

    tab = Table(title="Monte Carlo vs exact over budgets")
    for c in ("steps", "quantity", "estimate", "stderr", "exact", "|estimate - exact|", "z"):
        tab.add_column(c, justify="left" if c == "quantity" else "right")
    for r in df.itertuples(index=False):
        tab.add_row(str(r.steps), r.quantity, f"{r.estimate:.8g}", f"{r.stderr:.3g}", f"{r.exact:.8g}",
                    f"{r.abs_error:.3g}", f"{r.z:+.2f}")
    con = Console(highlight=False)
    con.print(tab)
    con.print("fitted slope of log(stderr) vs log(steps) (honest Monte Carlo: -0.5): "
              + ", ".join(f"{k} {v:+.3f}" for k, v in slopes.items()))
