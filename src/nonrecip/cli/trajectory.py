"""``nonrecip trajectory``: time-resolved walker population runs. Parse, call the library, print."""

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from ..params import defaults
from ._app import app
from ._common import (
    BiasOpt,
    DrhoOpt,
    IgOpt,
    JsonOpt,
    LayoutOpt,
    ModeOpt,
    NOpt,
    OutOpt,
    POpt,
    RecordEveryOpt,
    Rho0Opt,
    RunsOpt,
    ScaleOpt,
    SeedOpt,
    StartOpt,
    StepsOpt,
    info,
    make_wire,
)

#: defaults of the options, from the parameter table (nonrecip.params)
D = defaults("trajectory")

#: exit code when --stop-after ends a run early (checkpoint kept)
EXIT_STOPPED = 3
#: exit code of an interrupted run (Ctrl-C / SIGTERM), as a shell reports SIGINT
EXIT_INTERRUPTED = 130


@app.command("trajectory")
def trajectory_cmd(
    layout: LayoutOpt = D["layout"],
    n: NOpt = D["N"],
    p: POpt = D["p"],
    ig: IgOpt = D["Ig"],
    drho: DrhoOpt = D["drho"],
    rho0: Rho0Opt = D["rho0"],
    steps: StepsOpt = D["steps"],
    seed: SeedOpt = D["seed"],
    bias: BiasOpt = D["bias"],
    start: StartOpt = D["start"],
    mode: ModeOpt = D["mode"],
    record_every: RecordEveryOpt = D["record_every"],
    scale: ScaleOpt = D["scale"],
    runs: RunsOpt = D["runs"],
    workers: Annotated[int | None, typer.Option("--workers", help="Threads (default: all cores).")] = None,
    json: JsonOpt = False,
    out: OutOpt = None,
    checkpoint: Annotated[Path | None, typer.Option(
        "--checkpoint", help="Checkpoint FILE, written periodically, on Ctrl-C/SIGTERM and at the end.")] = None,
    checkpoint_every: Annotated[float, typer.Option(
        "--checkpoint-every", help="Seconds between periodic checkpoints.")] = 60.0,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue from --checkpoint (same parameters; --steps may grow).")] = False,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", help="Progress bar with the time left on stderr (default: when stderr is a terminal).")] = None,
    stop_after: Annotated[int | None, typer.Option(
        "--stop-after", hidden=True, help="Stop as if interrupted once this many steps are done (exit 3).")] = None,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Start afresh over an existing --checkpoint (otherwise refused without --resume).")] = False,
) -> None:
    """Time-resolved walker population from an empty wire to the steady state (Sec. II, conventions §2).

    Prints the late-time average boundary currents against the exact solver;
    --out FILE.csv/.parquet writes the tidy trajectory (occupations, bond
    currents, I_in, I_out per recorded step); --json prints parameters and the
    boundary-current time series. Ctrl-C or SIGTERM writes the checkpoint (and
    --out with what was computed) and exits 130.
    """
    import contextlib

    from ..runs import (
        FileLock,
        Interruption,
        ProgressBar,
        check_checkpoint,
        check_output,
        check_trajectory,
        check_trajectory_space,
        clean_temporaries,
        progress_default,
    )
    from ..stochastic.population import TrajectoryRun
    from ..wire import ClassicalParams

    # before any work: sizes, outputs and checkpoint
    check_trajectory(layout, n, steps=steps, record_every=record_every, runs=runs, bias=bias)
    if out is not None:
        check_output("out", out, (".csv", ".parquet"))
        check_trajectory_space(out, layout, n, steps=steps, record_every=record_every, runs=runs, bias=bias)
    checkpoint = check_checkpoint(checkpoint, resume=resume, overwrite=overwrite)
    wire = make_wire(layout, n)
    params = ClassicalParams(p=p, Ig=ig, drho=drho, rho0=rho0)
    if record_every is None:
        record_every = max(1, steps // 500) if isinstance(steps, int) and steps > 0 else 1
    run = TrajectoryRun(wire, params, steps=steps, seed=seed, bias=bias, start=start, mode=mode,
                        record_every=record_every, scale=scale, n_runs=runs)
    with contextlib.ExitStack() as stack:
        if checkpoint is not None:
            stack.enter_context(FileLock(checkpoint, "checkpoint"))
            clean_temporaries(checkpoint)
        if resume:
            assert checkpoint is not None  # check_checkpoint refuses --resume without --checkpoint
            run.load_state(checkpoint)
            info(f"resumed {checkpoint} at step {run.done} of {run.steps}")
        t0 = time.perf_counter()
        stop = Interruption()
        try:
            with stop, ProgressBar("steps", run.steps, enabled=progress_default(progress), completed=run.done,
                                   counts=True, transient=True) as bar:
                def should_stop() -> bool:
                    return stop.signalled is not None or (stop_after is not None and run.done >= stop_after)

                finished = run.run(workers=workers, should_stop=should_stop,
                                   progress=lambda done, total: bar.update(done),
                                   checkpoint=checkpoint, checkpoint_every=checkpoint_every)
        except KeyboardInterrupt:
            _interrupted(run, stop.name, checkpoint, out)
    info(f"{run.done} steps x {runs} run(s) x {len(run.biases)} bias(es) in {time.perf_counter() - t0:.2f} s")
    if out is not None:
        run.save_frame(out)
        info(f"wrote {out}" + ("" if finished else f" (partial: {run.done} of {run.steps} steps)"))
    if not finished:
        if checkpoint is not None:
            info(f"checkpoint {checkpoint} at step {run.done}; continue with --resume")
        raise typer.Exit(EXIT_STOPPED)
    if json:
        sys.stdout.write(run.to_json() + "\n")
        sys.stdout.flush()
    else:
        _print_summary(run)


def _interrupted(run, signal_name: str | None, checkpoint: Path | None, out: Path | None) -> None:
    """Keep what an interrupted run computed, say so in one line on stderr, exit 130.

    The checkpoint is already written; ``--out`` gets the partial frame.
    """
    kept = []
    if checkpoint is not None and checkpoint.exists():
        kept.append(f"checkpoint {checkpoint}")
    if out is not None and run.done > 0:
        run.save_frame(out)
        kept.append(f"partial table {out}")
    what = (" and ".join(kept) + " kept; rerun the same command with --resume to finish" if checkpoint is not None
            and checkpoint.exists() else (" and ".join(kept) + " kept" if kept else "nothing kept (no --checkpoint)"))
    print(f"nonrecip: interrupted by {signal_name or 'Ctrl-C'} at step {run.done} of {run.steps}: {what}",
          file=sys.stderr)
    raise typer.Exit(EXIT_INTERRUPTED)


def _print_summary(run) -> None:
    """Print the late-time boundary currents against the exact linear steady state.

    The table fits ``COLUMNS`` and never splits a number (:mod:`nonrecip._render`):
    an estimate is ``mean ± stderr``, the standard error to 2 significant
    digits and the mean to the same decimal place; ``z`` is
    ``(mean - exact) / stderr``.
    """
    import math

    from .._render import Column, Est, Num, print_table, print_text, short_layout
    from ._common import _named_layout

    pr = run.parameters
    layout = short_layout(pr["layout"], named=_named_layout(run.wire))
    print_text(f"trajectory  layout={layout} N={pr['N']} p={pr['p']:g} Ig={pr['Ig']:g} "
               f"drho={pr['drho']:g} rho0={pr['rho0']:g} mode={pr['mode']} start={pr['start']} "
               f"steps={pr['steps']} runs={pr['runs']} scale={pr['scale']:g}")
    rows: list[list[object]] = []
    for b in run.biases:
        late = run.late_averages(b)
        ex = run.exact(b)
        for q in ("I_in", "I_out", "unmet_drain"):
            if q not in late:
                continue
            est = late[q]
            ref = getattr(ex, q) if q != "unmet_drain" else 0.0  # the linear model never falls short
            z = est.z(ref) if est.stderr == est.stderr and est.stderr > 0 else math.nan
            rows.append([b.value, q, Est(est.mean, est.stderr), Num(float(ref)),
                         f"{z:+.2f}" if math.isfinite(z) else ""])
    frm = run.late_averages(run.biases[0])["from_step"]
    note = (f"late average: recorded windows after step {frm}; unmet_drain counts all drains; physical mode "
            "differs from the exact linear value wherever a drain falls short." if pr["mode"] == "physical"
            else f"late average: recorded windows after step {frm}.")
    print_table(f"boundary currents: late average vs exact linear steady state "
                f"(relaxation time <= {pr['relaxation_time']:.4g} steps)",
                [Column("bias", "left", key=True), Column("quantity", "left", key=True),
                 Column("late average"), Column("exact (linear)"), Column("z")], rows, caption=note)
