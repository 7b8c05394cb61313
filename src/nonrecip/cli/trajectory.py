"""``nonrecip trajectory``: time-resolved walker population runs. Parse, call the library, print."""

from __future__ import annotations

import signal
import sys
import threading
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


class _Stop:
    """SIGINT/SIGTERM set a flag that the run checks between chunks; a second
    signal interrupts at once."""

    def __init__(self) -> None:
        self.signalled: int | None = None
        self._old: dict[int, object] = {}

    def _handler(self, signum, frame):  # pragma: no cover - exercised by a subprocess test
        if self.signalled is not None:
            raise KeyboardInterrupt
        self.signalled = signum

    def __enter__(self) -> _Stop:
        if threading.current_thread() is threading.main_thread():
            for s in (signal.SIGINT, signal.SIGTERM):
                self._old[s] = signal.signal(s, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        for s, h in self._old.items():
            signal.signal(s, h)


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
    progress: Annotated[bool, typer.Option("--progress", help="Progress bar on stderr.")] = False,
    stop_after: Annotated[int | None, typer.Option(
        "--stop-after", hidden=True, help="Stop as if interrupted once this many steps are done (exit 3).")] = None,
) -> None:
    """Time-resolved walker population from an empty wire to the steady state (Sec. II, conventions §2).

    Prints the late-time average boundary currents against the exact solver;
    --out FILE.csv/.parquet writes the tidy trajectory (occupations, bond
    currents, I_in, I_out per recorded step); --json prints parameters and the
    boundary-current time series. Ctrl-C or SIGTERM writes the checkpoint (and
    --out with what was computed) and exits 130.
    """
    from ..stochastic.population import TrajectoryRun
    from ..wire import ClassicalParams, ParameterError

    if out is not None and out.suffix.lower() not in (".csv", ".parquet"):
        raise ParameterError("out", str(out), "the file extension must be .csv or .parquet")
    if resume and checkpoint is None:
        raise ParameterError("resume", True, "needs --checkpoint FILE to resume from")
    if checkpoint is not None and checkpoint.exists() and not resume:
        raise ParameterError("checkpoint", str(checkpoint), "exists; pass --resume to continue it, or remove it")
    wire = make_wire(layout, n)
    params = ClassicalParams(p=p, Ig=ig, drho=drho, rho0=rho0)
    if record_every is None:
        record_every = max(1, steps // 500) if isinstance(steps, int) and steps > 0 else 1
    run = TrajectoryRun(wire, params, steps=steps, seed=seed, bias=bias, start=start, mode=mode,
                        record_every=record_every, scale=scale, n_runs=runs)
    if resume:
        run.load_state(checkpoint)
        info(f"resumed {checkpoint} at step {run.done} of {run.steps}")

    t0 = time.perf_counter()
    with _Stop() as stop, _progress(progress, run.steps, run.done) as bar:
        def should_stop() -> bool:
            return stop.signalled is not None or (stop_after is not None and run.done >= stop_after)

        finished = run.run(workers=workers, should_stop=should_stop, progress=bar,
                           checkpoint=checkpoint, checkpoint_every=checkpoint_every)
    info(f"{run.done} steps x {runs} run(s) x {len(run.biases)} bias(es) in {time.perf_counter() - t0:.2f} s")
    if out is not None:
        run.save_frame(out)
        info(f"wrote {out}" + ("" if finished else f" (partial: {run.done} of {run.steps} steps)"))
    if not finished:
        if checkpoint is not None:
            info(f"checkpoint {checkpoint} at step {run.done}; continue with --resume")
        if stop.signalled is not None:
            info(f"interrupted by {signal.Signals(stop.signalled).name}")
            raise KeyboardInterrupt  # the CLI turns it into exit code 130
        raise typer.Exit(EXIT_STOPPED)
    if json:
        sys.stdout.write(run.to_json() + "\n")
        sys.stdout.flush()
    else:
        _print_summary(run)


class _progress:
    """A rich progress bar on stderr (or nothing); used as ``progress(done, total)``."""

    def __init__(self, enabled: bool, total: int, done: int) -> None:
        self.enabled, self.total, self.done = enabled, total, done
        self._bar = None

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(TextColumn("steps"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                             TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self._bar.start()
        task = self._bar.add_task("steps", total=self.total, completed=self.done)
        bar = self._bar

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done)

        return update

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()


def _print_summary(run) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    pr = run.parameters
    console.print(f"[bold]trajectory[/bold]  layout={pr['layout']} N={pr['N']} p={pr['p']:g} Ig={pr['Ig']:g} "
                  f"drho={pr['drho']:g} rho0={pr['rho0']:g} mode={pr['mode']} start={pr['start']} "
                  f"steps={pr['steps']} runs={pr['runs']} scale={pr['scale']:g}")
    tab = Table(title=f"boundary currents: late average vs exact linear steady state "
                      f"(relaxation time <= {pr['relaxation_time']:.4g} steps)")
    for c in ("bias", "quantity", "late average", "exact (linear)", "z"):
        tab.add_column(c, justify="right")
    for b in run.biases:
        late = run.late_averages(b)
        ex = run.exact(b)
        for q in ("I_in", "I_out", "unmet_drain"):
            if q not in late:
                continue
            est = late[q]
            ref = getattr(ex, q) if q != "unmet_drain" else 0.0  # the linear model never falls short
            z = est.z(ref) if est.stderr == est.stderr else float("nan")
            tab.add_row(b.value, q if q != "unmet_drain" else "unmet_drain (all drains)",
                        f"{est.mean:.6g} ± {est.stderr:.2g}", f"{ref:.6g}", f"{z:+.2f}")
    console.print(tab)
    frm = run.late_averages(run.biases[0])["from_step"]
    console.print(f"late average: recorded windows after step {frm}; physical mode differs from the exact "
                  "linear value wherever a drain falls short." if pr["mode"] == "physical" else
                  f"late average: recorded windows after step {frm}.")
