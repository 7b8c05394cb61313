"""The typer applications. Command modules register themselves on these."""

import typer

app = typer.Typer(
    name="nonrecip",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Nonreciprocal charge transport in wires with balanced sources and drains.",
)
solve_app = typer.Typer(no_args_is_help=True, help="Exact steady states (classical, circuit, quantum).")
app.add_typer(solve_app, name="solve")
