"""``nonrecip simulate`` and ``nonrecip converge``: the steady-state Monte Carlo.

Parse, call :mod:`nonrecip.stochastic`, print. ``--json`` prints exactly one
JSON object (same inputs and seed: the same bytes, whatever ``--workers``);
timings, progress and messages go to stderr.
"""

import math
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from ..params import defaults
from . import _common
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
    PProfileOpt,
    Rho0Opt,
    SeedOpt,
    StepsMaxOpt,
    StepsMinOpt,
    StepsOpt,
    emit,
    info,
    make_wire,
    option,
)

#: defaults of the options, from the parameter table (nonrecip.params)
D = defaults("simulate")

#: exit code of an interrupted run (Ctrl-C / SIGTERM), as a shell reports SIGINT
EXIT_INTERRUPTED = 130

WorkersOpt = Annotated[int | None, typer.Option(
    "--workers", help="Threads (default: all cores); never changes the result.")]
TargetOpt = Annotated[float | None, option("target_stderr")]
RelativeOpt = Annotated[bool, option("relative")]
MaxSecondsOpt = Annotated[float | None, option("max_seconds")]


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
    p_profile: PProfileOpt = None,
    ig: IgOpt = D["Ig"],
    drho: DrhoOpt = D["drho"],
    rho0: Rho0Opt = D["rho0"],
    steps: StepsOpt = D["steps"],
    seed: SeedOpt = D["seed"],
    mode: ModeOpt = D["mode"],
    estimator: EstimatorOpt = D["estimator"],
    batches: BatchesOpt = D["n_batches"],
    workers: WorkersOpt = None,
    target_stderr: TargetOpt = None,
    relative: RelativeOpt = False,
    max_seconds: MaxSecondsOpt = None,
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
    sites: _common.SitesOpt = None,
) -> None:
    """Monte Carlo steady state of the classical walkers, with standard errors (Sec. II, conventions §2).

    Every estimated quantity is printed as mean ± stderr; --json gives
    {"mean", "stderr"} for each (lists over bonds and sites).
    """
    from ..runs import check_checkpoint_space, check_monte_carlo, check_output, check_output_space
    from ..stochastic import simulate
    from ..wire import ClassicalParams

    check_monte_carlo(layout, n, steps=steps, n_batches=batches, estimator=estimator)  # size guards, before any work
    wire = make_wire(layout, n)
    given: dict[str, Any] = dict(p=p, p_profile=p_profile, Ig=ig, drho=drho, rho0=rho0)  # a profile file: read by the table
    params = ClassicalParams(**given)
    if out is not None:  # before any work: a result that cannot be written is refused now
        check_output("out", out, (".json", ".csv", ".parquet"))
        check_output_space(out, layout, n)
    check_checkpoint_space(checkpoint, layout, n, batches, estimator, mode)  # room for every batch
    t0 = time.perf_counter()
    c0 = time.process_time()
    pilot: int | None = steps
    if target_stderr is not None and steps == D["steps"]:
        pilot = None    # the pilot's own default
    try:
        res = simulate(wire, params, steps=pilot if target_stderr is not None else steps, seed=seed, mode=mode,
                       estimator=estimator, n_batches=batches,
                       workers=workers, checkpoint=checkpoint, resume=resume, progress=progress,
                       overwrite=overwrite, target_stderr=target_stderr, relative=relative,
                       max_seconds=max_seconds)
    except KeyboardInterrupt:
        _interrupted(checkpoint, batches)
    ex = res.extra
    se = float(res.delta_I.stderr)
    pilot_text = f" after a pilot of {ex['pilot_steps']} steps" if "pilot_steps" in ex else ""
    info(f"simulate: {ex['steps']} steps{pilot_text}, {batches} batches in {time.perf_counter() - t0:.3f} s "
         f"({time.process_time() - c0:.3f} s CPU)")
    if ex.get("capped"):
        info(f"simulate: --max-seconds {max_seconds:g} cut the run short at {ex['steps']} steps; the target "
             f"was {'met' if ex['target_met'] else 'NOT met'} (stderr(delta_I) = {se:.3g})")
    elif "target_met" in ex and not ex["target_met"]:
        info(f"simulate: the target was not met (stderr(delta_I) = {se:.3g}); the sizing "
             "meets it in >= 95 % of runs")
    emit(res, as_json=json, out=out, sites=sites)


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
    """Convergence study: estimate, stderr and distance to the exact answer over budgets.

    The budgets form a geometric series; the fitted stderr slope should be -1/2.
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
    if out is not None:  # three quantities per budget, ~12 columns
        from ..runs.budget import check_table_space

        n_budgets = 2 + int(math.log(steps_max / steps_min) / math.log(factor))
        check_table_space("out", out, 3 * n_budgets, 16)
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
    _common.print_convergence(df, slopes)
