"""``nonrecip figure NAME``: reproduce a figure of the paper as PNG + CSV (+ PDF).

Files go to ``--out`` (default ``figures/`` under the current directory);
every message goes to stderr, ending with the directory the files went to.
``figure all`` shows a progress bar with the time left on stderr when stderr
is a terminal (``--no-progress`` silences it). The repository's own gallery
is regenerated with ``nonrecip figure all --out docs/figures``.
"""

import time
from pathlib import Path
from typing import Annotated

import typer

from ._app import app
from ._common import info

#: typical seconds per figure (full grids, one core); weights of the progress bar so that its
#: time left is not fooled by the few slow figures (Monte Carlo, the nonlinear solve of Fig. 2c)
_COST = {"1": 3.5, "2b": 4.0, "2c": 7.5, "3a": 0.3, "3b": 0.3, "3c": 0.3, "5": 0.3, "6": 1.7, "7": 0.6,
         "8": 0.4, "9": 0.3, "10": 0.5, "mc": 6.7, "lc": 1.4, "map-classical": 0.9, "map-quantum": 0.5}


@app.command("figure")
def figure_cmd(
    name: Annotated[str, typer.Argument(
        help="Figure: 1, 2b, 2c, 3a, 3b, 3c, 5, 6, 7, 8, 9, 10, the extras mc, lc, map-classical, "
             "map-quantum, or 'all'.")],
    out: Annotated[Path, typer.Option(
        "--out", help="Directory for fig_NAME.png / .csv (/ .pdf), created if missing.")] = Path("figures"),
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write fig_NAME.pdf.")] = False,
    quick: Annotated[bool, typer.Option("--quick", help="Coarse grids and small Monte Carlo budgets (tests).")] = False,
    progress: Annotated[bool, typer.Option(
        "--progress/--no-progress",
        help="Progress bar on stderr (figures done, time left) when stderr is a terminal.")] = True,
) -> None:
    """Reproduce a figure of the paper: fig_NAME.png + tidy fig_NAME.csv (+ .pdf) in --out."""
    from ..runs import check_directory
    from ..wire import ParameterError

    check_directory("out", out)  # a directory, or to be created where it can be; before any work
    import matplotlib

    matplotlib.use("Agg")
    from ..paper import figures as F

    available = F.names()
    todo = available if name == "all" else [name]
    if name != "all" and name not in available:
        raise ParameterError("NAME", name, "must be one of " + ", ".join(available) + " or all")
    bar = _Bar(todo) if progress and len(todo) > 1 else None
    n_files = 0
    t_all = time.perf_counter()
    try:
        for n in todo:
            if bar is not None:
                bar.start(n)
            t0 = time.perf_counter()
            paths = F.make_and_save(n, out, quick=quick, pdf=pdf)
            n_files += len(paths)
            msg = f"fig {n:14s} {time.perf_counter() - t0:6.1f} s  " + " ".join(p.name for p in paths)
            if bar is not None:
                bar.done(n, msg)
            else:
                info(msg)
    finally:
        if bar is not None:
            bar.close()
    info(f"wrote {n_files} files ({len(todo)} figure{'s' if len(todo) != 1 else ''}) in "
         f"{time.perf_counter() - t_all:.1f} s to {out.resolve()}")


class _Bar:
    """Rich progress over the figures on stderr, weighted by their typical cost.

    Inactive (plain lines) when stderr is not a terminal.
    """

    def __init__(self, names: list[str]):
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        console = Console(stderr=True)
        self._weights = {n: _COST.get(n, 1.0) for n in names}
        self._progress = None
        if not console.is_terminal:
            return
        # the bar and the time left follow the weighted work; the text counts figures
        self._progress = Progress(
            TextColumn("figure {task.fields[fig]:14s}"), BarColumn(),
            TextColumn(f"{{task.fields[done]}}/{len(names)} figures"), TimeElapsedColumn(), TextColumn("left"),
            TimeRemainingColumn(),
            console=console, transient=False,
        )
        self._task = self._progress.add_task("figures", total=sum(self._weights.values()), fig=names[0], done=0)
        self._done = 0
        self._progress.start()

    def start(self, name: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, fig=name)

    def done(self, name: str, msg: str) -> None:
        if self._progress is None:
            info(msg)
            return
        self._done += 1
        self._progress.console.print(msg, highlight=False)
        self._progress.update(self._task, advance=self._weights[name], done=self._done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
