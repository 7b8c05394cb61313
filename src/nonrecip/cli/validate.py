"""``nonrecip validate``: run the registered checks, print the table, write a report."""

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from ._app import app
from ._common import JsonOpt, info


@app.command("validate")
def validate_cmd(
    quick: Annotated[bool, typer.Option(
        "--quick", help="Small Monte Carlo budgets, well under a minute (the default).")] = False,
    full: Annotated[bool, typer.Option(
        "--full", help="Tight Monte Carlo error bars and more sizes (not with --quick).")] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write the report to FILE: .md, .csv, .json or .html (by extension).")] = None,
    json: JsonOpt = False,
    select: Annotated[list[str] | None, typer.Option(
        "--select", help="Only checks whose id matches this glob (repeatable), e.g. 'classical.*'.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Base seed of the Monte Carlo checks.")] = 0,
    rows: Annotated[bool, typer.Option("--rows", help="Show every comparison, not one line per check.")] = False,
    failed_only: Annotated[bool, typer.Option("--failed-only", help="Show only the failed comparisons.")] = False,
    list_checks: Annotated[bool, typer.Option("--list", help="List the registered checks and exit.")] = False,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress",
        help="Progress bar with the time left on stderr (default: when stderr is a terminal); "
             "without it, one line per check.")] = None,
) -> None:
    """Check every model against the paper's closed forms and each other.

    Exit code 0 when every check passes, 1 when any fails.
    """
    from ..runs.paths import check_report
    from ..validate import all_checks, run_checks
    from ..validate.report import print_table, summary, to_json, write_report
    from ..wire import ParameterError

    if quick and full:
        raise ParameterError("full", True, "give either --quick or --full, not both")
    level = "full" if full else "quick"
    if out is not None and out.suffix.lower() not in (".md", ".csv", ".json", ".html"):
        raise ParameterError("out", str(out), "the report extension must be .md, .csv, .json or .html")
    check_report(out, seed)  # before any work: --out writable, --seed allowed
    if list_checks:
        from .. import _render
        from .._render import Column

        _render.print_table("registered checks",
                            [Column("check", "left", key=True), Column("levels", "left"),
                             Column("equation", "left", text=True), Column("what", "left", text=True)],
                            [[cid, ",".join(c.levels), c.equation, c.doc] for cid, c in all_checks().items()])
        return
    from ..runs import ProgressBar, progress_default
    from ..validate.registry import selected

    t0 = time.perf_counter()
    todo = selected(level, select)
    with ProgressBar("validate", len(todo), enabled=progress_default(progress), counts=True,
                     transient=True) as bar:

        def done(cid: str, sec: float) -> None:
            if bar.enabled:
                bar.advance(description=f"validate {cid}")
            else:
                info(f"  {cid:32s} {sec:6.2f} s")

        df = run_checks(level, select=select, seed=seed, progress=done)
    info(f"ran in {time.perf_counter() - t0:.1f} s")
    if out is not None:
        write_report(df, out)
        info(f"wrote {out}")
    if json:
        sys.stdout.write(to_json(df) + "\n")
        sys.stdout.flush()
    else:
        print_table(df, rows=rows, failed_only=failed_only)
    if not summary(df)["passed"]:
        raise typer.Exit(code=1)
